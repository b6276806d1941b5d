"""Property-based tests of the import reader: thousands of generated files, none of them crashes it.

Every input either previews (each row new, an update, unchanged, or an error naming its column) or is
refused with one of the reader's own messages; nothing is ever written. About 2,350 examples in all, in under a minute.
"""

import csv
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participants import imports
from participants.imports import COLUMN_NAMES, RowAction
from participants.models import Enrolment, ImportBatch, Participant
from programs.models import Institution
from tests.factories import InstitutionFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def examples(count):
    """Hypothesis settings for `count` examples. Function-scoped fixtures are fine here: the reader
    writes nothing, so every example starts from the same database."""
    return settings(
        max_examples=count, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )


# The reader's messages about a whole file, in English (the language outside requests).
FILE_PROBLEMS = [
    re.compile(pattern, re.DOTALL)
    for pattern in [
        r"The file is empty\.",
        r"This file is a spreadsheet saved with a \.csv name; save it as CSV or XLSX\.",
        r"Files of type “.*” cannot be imported; use CSV or XLSX \(Excel 2007 or later\)\.",
        r"The file is in UTF-16 or another wide encoding; save it as CSV in UTF-8 or Windows-1252\.",
        r"The file's text encoding is not UTF-8 or Windows-1252; save it again as CSV UTF-8\.",
        r"The CSV file cannot be read: .+",
        r"The file is not a valid XLSX workbook \(it may be damaged, or an old \.xls\)\.",
        r"The workbook unpacks to far more data than it holds; it was refused as unsafe\.",
        r"The workbook cannot be read: it is damaged, protected, or holds content refused as unsafe\.",
        r"Unknown columns: .+\. Use the template's column names: .+\.",
        r"Missing columns: .+\.",
        r"Columns given twice: .+\.",
        r"Cells? (?:[A-Z]+\d+(?:, )?)+(?: and \d+ more)? holds? (?:a value|values) in (?:a column|columns) without a name\..+",
        r"The sheet “.*” spans the cells A1:[A-Z]+\d+, .+",
        r"The sheet's merged cells overlap; unmerge them and save again\.",
        r"The file has a header but no rows of participants\.",
    ]
]
CAPACITY = re.compile(r"The program has \d+ seats; \d+ would be taken\. Nothing was written\.")
INSTITUTION = "Dinas Kesehatan Provinsi Banten"


@pytest.fixture
def program():
    InstitutionFactory(name=INSTITUTION)
    return ProgramFactory(title="PKN Tingkat II Banten 2025", capacity=3)


def stored_rows():
    return [model.objects.count() for model in (Participant, Enrolment, ImportBatch, Institution)]


def check(program, content, filename):
    """Preview the file and assert the reader's promise: rows with per-row errors, or a clear refusal,
    and nothing written."""
    before = stored_rows()

    result = imports.preview_import(
        program=program, content=content, filename=filename, max_bytes=imports.max_upload_bytes()
    )

    assert stored_rows() == before
    for problem in result.problems:
        assert any(pattern.fullmatch(problem) for pattern in [*FILE_PROBLEMS, CAPACITY]), problem
    if result.problems and not all(CAPACITY.fullmatch(problem) for problem in result.problems):
        assert result.rows == []  # a file refused as a whole has no rows to show
        return result
    assert result.rows or result.problems
    for row in result.rows:
        assert row.action in (RowAction.NEW, RowAction.UPDATE, RowAction.UNCHANGED, RowAction.ERROR)
        if row.action == RowAction.ERROR:
            assert row.error_list
            for column, message in row.error_list:
                assert column in [*COLUMN_NAMES, "row"]
                assert message.strip()
        else:
            assert row.errors == {}
    return result


