"""The STTP certificate as a document: the PDF with its QR code, all of a program's in a ZIP, the register
as CSV rows (written by trainingtracker.files.csv_chunks).

The PDF is always in the site's language (Indonesian), whatever the language of the person printing it,
in DejaVu Sans (trainingtracker.files.pdf_fonts), which covers every character a name may hold: without
the font, rendering raises PdfFontMissing, as the exports do.
"""

import io
import zipfile

import segno
from django.conf import settings
from django.db.models import Sum
from django.utils import formats, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from participants.access import mask
from programs.models import Program
from trainingtracker.files import pdf_fonts

# What a page says when a PDF cannot be made (PdfFontMissing): the certificates and the reports alike.
PDF_FONT_MISSING_MESSAGE = gettext_lazy(
    "PDF reports cannot be made on this server at the moment (a font is missing). Choose CSV or XLSX."
)


def verification_qr(url):
    """The QR code of the verification address (error correction M survives a worn print)."""
    return segno.make(url, error="m")


def program_jp(program):
    """JP of the program's schedule, or the program type's total when no session has JP. One query."""
    planned, total = (
        Program.objects.filter(pk=program.pk)
        .annotate(planned=Sum("sessions__jp"))
        .values_list("planned", "program_type__curriculum_rules__total_jp")
        .get()
    )
    return planned or total


def rank_and_grade(participant):
    """'Pembina, IV/a' from the rank 'IV/a Pembina'; '' without a rank."""
    if not participant.rank:
        return ""
    label = participant.get_rank_display()
    return f"{label.removeprefix(participant.rank).strip()}, {participant.rank}"


def certificate_filename(certificate):
    name = slugify(certificate.enrolment.participant.name) or "peserta"
    return f"STTP-{certificate.year}-{certificate.sequence:04d}-{name}.pdf"


