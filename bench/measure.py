"""One benchmark measurement, run in its own process by bench/run.py; prints one JSON line.

    python bench/measure.py csv|csv-memory|xlsx|import [repeats]

DATABASE_URL names the scratch database that bench/run.py filled with generate_national_data.
"""

import json
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainingtracker.settings")

import django  # noqa: E402 (the path and settings come first)

django.setup()

from django.db import connection, transaction  # noqa: E402

from reports.exports import EnrolmentsExporter, reading  # noqa: E402

DATA = ROOT / "bench" / "data"


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def csv_export():
    """The web view's path: the streamed response's chunks, consumed as a client would."""
    response = EnrolmentsExporter(user=None).response("csv")
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    return size


def copy_csv():
    """COPY of the exporter's own query (sql_with_params of the same queryset) through psycopg, in the same
    read transaction and settings as the export (reports.exports.reading: JIT off, the cost of a
    random read), so that the ratio is the export's own work."""
    sql, params = EnrolmentsExporter(user=None).query().query.sql_with_params()
    size = 0
    with (
        reading(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV", params) as copy,
    ):
        for data in copy:
            size += len(data)
    return size


def measure_csv(repeats):
    ours, copies = [], []
    for _ in range(repeats):  # alternated, so that a busy moment hurts both sides alike
        ours.append(timed(csv_export)[0])
        copies.append(timed(copy_csv)[0])
    return {
        "csv_seconds": ours,
        "copy_seconds": copies,
        "rows": EnrolmentsExporter(user=None).query().count(),
    }


def measure_csv_memory():
    before = peak_rss_mb()
    seconds, size = timed(csv_export)
    return {"rss_before_mb": before, "rss_peak_mb": peak_rss_mb(), "bytes": size, "seconds": seconds}


def bare_xlsx(rows, columns):
    """XlsxWriter in constant memory over values already in memory: the floor for our XLSX."""
    import xlsxwriter

    with tempfile.TemporaryFile() as handle:
        workbook = xlsxwriter.Workbook(handle, {"constant_memory": True})
        bold = workbook.add_format({"bold": True})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet = workbook.add_worksheet("Enrolments")
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, rows[0], bold)
        write_string, write_number, write_datetime = (
            sheet.write_string,
            sheet.write_number,
            sheet.write_datetime,
        )
        for number, row in enumerate(rows[1:], start=1):
            for col, value in enumerate(row):
                kind = value.__class__
                if kind is str:
                    if value:
                        write_string(number, col, value)
                elif kind is int or kind is float or kind is Decimal:
                    write_number(number, col, value)
                elif value is not None:
                    write_datetime(number, col, value, date)
        workbook.close()


def our_xlsx():
    with tempfile.TemporaryFile() as handle:
        return EnrolmentsExporter(user=None).write_xlsx(handle)


def measure_xlsx(repeats):
    exporter = EnrolmentsExporter(user=None)  # neutralised text, as write_xlsx asks for
    with reading():
        rows = list(exporter.iterate())
    ours, bare = [], []
    for _ in range(repeats):
        ours.append(timed(our_xlsx)[0])
        bare.append(timed(lambda: bare_xlsx(rows, exporter.columns))[0])
    return {"xlsx_seconds": ours, "bare_seconds": bare, "rows": len(rows) - 1}


def measure_import(rows):
    from import_export import fields, resources
    from import_export.widgets import ForeignKeyWidget

    from participants import imports
    from participants.models import ImportStatus, Participant
    from programs.models import Institution, Program

    path = DATA / f"import-{rows}.xlsx"
    program = Program.objects.order_by("pk").first()
    content = path.read_bytes()

    class ParticipantResource(resources.ModelResource):
        # The file names institutions; everything else is django-import-export's defaults.
        institution = fields.Field(
            attribute="institution",
            column_name="institution",
            widget=ForeignKeyWidget(Institution, field="name"),
        )

        class Meta:
            model = Participant
            import_id_fields = ["nip"]
            fields = [
                "nip", "front_title", "name", "back_title", "gender", "birth_place", "birth_date", "rank",
                "position", "position_level", "institution", "email", "phone",
            ]  # fmt: skip

    def ours():
        with transaction.atomic():
            Program.objects.filter(pk=program.pk).update(capacity=30000)
            program.refresh_from_db()
            batch, preview = imports.import_file(
                program=program, user=None, filename=path.name, content=content
            )
            assert batch.status == ImportStatus.IMPORTED, (
                preview.problems,
                [r.errors for r in preview.rows if r.errors][:3],
            )
            assert preview.counts["new"] == rows, preview.counts
            transaction.set_rollback(True)

    def theirs():
        import tablib

        with transaction.atomic():
            dataset = tablib.Dataset().load(content, format="xlsx")
            result = ParticipantResource().import_data(dataset, dry_run=False, raise_errors=True)
            assert result.totals["new"] == rows, result.totals
            transaction.set_rollback(True)

    our_seconds, _ = timed(ours)
    their_seconds, _ = timed(theirs)
    return {"ours_seconds": our_seconds, "import_export_seconds": their_seconds, "rows": rows}


def make_import_file(rows):
    """An XLSX of `rows` new participants (NIPs born 1993-1999, unlike generate_national_data's) laid out
    as the admin's template, naming existing institutions."""
    import datetime
    import random

    import xlsxwriter

    from demo.factories import make_nip
    from participants.imports import COLUMN_NAMES
    from programs.models import Institution

    rng = random.Random(7)
    names = list(Institution.objects.filter(is_demo=True).order_by("pk").values_list("name", flat=True)[:200])
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"import-{rows}.xlsx"
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("Participants")
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, COLUMN_NAMES)
    used = set()
    for number in range(1, rows + 1):
        gender = rng.choice("MF")
        while True:
            birth = datetime.date(rng.randint(1993, 1999), rng.randint(1, 12), rng.randint(1, 28))
            nip = make_nip(
                birth_date=birth,
                tmt_year=birth.year + 24,
                tmt_month=rng.randint(1, 12),
                gender=gender,
                sequence=rng.randint(1, 999),
            )
            if nip not in used:
                used.add(nip)
                break
        values = {
            "nip": nip, "front_title": "", "name": f"Peserta Impor {number}", "back_title": "S.E.",
            "gender": gender, "birth_place": "Serang", "birth_date": birth, "rank": "III/d",
            "position": "Kepala Seksi", "position_level": "pengawas", "institution": rng.choice(names),
            "email": f"impor{number}@sintetis.example", "phone": "0812", "status": "registered", "note": "",
        }  # fmt: skip
        for col, name in enumerate(COLUMN_NAMES):
            value = values[name]
            if isinstance(value, datetime.date):
                sheet.write_datetime(number, col, value, date)
            else:
                sheet.write_string(number, col, value)
    workbook.close()
    return {"path": str(path.relative_to(ROOT)), "rows": rows, "bytes": path.stat().st_size}


if __name__ == "__main__":
    what = sys.argv[1]
    argument = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    result = {
        "csv": lambda: measure_csv(argument),
        "csv-memory": measure_csv_memory,
        "xlsx": lambda: measure_xlsx(argument),
        "import": lambda: measure_import(argument),
        "make-import-file": lambda: make_import_file(argument),
    }[what]()
    print(json.dumps(result, default=str))
