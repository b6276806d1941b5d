"""Staff pages for programs: overview, program list, program dashboard, cohort comparison.

Programs themselves are not personal data: anyone with programs.view_program sees them. Everything
about participants goes through participants.access, so a liaison sees only their institution's people.
"""

from collections import Counter

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from participants.access import can_see_personal_data, scope_enrolments
from participants.models import (
    DECIDED_STATUSES,
    PASSED_STATUSES,
    SEAT_STATUSES,
    ChangeProjectStage,
    Enrolment,
    EnrolmentStatus,
    Gender,
)
from programs.filters import ProgramFilter
from programs.models import InstitutionKind, Person, Program, ProgramType, RoleKind
from reports.charts import hbar_chart, stacked_columns
from reports.dashboard import has_change_project, program_panel
from reports.figures import overview_figures
from reports.pagecache import cached, cached_html
from trainingtracker.decorators import staff_view

PAGE_SIZE = 25


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value or _("Unknown")


def overview_context(user, today):
    """Everything the overview shows, for the viewer's scope: the fragment that is cached."""
    stats = overview_figures(scope_enrolments(Enrolment.objects.holding_seats(), user))
    figures = {**stats["figures"], "programs_this_year": Program.objects.filter(year=today.year).count()}
    ongoing = list(
        Program.objects.ongoing(today).select_related("program_type", "organiser").order_by("end_date")[:10]
    )
    for program in ongoing:
        program.today_number = program.day_number(today)
    types = list(ProgramType.objects.values_list("abbreviation", flat=True))
    return {
        "figures": figures,
        "ongoing": ongoing,
        "year": today.year,
        "chart_per_year": stacked_columns(
            _("Participants per year by program type"), list(stats["per_year"]), series_order=types
        ),
        "chart_kinds": hbar_chart(
            _("Participants by institution kind"),
            [(_label(InstitutionKind, k), n) for k, n in stats["by_kind"]],
        ),
        "chart_top": hbar_chart(_("Top institutions"), list(stats["top"])),
    }


@staff_view("programs.view_program")
def overview(request):
    today = timezone.localdate()
    body, body_cached = cached_html(
        request,
        "overview",
        today,
        lambda: render_to_string("reports/overview.html#body", overview_context(request.user, today)),
    )
    return render(request, "reports/overview.html", {"body": body, "stats_cached": body_cached})


@staff_view("programs.view_program")
def program_list(request):
    can_export = request.user.has_perm("participants.export_participants")
    today = timezone.localdate()
    body, body_cached = cached_html(
        request,
        "program-list",
        (can_export, today, sorted(request.GET.lists())),
        lambda: render_to_string(
            "reports/program_list.html#body",
            program_list_context(request, can_export, today),
            request=request,
        ),
    )
    return render(request, "reports/program_list.html", {"body": body, "body_cached": body_cached})


