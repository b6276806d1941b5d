"""The PDF rendering of an export: A4 with the organiser or report in every page's header, the filters,
the table, totals and "page N of M". DejaVu Sans through trainingtracker.files.pdf_fonts (PdfFontMissing
without it)."""

import datetime
import io
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from trainingtracker.files import pdf_fonts


def indonesian_date(value):
    with translation.override("id"):
        return date_format(value, "j F Y")


def render_pdf(exporter, header, rows):
    """A4 with the organiser or report in every page's header, the filters, the table, totals and
    'page N of M' in the footer. Dates are written in Indonesian whatever the user's language."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdf_canvas
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    font, font_bold = pdf_fonts()
    pagesize = landscape(A4) if exporter.landscape else A4
    body = ParagraphStyle("body", fontName=font, fontSize=6.5, leading=8)
    bold = ParagraphStyle("bold", parent=body, fontName=font_bold)
    title = ParagraphStyle("title", fontName=font_bold, fontSize=13, leading=16, spaceAfter=4)
    meta = ParagraphStyle("meta", fontName=font, fontSize=8, leading=10)

    def cell(value, style=body):
        if value is None:
            text = ""
        elif isinstance(value, datetime.date):
            text = indonesian_date(value)
        else:
            text = str(value)
        return Paragraph(escape(text), style)

    heading = exporter.heading()
    made = _("Made by %(who)s on %(date)s at %(time)s") % {
        "who": exporter.made_by(),
        "date": indonesian_date(exporter.local_made_at().date()),
        "time": exporter.local_made_at().strftime("%H:%M %Z"),
    }
    page_label = _("Page %(page)d of %(pages)d")

    class NumberedCanvas(pdf_canvas.Canvas):
        """Draws the page header and 'page N of M' once the page count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total):
            width, height = pagesize
            self.setFont(font_bold, 9)
            self.drawString(15 * mm, height - 10 * mm, heading[0])
            self.setFont(font, 8)
            for offset, line in enumerate(heading[1:], start=1):
                self.drawString(15 * mm, height - 10 * mm - offset * 10, line)
            rule = height - 13 * mm - (len(heading) - 1) * 10
            self.line(15 * mm, rule, width - 15 * mm, rule)
            self.setFont(font, 7)
            self.drawString(15 * mm, 8 * mm, made)
            self.drawRightString(
                width - 15 * mm, 8 * mm, page_label % {"page": self.getPageNumber(), "pages": total}
            )

    buffer = io.BytesIO()
    top = 16 * mm + (len(heading) - 1) * 10
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=top,
        bottomMargin=14 * mm,
        title=str(exporter.title),
        author=exporter.made_by(),
    )
    story = [Paragraph(escape(str(exporter.title)), title)]
    subtitle = exporter.subtitle()
    if subtitle:
        story.append(Paragraph(escape(subtitle), meta))
    story.append(
        Paragraph(escape(f"{_('Filters')}: {'; '.join(exporter.filter_lines()) or _('none')}"), meta)
    )
    story.append(Spacer(0, 4 * mm))
    available = pagesize[0] - 30 * mm
    weights = [column.pdf_width or column.width for column in exporter.columns]
    widths = [max(available * weight / sum(weights), 22) for weight in weights]
    widths = [width * available / sum(widths) for width in widths]
    data = [[cell(label, bold) for label in header]] + [[cell(value) for value in row] for row in rows]
    if not rows:
        data.append([cell(_("No rows match these filters."))] + [""] * (len(header) - 1))
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F5F7FA")]),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(0, 4 * mm))
    story.append(Paragraph(escape(_("Totals")), bold))
    for label, value in exporter.totals(rows):
        story.append(Paragraph(escape(f"{label}: {value}"), meta))
    document.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()
