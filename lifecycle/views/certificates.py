"""Certificate pages: the register with its CSV and ZIP, one certificate's PDF, revocation and reissue
(staff, through the scope rule of access.py); and the public verification page."""

import itertools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lifecycle.documents import (
    PDF_FONT_MISSING_MESSAGE,
    build_certificates_zip,
    certificate_filename,
    program_jp,
    register_header,
    register_rows,
    render_certificate_pdf,
)
from lifecycle.forms import ReasonForm
from lifecycle.models import Certificate
from lifecycle.panels import CERTIFICATE_PDF_PERMISSIONS
from lifecycle.services import (
    issue_certificates,
    reissue_certificate,
    revoke_certificate,
)
from participants.access import can_see_personal_data, mask, scope_by_enrolment, scope_enrolments
from participants.models import Enrolment, EnrolmentStatus
from participants.nip import format_nip
from programs.models import Program
from trainingtracker.decorators import staff_view
from trainingtracker.files import PdfFontMissing, csv_chunks


def _certificates(user):
    """Certificates the user may see, with what the register and the PDF read."""
    return scope_by_enrolment(Certificate.objects.all(), user).select_related(
        "enrolment__participant__institution",
        "enrolment__program__program_type",
        "enrolment__program__organiser",
        "replaces",
    )


def _get_certificate(user, pk):
    return get_object_or_404(_certificates(user), pk=pk)


# Certificates -------------------------------------------------------------------------------------------


def _program_certificates(program, user):
    return _certificates(user).filter(enrolment__program=program).order_by("year", "sequence")


@staff_view("lifecycle.view_certificate")
def certificate_register(request, pk):
    program = get_object_or_404(Program.objects.select_related("program_type", "organiser"), pk=pk)
    certificates = list(_program_certificates(program, request.user))
    pending = list(
        scope_enrolments(
            Enrolment.objects.filter(program=program, status=EnrolmentStatus.PASSED), request.user
        )
        .exclude(Exists(Certificate.objects.valid().filter(enrolment=OuterRef("pk"))))
        .select_related("participant")
        .order_by("participant__name", "pk")
    )
    personal = can_see_personal_data(request.user)
    for certificate in certificates:
        nip = certificate.enrolment.participant.nip
        certificate.nip_shown = format_nip(nip) if personal and nip else mask(nip)
    return render(
        request,
        "lifecycle/certificate_register.html",
        {
            "program": program,
            "certificates": certificates,
            "valid_count": sum(1 for c in certificates if c.is_valid),
            "pending": pending,
            "personal_data": personal,
            "can_issue": request.user.has_perm("lifecycle.add_certificate"),
            "can_revoke": request.user.has_perm("lifecycle.change_certificate"),
            "can_download": request.user.has_perms(CERTIFICATE_PDF_PERMISSIONS),
        },
    )


@staff_view("lifecycle.view_certificate")
def certificate_register_csv(request, pk):
    program = get_object_or_404(Program, pk=pk)
    rows = register_rows(
        _program_certificates(program, request.user).iterator(chunk_size=500),
        personal_data=can_see_personal_data(request.user),
    )
    response = StreamingHttpResponse(
        csv_chunks(itertools.chain([register_header()], rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="sttp-register-{program.pk}.csv"'
    return response


@staff_view("lifecycle.add_certificate")
@require_POST
def certificate_issue(request, pk):
    program = get_object_or_404(Program, pk=pk)
    enrolments = scope_enrolments(Enrolment.objects.filter(program=program), request.user)
    try:
        issued = issue_certificates(enrolments=enrolments, issued_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext("%(count)d certificate issued.", "%(count)d certificates issued.", len(issued))
            % {"count": len(issued)},
        )
    return redirect("lifecycle:certificate_register", pk=program.pk)


def _pdf_unavailable(request, program):
    """The page that says why there is no PDF (PdfFontMissing): 503, as the reports answer."""
    return render(
        request,
        "lifecycle/pdf_unavailable.html",
        {"program": program, "message": PDF_FONT_MISSING_MESSAGE},
        status=503,
    )


@staff_view(CERTIFICATE_PDF_PERMISSIONS)
def certificate_pdf(request, pk):
    certificate = _get_certificate(request.user, pk)
    try:
        pdf = render_certificate_pdf(
            certificate,
            verification_url=certificate.public_verification_url,
            jp=program_jp(certificate.enrolment.program),
        )
    except PdfFontMissing:
        return _pdf_unavailable(request, certificate.enrolment.program)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate_filename(certificate)}"'
    return response


@staff_view(CERTIFICATE_PDF_PERMISSIONS)
def certificate_zip(request, pk):
    program = get_object_or_404(Program, pk=pk)
    certificates = list(
        _program_certificates(program, request.user).filter(
            revoked_at=None, enrolment__status=EnrolmentStatus.PASSED
        )
    )
    if not certificates:
        messages.warning(request, _("There is no valid certificate to download yet."))
        return redirect("lifecycle:certificate_register", pk=program.pk)
    try:
        archive = build_certificates_zip(
            certificates,
            url_for=lambda certificate: certificate.public_verification_url,
            jp=program_jp(program),
        )
    except PdfFontMissing:
        return _pdf_unavailable(request, program)
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="sttp-{program.year}-{program.pk}.zip"'
    return response


def _certificate_change(request, pk, *, reissue):
    certificate = _get_certificate(request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and certificate.is_valid:
        reason = form.cleaned_data["reason"]
        try:
            if reissue:
                new = reissue_certificate(certificate=certificate, reason=reason, issued_by=request.user)
                messages.success(request, _("Certificate %(number)s issued.") % {"number": new.number})
            else:
                revoke_certificate(certificate=certificate, reason=reason, revoked_by=request.user)
                messages.success(
                    request, _("Certificate %(number)s revoked.") % {"number": certificate.number}
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("lifecycle:certificate_register", pk=certificate.enrolment.program_id)
    return render(
        request,
        "lifecycle/certificate_change.html",
        {
            "certificate": certificate,
            "program": certificate.enrolment.program,
            "form": form,
            "reissue": reissue,
        },
    )


@staff_view("lifecycle.change_certificate")
def certificate_revoke(request, pk):
    return _certificate_change(request, pk, reissue=False)


@staff_view("lifecycle.change_certificate")
def certificate_reissue(request, pk):
    return _certificate_change(request, pk, reissue=True)


# Public verification ------------------------------------------------------------------------------------


@never_cache
def verify_certificate(request, token):
    """Public: confirms a certificate by its unguessable token, showing only what confirms it: the name,
    the training, the number and date of issue to match the paper, the issuing body, and for a revoked
    certificate when it was revoked and the number of its replacement. A demo participant's certificate
    is shown as demo, never as valid. One query."""
    certificate = (
        Certificate.objects.select_related(
            "enrolment__participant", "enrolment__program", "organiser", "replaced_by"
        )
        .filter(token=token)
        .first()
    )
    if certificate is None:
        raise Http404
    replacement = getattr(certificate, "replaced_by", None)  # reverse one-to-one: absent when none
    response = render(
        request,
        "lifecycle/verify.html",
        {
            "name": certificate.enrolment.participant.full_name,
            "program_title": certificate.enrolment.program.title,
            "year": certificate.enrolment.program.year,
            "qualification": certificate.qualification,
            "number": certificate.number,
            "issued_on": certificate.issued_on,
            "issuer": certificate.organiser.name,
            "revoked_on": certificate.revoked_at,
            "replacement_number": replacement.number if replacement is not None else "",
            "demo": certificate.is_demo,
            "valid": certificate.is_valid and not certificate.is_demo,
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
