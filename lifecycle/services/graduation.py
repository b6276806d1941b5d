"""Graduation decisions: checked against the rules, recorded with their basis."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from lifecycle.models import (
    GRADUATION_OUTCOMES,
    Certificate,
    EnrolmentResult,
    GraduationDecision,
    Seminar,
    SeminarDecision,
)
from lifecycle.services.certificates import revoke_certificate
from participants.models import SEAT_STATUSES, ChangeProject, Enrolment, EnrolmentStatus
from participants.services import by_user
from programs.models import SeminarAspect, SeminarKind, rules_of


def graduation_results():
    """Enrolments as the graduation rules read them: attendance and results annotated, with the program
    type's rules and the change project."""
    return (
        EnrolmentResult.objects.with_results()
        .with_attendance()
        .select_related("program__program_type__rules", "change_project")
    )


def latest_results_seminar(project):
    """The change project's latest results seminar (by date, then the one entered last), or None."""
    if project is None:
        return None
    return (
        Seminar.objects.filter(change_project=project, kind=SeminarKind.RESULTS)
        .order_by("-date", "-pk")
        .first()
    )


def change_project_of(enrolment):
    """The enrolment's change project, or None (select_related("change_project") makes it free)."""
    try:
        return enrolment.change_project
    except ChangeProject.DoesNotExist:
        return None


def percent(value):
    """A rate or threshold as the rule messages show it: its decimals without trailing zeros (90, 33.3)."""
    return formats.number_format(value.normalize())


def unmet_graduation_rules(*, enrolment):
    """The graduation rules of the enrolment's program type that it does not meet, one message each naming
    the figure and the threshold; [] when it meets them all. They are what outcome "passed" needs:

    - attendance: the attendance rate (JP attended in percent of JP recorded, EnrolmentResult's rule) is at
      least the type's minimum_attendance (programs.models.rules_of); no attendance recorded does not meet it;
    - final score: every evaluation component scored (EnrolmentResult's final score exists), and the
      qualification it reaches is one that passes (programs.models.Qualification.passes);
    - results seminar: the latest results seminar of the change project is accepted. It applies to every
      type whose rules score results seminars (results-seminar aspects: all four types by default, as
      DOMAIN.md has a change project, Proyek or Aksi Perubahan, in each) and to any enrolment that has a
      change project; a type without results-seminar aspects and an enrolment without a project skip it.

    `enrolment` may come from graduation_results() (its annotations are used); otherwise it is read so.
    Reads only: up to three queries (the results, the results seminar, the type's aspects).
    """
    if not hasattr(enrolment, "qualification_passes"):
        enrolment = graduation_results().get(pk=enrolment.pk)
    program_type = enrolment.program.program_type
    unmet = []

    rules = rules_of(program_type)
    minimum = rules.minimum_attendance
    rate = enrolment.attendance_rate
    if rate is None:
        unmet.append(
            _("No attendance is recorded, so the minimum of %(minimum)s%% is not met.")
            % {"minimum": percent(minimum)}
        )
    elif rules.attendance_below_minimum(rate):
        unmet.append(
            _("Attendance %(rate)s%% is below the minimum of %(minimum)s%%.")
            % {"rate": percent(rate), "minimum": percent(minimum)}
        )

    score = enrolment.final_score
    if score is None:
        unmet.append(_("There is no final score: every evaluation component needs a score."))
    elif not enrolment.qualification:
        unmet.append(
            _("The final score %(score)s reaches no qualification.")
            % {"score": formats.number_format(score, 2)}
        )
    elif not enrolment.qualification_passes:
        unmet.append(
            _("The final score %(score)s gives the qualification %(qualification)s, which does not pass.")
            % {"score": formats.number_format(score, 2), "qualification": enrolment.qualification}
        )

    project = change_project_of(enrolment)
    if project is None:
        if SeminarAspect.objects.filter(program_type=program_type, kind=SeminarKind.RESULTS).exists():
            unmet.append(_("There is no change project, so no results seminar was accepted."))
    else:
        seminar = latest_results_seminar(project)
        if seminar is None:
            unmet.append(_("The change project has no results seminar yet."))
        elif seminar.decision != SeminarDecision.ACCEPTED:
            unmet.append(
                _("The latest results seminar (%(date)s) is not accepted: %(decision)s.")
                % {
                    "date": formats.date_format(seminar.date),
                    "decision": seminar.get_decision_display() if seminar.decision else _("no decision yet"),
                }
            )
    return unmet


