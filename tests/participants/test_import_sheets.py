"""Participant import: spreadsheets as institutions send them (a title above the header, a BKD office's
Indonesian column names, merged cells, serial and Indonesian dates, a NIP saved as a number, values without
a column name), sheets that span far more cells than they use, and the rows read once per upload."""

import datetime
import io
import json
import os
import shutil
import subprocess
import sys

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from participants import imports
from participants.models import ImportBatch
from tests.factories import InstitutionFactory, ProgramFactory
from tests.import_support import ANDI, HEADER, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

BANTEN = "Dinas Kesehatan Provinsi Banten"
TITLE = "DAFTAR PESERTA PKN TINGKAT II ANGKATAN XII TAHUN 2025"
# The columns as a BKD office writes them, with the row number column they nearly always have.
BKD_HEADER = [
    "No.",
    "NIP Baru",
    "Gelar Depan",
    "Nama Lengkap",
    "Gelar Belakang",
    "Instansi / Unit Kerja",
    "Tempat Lahir",
    "Tanggal Lahir",
    "L/P",
    "Pangkat/Gol.",
    "Jabatan",
    "Eselon",
    "Surel",
    "No. HP",
    "Status",
    "Catatan/Keterangan",
]
BKD_ANDI = [
    1,
    "19860926 201505 1 001",
    "Dr.",
    "Andi Wijaya",
    "S.T.",
    BANTEN,
    "Serang",
    "26 September 1986",
    "L",
    "IV/a",
    "Kepala Bidang",
    "administrator",
    "andi@example.go.id",
    "0812 1111 2222",
    "terdaftar",
    "utusan dinas",
]


@pytest.fixture
def program():
    InstitutionFactory(name=BANTEN)
    InstitutionFactory(name="Badan Kepegawaian Daerah Provinsi Banten")
    return ProgramFactory(title="PKN Tingkat II Banten 2025", capacity=10)


def preview(program, content, filename="peserta.xlsx"):
    return imports.preview_import(
        program=program, content=content, filename=filename, max_bytes=imports.max_upload_bytes()
    )


def outcome(result):
    return [(row.number, row.action, row.error_list) for row in result.rows]


def openpyxl_bytes(rows, merges=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Peserta"
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# The header --------------------------------------------------------------------------------------------


def test_header_below_a_title_and_empty_rows_is_found(program):
    content = openpyxl_bytes([[TITLE], ["Tahun Anggaran 2025"], [], HEADER, ANDI], merges=["A1:I1", "A2:I2"])

    result = preview(program, content)

    assert outcome(result) == [(5, "new", [])]
    assert result.rows[0].participant.name == "Andi Wijaya"


def test_bkd_indonesian_headers_are_read_as_the_template_columns(program):
    content = openpyxl_bytes([[TITLE], [], BKD_HEADER, BKD_ANDI])

    result = preview(program, content)

    assert outcome(result) == [(4, "new", [])]
    participant, enrolment = result.rows[0].participant, result.rows[0].enrolment
    assert (
        participant.nip,
        participant.front_title,
        participant.name,
        participant.back_title,
        participant.institution.name,
        participant.birth_place,
        participant.birth_date,
        participant.gender,
        participant.rank,
        participant.position,
        participant.position_level,
        participant.email,
        participant.phone,
        enrolment.status,
        enrolment.note,
    ) == (
        "198609262015051001",
        "Dr.",
        "Andi Wijaya",
        "S.T.",
        BANTEN,
        "Serang",
        datetime.date(1986, 9, 26),
        "M",
        "IV/a",
        "Kepala Bidang",
        "administrator",
        "andi@example.go.id",
        "0812 1111 2222",
        "registered",
        "utusan dinas",
    )


@pytest.mark.parametrize(
    "names",
    [
        ["NIP", "Nama", "Instansi"],
        ["nip", "NAMA LENGKAP", "unit kerja"],
        [" N.I.P ", "nama-lengkap", "Instansi/Unit Kerja"],
        ["Nip Baru", "Nama_Lengkap", "INSTITUTION"],
    ],
    ids=["short", "upper-case", "punctuation", "underscore"],
)
def test_header_names_are_matched_ignoring_case_and_punctuation(program, names):
    content = csv_bytes([[ANDI[0], ANDI[1], ANDI[3]]], names)

    assert outcome(preview(program, content, "peserta.csv")) == [(2, "new", [])]


def test_template_columns_sheet_lists_the_accepted_indonesian_names():
    workbook = openpyxl.load_workbook(io.BytesIO(imports.template_xlsx()), read_only=True)
    columns = {
        row[0]: row[2] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True) if row[0]
    }

    assert columns["nip"] == "NIP Baru"
    assert columns["institution"] == "Instansi, Unit Kerja, Instansi/Unit Kerja, Asal Instansi"
    assert columns["rank"] == "Pangkat/Golongan, Pangkat/Gol., Golongan, Gol., Gol. Ruang"


