"""A participant's own data, exported for them on request (UU 27/2022 Pasal 32)."""

from django.http import HttpResponse
from django.shortcuts import render

from lifecycle.documents import PDF_FONT_MISSING_MESSAGE
from participants.access import get_visible_participant
from participants.models import Participant, PersonalDataAccessKind
from participants.privacy import log_access
from reports.subject import subject_archive, subject_archive_name
from trainingtracker.decorators import staff_view
from trainingtracker.files import PdfFontMissing


@staff_view("participants.view_personal_data")
def subject_export(request, pk):
    participant = get_visible_participant(request.user, pk, Participant.objects.select_related("institution"))
    try:
        archive = subject_archive(
            participant,
            url_for=lambda certificate: certificate.public_verification_url,
        )
    except PdfFontMissing:  # the archive holds the certificates' PDFs: no archive without them
        return render(
            request, "reports/export_refused.html", {"problems": [PDF_FONT_MISSING_MESSAGE]}, status=503
        )
    log_access(
        user=request.user, kind=PersonalDataAccessKind.SUBJECT_EXPORT, participant=participant, unmasked=True
    )
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{subject_archive_name(participant)}"'
    return response
