"""Read-side summaries of the training lifecycle: the participant page's panel and alumni counts.

Each function costs a fixed number of queries whatever the number of rows, so that pages that include
them stay flat (tests pin the counts).
"""

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from lifecycle.models import (
    Appointment,
    Certificate,
    EnrolmentResult,
    EvaluationScore,
    GraduationDecision,
    add_months,
)
from participants.access import can_see_personal_data, scope_by_enrolment, scope_enrolments
from participants.models import Enrolment, EnrolmentStatus, Milestone
from programs.models import EvaluationComponent, position_rank, rules_of

APPOINTMENT_WINDOWS = (6, 12, 24)


class AppointmentWindow(NamedTuple):
    """How many alumni reached the target position level within `months` after their program's end.

    Only alumni whose window has closed by today are measured (a 24-month figure before 24 months have
    passed would only grow). available_from: the day the last alumnus's window closes, while some are still
    open; None once every alumnus is measured."""

    months: int
    appointed: int
    measured: int
    available_from: datetime.date | None

    @property
    def share(self):
        """Percent of the measured alumni appointed, one decimal; None while none is measured."""
        if not self.measured:
            return None
        return (Decimal(100 * self.appointed) / self.measured).quantize(Decimal("0.1"))


def appointment_counts(enrolments=None, *, today=None):
    """How many alumni among `enrolments` (a program's, or by default every program's) were appointed at or
    above their program type's target position level within 6, 12 and 24 months after the program's end.

    Alumni are the enrolments that passed; each counts once, by its first such appointment on or after the
    end date. The numbers are cumulative: 12 months includes 6. Returns {"alumni": n, "within":
    [AppointmentWindow, ...]} with one query.
    """
    today = today or timezone.localdate()
    enrolments = Enrolment.objects.all() if enrolments is None else enrolments
    rows = (
        enrolments.filter(status=EnrolmentStatus.PASSED)
        .order_by()
        .annotate(appointed_on=first_appointment_on())
        .values_list("program__end_date", "appointed_on")
    )
    return count_appointments(rows, today=today)


def first_appointment_on():
    """For an enrolment queryset: the date of the participant's first appointment at or above the program
    type's target position level (programs.models.POSITION_RANKS) on or after the program's end date."""
    target = position_rank(OuterRef("program__program_type__rules__target_position_level"))
    return Subquery(
        Appointment.objects.filter(
            participant=OuterRef("participant"), appointed_on__gte=OuterRef("program__end_date")
        )
        .alias(rank=position_rank("position_level"))
        .filter(rank__gte=target)
        .order_by("appointed_on")
        .values("appointed_on")[:1]
    )


def count_appointments(rows, *, today):
    """appointment_counts() from the alumni's (program end date, first appointment date or None) pairs.

    A window is measured once today has reached its last day, end date + months (add_months)."""
    alumni = 0
    appointed, measured = dict.fromkeys(APPOINTMENT_WINDOWS, 0), dict.fromkeys(APPOINTMENT_WINDOWS, 0)
    pending = {}
    for end_date, appointed_on in rows:
        alumni += 1
        for months in APPOINTMENT_WINDOWS:
            closes = add_months(end_date, months)
            if today < closes:
                pending[months] = max(pending.get(months, closes), closes)
                continue
            measured[months] += 1
            if appointed_on is not None and appointed_on <= closes:
                appointed[months] += 1
    return {
        "alumni": alumni,
        "within": [
            AppointmentWindow(months, appointed[months], measured[months], pending.get(months))
            for months in APPOINTMENT_WINDOWS
        ],
    }


def participant_panel(participant, user, *, today=None, with_projects=False):
    """Everything the participant page shows about the lifecycle, for the partial
    lifecycle/_participant_panel.html (context variable `lifecycle`).

    The caller has checked that the user may see the participant. Seven queries, whatever the number of
    enrolments, scores, decisions or appointments (plus the user's permissions when not yet cached).
    Each block carries its enrolment's change project (joined, no query more) for the links to its seminar
    pages, shown when `can_enter_seminars`.
    with_projects: the enrolments (each block's "enrolment") also carry their change projects with mentor,
    coach, milestones and examiners, for the rest of the participant page (two queries more).
    """
    today = today or timezone.localdate()
    enrolments = scope_enrolments(EnrolmentResult.objects.filter(participant=participant), user)
    if with_projects:
        enrolments = enrolments.select_related(
            "change_project__mentor", "change_project__coach"
        ).prefetch_related(
            Prefetch(
                "change_project__milestones", queryset=Milestone.objects.order_by("order", "planned_start")
            ),
            "change_project__examiners",
        )
    enrolments = list(
        enrolments.with_attendance()
        .with_results()
        .select_related("program__program_type__rules", "program__organiser", "change_project")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=EvaluationScore.objects.select_related("component").order_by("component__order"),
            ),
            Prefetch(
                "graduation_decisions",
                queryset=GraduationDecision.objects.select_related("decided_by").order_by(
                    "-decided_at", "-pk"
                ),
                to_attr="decisions",
            ),
            Prefetch(
                "certificates",
                queryset=scope_by_enrolment(Certificate.objects.all(), user).order_by("-created_at", "-pk"),
                to_attr="all_certificates",
            ),
        )
        .order_by("-program__start_date", "pk")
    )
    components = {}
    for component in EvaluationComponent.objects.filter(
        program_type__in={e.program.program_type_id for e in enrolments}
    ).order_by("order", "name"):
        components.setdefault(component.program_type_id, []).append(component)
    blocks = []
    for enrolment in enrolments:
        rules = rules_of(enrolment.program.program_type)
        rate = enrolment.attendance_rate
        scored = {score.component_id: score for score in enrolment.scores.all()}
        valid = [c for c in enrolment.all_certificates if c.is_valid]
        blocks.append(
            {
                "enrolment": enrolment,
                "program": enrolment.program,
                "attendance_rate": rate,
                "attendance_recorded": enrolment.attendance_recorded,
                "minimum_attendance": rules.minimum_attendance,
                "below_minimum": rules.attendance_below_minimum(rate),
                "scores": [
                    {
                        "component": component,
                        "score": scored[component.pk].score if component.pk in scored else None,
                    }
                    for component in components.get(enrolment.program.program_type_id, [])
                ],
                "final_score": enrolment.final_score,
                "qualification": enrolment.qualification,
                "qualification_passes": enrolment.qualification_passes,
                "decisions": enrolment.decisions,
                "current_decision": enrolment.decisions[0] if enrolment.decisions else None,
                "certificate": valid[0] if valid else None,
                "revoked_certificates": [c for c in enrolment.all_certificates if not c.is_valid],
                "change_project": getattr(enrolment, "change_project", None),
            }
        )
    appointments = list(
        Appointment.objects.filter(participant=participant)
        .select_related("institution")
        .order_by("-appointed_on")
    )
    return {
        "participant": participant,
        "today": today,
        "enrolments": blocks,
        "appointments": appointments,
        "can_download_certificates": user.has_perms(CERTIFICATE_PDF_PERMISSIONS),
        "can_enter_seminars": user.has_perm(SEMINAR_ENTRY_PERMISSION),
        "can_see_personal_data": can_see_personal_data(user),
    }


# The seminar pages (lifecycle.views.entry.seminar_entry) are open with this permission.
SEMINAR_ENTRY_PERMISSION = "lifecycle.change_seminar"

# The certificate PDF carries the NIP and birth date unmasked, so it needs the personal-data permission.
CERTIFICATE_PDF_PERMISSIONS = ("lifecycle.view_certificate", "participants.view_personal_data")