@pytest.mark.parametrize(
    ("header", "row", "cells"),
    [
        ([*HEADER], [*ANDI, "catatan lepas"], "J2"),
        ([*HEADER[:4], "", *HEADER[4:]], [*ANDI[:4], "x", *ANDI[4:]], "E2"),
    ],
    ids=["after-the-header", "between-named-columns"],
)
def test_values_in_a_column_without_a_name_are_reported_by_cell(program, header, row, cells):
    result = preview(program, csv_bytes([row], header), "peserta.csv")

    assert (result.rows, result.problems) == (
        [],
        [
            f"Cell {cells} holds a value in a column without a name. Name the column with one of the "
            "template's names, or delete the cell."
        ],
    )


def test_an_empty_column_without_a_name_is_read_past(program):
    content = csv_bytes([[*ANDI[:4], "", *ANDI[4:]]], [*HEADER[:4], "", *HEADER[4:]])

    assert outcome(preview(program, content, "peserta.csv")) == [(2, "new", [])]


# Merged cells ------------------------------------------------------------------------------------------


def test_merged_institution_cell_gives_every_row_its_value(program):
    header = ["nip", "name", "institution"]
    rows = [
        [TITLE],
        header,
        ["19860926 201505 1 001", "Andi Wijaya", BANTEN],
        ["199001012015032002", "Siti Rahma", None],
        ["", "Budi Santoso", None],
        ["", "Eko Prasetyo", "Badan Kepegawaian Daerah Provinsi Banten"],
    ]
    content = openpyxl_bytes(rows, merges=["A1:C1", "C3:C5"])

    result = preview(program, content)

    assert [(row.number, row.action, row.participant.institution.name) for row in result.rows] == [
        (3, "new", BANTEN),
        (4, "new", BANTEN),
        (5, "new", BANTEN),
        (6, "new", "Badan Kepegawaian Daerah Provinsi Banten"),
    ]


def test_cell_merged_across_columns_belongs_to_its_first_column(program):
    rows = [["nip", "name", "institution", "note"], ["", "Budi Santoso", BANTEN, "utusan"]]
    content = openpyxl_bytes(rows, merges=["C2:D2"])  # the note's cell is covered by the merge

    result = preview(program, content)

    assert outcome(result) == [(2, "new", [])]
    assert (result.rows[0].participant.institution.name, result.rows[0].enrolment.note) == (BANTEN, "")


# Dates -------------------------------------------------------------------------------------------------


