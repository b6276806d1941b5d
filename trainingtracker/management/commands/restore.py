import gzip
import shutil
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Load a file written by `backup` into an empty, migrated database, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path, help="the .json.gz file written by backup")

    def handle(self, *args, input, **options):
        if not input.exists():
            raise CommandError(f"No backup file at {input}.")
        Program = apps.get_model("programs", "Program")  # by label: this package imports no app
        if Program.objects.exists():
            raise CommandError(
                "This database already holds programs. Restore only into an empty, migrated database "
                "(for example: a new DATABASE_URL, then `manage.py migrate`)."
            )
        with tempfile.TemporaryDirectory() as folder:
            plain = Path(folder) / "backup.json"
            try:
                with gzip.open(input, "rb") as packed, plain.open("wb") as unpacked:
                    shutil.copyfileobj(packed, unpacked)
            except (OSError, EOFError) as error:
                raise CommandError(f"{input} is not a backup file written by `backup`: {error}") from None
            with transaction.atomic():
                call_command("loaddata", str(plain), verbosity=0)
        self.stdout.write(f"Restored {input}: {Program.objects.count()} programs.")