def render_certificate_pdf(certificate, *, verification_url, jp=None):
    """The certificate as A4 landscape PDF bytes, with a QR code of `verification_url`.

    Reads certificate.enrolment.participant (with institution) and .program (with program_type and
    organiser); select_related them. `jp` is the program's JP (program_jp), computed once for a batch.
    Raises PdfFontMissing without DejaVu Sans.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _render(certificate, verification_url=verification_url, jp=jp)


def _date(value):
    return formats.date_format(value, "j F Y") if value else ""


def _render(certificate, *, verification_url, jp):
    regular, bold = pdf_fonts()
    enrolment = certificate.enrolment
    participant, program = enrolment.participant, enrolment.program
    width, height = landscape(A4)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=True)
    pdf.setTitle(f"STTP {certificate.number}")
    pdf.setAuthor(program.organiser.name)
    pdf.setSubject(program.title)

    margin = 42
    if certificate.is_demo:
        # First, so that the text stays readable over it; level, so that text extraction finds it.
        pdf.setFillColorRGB(0.88, 0.88, 0.88)
        pdf.setFont(bold, 220)
        pdf.drawCentredString(width / 2, height / 2 - 80, "DEMO")
        pdf.setFillColorRGB(0, 0, 0)
    pdf.setLineWidth(2)
    pdf.rect(margin - 14, margin - 14, width - 2 * (margin - 14), height - 2 * (margin - 14))
    pdf.setLineWidth(0.6)
    pdf.rect(margin - 8, margin - 8, width - 2 * (margin - 8), height - 2 * (margin - 8))

    y = height - margin - 22
    if certificate.is_demo:
        pdf.setFillColorRGB(0.75, 0, 0)
        pdf.setFont(bold, 12)
        pdf.drawCentredString(
            width / 2, y + 6, _("DEMO: SYNTHETIC DATA, NOT A REAL CERTIFICATE AND NOT VALID")
        )
        y -= 14
        pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(bold, 14)
    pdf.drawCentredString(width / 2, y, program.organiser.name.upper())
    y -= 34
    pdf.setFont(bold, 22)
    pdf.drawCentredString(width / 2, y, _("CERTIFICATE OF TRAINING COMPLETION"))
    y -= 18
    pdf.setFont(regular, 11)
    pdf.drawCentredString(width / 2, y, _("Number: %(number)s") % {"number": certificate.number})
    y -= 28
    pdf.drawCentredString(width / 2, y, _("This certifies that"))
    y -= 26
    pdf.setFont(bold, 18)
    pdf.drawCentredString(width / 2, y, participant.full_name)
    y -= 24

    birth = ", ".join(part for part in (participant.birth_place, _date(participant.birth_date)) if part)
    fields = [
        (_("NIP"), participant.nip_display or "—"),
        (_("Place and date of birth"), birth or "—"),
        (_("Rank / grade"), rank_and_grade(participant) or "—"),
        (_("Position"), participant.position or "—"),
        (_("Institution"), participant.institution.name),
    ]
    label_x, value_x, value_width = width / 2 - 250, width / 2 - 80, 330
    pdf.setFont(regular, 11)
    for label, value in fields:
        pdf.drawString(label_x, y, label)
        pdf.drawString(value_x - 10, y, ":")
        lines = simpleSplit(str(value), regular, 11, value_width) or [""]
        for line in lines:
            pdf.drawString(value_x, y, line)
            y -= 15
    y -= 8

    cohort = f" {program.cohort_label}" if program.cohort_label else ""
    statement = _(
        "has completed the %(training)s%(cohort)s %(year)s, held by %(organiser)s in %(venue)s from "
        "%(start)s to %(end)s (%(jp)s JP)"
    ) % {
        "training": program.program_type.name,
        "cohort": cohort,
        "year": program.year,
        "organiser": program.organiser.name,
        "venue": program.venue,
        "start": _date(program.start_date),
        "end": _date(program.computed_end_date),
        "jp": jp if jp is not None else "—",
    }
    for line in simpleSplit(statement, regular, 11, width - 2 * margin - 120):
        pdf.drawCentredString(width / 2, y, line)
        y -= 15
    y -= 4
    if certificate.qualification:
        pdf.drawCentredString(width / 2, y, _("with the qualification"))
        y -= 18
        pdf.setFont(bold, 14)
        pdf.drawCentredString(width / 2, y, certificate.qualification.upper())

    # Signature block, bottom right.
    sign_x, sign_y = width - margin - 150, margin + 110
    pdf.setFont(regular, 11)
    place_date = ", ".join(part for part in (certificate.signing_place, _date(certificate.issued_on)) if part)
    for line in simpleSplit(place_date, regular, 11, 260):
        pdf.drawCentredString(sign_x, sign_y, line)
        sign_y -= 14
    for line in simpleSplit(certificate.signer_position, regular, 11, 260):
        pdf.drawCentredString(sign_x, sign_y, line)
        sign_y -= 14
    pdf.setFont(bold, 11)
    pdf.drawCentredString(sign_x, margin + 20, certificate.signer_name)

    # QR code, bottom left: drawn module by module as vector squares (no image library needed).
    qr = verification_qr(verification_url)
    matrix = qr.matrix
    size = 92
    module = size / len(matrix)
    qr_x, qr_y = margin + 4, margin + 26
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for column_index, dark in enumerate(row):
            if dark:
                pdf.rect(
                    qr_x + column_index * module,
                    qr_y + size - (row_index + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
    pdf.setFont(regular, 7)
    if certificate.is_demo:
        pdf.setFont(bold, 7)
        pdf.drawString(qr_x, qr_y + size + 4, _("DEMO: not a real certificate"))
        pdf.setFont(regular, 7)
    pdf.drawString(qr_x, qr_y - 10, _("Verify this certificate:"))
    pdf.drawString(qr_x, qr_y - 19, verification_url)

    if not certificate.is_valid:
        # Level, in the free space above the signatures: rotated text would not be searchable.
        pdf.setFillColorRGB(0.75, 0, 0)
        pdf.setFont(bold, 40)
        pdf.drawCentredString(width / 2, margin + 70, _("REVOKED"))

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def build_certificates_zip(certificates, *, url_for, jp=None):
    """A ZIP (bytes, built in memory) with one PDF per certificate; `url_for(certificate)` gives each QR's
    absolute verification address."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            archive.writestr(
                certificate_filename(certificate),
                render_certificate_pdf(certificate, verification_url=url_for(certificate), jp=jp),
            )
    return buffer.getvalue()


# The register as rows ---------------------------------------------------------------------------------


def register_header():
    return [
        _("Number"),
        _("Status"),
        _("Issued on"),
        _("Name"),
        _("NIP"),
        _("Institution"),
        _("Qualification"),
        _("Final score"),
        _("Signer"),
        _("Replaces"),
        _("Revoked at"),
        _("Reason for the revocation"),
    ]


def register_rows(certificates, *, personal_data):
    """One row per certificate, in the order of register_header(); the NIP masked without personal_data."""
    for certificate in certificates:
        participant = certificate.enrolment.participant
        yield [
            certificate.number,
            _("valid") if certificate.is_valid else _("revoked"),
            certificate.issued_on.isoformat(),
            participant.full_name,
            participant.nip_display if personal_data else mask(participant.nip),
            participant.institution.name,
            certificate.qualification,
            "" if certificate.final_score is None else f"{certificate.final_score:.2f}",
            certificate.signer_name,
            certificate.replaces.number if certificate.replaces_id else "",
            certificate.enrolment.program.local_time(certificate.revoked_at),
            certificate.revocation_reason,
        ]
