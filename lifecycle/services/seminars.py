"""Seminars of change projects: the panel, the examiners' scores, and the project's stage that follows them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lifecycle.models import Seminar, SeminarDecision, SeminarScore
from participants.models import STAGE_ORDER, ChangeProjectStage
from programs.dataversion import bump_data_version
from programs.models import Person, SeminarKind


def removed_scores(*, saved, panel_ids, scores):
    """The saved scores that saving `panel_ids` and `scores` would remove, as {examiner id: [aspect id]}.

    `saved` and `scores` map (examiner id, aspect id) to a score; `scores` holds the boxes the user was shown
    (None: left empty). A saved score goes when its examiner is no longer on the panel, or when its box was
    shown and left empty; a score whose box was not shown stays as it is.
    """
    removed = {}
    for examiner_id, aspect_id in sorted(saved):
        key = (examiner_id, aspect_id)
        if examiner_id not in panel_ids or (key in scores and scores[key] is None):
            removed.setdefault(examiner_id, []).append(aspect_id)
    return removed


def save_seminar(*, seminar, panel, scores, remove_scores_of=()):
    """Save a seminar with its panel and the examiners' scores, and move the change project's stage on.

    `panel` is a list of Person; `scores` maps (examiner id, aspect id) to a Decimal or None (an empty box)
    for the boxes the user was shown. Saved scores are never dropped silently: removing one (its examiner
    left the panel, or its box was emptied) needs its examiner's id in `remove_scores_of`; otherwise
    ValidationError (code "seminar_scores_removed") naming the examiners. Scores of an examiner off the
    panel are not kept.
    Side effects: in one transaction, saves the seminar after full_clean() (Seminar.clean: a results
    seminar needs an accepted design seminar before it), sets its examiners to the panel, writes the given
    scores, deletes the confirmed removals, updates the project's stage (update_project_stage) and bumps the
    data version.
    """
    seminar.full_clean()
    panel_ids = {person.pk for person in panel}
    with transaction.atomic():
        saved, previous_decision = {}, None
        if seminar.pk is not None:
            saved = {
                (row.examiner_id, row.aspect_id): row
                for row in SeminarScore.objects.select_for_update().filter(seminar=seminar)
            }
            previous_decision = (
                Seminar.objects.filter(pk=seminar.pk).values_list("decision", flat=True).first()
            )
        removed = removed_scores(saved=saved, panel_ids=panel_ids, scores=scores)
        refused = sorted(set(removed) - set(remove_scores_of))
        if refused:
            names = Person.objects.filter(pk__in=refused).order_by("name", "pk")
            raise ValidationError(
                [
                    ValidationError(
                        _("Saving would remove the saved scores of %(examiner)s; confirm the removal first."),
                        code="seminar_scores_removed",
                        params={"examiner": person.full_name, "examiner_id": person.pk},
                    )
                    for person in names
                ]
            )
        seminar.save()
        seminar.examiners.set(panel)
        SeminarScore.objects.filter(
            pk__in=[
                saved[(examiner, aspect)].pk for examiner, aspects in removed.items() for aspect in aspects
            ]
        ).delete()
        changed, created = [], []
        for (examiner_id, aspect_id), score in sorted(scores.items()):
            if score is None or examiner_id not in panel_ids:
                continue
            row = saved.get((examiner_id, aspect_id))
            if row is None:
                created.append(
                    SeminarScore(seminar=seminar, examiner_id=examiner_id, aspect_id=aspect_id, score=score)
                )
            elif row.score != score:
                row.score = score
                changed.append(row)
        SeminarScore.objects.bulk_update(changed, ["score"])
        SeminarScore.objects.bulk_create(created)
        update_project_stage(
            project=seminar.change_project,
            acceptance_withdrawn=previous_decision == SeminarDecision.ACCEPTED
            and seminar.decision != SeminarDecision.ACCEPTED,
        )
        bump_data_version()
    return seminar


def seminar_stage(decisions):
    """The change project stage that its seminars' (kind, decision) pairs show: an accepted results
    seminar gives reported, a results seminar results_seminar, an accepted design seminar implementation,
    a design seminar design_seminar, no seminar design."""
    decisions = set(decisions)
    if (SeminarKind.RESULTS, SeminarDecision.ACCEPTED) in decisions:
        return ChangeProjectStage.REPORTED
    if any(kind == SeminarKind.RESULTS for kind, _decision in decisions):
        return ChangeProjectStage.RESULTS_SEMINAR
    if (SeminarKind.DESIGN, SeminarDecision.ACCEPTED) in decisions:
        return ChangeProjectStage.IMPLEMENTATION
    if decisions:
        return ChangeProjectStage.DESIGN_SEMINAR
    return ChangeProjectStage.DESIGN


def update_project_stage(*, project, acceptance_withdrawn=False):
    """Move the change project to the stage its seminars show (seminar_stage), so that nobody has to click
    it on stage by stage.

    The rules: the stage moves forward to the seminars' stage whenever it is behind it. It moves back only
    for a reason: when a seminar's acceptance was withdrawn (`acceptance_withdrawn`: its decision was
    accepted and no longer is) it returns to the stage the remaining seminars show, except from "continuing
    after training", which follows the training and is left as it is. A stage ahead of the seminars for any
    other reason (set by hand, before the seminars were recorded) is kept.
    Side effects: saves the project's stage (update_fields, with a history row) when it changes. Returns
    the project.
    """
    target = seminar_stage(
        Seminar.objects.filter(change_project=project).values_list("kind", "decision").distinct()
    )
    current, wanted = STAGE_ORDER.index(project.stage), STAGE_ORDER.index(target)
    moves_back = acceptance_withdrawn and wanted < current and project.stage != ChangeProjectStage.CONTINUING
    if wanted > current or moves_back:
        project.stage = target
        project.save(update_fields=["stage", "updated_at"])
    return project
