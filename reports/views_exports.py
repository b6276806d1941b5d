"""Downloads of the participant reports. Thin views: check access, build the exporter, render."""

from django.shortcuts import get_object_or_404, render

from lifecycle.documents import PDF_FONT_MISSING_MESSAGE
from programs.models import Program
from reports.exports import (
    EnrolmentsExporter,
    ExportTooLarge,
    HistoryExporter,
    InstitutionSummaryExporter,
    RosterExporter,
)
from trainingtracker.decorators import staff_view
from trainingtracker.files import PdfFontMissing

EXPORT_PERMISSION = "participants.export_participants"


def _download(request, exporter, fmt):
    """The file, or a page that says why there is none (bad filters 400, PDF too long 400, no font 503)."""
    if not exporter.is_valid():
        return _refusal(request, exporter.filters.errors, status=400)
    try:
        return exporter.response(fmt)
    except ExportTooLarge as error:
        return _refusal(request, [str(error)], status=400)
    except PdfFontMissing:
        return _refusal(request, [PDF_FONT_MISSING_MESSAGE], status=503)


def _refusal(request, problems, *, status):
    return render(request, "reports/export_refused.html", {"problems": problems}, status=status)


@staff_view(EXPORT_PERMISSION)
def roster(request, pk, fmt):
    program = get_object_or_404(Program.objects.select_related("organiser", "program_type"), pk=pk)
    return _download(request, RosterExporter(user=request.user, program=program), fmt)


@staff_view(EXPORT_PERMISSION)
def enrolments(request, fmt):
    return _download(request, EnrolmentsExporter(user=request.user, filter_data=request.GET), fmt)


@staff_view(EXPORT_PERMISSION)
def institutions(request, fmt):
    return _download(request, InstitutionSummaryExporter(user=request.user, filter_data=request.GET), fmt)


@staff_view(EXPORT_PERMISSION)
def history(request, fmt):
    return _download(request, HistoryExporter(user=request.user, filter_data=request.GET), fmt)