def test_excel_serial_number_in_the_date_column_is_read_as_a_date(program):
    """A date typed into a column formatted as a number is stored as days since 30 December 1899."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["nip", "name", "institution", "birth_date"])
    sheet.write_row(1, 0, ["197803122005011001", "Eko", BANTEN])
    sheet.write_number(1, 3, 28561)  # General format: a number, not a date cell
    workbook.close()

    result = preview(program, output.getvalue())

    assert outcome(result) == [(2, "new", [])]
    assert result.rows[0].participant.birth_date == datetime.date(1978, 3, 12)


@pytest.mark.parametrize(
    "value", ["12 Maret 1978", "12 Mar 1978", "12-Mar-1978", "12 MARET 1978", "12 Mar. 1978", "12 March 1978"]
)
def test_dates_with_indonesian_month_names_are_read(program, value):
    row = ["197803122005011001", "Eko", BANTEN, value]

    result = preview(program, csv_bytes([row], ["nip", "name", "institution", "birth_date"]), "peserta.csv")

    assert outcome(result) == [(2, "new", [])]
    assert result.rows[0].participant.birth_date == datetime.date(1978, 3, 12)


@pytest.mark.parametrize("value", ["31 Februari 1978", "12 Maretan 1978"])
def test_impossible_dates_with_month_names_are_refused(program, value):
    row = ["", "Eko", BANTEN, value]

    result = preview(program, csv_bytes([row], ["nip", "name", "institution", "birth_date"]), "peserta.csv")

    assert outcome(result) == [
        (
            2,
            "error",
            [("birth_date", f"“{value}” is not a date; write 31/12/2025, 31-12-2025 or 2025-12-31.")],
        )
    ]


# A NIP saved as a number -------------------------------------------------------------------------------

NIP_AS_NUMBER = (
    "The NIP is stored as a number, which spreadsheets round after 15 digits; format the column as text."
)


def xlsx_nip_as_number():
    return xlsx_bytes([[198609262015051001, "Andi Wijaya", "", BANTEN, "", "", "", "", ""]])


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (xlsx_nip_as_number(), "peserta.xlsx"),
        (csv_bytes([["1.98609E+17", "Andi Wijaya", "", BANTEN, "", "", "", "", ""]]), "peserta.csv"),
        (csv_bytes([["1,98609262015051E+17", "Andi Wijaya", "", BANTEN, "", "", "", "", ""]]), "peserta.csv"),
        (csv_bytes([["198609262015051000", "Andi Wijaya", "", BANTEN, "", "", "", "", ""]]), "peserta.csv"),
    ],
    ids=["xlsx-number", "csv-exponent", "csv-exponent-comma", "csv-rounded-digits"],
)
def test_nip_saved_as_a_number_is_refused_and_not_shown(program, content, filename):
    result = preview(program, content, filename)

    assert outcome(result) == [(2, "error", [("nip", NIP_AS_NUMBER)])]
    assert result.rows[0].values["nip"] == ""


def test_admin_preview_never_shows_a_rounded_nip(english, administrator, program):
    english.force_login(administrator)
    uploaded = english.post(
        reverse("admin:participants_importbatch_upload"),
        {"program": program.pk, "file": SimpleUploadedFile("peserta.xlsx", xlsx_nip_as_number())},
    )

    html = english.get(uploaded["Location"]).content.decode()

    assert NIP_AS_NUMBER in html
    assert "198609262015051" not in html
    assert "1.98609" not in html


# Sheets far larger than their rows ---------------------------------------------------------------------


def xlsx_with_far_cells(rows, column):
    """Rows of participants, each with a stray value in `column` (from 0): a sheet whose extent is far
    larger than its useful cells."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet("Peserta")
    sheet.write_row(0, 0, ["nip", "name", "institution"])
    for number in range(1, rows + 1):
        sheet.write_row(number, 0, ["", f"Peserta {number}", BANTEN])
        sheet.write_number(number, column, 1)
    workbook.close()
    return output.getvalue()


def test_sheet_with_a_value_in_column_xfd_on_every_row_is_refused_naming_the_sheet_and_range(program):
    result = preview(program, xlsx_with_far_cells(2_000, 16_383))

    assert (result.rows, result.problems) == (
        [],
        [
            "The sheet “Peserta” spans the cells A1:XFD2001, 2,001 rows by 16,384 columns; an import reads at "
            "most 2,600,026 cells (100,001 rows by the columns A to Z). Delete the rows and columns after the "
            "participants' table (the cells may look empty), save and upload the file again."
        ],
    )


def test_sheet_with_values_beyond_the_header_reports_the_first_cells(program):
    result = preview(program, xlsx_with_far_cells(50, 25))

    assert result.problems == [
        "Cells Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11 and 40 more hold values in columns without a name. "
        "Name the columns with the template's names, or delete the cells."
    ]


