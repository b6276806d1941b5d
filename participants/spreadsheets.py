"""Reading an import file: a CSV or XLSX file's header and rows, or the reason it cannot be read.

Nothing here knows participants beyond the names of the template's columns; participants/imports.py
validates the rows. XLSX files are read by python-calamine, behind guards that run first: the file must
be a zip archive that does not unpack to far more than it holds, and no part of it may name more cells
than an import reads (see `check_cell_extent`).
"""

import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_BYTES_DEFAULT = 5 * 1024 * 1024
# An XLSX is a zip file: refuse one that would unpack to more than this, or that compresses
# suspiciously well (a "zip bomb").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
# A spreadsheet's own limits (Excel: 1,048,576 rows, 16,384 columns). A cell beyond them is hostile.
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
# Rows one file may hold (the header not counted); larger sets go in several files.
MAX_IMPORT_ROWS = 100_000
# calamine builds a sheet whole, as a grid of rows x columns (32 bytes a cell), before its first row can be
# read: a file of a few kilobytes naming cells A1 and XFD1048576 asks for 512 GB, and the failed allocation
# aborts the process. A sheet may therefore span at most the rows of an import times the columns A to Z
# (83 MB), and hold at most as many cells.
QUICK_COLUMNS = 26  # A to Z: one letter
MAX_SHEET_CELLS = (MAX_IMPORT_ROWS + 1) * QUICK_COLUMNS


@dataclass(frozen=True)
class ImportColumn:
    name: str
    help: str
    required: bool = False


COLUMNS = [
    ImportColumn(
        "nip", gettext_lazy("18 digits, spaces allowed; empty for participants who are not ASN"), True
    ),
    ImportColumn("front_title", gettext_lazy("for example Dr.")),
    ImportColumn("name", gettext_lazy("name without titles"), True),
    ImportColumn("back_title", gettext_lazy("for example S.T., M.Si.")),
    ImportColumn("gender", gettext_lazy("L or P (M or F); empty: taken from the NIP")),
    ImportColumn("birth_place", gettext_lazy("place of birth")),
    ImportColumn(
        "birth_date", gettext_lazy("31/12/1980, 31-12-1980 or 1980-12-31; empty: taken from the NIP")
    ),
    ImportColumn("rank", gettext_lazy("golongan, for example IV/a")),
    ImportColumn("position", gettext_lazy("position (jabatan)")),
    ImportColumn("position_level", gettext_lazy("for example administrator, jpt_pratama")),
    ImportColumn("institution", gettext_lazy("the institution's name as in the application"), True),
    ImportColumn("email", gettext_lazy("email address")),
    ImportColumn("phone", gettext_lazy("phone number")),
    ImportColumn("status", gettext_lazy("enrolment status, for example registered; empty: registered")),
    ImportColumn("note", gettext_lazy("a note on the enrolment")),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
BLANK_CELLS_HELP = gettext_lazy(
    "For a participant already stored (same NIP), an empty cell changes nothing; write - to clear a value. "
    "A change of name, institution or date of birth must be confirmed in the preview."
)


class ImportFileError(Exception):
    """The file as a whole cannot be read; `messages` say why, in the active language."""

    def __init__(self, *messages):
        self.messages = [str(message) for message in messages]
        super().__init__("; ".join(self.messages))


@dataclass
class Table:
    header: list  # column names as found in the file, normalised
    rows: list  # (row number in the file, {column: cell value})


def max_upload_bytes():
    return getattr(settings, "IMPORT_MAX_BYTES", MAX_BYTES_DEFAULT)


def read_table(*, content, filename, max_bytes=None):
    """Header and rows of a CSV or XLSX file. Raises ImportFileError with the reason it cannot be read."""
    if max_bytes is not None and len(content) > max_bytes:
        raise ImportFileError(
            _(
                "The file is %(size)s; the limit is %(limit)s. Split it, or ask an administrator to use the import_participants command."
            )
            % {"size": _megabytes(len(content)), "limit": _megabytes(max_bytes)}
        )
    if not content.strip():
        raise ImportFileError(_("The file is empty."))
    extension = filename.lower().rpartition(".")[2] if "." in filename else ""
    if extension == "csv":
        if content[:4] == b"PK\x03\x04":
            raise ImportFileError(
                _("This file is a spreadsheet saved with a .csv name; save it as CSV or XLSX.")
            )
        header, rows = read_csv(content)
    elif extension == "xlsx":
        header, rows = read_xlsx(content)
    else:
        raise ImportFileError(
            _("Files of type “%(type)s” cannot be imported; use CSV or XLSX (Excel 2007 or later).")
            % {"type": extension or filename}
        )
    return check_columns(header, rows)


def _megabytes(size):
    return f"{size / 1024 / 1024:.1f} MB"


def too_many_rows():
    return ImportFileError(
        _("The file has more than %(limit)s rows; split it into several files.")
        % {"limit": f"{MAX_IMPORT_ROWS:,}"}
    )


def unreadable():
    return ImportFileError(
        _("The workbook cannot be read: it is damaged, protected, or holds content refused as unsafe.")
    )


# CSV ---------------------------------------------------------------------------------------------------


def _decode(content):
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:4096]:
        raise ImportFileError(
            _("The file is in UTF-16 or another wide encoding; save it as CSV in UTF-8 or Windows-1252.")
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file's text encoding is not UTF-8 or Windows-1252; save it again as CSV UTF-8.")
        ) from None