# Cell values: mostly plausible, sometimes anything.
NIPS = st.one_of(
    st.just("19860926 201505 1 001"),
    st.just("199001012015032002"),
    st.text(alphabet="0123456789 ", max_size=22),
    st.text(max_size=20),
)
DATES = st.one_of(
    st.dates(min_value=datetime.date(1900, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates(min_value=datetime.date(1900, 1, 1)).map(lambda d: d.isoformat()),
    st.text(alphabet="0123456789/-.", max_size=12),
)
CHOICES = st.sampled_from(
    [
        "",
        "L",
        "P",
        "m",
        "Perempuan",
        "IV/a",
        "iv/b",
        "III/d",
        "registered",
        "active",
        "passed",
        "nominated",
        "jpt_pratama",
        "administrator",
        "x",
    ]
)
TEXT = st.text(max_size=30)
CELL = st.one_of(NIPS, DATES, CHOICES, TEXT, st.sampled_from([INSTITUTION, INSTITUTION.lower(), "Unknown"]))
HEADERS = st.one_of(
    st.just(COLUMN_NAMES),
    st.permutations(COLUMN_NAMES),
    st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=17),
    st.lists(st.one_of(st.sampled_from(COLUMN_NAMES), TEXT), min_size=1, max_size=17),
)


@st.composite
def csv_files(draw):
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(header) + 2), max_size=6))
    delimiter = draw(st.sampled_from([",", ";"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return buffer.getvalue().encode(encoding, errors="replace")


XLSX_VALUES = st.one_of(
    CELL,
    st.none(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 31)),
)


def write_xlsx_with_xlsxwriter(header, rows):
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write_datetime(number, col, value, date)
            elif isinstance(value, bool):
                sheet.write_boolean(number, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(number, col, value)
            else:
                sheet.write_string(number, col, value)
    workbook.close()
    return output.getvalue()


ILLEGAL_FOR_OPENPYXL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def write_xlsx_with_openpyxl(header, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate([header, *rows], start=1):
        for col, value in enumerate(row, start=1):
            if isinstance(value, str):
                value = ILLEGAL_FOR_OPENPYXL.sub("", value)  # openpyxl refuses control characters
                if value.startswith("="):
                    value = " " + value  # a formula would be written as one
            sheet.cell(number, col, value)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@st.composite
def xlsx_files(draw):
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(XLSX_VALUES, max_size=len(header) + 2), max_size=5))
    writer = draw(st.sampled_from([write_xlsx_with_xlsxwriter, write_xlsx_with_openpyxl]))
    return writer(header, rows)


VALID_XLSX = write_xlsx_with_xlsxwriter(
    ["nip", "name", "institution", "birth_date", "gender", "rank", "status"],
    [
        [
            "19860926 201505 1 001",
            "Andi Wijaya",
            INSTITUTION,
            datetime.date(1986, 9, 26),
            "L",
            "IV/a",
            "active",
        ]
    ],
)


@st.composite
def damaged_xlsx(draw):
    """The valid workbook cut short, with bytes changed, or with one member replaced by junk."""
    how = draw(st.sampled_from(["truncate", "flip", "member"]))
    content = bytearray(VALID_XLSX)
    if how == "truncate":
        return bytes(content[: draw(st.integers(min_value=0, max_value=len(content) - 1))])
    if how == "flip":
        for _ in range(draw(st.integers(min_value=1, max_value=8))):
            position = draw(st.integers(min_value=0, max_value=len(content) - 1))
            content[position] = draw(st.integers(min_value=0, max_value=255))
        return bytes(content)
    source = zipfile.ZipFile(io.BytesIO(VALID_XLSX))
    victim = draw(st.sampled_from(source.namelist()))
    junk = draw(st.binary(max_size=200))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for name in source.namelist():
            target.writestr(name, junk if name == victim else source.read(name))
    return output.getvalue()


def test_valid_workbook_of_the_generators_previews_as_new(program):
    result = check(program, VALID_XLSX, "peserta.xlsx")

    assert [(row.number, row.action) for row in result.rows] == [(2, RowAction.NEW)]


@examples(800)
@given(
    content=st.binary(max_size=600),
    filename=st.sampled_from(["peserta.csv", "peserta.xlsx", "peserta.xls", "peserta", "PESERTA.CSV"]),
)
def test_random_bytes_are_previewed_or_refused_clearly(program, content, filename):
    check(program, content, filename)


@examples(700)
@given(content=csv_files())
def test_random_csv_with_the_import_columns_previews_or_is_refused_clearly(program, content):
    check(program, content, "peserta.csv")


@examples(250)
@given(content=xlsx_files())
def test_random_xlsx_cells_preview_or_are_refused_clearly(program, content):
    check(program, content, "peserta.xlsx")


@examples(600)
@given(content=damaged_xlsx())
def test_truncated_or_corrupted_workbooks_are_refused_or_read(program, content):
    check(program, content, "peserta.xlsx")
