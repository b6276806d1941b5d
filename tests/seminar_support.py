"""Builders shared by the seminar tests: a change project with an examiner, a saved design seminar, the
entry page's URL and form data."""

import datetime
from decimal import Decimal

from django.urls import reverse

from lifecycle.models import Seminar, SeminarScore
from lifecycle.services import save_seminar
from programs.models import SeminarAspect, SeminarKind
from tests.factories import ChangeProjectFactory, PersonFactory, ProgramRoleFactory


def aspects(program, kind=SeminarKind.DESIGN):
    return list(SeminarAspect.objects.filter(program_type=program.program_type, kind=kind).order_by("order"))


def entry_url(project, kind="design"):
    return reverse("lifecycle:seminar_entry", args=[project.pk, kind])


def grid_data(examiner, design, scores, *, panel=True, **fields):
    data = {"date": "2025-08-05", "decision": "accepted", "notes": "", "mentor_present": "on", **fields}
    if panel:
        data[f"panel_{examiner.pk}"] = "on"
    for aspect, score in zip(design, scores, strict=True):
        data[f"score_{examiner.pk}_{aspect.pk}"] = score
    return data


def project_with_examiner():
    project = ChangeProjectFactory()
    examiner = PersonFactory(name="Prof. Penguji")
    ProgramRoleFactory(program=project.enrolment.program, person=examiner, role="examiner")
    return project, examiner


SAVED = [Decimal("94.00"), Decimal("87.50"), Decimal("80.25"), Decimal("75.00"), Decimal("100.00")]


def saved_design_seminar(project, examiner, values=SAVED, **fields):
    design = aspects(project.enrolment.program)
    seminar = Seminar(
        change_project=project,
        kind="design",
        date=datetime.date(2025, 8, 5),
        decision=fields.pop("decision", "accepted"),
        **fields,
    )
    save_seminar(
        seminar=seminar,
        panel=[examiner],
        scores={(examiner.pk, a.pk): value for a, value in zip(design, values, strict=True)},
    )
    return seminar


def saved_scores():
    return list(
        SeminarScore.objects.order_by("examiner__name", "aspect__order").values_list("score", flat=True)
    )
