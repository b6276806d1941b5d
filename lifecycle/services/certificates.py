"""Certificates (STTP): gap-free numbers per organiser and year, issue, revoke, reissue."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from lifecycle.models import (
    Certificate,
    CertificateCounter,
    EnrolmentResult,
)
from participants.models import EnrolmentStatus
from participants.services import by_user
from programs.models import (
    PositionLevel,
    RoleKind,
    certificate_number_has_space,
    rules_of,
    validate_certificate_number_format,
)


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
    when the enrolment has not passed, already has a valid certificate, or the printed STTP would lack
    something (certificate_problems: the message names the participant and what is missing); nothing is
    written then. Returns the certificate.
    """
    with transaction.atomic():
        current = _certifiable(EnrolmentResult.objects.filter(pk=enrolment.pk)).get()
        if current.status != EnrolmentStatus.PASSED:
            raise ValidationError(
                _("Only a participant who passed gets a certificate."), code="certificate_not_passed"
            )
        if Certificate.objects.valid().filter(enrolment=current).exists():
            raise ValidationError(
                _("This enrolment already has a valid certificate."), code="certificate_exists"
            )
        signers = {}
        _refuse_incomplete([current], signers=signers)
        return _issue(current, issued_by=issued_by, issued_on=issued_on, replaces=replaces, signers=signers)


def issue_certificates(*, enrolments, issued_by, issued_on=None):
    """Issue certificates to the passed enrolments among `enrolments` that have no valid one, by name.

    Side effects: as issue_certificate, all in one transaction: when any of them would lack something,
    none is issued, no number is used, and the ValidationError holds one message per participant
    concerned. Returns the list of new certificates.
    """
    pending = _certifiable(
        EnrolmentResult.objects.filter(pk__in=enrolments.values("pk"), status=EnrolmentStatus.PASSED)
        .exclude(Exists(Certificate.objects.valid().filter(enrolment=OuterRef("pk"))))
        .order_by("program__start_date", "program_id", "participant__name", "pk")
    )
    signers = {}
    with transaction.atomic():
        pending = list(pending)
        _refuse_incomplete(pending, signers=signers)
        return [
            _issue(e, issued_by=issued_by, issued_on=issued_on, replaces=None, signers=signers)
            for e in pending
        ]


def _certifiable(enrolments):
    """The enrolments with what a certificate records: results, participant, program, type, rules, organiser."""
    return enrolments.with_results().select_related(
        "participant", "program__program_type__rules", "program__organiser"
    )


def _signer_of(program, rules, signers):
    """The program's signer, looked up once per program in a batch (`signers` caches it)."""
    if program.pk not in signers:
        signers[program.pk] = _signer(program, rules)
    return signers[program.pk]


def _signing_place(program, rules):
    # "BPSDM Provinsi Banten, Pandeglang" is signed in Pandeglang: the venue's last part is its town.
    return rules.signing_place or program.venue.rsplit(",", 1)[-1].strip()


def certificate_problems(current, *, rules, signer):
    """What the printed STTP of `current` (from _certifiable) would lack: a list of messages, empty when
    it can be issued.

    A printed STTP needs a signer (name and position), a place of signing, a number format that numbers
    without spaces, the organiser's code when the format shows it, the participant's name, and the NIP of
    a civil servant (everyone whose position level is not "not a civil servant"). The program's dates
    are required fields of the program. Reads nothing from the database.
    """
    program, participant = current.program, current.participant
    kind = {"type": program.program_type}
    problems = []
    if not participant.name.strip():
        problems.append(_("the participant's name is missing"))
    if not participant.nip and participant.position_level != PositionLevel.NON_ASN:
        problems.append(
            _(
                "the NIP is missing (a civil servant's certificate shows it; for someone who is not a civil "
                "servant, set the position level to “not a civil servant”)"
            )
        )
    name, position = signer
    if not name:
        problems.append(
            _(
                "the signer's name is missing (the training rules of %(type)s, or the organiser's head "
                "among the program's roles)"
            )
            % kind
        )
    if not position:
        problems.append(
            _(
                "the signer's position is missing (the training rules of %(type)s, or the position of "
                "the organiser's head)"
            )
            % kind
        )
    if not _signing_place(program, rules):
        problems.append(
            _("the place of signing is missing (the training rules of %(type)s, or the program's venue)")
            % kind
        )
    if not rules.certificate_number_format.strip():
        problems.append(_("the certificate number format of %(type)s is missing") % kind)
    else:
        try:
            validate_certificate_number_format(rules.certificate_number_format)
        except ValidationError as error:
            problems.append(
                _("the certificate number format of %(type)s is not valid: %(error)s")
                % {**kind, "error": " ".join(error.messages)}
            )
        if rules.uses_organiser_code() and not program.organiser.code:
            problems.append(
                _("the organiser %(institution)s has no code for the certificate numbers")
                % {"institution": program.organiser.name}
            )
    return problems


def _refuse_incomplete(enrolments, *, signers):
    """Raise one ValidationError naming every participant whose certificate would lack something."""
    messages = []
    for current in enrolments:
        rules = rules_of(current.program.program_type)
        problems = certificate_problems(
            current, rules=rules, signer=_signer_of(current.program, rules, signers)
        )
        if problems:
            messages.append(
                _("%(participant)s: %(problems)s.")
                % {"participant": current.participant.full_name, "problems": "; ".join(problems)}
            )
    if messages:
        raise ValidationError(messages, code="certificate_incomplete")


def _issue(current, *, issued_by, issued_on, replaces, signers):
    """Issue for `current` (from _certifiable, checked by _refuse_incomplete); `signers` caches the signer
    per program in a batch."""
    program = current.program
    rules = rules_of(program.program_type)
    sequence = _next_certificate_sequence(organiser_id=program.organiser_id, year=program.year)
    signer_name, signer_position = _signer_of(program, rules, signers)
    try:
        number = rules.format_certificate_number(sequence=sequence, program=program)
    except (ValueError, KeyError, IndexError) as error:
        raise ValidationError(
            _("The certificate number format of %(type)s is not valid: %(error)s"),
            code="certificate_format_invalid",
            params={"type": program.program_type, "error": error},
        ) from error
    if certificate_number_has_space(number):
        raise ValidationError(
            _("The certificate number %(number)s contains a space; certificate numbers must have none."),
            code="certificate_number_with_space",
            params={"number": repr(number)},
        )
    if current.participant.is_demo:
        # A synthetic participant's number says so wherever it is copied (register, CSV, paper).
        number = f"DEMO-{number}"
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
        signing_place=_signing_place(program, rules),
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
