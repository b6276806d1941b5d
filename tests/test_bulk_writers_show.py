"""The writers that bypass Django's signals (bulk queries) move the data version themselves: the page that
shows their rows shows the change on the next request, though its fragments were cached before."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from lifecycle.models import Seminar
from lifecycle.services import record_attendance, save_seminar
from programs.models import SeminarAspect, SeminarKind
from tests.factories import (
    ChangeProjectFactory,
    EnrolmentFactory,
    PersonFactory,
    ProgramFactory,
    ProgramTypeFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(english, personas):
    english.force_login(personas["administrator"])
    return english


def dashboard(client, program):
    response = client.get(reverse("reports:program", args=[program.pk]))
    return response, response.content.decode()


def test_attendance_recorded_in_bulk_shows_on_the_cached_dashboard(viewer):
    session = SessionFactory(jp=4)
    enrolment = EnrolmentFactory(program=session.program, status="active")
    before, page = dashboard(viewer, session.program)
    assert dashboard(viewer, session.program)[0].context.get("lifecycle") is None  # served from the cache

    record_attendance(session=session, marks={enrolment.pk: ("present", "")}, recorded_by=None)

    after, page = dashboard(viewer, session.program)
    assert after.context["lifecycle"]["attendance_rate"] == Decimal("100.0")
    assert "100.0%" in page


def test_seminar_scores_saved_in_bulk_show_on_the_cached_dashboard(viewer):
    program_type = ProgramTypeFactory()
    aspect = SeminarAspect.objects.create(
        program_type=program_type, kind=SeminarKind.DESIGN, name="Kejelasan", weight=Decimal(1)
    )
    project = ChangeProjectFactory(
        enrolment=EnrolmentFactory(program=ProgramFactory(program_type=program_type))
    )
    program = project.enrolment.program
    examiner = PersonFactory()
    seminar = save_seminar(
        seminar=Seminar(change_project=project, kind=SeminarKind.DESIGN, date=program.start_date),
        panel=[examiner],
        scores={},
    )
    dashboard(viewer, program)

    save_seminar(seminar=seminar, panel=[examiner], scores={(examiner.pk, aspect.pk): Decimal("87.5")})

    _response, page = dashboard(viewer, program)
    assert "· 87.50" in page


def test_demo_data_written_in_bulk_shows_on_the_cached_overview(viewer):
    call_command("seed_article", stdout=io.StringIO())
    before = viewer.get(reverse("reports:overview")).context["figures"]["participants"]

    call_command("seed_demo", stdout=io.StringIO())

    after = viewer.get(reverse("reports:overview"))
    assert (before, after.context["figures"]["participants"]) == (0, 52)
