"""Reading an import file: a CSV or XLSX file's rows, or the reason it cannot be read.

The rows become a Table in participants/import_columns.py (the header, the column names); participants/
import_rows.py validates them. XLSX files are read by python-calamine, behind guards that run first: the file must
be a zip archive that does not unpack to far more than it holds, and no part of it may name more cells
than an import reads (see `check_cell_extent`).
"""

import csv
import html
import io
import itertools
import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from participants.import_columns import ImportFileError, build_table, column_letters

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


def max_upload_bytes():
    return getattr(settings, "IMPORT_MAX_BYTES", MAX_BYTES_DEFAULT)


def read_table(*, content, filename, max_bytes=None):
    """The Table of a CSV or XLSX file. Raises ImportFileError with the reason it cannot be read.

    The rows are read once, as a stream: only the cells of named columns are kept (import_columns.build_table).
    """
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
        return build_table(csv_records(content))
    if extension == "xlsx":
        return build_table(xlsx_records(content))
    raise ImportFileError(
        _("Files of type “%(type)s” cannot be imported; use CSV or XLSX (Excel 2007 or later).")
        % {"type": extension or filename}
    )


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
    """(first row, [(row number, cells)]) of a CSV file, for the tests; read_table reads csv_records."""
    return _split(list(csv_records(content)))


def csv_records(content):
    """(row number, cells) of a CSV file, in UTF-8 or Windows-1252, ',' or ';' between cells."""
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
    return enumerate(records, start=1)


def _split(records):
    if not records:
        raise ImportFileError(_("The file is empty."))
    return records[0][1], records[1:]


# XLSX --------------------------------------------------------------------------------------------------


def read_xlsx(content):
    """(first row, [(row number, cells)]) of an XLSX file's first sheet, for the tests; read_table reads
    xlsx_records."""
    return _split(list(xlsx_records(content)))


def xlsx_records(content):
    """(row number, cells) of an XLSX file's first sheet from row 1 and column A, as a stream; a merged
    range gives its value to every row it spans (`_merged_down`).

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
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        merges = sheet.merged_cell_ranges or []
    except ImportFileError:
        raise
    except Exception:  # a damaged zip or XML, a protected workbook, an XML entity: each means "unreadable"
        raise unreadable() from None
    with workbook:
        if sheet.start is None:  # no cell holds a value
            return
        # iter_rows() starts at row 1 (rows above the first value come empty) but at the first column that
        # holds a value. calamine reads "_x0000_" in a text as a NUL character, which PostgreSQL refuses.
        indent = [""] * sheet.start[1]
        rows = (
            indent + [value.replace("\x00", "") if value.__class__ is str else value for value in row]
            for row in sheet.iter_rows()
        )
        yield from _merged_down(enumerate(rows, start=1), merges, sheet.end)


def _merged_down(records, merges, end):
    """The records with each merged range's value (the value of its top-left cell) written into its first
    column on every row the range spans; the range's other columns stay empty.

    Excel and LibreOffice show a merged cell's value over the whole range but store it in the top-left
    cell only. A cell merged down over rows (an institution beside its participants) is each row's value;
    a cell merged across columns belongs to its first column, as a value shown across two columns would
    otherwise land in a column it does not describe.
    """
    last_row = end[0]
    starts = {}
    spanned = 0
    for (first, column), (last, _last_column) in merges:
        if first < last and first <= last_row:
            starts.setdefault(first, []).append((min(last, last_row), column))
            spanned += min(last, last_row) - first
            if spanned > MAX_SHEET_CELLS:  # overlapping ranges could make this quadratic
                raise ImportFileError(_("The sheet's merged cells overlap; unmerge them and save again."))
    if not starts:
        yield from records
        return
    down = []  # (last row, column, value) of the ranges over the current row
    for number, cells in records:
        index = number - 1
        down = [spans for spans in down if spans[0] >= index]
        for spans in down:
            if spans[1] >= len(cells):
                cells.extend([""] * (spans[1] + 1 - len(cells)))
            if cells[spans[1]] == "":
                cells[spans[1]] = spans[2]
        for last, column in starts.get(index, ()):
            if column < len(cells) and cells[column] != "":
                down.append((last, column, cells[column]))
        yield number, cells


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

    def check(self, part, names):
        if self.rows * self.columns > MAX_SHEET_CELLS:
            # Not hostile by itself: a stray value far to the right or below makes a sheet this large.
            raise ImportFileError(
                _(
                    "The sheet “%(sheet)s” spans the cells A1:%(corner)s, %(rows)s rows by %(columns)s columns; an "
                    "import reads at most %(limit)s cells (%(import_rows)s rows by the columns A to Z). Delete the "
                    "rows and columns after the participants' table (the cells may look empty), save and upload "
                    "the file again."
                )
                % {
                    "sheet": names.get(part, part),
                    "corner": f"{column_letters(self.columns - 1)}{self.rows}",
                    "rows": f"{self.rows:,}",
                    "columns": f"{self.columns:,}",
                    "limit": f"{MAX_SHEET_CELLS:,}",
                    "import_rows": f"{MAX_IMPORT_ROWS + 1:,}",
                }
            )


def check_cell_extent(archive):
    """Refuse a workbook any part of which names a cell beyond the import's rows (ImportFileError: too many
    rows) or spreads its cells over more than MAX_SHEET_CELLS (UnsafeWorkbook), before calamine builds them.

    Every part is checked, not only the first sheet: calamine finds that sheet through relations that
    could point anywhere. So a workbook whose other sheets hold more rows than an import is refused too.
    Reads each part as a stream and stops at the first cell beyond the limits.
    """
    names = _sheet_names(archive)
    for info in archive.infolist():
        if info.is_dir():
            continue
        for follow in (_quick_extent, _exact_extent, _loose_extent):
            with archive.open(info) as source:
                extent = follow(source)
            if extent is not None:
                extent.check(info.filename, names)
                break


SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')


def _sheet_names(archive):
    """{part name: sheet name} from the workbook's sheet list and its relations, for messages; {} when
    they cannot be read (the part's own name is then shown)."""
    try:
        with archive.open("xl/workbook.xml") as source:
            workbook = source.read(1024 * 1024)
        with archive.open("xl/_rels/workbook.xml.rels") as source:
            relations = source.read(1024 * 1024)
    except KeyError:
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", relations):
        attributes = dict(ATTRIBUTE.findall(tag))
        target = attributes.get(b"Target", b"").decode(errors="replace")
        targets[attributes.get(b"Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    names = {}
    for tag in SHEET_TAG.findall(workbook):
        attributes = {key.rpartition(b":")[2]: value for key, value in ATTRIBUTE.findall(tag)}
        if (part := targets.get(attributes.get(b"id"))) and b"name" in attributes:
            names[part] = html.unescape(attributes[b"name"].decode(errors="replace"))
    return names


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
