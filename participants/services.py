"""Workflows that change several enrolments at once."""

from django.core.exceptions import ValidationError
from django.db import transaction


def change_enrolment_status(*, enrolments, status):
    """Set `status` on each enrolment, checking the program's capacity for each under a row lock.

    Side effects: saves every enrolment that could take the status, each in its own transaction, so
    that one full program does not undo the changes to the others. Returns (changed, refused) where
    refused is a list of (enrolment, message).
    """
    changed, refused = 0, []
    for enrolment in enrolments.select_related("participant", "program"):
        if enrolment.status == status:
            continue
        enrolment.status = status
        try:
            with transaction.atomic():
                enrolment.save(update_fields=["status", "updated_at"])
        except ValidationError as error:
            refused.append((enrolment, " ".join(error.messages)))
        else:
            changed += 1
    return changed, refused
