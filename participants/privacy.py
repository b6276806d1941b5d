"""Data protection (UU 27/2022): the record of who saw whose personal data, and the anonymisation of
participants past the retention period."""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Enrolment, ExportOrigin, ImportBatch, Participant, PersonalDataAccess
from programs.models import Program


def log_access(*, user, kind, participant, unmasked, origin=ExportOrigin.WEB):
    """Record that `user` was shown `participant`'s data. Side effects: creates a PersonalDataAccess."""
    return PersonalDataAccess.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        kind=kind,
        participant=participant,
        unmasked=unmasked,
        origin=origin,
    )


# Retention ---------------------------------------------------------------------------------------------------


def retention_cutoff(years, *, today=None):
    """The day `years` years before today (28 February for a 29 February)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def expired_participants(*, years, today=None):
    """Participants not yet anonymised with at least one enrolment, all of whose programs ended before
    the cutoff (retention_cutoff)."""
    cutoff = retention_cutoff(years, today=today)
    recent = Enrolment.objects.filter(participant=OuterRef("pk"), program__end_date__gte=cutoff)
    return (
        Participant.objects.filter(anonymised_at=None)
        .filter(Exists(Enrolment.objects.filter(participant=OuterRef("pk"))))
        .exclude(Exists(recent))
    )


def anonymised_label(participant):
    return _("Anonymised participant %(number)d") % {"number": participant.pk}


def anonymise(participant, *, user=None):
    """Remove what identifies `participant` and keep what statistics need.

    Side effects: clears the NIP, titles, birth date and place, email and phone and replaces the name
    with a neutral label (gender, rank, position, institution and every enrolment and outcome stay);
    saves it with a history row naming `user`, then deletes the participant's earlier history rows,
    which still hold the old values.
    """
    participant.name = anonymised_label(participant)
    participant.front_title = participant.back_title = ""
    participant.nip = None
    participant.birth_date = None
    participant.birth_place = participant.email = participant.phone = ""
    participant.anonymised_at = timezone.now()
    participant._history_user = user
    participant._change_reason = _("Anonymised after the retention period")
    participant.save()
    latest = participant.history.order_by("-history_date", "-history_id").values_list(
        "history_id", flat=True
    )[:1]
    participant.history.exclude(history_id__in=list(latest)).delete()


def anonymise_expired(*, years, dry_run=False, user=None, today=None):
    """Anonymise every participant past the retention period.

    Returns (participants anonymised, import files emptied, deleted participants whose history was
    removed). Side effects (none with dry_run): in one transaction, anonymise() each participant of
    expired_participants(); empty the stored upload of every import into a program that ended before
    the cutoff (those files hold the names and NIPs as they were imported); and delete the history rows
    of participants deleted before the cutoff (the rows still hold their personal data).
    """
    cutoff = retention_cutoff(years, today=today)
    participants = list(expired_participants(years=years, today=today).order_by("pk"))
    batches = ImportBatch.objects.filter(program__in=Program.objects.filter(end_date__lt=cutoff)).exclude(
        content=b""
    )
    cutoff_time = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    deleted = set(
        Participant.history.filter(history_type="-", history_date__lt=cutoff_time)
        .exclude(id__in=Participant.objects.values("pk"))
        .values_list("id", flat=True)
    )
    if dry_run:
        return len(participants), batches.count(), len(deleted)
    with transaction.atomic():
        for participant in participants:
            anonymise(participant, user=user)
        emptied = batches.update(content=b"", table=None)
        Participant.history.filter(id__in=deleted).delete()
    return len(participants), emptied, len(deleted)
