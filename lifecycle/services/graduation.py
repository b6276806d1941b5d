"""Graduation decisions: checked against the rules, recorded with their basis."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lifecycle.models import (
    GRADUATION_OUTCOMES,
    Certificate,
    EnrolmentResult,
    GraduationDecision,
    Seminar,
)
from lifecycle.services.certificates import revoke_certificate
from participants.models import SEAT_STATUSES, Enrolment, EnrolmentStatus
from participants.services import by_user
from programs.models import SeminarKind


def check_graduation(*, enrolment, outcome, note):
    """Raise ValidationError when this decision cannot be recorded: an unknown outcome, a changed outcome
    without a note, or an outcome that needs a seat in a full program. No side effects."""
    if outcome not in GRADUATION_OUTCOMES:
        raise ValidationError(_("Unknown graduation outcome."), code="graduation_outcome")
    previous = enrolment.graduation_decisions.order_by("-decided_at", "-pk").first()
    if previous is not None and previous.outcome != outcome and not (note or "").strip():
        raise ValidationError(
            _("Say in the note why the earlier decision (%(outcome)s) changes."),
            code="graduation_change_without_note",
            params={"outcome": previous.get_outcome_display()},
        )
    if outcome in SEAT_STATUSES and enrolment.status not in SEAT_STATUSES:
        candidate = Enrolment(pk=enrolment.pk, program_id=enrolment.program_id, status=outcome)
        candidate._check_capacity(lock=False)


def decide_graduation(*, enrolment, outcome, decided_by, note=""):
    """Record a graduation decision for the enrolment and make its status follow.

    The decision keeps its basis as it stands now: final score and qualification, attendance rate, the
    change project's stage and the latest results seminar's decision. A decision that changes an earlier
    outcome needs a note saying why.

    Side effects: in one transaction, creates a GraduationDecision (earlier ones stay as history), saves
    Enrolment.status = outcome, and when the outcome is no longer "passed" revokes the enrolment's valid
    certificate with the note as the reason. Raises ValidationError. Returns the decision.
    """

    note = (note or "").strip()
    with transaction.atomic():
        current = (
            EnrolmentResult.objects.with_results()
            .with_attendance()
            .select_related("change_project")
            .select_for_update(of=("self",))
            .get(pk=enrolment.pk)
        )
        check_graduation(enrolment=current, outcome=outcome, note=note)
        project = getattr(current, "change_project", None)
        results = (
            Seminar.objects.filter(change_project=project, kind=SeminarKind.RESULTS)
            .order_by("-date", "-pk")
            .first()
            if project
            else None
        )
        decision = GraduationDecision(
            enrolment=current,
            outcome=outcome,
            final_score=current.final_score,
            qualification=current.qualification or "",
            attendance_rate=current.attendance_rate,
            change_project_stage=project.stage if project else "",
            results_seminar_decision=results.decision if results else "",
            note=note,
            decided_by=decided_by,
        )
        by_user(decision, decided_by).save(force_insert=True)
        if current.status != outcome:
            current.status = outcome
            by_user(current, decided_by).save(update_fields=["status", "updated_at"])
        if outcome != EnrolmentStatus.PASSED:
            for certificate in Certificate.objects.valid().filter(enrolment=current):
                revoke_certificate(
                    certificate=certificate,
                    reason=note
                    or _("Graduation decision: %(outcome)s") % {"outcome": decision.get_outcome_display()},
                    revoked_by=decided_by,
                )
    enrolment.status = outcome
    return decision
