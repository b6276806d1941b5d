"""Import participants into a program from a CSV or XLSX file, with the admin's rules and no size limit."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from participants import imports
from programs.models import Program


class Command(BaseCommand):
    help = (
        "Import participants and their enrolment into a program from a CSV or XLSX file laid out as the "
        "admin's template. Every row is validated first; nothing is written when a row has an error, "
        "changes a stored participant's name, institution or date of birth without --confirm-identity, "
        "or the seats do not suffice. Each row is listed with the fields it changes (stored → file); an "
        "empty cell changes nothing stored, '-' clears a value. --dry-run validates and reports only. "
        "The import is recorded."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--program", type=int, required=True, help="program id")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument("--show-errors", type=int, default=50, help="how many row errors to print")
        parser.add_argument(
            "--confirm-identity",
            action="append",
            default=[],
            metavar="NIP",
            help="confirm the change of name, institution or date of birth of the participant with this NIP "
            "(for a row without NIP: its row number); repeat, or separate with commas",
        )

    def handle(self, *args, file, program, dry_run, user, show_errors, confirm_identity, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            program = Program.objects.get(pk=program)
        except Program.DoesNotExist:
            raise CommandError(f"No program {program}.") from None
        account = None
        if user:
            try:
                account = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {user!r}.") from None
        started = time.monotonic()

        def progress(done, total):
            self.stdout.write(f"  validated {done:,} of {total:,} rows ({time.monotonic() - started:.1f} s)")

        self.stdout.write(f"Reading {path.name} for {program} ...")
        content = path.read_bytes()
        confirmed = [key.strip() for value in confirm_identity for key in value.split(",") if key.strip()]
        if dry_run:
            preview = imports.preview_import(
                program=program, content=content, filename=path.name, confirmed=confirmed, progress=progress
            )
        else:
            _batch, preview = imports.import_file(
                program=program,
                user=account,
                filename=path.name,
                content=content,
                confirmed=confirmed,
                progress=progress,
            )
        self._report_rows(preview)
        self._report(preview, show_errors)
        elapsed = time.monotonic() - started
        if not preview.is_valid:
            raise CommandError(f"Nothing was written ({elapsed:.1f} s).")
        verb = "Would import" if dry_run else "Imported"
        counts = preview.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(preview.rows)} rows: {counts['new']} new, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged ({elapsed:.1f} s)."
            )
        )

    def _report_rows(self, preview):
        """Each row that can be written, and the fields it changes: stored -> file."""
        for row in preview.rows:
            if row.action == imports.RowAction.ERROR:
                continue  # listed with its errors
            self.stdout.write(f"Row {row.number}: {row.action}")
            for change in row.changes:
                note = ""
                if change.identity:
                    note = (
                        " (identity change, confirmed)"
                        if row.confirmed
                        else " (identity change, NOT confirmed)"
                    )
                self.stdout.write(f"  {change.column}: “{change.old}” → “{change.new}”{note}")

    def _report(self, preview, show_errors):
        for problem in preview.problems:
            self.stderr.write(f"File: {problem}")
        shown = 0
        for row in preview.rows:
            for column, message in row.error_list:
                if shown < show_errors:
                    self.stderr.write(f"Row {row.number}, {column}: {message}")
                shown += 1
        if shown > show_errors:
            self.stderr.write(f"... and {shown - show_errors} more errors.")
        for row in preview.unconfirmed:
            for change in row.identity_changes:
                self.stderr.write(
                    f"Row {row.number}, {change.column}: “{change.old}” → “{change.new}” changes who this "
                    f"participant is; confirm with --confirm-identity {row.identity_key}"
                )
