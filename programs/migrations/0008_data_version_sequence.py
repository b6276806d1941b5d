"""The data version as a sequence on PostgreSQL (programs/dataversion.py): nextval() never waits for a lock."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('CREATE SEQUENCE IF NOT EXISTS "programs_data_version"')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP SEQUENCE IF EXISTS "programs_data_version"')


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0007_data_version"),
    ]

    operations = [migrations.RunPython(create, drop)]
