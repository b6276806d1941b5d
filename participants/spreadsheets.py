"""Reading an import file: a CSV or XLSX file's header and rows, or the reason it cannot be read.

Nothing here knows participants beyond the names of the template's columns; participants/imports.py
validates the rows.
"""

import csv
import datetime
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
# A spreadsheet's own limits (Excel: 1,048,576 rows, 16,384 columns). A cell or row reference beyond them,
# or a sheet that skips more empty rows than it could hold, is hostile: refused before anything is built.
MAX_SHEET_ROWS = 1_048_576
# Rows one file may hold (the header not counted); larger sets go in several files.
MAX_IMPORT_ROWS = 100_000
MAX_SHEET_COLUMNS = 16_384


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
    text = _decode(content)
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
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ImportFileError(_("The file is not a valid XLSX workbook (it may be damaged, or an old .xls)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_COMPRESSION_RATIO * max(len(content), 1):
                raise ImportFileError(
                    _("The workbook unpacks to far more data than it holds; it was refused as unsafe.")
                )
            records = list(xlsx_rows(archive))
    except ImportFileError:
        raise
    except Exception:  # a damaged zip, XML or a DTD/entity that defusedxml refuses: each means "unreadable"
        raise ImportFileError(
            _("The workbook cannot be read: it is damaged, protected, or holds content refused as unsafe.")
        ) from None
    if not records:
        raise ImportFileError(_("The file is empty."))
    return records[0], [(number, record) for number, record in enumerate(records[1:], start=2)]


# A lean reader of the first worksheet. openpyxl's read-only mode took 0.5 ms a row here, half of the
# whole import's time; this one reads the same cells several times faster.
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that show dates (ECMA-376 18.8.30).
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])


def xlsx_rows(archive):
    """The first worksheet's rows as lists of str, int, float, bool, date or None."""
    from defusedxml.ElementTree import fromstring

    names = set(archive.namelist())
    workbook = fromstring(archive.read("xl/workbook.xml"))
    first = workbook.find(f"{SHEET_NS}sheets/{SHEET_NS}sheet")
    relation = first.get(f"{REL_NS}id")
    target = "worksheets/sheet1.xml"
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in fromstring(archive.read("xl/_rels/workbook.xml.rels")):
            if rel.get("Id") == relation:
                target = rel.get("Target")
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    properties = workbook.find(f"{SHEET_NS}workbookPr")
    epoch = (
        datetime.date(1904, 1, 1)
        if properties is not None and properties.get("date1904") in ("1", "true")
        else datetime.date(1899, 12, 30)
    )
    shared = _shared_strings(archive, names, fromstring)
    date_styles = _date_styles(archive, names, fromstring)
    with archive.open(path) as source:
        yield from SheetReader(shared=shared, date_styles=date_styles, epoch=epoch).rows(source)


class UnsafeXML(ValueError):
    pass


def _refuse(*args):
    raise UnsafeXML("DTDs and entities are not allowed in a workbook")


class SheetReader:
    """Streams a worksheet's rows with expat's C parser and three small callbacks.

    The worksheet is the one large part of a workbook; defusedxml's ElementTree parser builds it through
    the pure-Python tree builder (measured: 3.0 s for 10,000 rows against 0.7 s here). The guards are
    those defusedxml installs, stricter: any DOCTYPE, entity declaration or external entity reference
    stops the parse. The small parts (workbook, relations, shared strings, styles) go through defusedxml.
    """

    def __init__(self, *, shared, date_styles, epoch):
        self.shared, self.date_styles, self.epoch = shared, date_styles, epoch
        self.done, self.row, self.text = [], {}, []
        self.collecting = False
        self.reference = self.kind = self.style = None
        self.expected_row = 1

    def rows(self, source):
        from xml.parsers import expat

        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _refuse
        parser.EntityDeclHandler = _refuse
        parser.UnparsedEntityDeclHandler = _refuse
        parser.ExternalEntityRefHandler = _refuse
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        while chunk := source.read(256 * 1024):
            parser.Parse(chunk, False)
            yield from self.done
            self.done = []
        parser.Parse(b"", True)
        yield from self.done

    def start(self, name, attributes):
        name = name.rpartition(":")[2]
        if name == "c":
            self.reference = attributes.get("r")
            self.kind = attributes.get("t", "n")
            self.style = attributes.get("s")
            self.text = []
        elif name == "v" or name == "t":
            self.collecting = True
        elif name == "row":
            number = int(attributes.get("r", self.expected_row))
            if number > MAX_SHEET_ROWS:
                raise UnsafeXML("row number beyond a spreadsheet's limit")
            if number > MAX_IMPORT_ROWS + 1:
                raise too_many_rows()
            while self.expected_row < number:  # rows the sheet leaves out are empty
                self.done.append([])
                self.expected_row += 1

    def characters(self, data):
        if self.collecting:
            self.text.append(data)

    def end(self, name):
        name = name.rpartition(":")[2]
        if name == "v" or name == "t":
            self.collecting = False
        elif name == "c":
            row = self.row
            column = _column_index(self.reference) if self.reference else len(row)
            if not 0 <= column < MAX_SHEET_COLUMNS:
                raise UnsafeXML("column beyond a spreadsheet's limit")
            row[column] = self.value("".join(self.text) if self.text else None)
        elif name == "row":
            row = self.row
            self.done.append([row.get(index) for index in range(max(row, default=-1) + 1)])
            self.expected_row += 1
            self.row = {}

    def value(self, raw):
        kind = self.kind
        if kind == "s":
            return self.shared[int(raw)] if raw is not None else None
        if kind in ("inlineStr", "str", "e"):
            return raw
        if kind == "b":
            return raw == "1"
        if raw is None:
            return None
        number = float(raw)
        if self.style is not None and int(self.style) in self.date_styles and 0 < number < 2958466:
            return self.epoch + datetime.timedelta(days=int(number))  # 2958466 is 9999-12-31
        return int(number) if number.is_integer() else number


def _shared_strings(archive, names, fromstring):
    if "xl/sharedStrings.xml" not in names:
        return []
    strings = []
    for item in fromstring(archive.read("xl/sharedStrings.xml")):
        # Plain <t>, or rich-text runs <r><t>; phonetic guides <rPh> are not part of the text.
        parts = [child.text or "" for child in item if child.tag == f"{SHEET_NS}t"]
        for run in item.findall(f"{SHEET_NS}r"):
            parts.extend(t.text or "" for t in run.findall(f"{SHEET_NS}t"))
        strings.append("".join(parts))
    return strings


def _date_styles(archive, names, fromstring):
    """Indexes of the cell styles whose number format shows a date."""
    if "xl/styles.xml" not in names:
        return frozenset()
    styles = fromstring(archive.read("xl/styles.xml"))
    custom = set()
    formats = styles.find(f"{SHEET_NS}numFmts")
    for fmt in formats if formats is not None else []:
        code = re.sub(r'"[^"]*"|\[[^]]*]|\\.', "", fmt.get("formatCode", "").lower())
        if "d" in code or "y" in code:
            custom.add(int(fmt.get("numFmtId")))
    found = set()
    xfs = styles.find(f"{SHEET_NS}cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else []):
        number_format = int(xf.get("numFmtId", 0))
        if number_format in DATE_FORMAT_IDS or number_format in custom:
            found.add(index)
    return frozenset(found)


def _column_index(reference):
    index = 0
    for char in reference:
        if char.isdigit():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1


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
