"""Workflows over several enrolments at once."""

from django.core.exceptions import ValidationError
from django.db import transaction


def by_user(instance, user):
    """Name `user` as the author of the history row that `instance.save()` writes.

    Without it, simple-history takes the request's user (HistoryRequestMiddleware), and nobody outside
    a request (commands, tests).
    """
    if user is not None:
        instance._history_user = user
    return instance


def change_enrolment_status(*, enrolments, status, user=None):
    """Set `status` on each enrolment, checking the program's capacity for each under a row lock.

    Side effects: saves every enrolment that could take the status, each in its own transaction, so
    that one full program does not undo the changes to the others, with a history row naming `user`.
    Returns (changed, refused) where refused is a list of (enrolment, message).
    """
    changed, refused = 0, []
    for enrolment in enrolments.select_related("participant", "program"):
        if enrolment.status == status:
            continue
        enrolment.status = status
        try:
            with transaction.atomic():
                by_user(enrolment, user).save(update_fields=["status", "updated_at"])
        except ValidationError as error:
            refused.append((enrolment, " ".join(error.messages)))
        else:
            changed += 1
    return changed, refused
