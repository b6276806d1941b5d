"""Staff pages where the lifecycle is entered: the attendance of a session and a seminar with its scores.

Every page fetches through the scope rule of access.py: a liaison sees only the participants of their
institution, and an object of another institution answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lifecycle.forms import AttendanceForm, SeminarForm
from lifecycle.models import Attendance, AttendanceCorrection, Seminar
from lifecycle.services import (
    record_attendance,
    save_seminar,
)
from participants.access import scope_by_enrolment, scope_enrolments
from participants.models import SEAT_STATUSES, ChangeProject, Enrolment
from programs.models import Person, RoleKind, SeminarAspect, SeminarKind, Session
from trainingtracker.decorators import staff_view

# Attendance ---------------------------------------------------------------------------------------------


@staff_view("lifecycle.change_attendance")
def attendance_entry(request, pk):
    session = get_object_or_404(
        Session.objects.select_related("program", "agenda", "subject", "facilitator"), pk=pk
    )
    recorded_here = Attendance.objects.filter(session=session, enrolment=OuterRef("pk"))
    enrolments = list(
        scope_enrolments(Enrolment.objects.filter(program=session.program_id), request.user)
        .filter(Q(status__in=SEAT_STATUSES) | Exists(recorded_here))
        .select_related("participant__institution")
        .order_by("participant__name", "pk")
    )
    records = {
        record.enrolment_id: record
        for record in Attendance.objects.filter(session=session, enrolment__in=[e.pk for e in enrolments])
    }
    rows = [(enrolment, records.get(enrolment.pk)) for enrolment in enrolments]
    form = AttendanceForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            created, corrected = record_attendance(
                session=session,
                marks=form.marks(),
                recorded_by=request.user,
                correction_reason=form.cleaned_data["correction_reason"],
            )
        except ValidationError as error:
            form.add_error(
                "correction_reason" if error.code == "attendance_correction_reason" else None, error
            )
        else:
            messages.success(
                request,
                _("Attendance saved: %(created)d new, %(corrected)d corrected.")
                % {"created": created, "corrected": corrected},
            )
            return redirect("lifecycle:attendance_entry", pk=session.pk)
    corrections = (
        AttendanceCorrection.objects.filter(attendance__session=session, attendance__enrolment__in=enrolments)
        .select_related("attendance__enrolment__participant", "corrected_by")
        .order_by("-corrected_at", "-pk")
    )
    return render(
        request,
        "lifecycle/attendance_entry.html",
        {"session": session, "program": session.program, "form": form, "corrections": corrections},
    )


# Seminars -----------------------------------------------------------------------------------------------


@staff_view("lifecycle.change_seminar")
def seminar_entry(request, pk, kind):
    if kind not in SeminarKind.values:
        raise Http404
    project = get_object_or_404(
        scope_by_enrolment(ChangeProject.objects.all(), request.user).select_related(
            "enrolment__participant", "enrolment__program__program_type", "mentor", "coach"
        ),
        pk=pk,
    )
    program = project.enrolment.program
    seminar = None
    if not request.GET.get("new"):
        seminar = (
            Seminar.objects.filter(change_project=project, kind=kind)
            .prefetch_related("examiners", "scores__aspect")
            .order_by("-date", "-pk")
            .first()
        )
    if seminar is None:
        seminar = Seminar(change_project=project, kind=kind, date=timezone.localdate())
        panel_ids, saved_scores = set(), {}
    else:
        panel_ids = {person.pk for person in seminar.examiners.all()}
        saved_scores = {(s.examiner_id, s.aspect_id): s.score for s in seminar.scores.all()}
    # Whoever has saved scores is shown too (scores can be entered in the admin for anyone), so that no
    # score is kept or removed out of sight.
    candidates = (
        Q(roles__program=program, roles__role=RoleKind.EXAMINER)
        | Q(examined_projects=project)
        | Q(pk__in=panel_ids | {examiner_id for examiner_id, _aspect_id in saved_scores})
    )
    examiners = list(Person.objects.filter(candidates).distinct().order_by("name", "pk"))
    aspects = list(
        SeminarAspect.objects.filter(program_type=program.program_type_id, kind=kind).order_by("order")
    )
    form = SeminarForm(
        request.POST or None,
        instance=seminar,
        examiners=examiners,
        aspects=aspects,
        scores=saved_scores,
        panel_ids=panel_ids,
    )
    if request.method == "POST" and form.is_valid():
        try:
            save_seminar(
                seminar=form.instance,
                panel=form.panel(),
                scores=form.scores(),
                remove_scores_of=form.confirmed_removals(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The seminar is saved."))
            return redirect("lifecycle:seminar_entry", pk=project.pk, kind=kind)
    return render(
        request,
        "lifecycle/seminar_entry.html",
        {
            "project": project,
            "program": program,
            "participant": project.enrolment.participant,
            "kind_label": SeminarKind(kind).label,
            "kind": kind,
            "seminar": seminar,
            "form": form,
            "aspects": aspects,
            "other_kind": SeminarKind.RESULTS if kind == SeminarKind.DESIGN else SeminarKind.DESIGN,
        },
    )
