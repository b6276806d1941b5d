"""The memory and time of an upload, for files whose sheet is far larger than their rows; run by bench/run.py.

    python bench/import_memory.py make            builds the files in bench/data, prints their sizes
    python bench/import_memory.py program         the institution and the program the files name
    python bench/import_memory.py upload FILE     create_batch, the admin upload's path (read, validate, store)
    python bench/import_memory.py preview BATCH   batch_preview, the preview page's path

Each measurement runs in a fresh process, so its peak resident set size (ru_maxrss) is its own; the
figure (VmHWM) includes Python, Django and the database driver. Prints one JSON line.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
INSTITUTION = "Dinas Kesehatan Provinsi Banten"
PROGRAM = "Bench import memory"
HEADER = ["nip", "name", "institution", "birth_date", "gender", "rank", "email", "status", "note"]
# name -> (rows, column of a stray value from 0, or None for valid rows only)
# 99,997 rows below the title, an empty row and the header: row 100,000 is the last, within the import's limit.
FILES = {
    "stray-xfd-2000": (2_000, 16_383),
    "stray-xfd-99997": (99_997, 16_383),
    "stray-z-99997": (99_997, 25),
    "valid-99997": (99_997, None),
}


def peak_rss_mb():
    """The process's peak resident set size (VmHWM): unlike ru_maxrss, not carried over from the parent
    across exec."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def make_files():
    """Participants laid out as a BKD office sends them (title row, Indonesian header), each row with a
    value in a far column when the file is hostile; rows of valid, new participants otherwise."""
    import datetime

    import xlsxwriter

    DATA.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, (rows, column) in FILES.items():
        path = DATA / f"import-{name}.xlsx"
        if path.exists():  # made by an earlier run: the same rows
            sizes[name] = {"path": str(path.relative_to(ROOT)), "rows": rows, "bytes": path.stat().st_size}
            continue
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
        sheet = workbook.add_worksheet("Peserta")
        sheet.write_string(0, 0, "DAFTAR PESERTA PKN TINGKAT II TAHUN 2025")
        sheet.write_row(2, 0, HEADER)
        for number in range(1, rows + 1):
            born = datetime.date(1960, 1, 1) + datetime.timedelta(days=number // 999)
            gender = 1 + number % 2
            sheet.write_row(
                number + 2,
                0,
                [
                    f"{born:%Y%m%d}200501{gender}{number % 999 + 1:03d}",
                    f"Peserta Impor {number}",
                    INSTITUTION,
                    f"{born:%d/%m/%Y}",
                    "L" if gender == 1 else "P",
                    "III/d",
                    f"impor{number}@sintetis.example",
                    "terdaftar",
                    "",
                ],
            )
            if column is not None:
                sheet.write_number(number + 2, column, 1)
        workbook.close()
        sizes[name] = {"path": str(path.relative_to(ROOT)), "rows": rows, "bytes": path.stat().st_size}
    return sizes


def setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainingtracker.settings")
    import django

    django.setup()


def make_program():
    """Made in a process of its own: factory-boy and Faker would weigh on the measured processes."""
    setup()
    from demo.factories import InstitutionFactory, ProgramFactory
    from programs.models import Institution, Program

    if not Institution.objects.filter(name=INSTITUTION).exists():
        InstitutionFactory(name=INSTITUTION)
    # The capacity is a smallint: 99,997 rows are over it, and every row is still validated.
    found = Program.objects.filter(title=PROGRAM).first() or ProgramFactory(title=PROGRAM, capacity=32_000)
    return {"program": found.pk}


def upload(path):
    setup()
    from participants import imports
    from programs.models import Program

    target = Program.objects.get(title=PROGRAM)
    content = Path(path).read_bytes()
    before = peak_rss_mb()
    started = time.perf_counter()
    batch, preview = imports.create_batch(
        program=target,
        user=None,
        filename=Path(path).name,
        content=content,
        max_bytes=imports.max_upload_bytes(),
    )
    return {
        "seconds": time.perf_counter() - started,
        "rss_before_mb": before,
        "rss_peak_mb": peak_rss_mb(),
        "batch": batch.pk,
        "rows": len(preview.rows),
        "problems": [problem[:160] for problem in preview.problems],
    }


def preview_page(pk):
    setup()
    from participants import imports
    from participants.models import ImportBatch

    before = peak_rss_mb()
    started = time.perf_counter()
    # As the preview page loads it: the file's bytes deferred, the rows as read at upload.
    batch = ImportBatch.objects.select_related("program").defer("content").get(pk=pk)
    preview = imports.batch_preview(batch)
    return {
        "seconds": time.perf_counter() - started,
        "rss_before_mb": before,
        "rss_peak_mb": peak_rss_mb(),
        "rows": len(preview.rows),
    }


if __name__ == "__main__":
    what = sys.argv[1]
    result = {
        "make": make_files,
        "program": make_program,
        "upload": lambda: upload(sys.argv[2]),
        "preview": lambda: preview_page(int(sys.argv[2])),
    }[what]()
    print(json.dumps(result, default=str))
