"""The columns of a participant import, and how the rows of a file become a Table.

Files come as institutions send them: a title row ("DAFTAR PESERTA PKN TINGKAT II ...") and empty rows may
stand above the header, which is found by itself among the first rows (`HEADER_SEARCH_ROWS`), and the
columns may carry the Indonesian names a BKD office writes ("NIP Baru", "Nama Lengkap", "Pangkat/Golongan")
beside the template's English ones. Names are compared ignoring case, spaces and punctuation. A cell that
holds a value in a column without a name is reported by its reference (J7), never dropped silently.

Nothing here reads files (participants/spreadsheets.py) or validates a participant (import_rows.py).
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


@dataclass(frozen=True)
class ImportColumn:
    name: str
    help: str
    required: bool = False
    aliases: tuple = ()  # other header names accepted, as a BKD office writes them


COLUMNS = [
    ImportColumn(
        "nip",
        gettext_lazy("18 digits, spaces allowed; empty for participants who are not ASN"),
        True,
        ("NIP Baru",),
    ),
    ImportColumn("front_title", gettext_lazy("for example Dr."), aliases=("Gelar Depan",)),
    ImportColumn("name", gettext_lazy("name without titles"), True, ("Nama Lengkap", "Nama", "Nama Peserta")),
    ImportColumn("back_title", gettext_lazy("for example S.T., M.Si."), aliases=("Gelar Belakang",)),
    ImportColumn(
        "gender",
        gettext_lazy("L or P (M or F); empty: taken from the NIP"),
        aliases=("Jenis Kelamin", "L/P", "JK"),
    ),
    ImportColumn("birth_place", gettext_lazy("place of birth"), aliases=("Tempat Lahir",)),
    ImportColumn(
        "birth_date",
        gettext_lazy(
            "31/12/1980, 31-12-1980, 1980-12-31, 31 Desember 1980 or 31 Des 1980, or a date cell; "
            "empty: taken from the NIP"
        ),
        aliases=("Tanggal Lahir", "Tgl. Lahir"),
    ),
    ImportColumn(
        "rank",
        gettext_lazy("golongan, for example IV/a"),
        aliases=("Pangkat/Golongan", "Pangkat/Gol.", "Golongan", "Gol.", "Gol. Ruang"),
    ),
    ImportColumn("position", gettext_lazy("position (jabatan)"), aliases=("Jabatan",)),
    ImportColumn(
        "position_level",
        gettext_lazy("for example administrator, jpt_pratama"),
        aliases=("Eselon", "Jenjang Jabatan"),
    ),
    ImportColumn(
        "institution",
        gettext_lazy("the institution's name as in the application"),
        True,
        ("Instansi", "Unit Kerja", "Instansi/Unit Kerja", "Asal Instansi"),
    ),
    ImportColumn("email", gettext_lazy("email address"), aliases=("Surel", "E-mail", "Alamat Email")),
    ImportColumn(
        "phone", gettext_lazy("phone number"), aliases=("No. HP", "Nomor HP", "Telepon", "No. Telepon")
    ),
    ImportColumn(
        "status",
        gettext_lazy("enrolment status, for example registered; empty: registered"),
        aliases=("Status Peserta",),
    ),
    ImportColumn(
        "note",
        gettext_lazy("a note on the enrolment"),
        aliases=("Catatan", "Keterangan", "Catatan/Keterangan"),
    ),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
# A column numbering the rows ("No.") is read past: institutions' lists nearly always have one.
IGNORED_HEADERS = ("No.", "Nomor", "No. Urut")
BLANK_CELLS_HELP = gettext_lazy(
    "For a participant already stored (same NIP), an empty cell changes nothing; write - to clear a value. "
    "A change of name, institution or date of birth must be confirmed in the preview."
)
HEADER_HELP = gettext_lazy(
    "The header may stand below a title and empty rows. Column names are matched ignoring case, spaces and "
    "punctuation; a column numbering the rows (No.) is ignored. A merged cell gives its value to every row "
    "it spans. A value in a column without a name is refused."
)
# The header is the row, among the first non-empty ones, that names the most known columns.
HEADER_SEARCH_ROWS = 20
STRAY_CELLS_SHOWN = 10
# Columns whose texts repeat from row to row, kept once each (up to SHARED_TEXTS different texts).
REPEATED = {
    "front_title",
    "back_title",
    "gender",
    "birth_place",
    "rank",
    "position",
    "position_level",
    "institution",
    "status",
    "note",
}
SHARED_TEXTS = 10_000


class ImportFileError(Exception):
    """The file as a whole cannot be read; `messages` say why, in the active language."""

    def __init__(self, *messages):
        self.messages = [str(message) for message in messages]
        super().__init__("; ".join(self.messages))


@dataclass
class Table:
    header: list  # the column names found, in the file's order
    rows: list  # (row number in the file, {column: cell value}), cells without a value left out

    def to_json(self):
        """The table as JSON values, to be stored with its ImportBatch and read back by `from_json`: each row
        is its number and its cells in the header's order (null where empty)."""
        return {
            "header": self.header,
            "rows": [
                [number, *(_json_cell(cells.get(name)) for name in self.header)]
                for number, cells in self.rows
            ],
        }

    @classmethod
    def from_json(cls, data):
        header = data["header"]
        rows = [
            (
                row[0],
                {
                    name: _python_cell(value)
                    for name, value in zip(header, row[1:], strict=True)
                    if value is not None
                },
            )
            for row in data["rows"]
        ]
        return cls(header=header, rows=rows)


