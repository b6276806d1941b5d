import gzip
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Rebuilt by `migrate` on any database, or not worth keeping: content types and permissions (restored by
# natural key), sessions, the admin's log, django-axes' login records.
# The data version (programs/dataversion.py) is not data: it moves with every save, the restore's included.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes", "programs.dataversion"]


class Command(BaseCommand):
    help = (
        "Write every record of the app to a gzipped JSON file that `restore` loads into an empty, migrated "
        "database of either kind (SQLite or PostgreSQL). On PostgreSQL, pg_dump is the faster alternative."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", type=Path, help="file to write, e.g. backup-2025-10-07.json.gz")

    def handle(self, *args, output, **options):
        output.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(output, "wt", encoding="utf-8") as stream:
            call_command(
                "dumpdata",
                natural_foreign=True,
                natural_primary=True,
                exclude=EXCLUDED,
                stdout=stream,
                verbosity=0,
            )
        self.stdout.write(f"Backup written to {output} ({output.stat().st_size:,} bytes).")