def program_list_context(request, can_export, today):
    programs = Program.objects.select_related("program_type", "organiser").order_by("-start_date", "pk")
    program_filter = ProgramFilter(request.GET or None, queryset=programs, request=request)
    queryset = program_filter.qs if program_filter.is_bound and program_filter.is_valid() else programs
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    # Seats for this page's programs only: annotating the whole filtered list would aggregate every enrolment.
    seats = dict(
        Enrolment.objects.filter(program__in=[program.pk for program in page], status__in=SEAT_STATUSES)
        .values_list("program")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for program in page:
        program.current_status = program.status_on(today)
        program.seats_filled = seats.get(program.pk, 0)
    return {"filter": program_filter, "page": page, "can_export": can_export}


SORTS = {
    "name": "participant__name",
    "institution": "participant__institution__name",
    "status": "status",
    "stage": "change_project__stage",
    "project": "change_project__title",
}


def _participant_table(request, enrolments):
    """Search, sort and page the dashboard's participant table; returns (page, sort, q)."""
    q = request.GET.get("q", "").strip()
    if q:
        enrolments = enrolments.filter(
            Q(participant__name__icontains=q)
            | Q(participant__nip__icontains=q.replace(" ", ""))
            | Q(participant__institution__name__icontains=q)
            | Q(change_project__title__icontains=q)
        )
    sort = request.GET.get("sort", "name")
    field = SORTS.get(sort.lstrip("-"), SORTS["name"])
    if sort.lstrip("-") not in SORTS:
        sort = "name"
    enrolments = enrolments.order_by(f"-{field}" if sort.startswith("-") else field, "pk")
    return Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page")), sort, q


def program_summary(program, user, today, flags):
    """The dashboard's parts that do not depend on the table's search, sort and page: rendered HTML."""
    seats_filled = program.enrolments.holding_seats().count()  # every seat, whoever may see whom
    enrolments = scope_enrolments(program.enrolments.all(), user)
    # The lifecycle panel reads the enrolments in scope with their participants, institutions and change
    # projects in one query (a program holds at most its capacity); the charts count its participants (the
    # enrolments that hold a seat), as the seats card does.
    lifecycle = program_panel(program, user, today=today)
    rows = [
        (
            enrolment.status,
            enrolment.participant.gender,
            enrolment.participant.rank,
            enrolment.participant.is_demo,
            enrolment.participant.institution.kind,
            enrolment.participant.institution.province,
            enrolment.change_project.stage if has_change_project(enrolment) else None,
        )
        for enrolment in lifecycle.pop("enrolments")
        if enrolment.status in SEAT_STATUSES
    ]
    status_counts = Counter(row[0] for row in rows)
    stage_counts = Counter(row[6] for row in rows if row[6])
    charts = [
        hbar_chart(
            _("By institution kind"),
            [(_label(InstitutionKind, k), n) for k, n in Counter(row[4] for row in rows).most_common()],
        ),
        hbar_chart(
            _("By province"),
            [(p or _("Central government"), n) for p, n in Counter(row[5] for row in rows).most_common()],
            limit=12,
        ),
        hbar_chart(_("By rank"), sorted(Counter(row[2] or "—" for row in rows).items())),
        hbar_chart(
            _("By gender"), [(_label(Gender, g), n) for g, n in Counter(row[1] for row in rows).most_common()]
        ),
        hbar_chart(
            _("Change projects by stage"),
            [(stage.label, stage_counts.get(stage, 0)) for stage in ChangeProjectStage],
        ),
        hbar_chart(
            _("Participants by status"),
            [
                (status.label, status_counts[status])
                for status in EnrolmentStatus
                if status_counts.get(status)
            ],
        ),
    ]
    roles = list(program.roles.select_related("person__institution").order_by("role", "date", "person__name"))
    officials = [
        role for role in roles if role.role not in (RoleKind.COACH, RoleKind.EXAMINER, RoleKind.MENTOR)
    ]
    mentors = (
        Person.objects.filter(mentored_projects__enrolment__in=enrolments)
        .select_related("institution")
        .distinct()
        .order_by("name")
    )
    context = {
        **flags,
        "program": program,
        "status": program.status_on(today),
        "day_number": program.day_number(today),
        "seats_filled": seats_filled,
        "seats_free": max(program.capacity - seats_filled, 0),
        "visible_count": len(rows),
        "has_demo": any(row[3] for row in rows),
        "charts": charts,
        "officials": officials,
        "coaches": [role.person for role in roles if role.role == RoleKind.COACH],
        "examiners": [role.person for role in roles if role.role == RoleKind.EXAMINER],
        "mentors": list(mentors),
        "passed": sum(status_counts[s] for s in PASSED_STATUSES),
        "deferred": status_counts[EnrolmentStatus.PASSED_DEFERRED],
        "lifecycle": lifecycle,
    }
    return {
        "top": render_to_string("reports/program_detail.html#summary", context),
        "people": render_to_string("reports/program_detail.html#people", context),
    }


def participant_table(request, program, show_personal):
    """The dashboard's participant table with its search, sort and pages, as HTML."""
    enrolments = scope_enrolments(program.enrolments.all(), request.user).select_related(
        "participant__institution", "change_project"
    )
    page, sort, q = _participant_table(request, enrolments)
    context = {"program": program, "page": page, "sort": sort, "q": q, "show_personal": show_personal}
    return render_to_string("reports/program_detail.html#table", context, request=request)


@staff_view("programs.view_program")
def program_detail(request, pk):
    program = get_object_or_404(Program.objects.select_related("program_type", "organiser", "source"), pk=pk)
    today = timezone.localdate(timezone=program.zone)  # the program's day, in Papua as in Banten
    user = request.user
    flags = {
        "show_personal": can_see_personal_data(user),
        "can_export": user.has_perm("participants.export_participants"),
        "can_see_certificates": user.has_perm("lifecycle.view_certificate"),
        # The summary links recent seminars to their pages for these users only (reports.dashboard).
        "can_enter_seminars": user.has_perm("lifecycle.change_seminar"),
    }
    summary, summary_cached = cached(
        request,
        "program",
        (program.pk, today, sorted(flags.items())),
        lambda: program_summary(program, user, today, flags),
    )
    table, table_cached = cached_html(
        request,
        "program-table",
        (program.pk, flags["show_personal"], sorted(request.GET.lists())),
        lambda: participant_table(request, program, flags["show_personal"]),
    )
    context = {
        **flags,
        "program": program,
        "summary": {part: mark_safe(html) for part, html in summary.items()},  # noqa: S308 (our templates)
        "table": table,
        "cached": (summary_cached, table_cached),
    }
    return render(request, "reports/program_detail.html", context)


class CompareForm(forms.Form):
    programs = forms.ModelMultipleChoiceField(
        label=_("Programs to compare"),
        queryset=Program.objects.select_related("program_type").order_by("-start_date", "pk"),
        help_text=_("Choose two to six programs."),
    )

    def clean_programs(self):
        programs = self.cleaned_data["programs"]
        if not 2 <= len(programs) <= 6:
            raise forms.ValidationError(_("Choose two to six programs."))
        return programs


@staff_view("programs.view_program")
def compare(request):
    form = CompareForm(request.GET or None)
    columns = []
    kinds = list(InstitutionKind)
    if form.is_valid():
        programs = list(form.cleaned_data["programs"].select_related("organiser"))
        ids = [program.pk for program in programs]
        # The programs' participants (the enrolments that hold a seat), as on the dashboards.
        enrolments = scope_enrolments(
            Enrolment.objects.filter(program_id__in=ids).holding_seats(), request.user
        )
        by_status = Counter()
        for program_id, status, n in enrolments.values_list("program_id", "status").annotate(n=Count("pk")):
            by_status[(program_id, status)] = n
        by_kind = Counter()
        for program_id, kind, n in enrolments.values_list(
            "program_id", "participant__institution__kind"
        ).annotate(n=Count("pk")):
            by_kind[(program_id, kind)] = n
        by_stage = Counter()
        for program_id, stage, n in enrolments.values_list("program_id", "change_project__stage").annotate(
            n=Count("pk")
        ):
            by_stage[(program_id, stage)] = n
        for program in programs:
            total = sum(n for (pid, _status), n in by_status.items() if pid == program.pk)
            finished = sum(by_status[(program.pk, s)] for s in DECIDED_STATUSES)
            passed = sum(by_status[(program.pk, s)] for s in PASSED_STATUSES)
            reported = sum(
                by_stage[(program.pk, s)]
                for s in (ChangeProjectStage.REPORTED, ChangeProjectStage.CONTINUING)
            )
            columns.append(
                {
                    "program": program,
                    "size": total,
                    "kinds": [by_kind[(program.pk, kind)] for kind in kinds],
                    "pass_rate": round(100 * passed / finished) if finished else None,
                    "passed": passed,
                    "stages": [by_stage[(program.pk, stage)] for stage in ChangeProjectStage],
                    "reported_rate": round(100 * reported / total) if total else None,
                }
            )
    return render(
        request,
        "reports/compare.html",
        {"form": form, "columns": columns, "kinds": kinds, "stages": list(ChangeProjectStage)},
    )