# The rows are read once --------------------------------------------------------------------------------


def test_admin_preview_shows_the_rows_read_at_upload_without_reading_the_file_again(
    english, administrator, program
):
    english.force_login(administrator)
    uploaded = english.post(
        reverse("admin:participants_importbatch_upload"),
        {
            "program": program.pk,
            "file": SimpleUploadedFile("peserta.xlsx", openpyxl_bytes([[TITLE], BKD_HEADER, BKD_ANDI])),
        },
    )
    batch = ImportBatch.objects.get()
    # The stored file is no longer a workbook: a preview that read it again would say so.
    ImportBatch.objects.filter(pk=batch.pk).update(content=b"not a workbook")

    pages = [english.get(uploaded["Location"]) for _ in range(2)]
    confirmed = english.post(uploaded["Location"])

    assert [[(row.number, label) for row, label in page.context["rows"]] for page in pages] == [
        [(3, "new")],
        [(3, "new")],
    ]
    assert [page.context["preview"].problems for page in pages] == [[], []]
    assert batch.table["header"] == [
        "nip",
        "front_title",
        "name",
        "back_title",
        "institution",
        "birth_place",
        "birth_date",
        "gender",
        "rank",
        "position",
        "position_level",
        "email",
        "phone",
        "status",
        "note",
    ]
    assert batch.table["rows"][0][:4] == [3, "19860926 201505 1 001", "Dr.", "Andi Wijaya"]
    assert confirmed.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.new_count) == ("imported", 1)


def test_unreadable_file_keeps_its_reason_without_being_read_again(program):
    batch, result = imports.create_batch(
        program=program, user=None, filename="a.xlsx", content=b"PK\x03\x04 x"
    )
    ImportBatch.objects.filter(pk=batch.pk).update(content=csv_bytes([ANDI]))

    again = imports.batch_preview(ImportBatch.objects.get(pk=batch.pk))

    assert (
        result.problems
        == again.problems
        == ["The file is not a valid XLSX workbook (it may be damaged, or an old .xls)."]
    )
    assert batch.table == {"problems": result.problems}


# LibreOffice's own conversion --------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_file_converted_by_libreoffice_is_read(program, tmp_path):
    source = tmp_path / "peserta.csv"
    source.write_bytes(csv_bytes([BKD_ANDI], BKD_HEADER))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )

    result = preview(program, (tmp_path / "peserta.xlsx").read_bytes())

    assert outcome(result) == [(2, "new", [])]
    assert result.rows[0].participant.birth_date == datetime.date(1986, 9, 26)


READ_IN_A_CHILD = """
import json, sys
import django
django.setup()
from django.utils import translation
translation.activate("en")  # the messages are asserted in English, as the parent process's tests
from participants.spreadsheets import ImportFileError, read_table
content = open(sys.argv[1], "rb").read()
try:
    outcome = len(read_table(content=content, filename="peserta.xlsx", max_bytes=5 * 1024 * 1024).rows)
except ImportFileError as error:
    outcome = error.messages
# VmHWM, the peak of this process's own memory: ru_maxrss would carry over the parent's peak across exec.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps([outcome, peak / 1024]))
"""


def test_reading_100000_rows_with_a_stray_value_each_stays_under_200_mb(tmp_path):
    """The sheet spans A1:Z100001 for 300,000 useful cells: the stray values are reported, and reading
    stops keeping rows at the first, so the process (its own peak RSS, Django included) stays below the
    200 MB an import may take."""
    path = tmp_path / "peserta.xlsx"
    path.write_bytes(xlsx_with_far_cells(100_000, 25))

    result = subprocess.run(
        [sys.executable, "-c", READ_IN_A_CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "trainingtracker.settings"},
    )

    outcome, peak_mb = json.loads(result.stdout)
    assert outcome == [
        "Cells Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11 and 99990 more hold values in columns without a name. "
        "Name the columns with the template's names, or delete the cells."
    ]
    assert peak_mb < 200