def read_csv(content):
    """(header, [(row number, cells)]) of a CSV file, in UTF-8 or Windows-1252, ',' or ';' between cells."""
    text = _decode(content).replace("\x00", "")  # PostgreSQL refuses NUL characters in text
    first_line = text.split("\n", 1)[0]
    # Spreadsheet programs set to Indonesian write ';' between cells (the comma is the decimal mark).
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        records = list(
            itertools.islice(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), MAX_IMPORT_ROWS + 2
            )
        )
    except csv.Error as error:
        raise ImportFileError(_("The CSV file cannot be read: %(error)s") % {"error": error}) from None
    if len(records) > MAX_IMPORT_ROWS + 1:
        raise too_many_rows()
    if not records:
        raise ImportFileError(_("The file is empty."))
    return records[0], [(number, record) for number, record in enumerate(records[1:], start=2)]


# XLSX --------------------------------------------------------------------------------------------------


def read_xlsx(content):
    """(header, [(row number, cells)]) of an XLSX file's first sheet.

    Cells are str ('' when empty), float (every number), bool, datetime.date, datetime.datetime (a date
    with a time, or an ISO 8601 cell of type "d"), datetime.time or datetime.timedelta.
    """
    from python_calamine import CalamineWorkbook

    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ImportFileError(_("The file is not a valid XLSX workbook (it may be damaged, or an old .xls)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_COMPRESSION_RATIO * max(len(content), 1):
                raise ImportFileError(
                    _("The workbook unpacks to far more data than it holds; it was refused as unsafe.")
                )
            check_cell_extent(archive)
        with CalamineWorkbook.from_filelike(io.BytesIO(content)) as workbook:
            sheet = workbook.get_sheet_by_index(0)
        records = _sheet_records(sheet)
    except ImportFileError:
        raise
    except Exception:  # a damaged zip or XML, a protected workbook, an XML entity: each means "unreadable"
        raise unreadable() from None
    if not records:
        raise ImportFileError(_("The file is empty."))
    header = [
        int(value) if isinstance(value, float) and value.is_integer() else value for value in records[0]
    ]
    return header, [(number, record) for number, record in enumerate(records[1:], start=2)]


def _sheet_records(sheet):
    """The sheet's rows from row 1 and column A, as the file numbers them."""
    if sheet.start is None:  # no cell holds a value
        return []
    if sheet.end[0] + 1 > MAX_IMPORT_ROWS + 1:  # check_cell_extent refused it already
        raise too_many_rows()
    # iter_rows() starts at row 1 (rows above the first value come empty) but at the first column that holds
    # a value. calamine reads "_x0000_" in a text as a NUL character, which PostgreSQL refuses: dropped.
    indent = [""] * sheet.start[1]
    return [
        indent + [value.replace("\x00", "") if value.__class__ is str else value for value in row]
        for row in sheet.iter_rows()
    ]


# The cells a workbook names ----------------------------------------------------------------------------

# Where calamine puts a cell: the reference in its r attribute ("B7"), or without one the next column of
# the current row. Excel, LibreOffice, openpyxl and xlsxwriter write every cell tag as <c r="B7" ...>, checked
# here by regular expressions several times faster than an XML parser: OTHER_CELL finds the tags that are
# not of that form with a reference within Z99999, which are few or none. A part with any other cell tag
# (<x:c>, <c> without r, attributes in another order) is parsed with expat and followed as calamine does.
CELL_ATTRIBUTES = rb'(?: (?:s|t|cm|vm|ph)="[^"<]*")*/?>'
OTHER_CELL = re.compile(rb'<c(?:[\t\n\r/>]| (?!r="[A-Z][1-9][0-9]{0,4}"' + CELL_ATTRIBUTES + rb"))")
CANONICAL_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"' + CELL_ATTRIBUTES)
PREFIXED_CELL = re.compile(rb":c[\s/>]")
CELL_REFERENCE = re.compile(rb'<c r="([A-Z]+)([0-9]+)"')
# For a part that is not XML (an image, say): every tag that could be a row or a cell, and every r="..."
ANY_ROW_TAG = re.compile(rb"[<:/]row[\s/>]")
ANY_CELL_TAG = re.compile(rb"[<:]c[\s/>]")
ANY_REFERENCE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)([0-9]*)["']""")


class UnsafeWorkbook(ValueError):
    pass


class CellExtent:
    """The largest row and column (from 1) and the number of cells of one part of a workbook."""

    def __init__(self):
        self.rows = self.columns = self.cells = 0

    def note(self, row, column):
        if row > MAX_SHEET_ROWS or column > MAX_SHEET_COLUMNS:
            raise UnsafeWorkbook("a cell beyond a spreadsheet's limits")
        if row > MAX_IMPORT_ROWS + 1:
            raise too_many_rows()
        self.rows, self.columns = max(self.rows, row), max(self.columns, column)

    def count(self, cells):
        self.cells += cells
        if self.cells > MAX_SHEET_CELLS:
            raise UnsafeWorkbook("more cells than an import reads")

    def check(self):
        if self.rows * self.columns > MAX_SHEET_CELLS:
            raise UnsafeWorkbook("cells spread over more rows and columns than an import reads")


def check_cell_extent(archive):
    """Refuse a workbook any part of which names a cell beyond the import's rows (ImportFileError: too many
    rows) or spreads its cells over more than MAX_SHEET_CELLS (UnsafeWorkbook), before calamine builds them.

    Every part is checked, not only the first sheet: calamine finds that sheet through relations that
    could point anywhere. So a workbook whose other sheets hold more rows than an import is refused too.
    Reads each part as a stream and stops at the first cell beyond the limits.
    """
    for info in archive.infolist():
        if info.is_dir():
            continue
        for follow in (_quick_extent, _exact_extent, _loose_extent):
            with archive.open(info) as source:
                extent = follow(source)
            if extent is not None:
                extent.check()
                break


def _parts(source, size=1024 * 1024):
    """The stream in pieces that end before a '<', so that no tag is cut in two."""
    carry = b""
    while chunk := source.read(size):
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut <= 0:
            carry = data
            continue
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def _quick_extent(source, every=False):
    """The extent of a part whose cell tags are all <c r="B7" ...>, or None for any other cell tag.

    With no reference beyond column Z or row 99,999 the cells fit MAX_SHEET_CELLS whatever their number of
    rows, and only the references beyond are read; after one beyond column Z, every reference is read.
    """
    extent = CellExtent()
    for part in _parts(source):
        if PREFIXED_CELL.search(part):
            return None
        extent.count(part.count(b"<c "))
        for match in OTHER_CELL.finditer(part):
            cell = CANONICAL_CELL.match(part, match.start())
            if cell is None:
                return None
            column = _column_number(cell[1])
            extent.note(_row_number(cell[2]), column)
            if column > QUICK_COLUMNS and not every:  # the rows of the parts already read count now
                source.seek(0)
                return _quick_extent(source, every=True)
        if every and (found := CELL_REFERENCE.findall(part)):
            letters, digits = zip(*found, strict=True)
            extent.note(max(map(_row_number, digits)), max(map(_column_number, set(letters))))
    return extent


def _exact_extent(source):
    """The extent of an XML part, its rows and cells followed as calamine does; None if it is not XML."""
    from xml.parsers import expat

    extent = CellExtent()
    row = column = 0  # calamine's current row and column, from 0

    def start(name, attributes):
        nonlocal row, column
        name = name.rpartition(":")[2]
        if name == "row" and "r" in attributes:
            row = _reference(attributes["r"])[0] - 1
        elif name == "c":
            cell_row, cell_column = row + 1, column + 1
            if "r" in attributes:
                cell_row, cell_column = _reference(attributes["r"])
                column = cell_column - 1
            if cell_row and cell_column:  # calamine refuses a reference it cannot read
                extent.note(cell_row, cell_column)
            extent.count(1)
            column += 1

    def end(name):
        nonlocal row, column
        if name.rpartition(":")[2] == "row":
            row, column = row + 1, 0

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        while chunk := source.read(256 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return None
    return extent


def _loose_extent(source):
    """Bounds for a part that is not XML: every possible row and cell tag counted, every r="..." read."""
    extent = CellExtent()
    rows = cells = largest_row = largest_column = 0
    for part in _parts(source):
        rows += len(ANY_ROW_TAG.findall(part))
        cells += len(ANY_CELL_TAG.findall(part))
        for letters, digits in ANY_REFERENCE.findall(part):
            largest_row = max(largest_row, _row_number(digits or b"0"))
            largest_column = max(largest_column, _column_number(letters))
    if cells:
        extent.count(cells)
        extent.note(largest_row + rows + 1, largest_column + cells + 1)
    return extent


def _reference(text):
    """(row, column), from 1, of a reference such as "B7"; column 0 for a row's "7"; (0, 0) if unreadable."""
    match = re.fullmatch(r"([A-Za-z]*)([0-9]+)", text)
    if match is None:
        return 0, 0
    return _row_number(match[2]), _column_number(match[1])


def _row_number(digits):
    return int(digits) if len(digits) <= 7 else MAX_SHEET_ROWS + 1


def _column_number(letters):
    """1 for A, 26 for Z, 27 for AA; letters as str or bytes."""
    if len(letters) > 3:
        return MAX_SHEET_COLUMNS + 1
    number = 0
    for char in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        number = number * 26 + ord(char) - 64
    return number


# The header --------------------------------------------------------------------------------------------


def _header_key(value):
    return "_".join(str(value or "").strip().lower().replace("-", " ").split())


def check_columns(raw_header, raw_rows):
    """A Table of the rows that hold a value, keyed by column name. Raises ImportFileError naming unknown,
    missing, repeated or unnamed columns, or when no row holds a value."""
    header = [_header_key(value) for value in raw_header]
    while header and not header[-1]:
        header.pop()
    problems = []
    unknown = [
        str(raw).strip()
        for raw, key in zip(raw_header, header, strict=False)
        if key and key not in COLUMN_NAMES
    ]
    if unknown:
        problems.append(
            _("Unknown columns: %(columns)s. Use the template's column names: %(names)s.")
            % {"columns": ", ".join(f"“{name}”" for name in unknown), "names": ", ".join(COLUMN_NAMES)}
        )
    missing = [column.name for column in COLUMNS if column.required and column.name not in header]
    if missing:
        problems.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    repeated = sorted({key for key in header if key and header.count(key) > 1})
    if repeated:
        problems.append(_("Columns given twice: %(columns)s.") % {"columns": ", ".join(repeated)})
    if "" in header:
        problems.append(_("Column %(number)d has no name.") % {"number": header.index("") + 1})
    if problems:
        raise ImportFileError(*problems)
    rows = [
        (number, dict(zip(header, values, strict=False)))
        for number, values in raw_rows
        if any(value not in (None, "") and str(value).strip() for value in values)
    ]
    if not rows:
        raise ImportFileError(_("The file has a header but no rows of participants."))
    return Table(header=header, rows=rows)
