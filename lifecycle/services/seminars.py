"""Seminars of change projects: the panel and the examiners' scores."""

from django.db import transaction

from lifecycle.models import (
    SeminarScore,
)
from programs.dataversion import bump_data_version


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