def _json_cell(value):
    # A date with a time is read as its date everywhere (import_rows.parse_date, the preview's text).
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # a time or a duration: as text, which is how the rows treat them


def _python_cell(value):
    return datetime.date.fromisoformat(value["date"]) if isinstance(value, dict) else value


def header_key(value):
    """A header cell compared ignoring case, spaces and punctuation: "Pangkat / Gol." -> "pangkatgol",
    "N.I.P." -> "nip", "front_title" -> "fronttitle"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(re.findall(r"[^\W_]+", str(value if value is not None else "").lower()))


COLUMN_KEYS = {header_key(name): column.name for column in COLUMNS for name in (column.name, *column.aliases)}
IGNORED_KEYS = {header_key(name) for name in IGNORED_HEADERS}


def column_letters(index):
    """ "A" for column 0, "Z" for 25, "AA" for 26."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _has_value(value):
    return value is not None and value != "" and (value.__class__ is not str or bool(value.strip()))


def build_table(records):
    """A Table of the rows below the header that hold a value, keyed by column name.

    `records`: (row number, [cells]) from the top of the sheet, read once, in order. Raises ImportFileError
    naming unknown, missing or repeated columns, cells in a column without a name, or when no row holds a
    value.
    """
    records = iter(records)
    leading = []
    for number, values in records:
        if any(_has_value(value) for value in values):
            leading.append((number, values))
            if len(leading) == HEADER_SEARCH_ROWS:
                break
    if not leading:
        raise ImportFileError(_("The file is empty."))
    known = [sum(header_key(value) in COLUMN_KEYS for value in values) for _number, values in leading]
    at = known.index(max(known))  # the first row naming the most columns; without any, the first row
    raw_header = leading[at][1]
    keys = [header_key(value) for value in raw_header]
    columns = {index: COLUMN_KEYS[key] for index, key in enumerate(keys) if key in COLUMN_KEYS}
    ignored = {index for index, key in enumerate(keys) if key in IGNORED_KEYS}
    check_header(raw_header, keys, list(columns.values()))

    rows, stray, stray_count = [], [], 0
    shared = {}  # one str object for each repeated text (an institution on every row)
    for number, values in _chain(leading[at + 1 :], records):
        cells = {}
        for index, value in enumerate(values):
            if not _has_value(value):
                continue
            name = columns.get(index)
            if name is not None:
                if name in REPEATED and value.__class__ is str and len(shared) < SHARED_TEXTS:
                    value = shared.setdefault(value, value)
                cells[name] = value
            elif index not in ignored:
                stray_count += 1
                if len(stray) < STRAY_CELLS_SHOWN:
                    stray.append(f"{column_letters(index)}{number}")
        if cells and not stray:  # once a cell is refused, the rows are only counted
            rows.append((number, cells))
    if stray:
        cells = ", ".join(stray)
        if stray_count > len(stray):
            cells = _("%(cells)s and %(count)d more") % {"cells": cells, "count": stray_count - len(stray)}
        raise ImportFileError(
            ngettext(
                "Cell %(cells)s holds a value in a column without a name. Name the column with one of the "
                "template's names, or delete the cell.",
                "Cells %(cells)s hold values in columns without a name. Name the columns with the template's "
                "names, or delete the cells.",
                stray_count,
            )
            % {"cells": cells}
        )
    if not rows:
        raise ImportFileError(_("The file has a header but no rows of participants."))
    return Table(header=list(columns.values()), rows=rows)


def _chain(first, rest):
    yield from first
    yield from rest


def check_header(raw_header, keys, names):
    """Raises ImportFileError naming unknown, missing or repeated columns of the header row."""
    problems = []
    unknown = [
        str(raw).strip()
        for raw, key in zip(raw_header, keys, strict=True)
        if key and key not in COLUMN_KEYS and key not in IGNORED_KEYS
    ]
    if unknown:
        problems.append(
            _("Unknown columns: %(columns)s. Use the template's column names: %(names)s.")
            % {"columns": ", ".join(f"“{name}”" for name in unknown), "names": ", ".join(COLUMN_NAMES)}
        )
    missing = [column.name for column in COLUMNS if column.required and column.name not in names]
    if missing:
        problems.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems.append(_("Columns given twice: %(columns)s.") % {"columns": ", ".join(repeated)})
    if problems:
        raise ImportFileError(*problems)
