"""The project's one CSV writer, one formula neutraliser and one PDF font lookup. They import no app."""

import csv
import functools
import glob
import io
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Characters that make a spreadsheet read a text cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe; others unchanged."""
    if value.__class__ is str and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


BOM = "\ufeff"  # spreadsheet programs then read the file as UTF-8


def csv_text(rows):
    """Rows as CSV text (lines ending in \\n), every cell neutralised; no BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def csv_chunks(rows, *, batch=1000):
    """A CSV file as UTF-8 bytes in pieces: the BOM, then the rows (the header first) a batch at a time, every
    cell neutralised. For streamed responses and for files written to disk."""
    yield BOM.encode()
    pending = []
    for row in rows:
        pending.append(row)
        if len(pending) == batch:
            yield csv_text(pending).encode()
            pending = []
    if pending:
        yield csv_text(pending).encode()


class PdfFontMissing(ImproperlyConfigured):
    """DejaVu Sans is not installed; PDFs need it for names beyond Latin-1."""


FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",  # Debian and Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",  # Fedora, Arch
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
]


def find_font(filename):
    """The path of a DejaVu TTF file: settings.PDF_FONT_DIR, the usual folders, then fontconfig."""
    for folder in filter(None, [settings.PDF_FONT_DIR, *FONT_DIRS]):
        path = Path(folder) / filename
        if path.is_file():
            return path
    for path in glob.glob(f"/usr/share/fonts/**/{filename}", recursive=True):
        return Path(path)
    if shutil.which("fc-match"):
        family = filename.removesuffix(".ttf").replace("DejaVuSans", "DejaVu Sans").replace("-", ":style=")
        found = subprocess.run(
            ["fc-match", "--format=%{file}", family], capture_output=True, text=True, check=False
        ).stdout
        if found.endswith(filename) and Path(found).is_file():
            return Path(found)
    raise PdfFontMissing(
        f"PDF files need the DejaVu Sans font ({filename}) for names with accents and other "
        "non-Latin-1 letters. Install Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core) "
        "or set PDF_FONT_DIR to a folder that holds DejaVuSans.ttf and DejaVuSans-Bold.ttf."
    )


@functools.cache
def pdf_fonts():
    """(regular, bold): the names of DejaVu Sans registered with reportlab. Raises PdfFontMissing."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(find_font("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(find_font("DejaVuSans-Bold.ttf"))))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    return FONT, FONT_BOLD