def check_graduation(*, enrolment, outcome, note, override=False, override_reason=""):
    """Raise ValidationError when this decision cannot be recorded: an unknown outcome, a changed outcome
    without a note, outcome "passed" where unmet_graduation_rules() finds rules not met (unless `override`
    with a non-empty `override_reason`; an override without a reason is refused too), or an outcome that
    needs a seat in a full program. Returns the messages of the rules the decision overrides ([] when it
    meets them or needs none). No side effects.
    """
    if outcome not in GRADUATION_OUTCOMES:
        raise ValidationError(_("Unknown graduation outcome."), code="graduation_outcome")
    previous = enrolment.graduation_decisions.order_by("-decided_at", "-pk").first()
    if previous is not None and previous.outcome != outcome and not (note or "").strip():
        raise ValidationError(
            _("Say in the note why the earlier decision (%(outcome)s) changes."),
            code="graduation_change_without_note",
            params={"outcome": previous.get_outcome_display()},
        )
    unmet = unmet_graduation_rules(enrolment=enrolment) if outcome == EnrolmentStatus.PASSED else []
    if unmet and not override:
        raise ValidationError(
            [ValidationError(message, code="graduation_rule") for message in unmet]
            + [
                ValidationError(
                    _("To record it anyway, override the rules and give the reason."),
                    code="graduation_rules_not_met",
                )
            ]
        )
    if unmet and not (override_reason or "").strip():
        raise ValidationError(
            _("Give the reason for overriding the graduation rules."),
            code="graduation_override_without_reason",
        )
    if outcome in SEAT_STATUSES and enrolment.status not in SEAT_STATUSES:
        candidate = Enrolment(pk=enrolment.pk, program_id=enrolment.program_id, status=outcome)
        candidate._check_capacity(lock=False)
    return unmet


def decide_graduation(*, enrolment, outcome, decided_by, note="", override=False, override_reason=""):
    """Record a graduation decision for the enrolment and make its status follow.

    The decision keeps its basis as it stands now: final score and qualification, attendance rate, the
    change project's stage and the latest results seminar's decision. A decision that changes an earlier
    outcome needs a note saying why. Outcome "passed" must meet the graduation rules of the program type
    (unmet_graduation_rules); one that does not is recorded only with `override` and an `override_reason`,
    and then keeps the rules it overrode and the reason (overridden_rules, override_reason).

    Side effects: in one transaction, creates a GraduationDecision (earlier ones stay as history), saves
    Enrolment.status = outcome, and when the outcome is no longer "passed" revokes the enrolment's valid
    certificate with the note as the reason. Raises ValidationError. Returns the decision.
    """

    note = (note or "").strip()
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        current = graduation_results().select_for_update(of=("self",)).get(pk=enrolment.pk)
        overridden = check_graduation(
            enrolment=current, outcome=outcome, note=note, override=override, override_reason=override_reason
        )
        project = change_project_of(current)
        results = latest_results_seminar(project)
        decision = GraduationDecision(
            enrolment=current,
            outcome=outcome,
            final_score=current.final_score,
            qualification=current.qualification or "",
            attendance_rate=current.attendance_rate,
            change_project_stage=project.stage if project else "",
            results_seminar_decision=results.decision if results else "",
            note=note,
            overridden_rules="\n".join(overridden),
            override_reason=override_reason if overridden else "",
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
