"""Trigram indexes for the admin's searches on PostgreSQL (issue 7): `icontains` is
UPPER(column::text) LIKE UPPER('%term%'), which a GIN index of pg_trgm over the same expression answers
without reading the whole table. SQLite has no such index and needs none at its sizes: nothing is done there.
"""

from django.db import migrations

INDEXES = [
    ("participant_name_trgm", "participants_participant", "name"),
    ("participant_nip_trgm", "participants_participant", "nip"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0008_merge_history_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
