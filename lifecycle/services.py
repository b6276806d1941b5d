"""Workflows of the training lifecycle: attendance, seminars, graduation decisions, certificates."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from lifecycle.models import (
    GRADUATION_OUTCOMES,
    Attendance,
    AttendanceCorrection,
    AttendanceStatus,
    Certificate,
    CertificateCounter,
    EnrolmentResult,
    GraduationDecision,
    Seminar,
    SeminarScore,
)
from participants.models import SEAT_STATUSES, Enrolment, EnrolmentStatus
from participants.services import by_user
from programs.dataversion import bump_data_version
from programs.models import RoleKind, SeminarKind, rules_of


def record_attendance(*, session, marks, recorded_by, correction_reason=""):
    """Record the attendance of several enrolments at one session.

    `marks` maps an enrolment id to (status, reason); an enrolment of another program is refused. A new
    mark is created; a mark that changes a recorded one is a correction and needs `correction_reason`.

    Side effects: in one transaction, creates Attendance rows, and for each changed row saves the new
    value and an AttendanceCorrection holding the earlier one. Raises ValidationError (nothing written)
    when a correction has no reason or a mark is invalid. Returns (created, corrected).
    """

    correction_reason = (correction_reason or "").strip()
    allowed = set(
        Enrolment.objects.filter(program_id=session.program_id, pk__in=marks).values_list("pk", flat=True)
    )
    existing = {
        row.enrolment_id: row for row in Attendance.objects.filter(session=session, enrolment_id__in=marks)
    }
    now = timezone.now()
    created, corrected, corrections = [], [], []
    for enrolment_id, (status, reason) in marks.items():
        reason = (reason or "").strip()
        if enrolment_id not in allowed:
            raise ValidationError(_("An enrolment of another program was marked."), code="attendance_foreign")
        if status not in AttendanceStatus.values:
            raise ValidationError(_("Unknown attendance status."), code="attendance_status")
        if status == AttendanceStatus.EXCUSED and not reason:
            raise ValidationError(_("An excused absence needs a reason."), code="attendance_excused_reason")
        if status != AttendanceStatus.EXCUSED:
            reason = reason if status == AttendanceStatus.ABSENT else ""
        row = existing.get(enrolment_id)
        if row is None:
            created.append(
                Attendance(
                    session=session,
                    enrolment_id=enrolment_id,
                    status=status,
                    reason=reason,
                    recorded_by=recorded_by,
                    recorded_at=now,
                )
            )
        elif (row.status, row.reason) != (status, reason):
            corrections.append(
                AttendanceCorrection(
                    attendance=row,
                    previous_status=row.status,
                    previous_reason=row.reason,
                    status=status,
                    reason=reason,
                    why=correction_reason,
                    corrected_by=recorded_by,
                    corrected_at=now,
                )
            )
            row.status, row.reason, row.recorded_by, row.recorded_at = status, reason, recorded_by, now
            corrected.append(row)
    if corrected and not correction_reason:
        raise ValidationError(
            _("Give a reason for correcting attendance that was already recorded."),
            code="attendance_correction_reason",
        )
    with transaction.atomic():
        # With history rows naming the recorder (bulk queries do not call save()).
        bulk_create_with_history(created, Attendance, default_user=recorded_by, default_date=now)
        bulk_update_with_history(
            corrected,
            Attendance,
            ["status", "reason", "recorded_by", "recorded_at"],
            default_user=recorded_by,
            default_date=now,
        )
        bulk_create_with_history(
            corrections, AttendanceCorrection, default_user=recorded_by, default_date=now
        )
        bump_data_version()  # bulk queries send no signals
    return len(created), len(corrected)


def save_seminar(*, seminar, panel, scores):
    """Save a seminar with its panel and the examiners' scores.

    `panel` is a list of Person; `scores` maps (examiner id, aspect id) to a Decimal or None (no score).
    Side effects: in one transaction, saves the seminar after full_clean(), sets its examiners to the
    panel, replaces the scores of the panel's examiners and deletes scores of examiners who left it.
    """

    seminar.full_clean()
    panel_ids = {person.pk for person in panel}
    with transaction.atomic():
        seminar.save()
        seminar.examiners.set(panel)
        seminar.scores.all().delete()
        SeminarScore.objects.bulk_create(
            SeminarScore(seminar=seminar, examiner_id=examiner_id, aspect_id=aspect_id, score=score)
            for (examiner_id, aspect_id), score in sorted(scores.items())
            if score is not None and examiner_id in panel_ids
        )
        bump_data_version()
    return seminar


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


def _next_certificate_sequence(*, organiser_id, year):
    """Take the next number of the organiser's sequence for the year. Call inside a transaction.

    The counter row is locked (select_for_update) until the caller's transaction ends, so a second issuer
    waits and then takes the following number; a failed issue rolls the counter back with it, so the
    sequence has no gaps.
    """

    counters = CertificateCounter.objects.select_for_update()
    counter = counters.filter(organiser_id=organiser_id, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent first issuer may create the row too
                counter = CertificateCounter.objects.create(organiser_id=organiser_id, year=year)
        except IntegrityError:
            counter = counters.get(organiser_id=organiser_id, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _signer(program, rules):
    """(name, position) of the signer: the configured one, else the organiser's head in the program's roles."""
    name, position = rules.signer_name, rules.signer_position
    if not name or not position:
        role = (
            program.roles.filter(role=RoleKind.ORGANISER_HEAD).select_related("person").order_by("pk").first()
        )
        if role is not None:
            name = name or role.person.full_name
            position = position or role.person.position
    return name, position


def issue_certificate(*, enrolment, issued_by, issued_on=None, replaces=None):
    """Issue the STTP of a passed enrolment with the next number of its organiser and year.

    Side effects: in one transaction, takes a number (locks the CertificateCounter row) and creates a
    Certificate holding the qualification, final score and signer as they are now. Raises ValidationError
    when the enrolment has not passed or already has a valid certificate. Returns the certificate.
    """
    with transaction.atomic():
        current = _certifiable(EnrolmentResult.objects.filter(pk=enrolment.pk)).get()
        return _issue(current, issued_by=issued_by, issued_on=issued_on, replaces=replaces, signers={})


def issue_certificates(*, enrolments, issued_by, issued_on=None):
    """Issue certificates to the passed enrolments among `enrolments` that have no valid one, by name.

    Side effects: as issue_certificate, all in one transaction so that a failure leaves no partial run
    and no used numbers. Returns the list of new certificates.
    """
    pending = _certifiable(
        EnrolmentResult.objects.filter(pk__in=enrolments.values("pk"), status=EnrolmentStatus.PASSED)
        .exclude(Exists(Certificate.objects.valid().filter(enrolment=OuterRef("pk"))))
        .order_by("program__start_date", "program_id", "participant__name", "pk")
    )
    signers = {}
    with transaction.atomic():
        return [
            _issue(e, issued_by=issued_by, issued_on=issued_on, replaces=None, signers=signers)
            for e in pending
        ]


def _certifiable(enrolments):
    """The enrolments with what a certificate records: results, program, type, rules and organiser."""
    return enrolments.with_results().select_related("program__program_type__rules", "program__organiser")


def _issue(current, *, issued_by, issued_on, replaces, signers):
    """Issue for `current` (from _certifiable); `signers` caches the signer per program in a batch."""
    if current.status != EnrolmentStatus.PASSED:
        raise ValidationError(
            _("Only a participant who passed gets a certificate."), code="certificate_not_passed"
        )
    if Certificate.objects.valid().filter(enrolment=current).exists():
        raise ValidationError(_("This enrolment already has a valid certificate."), code="certificate_exists")
    program = current.program
    rules = rules_of(program.program_type)
    sequence = _next_certificate_sequence(organiser_id=program.organiser_id, year=program.year)
    if program.pk not in signers:
        signers[program.pk] = _signer(program, rules)
    signer_name, signer_position = signers[program.pk]
    try:
        number = rules.format_certificate_number(sequence=sequence, program=program)
    except (ValueError, KeyError, IndexError) as error:
        raise ValidationError(
            _("The certificate number format of %(type)s is not valid: %(error)s"),
            code="certificate_format_invalid",
            params={"type": program.program_type, "error": error},
        ) from error
    if len(number) > Certificate._meta.get_field("number").max_length:
        raise ValidationError(
            _("The certificate number format of %(type)s makes numbers too long."),
            code="certificate_number_too_long",
            params={"type": program.program_type},
        )
    certificate = Certificate(
        enrolment=current,
        number=number,
        organiser_id=program.organiser_id,
        year=program.year,
        sequence=sequence,
        issued_on=issued_on or timezone.localdate(),
        signer_name=signer_name,
        signer_position=signer_position,
        # "BPSDM Provinsi Banten, Pandeglang" is signed in Pandeglang: the venue's last part is its town.
        signing_place=rules.signing_place or program.venue.rsplit(",", 1)[-1].strip(),
        qualification=current.qualification or "",
        final_score=current.final_score,
        replaces=replaces,
        issued_by=issued_by,
    )
    by_user(certificate, issued_by).save(force_insert=True)
    return certificate


def revoke_certificate(*, certificate, reason, revoked_by):
    """Revoke a valid certificate. Its number stays used; the verification page shows it as revoked.

    Side effects: saves revoked_at, revoked_by and the reason. Raises ValidationError without a reason
    or when the certificate is already revoked.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the revocation."), code="revocation_without_reason")
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."), code="certificate_revoked")
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = revoked_by
    certificate.revocation_reason = str(reason)[:255]
    by_user(certificate, revoked_by).save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return certificate


def reissue_certificate(*, certificate, reason, issued_by, issued_on=None):
    """Replace a certificate (a corrected name, a lost paper): revoke it and issue a new one.

    Side effects: in one transaction, revokes `certificate` with the reason and issues a new certificate
    with the next number and a new verification token, pointing to the one it replaces. Returns it.
    """
    with transaction.atomic():
        revoke_certificate(certificate=certificate, reason=reason, revoked_by=issued_by)
        return issue_certificate(
            enrolment=certificate.enrolment, issued_by=issued_by, issued_on=issued_on, replaces=certificate
        )
