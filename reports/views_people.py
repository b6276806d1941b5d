"""Staff pages for participants and institutions. Every read goes through participants.access."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lifecycle.panels import CERTIFICATE_PDF_PERMISSIONS, SEMINAR_ENTRY_PERMISSION, participant_panel
from participants.access import (
    can_see_personal_data,
    get_visible_participant,
    scope_enrolments,
    scope_institutions,
)
from participants.models import (
    IN_TRAINING_STATUSES,
    PASSED_STATUSES,
    SEAT_STATUSES,
    Enrolment,
    Participant,
    PersonalDataAccessKind,
)
from participants.privacy import log_access
from programs.models import Institution, InstitutionKind, ProgramType
from reports.charts import stacked_columns, timeline
from reports.pagecache import cached_html
from trainingtracker.decorators import staff_view

PAGE_SIZE = 25
PANEL_LINK_PERMISSIONS = {*CERTIFICATE_PDF_PERMISSIONS, SEMINAR_ENTRY_PERMISSION}


@staff_view("participants.view_participant")
def participant_detail(request, pk):
    participant = get_visible_participant(
        request.user, pk, Participant.objects.select_related("institution__parent")
    )
    show_personal = can_see_personal_data(request.user)
    log_access(
        user=request.user, kind=PersonalDataAccessKind.PAGE, participant=participant, unmasked=show_personal
    )
    today = timezone.localdate()
    body, body_cached = cached_html(
        request,
        "participant",
        # The panel's links depend on these permissions: users who differ in them must not share the HTML.
        (
            participant.pk,
            show_personal,
            today,
            sorted(request.user.get_all_permissions() & PANEL_LINK_PERMISSIONS),
        ),
        lambda: render_to_string(
            "reports/participant_detail.html#body",
            participant_context(participant, request.user, show_personal, today),
        ),
    )
    context = {"participant": participant, "body": body, "body_cached": body_cached}
    return render(request, "reports/participant_detail.html", context)


def participant_context(participant, user, show_personal, today):
    # The page's enrolments are the panel's (the caller checked that the user may see the participant, so
    # the user's scope holds all of them): one query for both, with the change projects.
    lifecycle = participant_panel(participant, user, today=today, with_projects=True)
    enrolments = [block["enrolment"] for block in lifecycle["enrolments"]]
    for enrolment in enrolments:
        project = getattr(enrolment, "change_project", None)
        enrolment.project = project
        enrolment.timeline = timeline(project.milestones.all(), today=today) if project else None
    return {
        "participant": participant,
        "nip": participant.decoded_nip if show_personal else None,
        "show_personal": show_personal,
        "enrolments": enrolments,
        "today": today,
        "lifecycle": lifecycle,
    }


@staff_view("programs.view_institution")
def institution_list(request):
    institutions = scope_institutions(Institution.objects.select_related("parent"), request.user)
    q = request.GET.get("q", "").strip()
    if q:
        institutions = institutions.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    kind = request.GET.get("kind", "")
    if kind in InstitutionKind.values:
        institutions = institutions.filter(kind=kind)
    sort = "-name" if request.GET.get("sort") == "-name" else "name"
    page = Paginator(institutions.order_by(sort, "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    # Counts for this page's institutions only, in one query, instead of aggregating every enrolment.
    counts = {}
    rows = (
        Participant.objects.filter(institution__in=[institution.pk for institution in page])
        .values_list("institution")
        .annotate(
            n_participants=Count("pk", distinct=True),
            n_enrolments=Count("enrolments"),
            n_passed=Count("enrolments", filter=Q(enrolments__status__in=PASSED_STATUSES)),
        )
        .order_by()
    )
    for institution_id, participants, enrolments, passed in rows:
        counts[institution_id] = (participants, enrolments, passed)
    for institution in page:
        institution.participants_total, institution.enrolments_total, institution.passed_total = counts.get(
            institution.pk, (0, 0, 0)
        )
    context = {"page": page, "q": q, "kind": kind, "kinds": InstitutionKind.choices, "sort": sort}
    return render(request, "reports/institution_list.html", context)


@staff_view("programs.view_institution")
def institution_detail(request, pk):
    institution = (
        scope_institutions(Institution.objects.select_related("parent"), request.user).filter(pk=pk).first()
    )
    if institution is None:
        raise Http404
    show_personal = can_see_personal_data(request.user)
    body, body_cached = cached_html(
        request,
        "institution",
        (institution.pk, show_personal, sorted(request.GET.lists())),
        lambda: render_to_string(
            "reports/institution_detail.html#body",
            institution_context(request, institution, show_personal),
            request=request,
        ),
    )
    context = {"institution": institution, "body": body, "body_cached": body_cached}
    return render(request, "reports/institution_detail.html", context)


def institution_context(request, institution, show_personal):
    enrolments = scope_enrolments(
        Enrolment.objects.filter(participant__institution=institution), request.user
    )
    # The institution's participants (enrolments that hold a seat) per year, type and status.
    per_year = list(
        enrolments.holding_seats()
        .values_list("program__year", "program__program_type__abbreviation", "status")
        .annotate(n=Count("pk"))
    )
    rows = {}
    for year, type_name, status, n in per_year:
        row = rows.setdefault(
            (year, type_name),
            {"year": year, "type": type_name, "total": 0, "passed": 0, "other": 0, "ongoing": 0},
        )
        row["total"] += n
        if status in PASSED_STATUSES:
            row["passed"] += n
        elif status in IN_TRAINING_STATUSES:
            row["ongoing"] += n
        else:
            row["other"] += n
    types = list(ProgramType.objects.values_list("abbreviation", flat=True))
    chart = stacked_columns(
        _("Participants sent per year by program type"),
        [(year, type_name, n) for year, type_name, _status, n in per_year],
        series_order=types,
    )
    recent = Paginator(
        enrolments.select_related("participant", "program__program_type").order_by(
            "-program__start_date", "pk"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return {
        "institution": institution,
        "table": sorted(rows.values(), key=lambda r: (-r["year"], r["type"])),
        "chart": chart,
        "page": recent,
        "seat_statuses": SEAT_STATUSES,
        "show_personal": show_personal,
    }
