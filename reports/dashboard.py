"""The lifecycle summary of a program for its dashboard: phase, schedule, attendance, seminars, milestones,
outcomes, best participants, certificates and alumni appointments.

This is the one place where the programs app reads participants' data, because the program dashboard
shows it; participants still never import from here.
"""

from django.db.models import Case, Count, Exists, OuterRef, Q, Sum, When
from django.utils import timezone

from lifecycle.models import Certificate, EnrolmentResult, GraduationDecision, Seminar, SeminarDecision
from lifecycle.panels import count_appointments, first_appointment_on
from participants.access import scope_by_enrolment, scope_enrolments
from participants.models import (
    SEAT_STATUSES,
    ChangeProject,
    ChangeProjectStage,
    EnrolmentStatus,
    Milestone,
)
from programs.models import LearningMode, ProgramType, SeminarKind, Session, curriculum_rules_of, rules_of
from programs.schedule import current_phase

BEST_PARTICIPANTS = 5
RECENT_ROWS = 10


def has_change_project(enrolment):
    """Whether the enrolment has a change project, for enrolments that select_related it."""
    try:
        enrolment.change_project  # noqa: B018 (selected with the enrolment: no query)
    except ChangeProject.DoesNotExist:
        return False
    return True


def program_panel(program, user, *, today=None):
    """Everything the program dashboard shows about the lifecycle, for the partial
    the partial lifecycle_panel of reports/program_detail.html (context variable `lifecycle`).

    Rows that name participants are narrowed to the user's scope. A fixed number of queries whatever the
    number of participants, sessions, seminars or milestones (tests pin it).
    """
    today = today or timezone.localdate()
    # One query for the type and both rule rows, whether or not the caller select_related the type.
    type_with_rules = ProgramType.objects.select_related("rules", "curriculum_rules").get(
        pk=program.program_type_id
    )
    rules = rules_of(type_with_rules)
    curriculum = curriculum_rules_of(type_with_rules)

    schedule = Session.objects.filter(program=program).aggregate(
        sessions=Count("pk"),
        jp_total=Sum("jp"),
        jp_held=Sum("jp", filter=Q(date__lte=today)),
        classical_jp=Sum("jp", filter=Q(mode=LearningMode.CLASSICAL)),
        non_classical_jp=Sum("jp", filter=Q(mode=LearningMode.NON_CLASSICAL)),
    )
    schedule.update(total_jp=curriculum.total_jp, minutes_per_jp=curriculum.minutes_per_jp)

    # One query for the enrolments in scope with everything the panel and the dashboard's charts read:
    # attendance, results, the participant, the institution and the change project.
    enrolments = list(
        scope_enrolments(EnrolmentResult.objects.filter(program=program), user)
        .with_attendance()
        .with_results()
        .annotate(  # for the alumni appointments: passed enrolments only
            appointed_on=Case(When(status=EnrolmentStatus.PASSED, then=first_appointment_on())),
            decided_by_override=Exists(
                GraduationDecision.objects.current().overrides().filter(enrolment=OuterRef("pk"))
            ),
        )
        .select_related("participant__institution", "change_project")
        .order_by("participant__name", "pk")
    )
    minimum = rules.minimum_attendance
    warnings = []
    for enrolment in enrolments:
        rate = enrolment.attendance_rate
        if enrolment.status in SEAT_STATUSES and rules.attendance_below_minimum(rate):
            warnings.append(enrolment)
    warnings.sort(key=lambda e: (e.attendance_rate, e.participant.name))
    by_status = {}
    for enrolment in enrolments:
        by_status[enrolment.status] = by_status.get(enrolment.status, 0) + 1
    outcomes = [
        (status, label, by_status[status]) for status, label in EnrolmentStatus.choices if status in by_status
    ]
    # The program's rate over every record in scope, by the one rule (JP attended in percent of JP recorded).
    overall_rate = scope_enrolments(
        EnrolmentResult.objects.filter(program=program), user
    ).overall_attendance_rate()
    # The database's order by name (its collation), then pk: ranks stand in for it when sorting here.
    name_rank, rank, previous = {}, -1, None
    for enrolment in enrolments:
        if rank < 0 or enrolment.participant.name != previous:
            rank, previous = rank + 1, enrolment.participant.name
        name_rank[enrolment.pk] = rank
    best = list(
        scope_enrolments(EnrolmentResult.objects.filter(program=program), user)
        .with_results()
        .select_related("participant")
        .best(BEST_PARTICIPANTS)
    )

    projects = sorted(
        (e.change_project for e in enrolments if has_change_project(e)),
        key=lambda project: (name_rank[project.enrolment_id], project.pk),
    )
    # The projects' milestones in one query: progress per project, and the overdue ones.
    by_project = {project.pk: project for project in projects}
    for project in projects:
        project.milestones_total = project.milestones_done = project.milestones_overdue = 0
    overdue = []
    for milestone in Milestone.objects.filter(change_project__in=list(by_project)).order_by():
        project = by_project[milestone.change_project_id]
        milestone.change_project = project
        project.milestones_total += 1
        if milestone.done_on is not None:
            project.milestones_done += 1
        elif milestone.planned_end is not None and milestone.planned_end < today:
            project.milestones_overdue += 1
            overdue.append(milestone)
    overdue.sort(key=lambda milestone: (milestone.planned_end, milestone.pk))
    stage_counts = {}
    for project in projects:
        stage_counts[project.stage] = stage_counts.get(project.stage, 0) + 1
    stages = [(stage, label, stage_counts.get(stage, 0)) for stage, label in ChangeProjectStage.choices]

    seminars = scope_by_enrolment(
        Seminar.objects.filter(change_project__enrolment__program=program), user, "change_project__enrolment"
    )
    decided = {
        (kind, decision): n
        for kind, decision, n in seminars.order_by().values_list("kind", "decision").annotate(n=Count("pk"))
    }
    seminar_table = [
        {
            "kind": kind,
            "label": label,
            "total": sum(n for (k, _decision), n in decided.items() if k == kind),
            "decisions": [
                (decision, decision_label, decided.get((kind, decision), 0))
                for decision, decision_label in SeminarDecision.choices
            ],
            "pending": decided.get((kind, ""), 0),
        }
        for kind, label in SeminarKind.choices
    ]
    recent_seminars = list(
        seminars.select_related("change_project__enrolment__participant")
        .prefetch_related("scores__aspect")
        .order_by("-date", "-pk")[:RECENT_ROWS]
    )

    certificates = scope_by_enrolment(Certificate.objects.filter(enrolment__program=program), user).aggregate(
        valid=Count("pk", filter=Q(revoked_at=None)), revoked=Count("pk", filter=~Q(revoked_at=None))
    )
    return {
        "program": program,
        "program_type": type_with_rules,
        "today": today,
        "phase": current_phase(program, today=today),
        "schedule": schedule,
        "minimum_attendance": minimum,
        "attendance_rate": overall_rate,
        "attendance_warnings": warnings,
        "outcomes": outcomes,
        "decided_by_override": sum(1 for e in enrolments if e.decided_by_override),
        "stages": stages,
        "projects": projects,
        "seminars": seminar_table,
        "recent_seminars": recent_seminars,
        "overdue_milestones": overdue[:RECENT_ROWS],
        "overdue_count": len(overdue),
        "best_participants": best,
        "certificates": certificates,
        "enrolments": enrolments,
        "appointments": count_appointments(
            [(program.end_date, e.appointed_on) for e in enrolments if e.status == EnrolmentStatus.PASSED],
            today=today,
        ),
        "target_level": rules.get_target_position_level_display(),
        "can_enter_attendance": user.has_perm("lifecycle.change_attendance"),
        "can_view_certificates": user.has_perm("lifecycle.view_certificate"),
        "can_enter_seminars": user.has_perm("lifecycle.change_seminar"),
    }
