"""Write a participant report to a file: manage.py export_report enrolments --format xlsx -o out.xlsx."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from participants.models import ExportOrigin
from programs.models import Program
from reports.exports import EXPORTERS, ExportFilters, ExportTooLarge, InvalidFilters
from reports.models import ExportDataset, ExportFormat
from trainingtracker.files import PdfFontMissing


class Command(BaseCommand):
    help = (
        "Write one of the participant reports (roster, enrolments, institutions, history) as CSV, XLSX or "
        "PDF. Filters are the program list's (q, program_type, year, status, organiser, venue) and "
        "enrolment_status, given as --filter name=value. Without --user the file holds every institution "
        "unmasked; with it, that user's scope and masking apply."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=ExportDataset.values)
        parser.add_argument("--format", dest="fmt", choices=ExportFormat.values, default=ExportFormat.CSV)
        parser.add_argument("-o", "--output", required=True, help="path of the file to write")
        parser.add_argument("--program", type=int, help="program id (required for the roster)")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"one of {', '.join(ExportFilters.PARAMETERS)}; repeatable",
        )
        parser.add_argument("--user", help="username whose scope and masking apply")

    def handle(self, *args, dataset, fmt, output, program, filter, user, **options):
        filters = {}
        for item in filter:
            name, sep, value = item.partition("=")
            if not sep or name not in ExportFilters.PARAMETERS:
                raise CommandError(
                    f"--filter takes NAME=VALUE with NAME one of {', '.join(ExportFilters.PARAMETERS)}"
                )
            filters[name] = value
        account = None
        if user:
            try:
                account = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {user!r}.") from None
        kwargs = {"user": account, "filter_data": filters, "origin": ExportOrigin.COMMAND}
        if dataset == ExportDataset.ROSTER:
            if program is None:
                raise CommandError("The roster needs --program ID.")
            try:
                kwargs["program"] = Program.objects.select_related("organiser", "program_type").get(
                    pk=program
                )
            except Program.DoesNotExist:
                raise CommandError(f"No program {program}.") from None
        exporter = EXPORTERS[dataset](**kwargs)
        path = Path(output)
        try:
            with path.open("wb") as handle:
                count = exporter.write(fmt, handle)
        except (InvalidFilters, ExportTooLarge, PdfFontMissing) as error:
            path.unlink(missing_ok=True)
            raise CommandError(str(error)) from None
        self.stdout.write(f"Wrote {count} rows to {path} ({fmt}).")
