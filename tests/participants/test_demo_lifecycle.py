import datetime

import pytest

from demo.lifecycle import clear_lifecycle_demo, fill_lifecycle_demo
from demo.people import fill_with_demo_participants
from lifecycle.models import (
    Appointment,
    Attendance,
    Certificate,
    EnrolmentResult,
    EvaluationScore,
    GraduationDecision,
    Seminar,
    SeminarScore,
)
from participants.models import Enrolment, EnrolmentStatus
from programs.models import ProgramRole, RoleKind, Session
from tests.factories import PersonFactory, ProgramFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 29)
MODELS = [
    Session,
    Attendance,
    Seminar,
    SeminarScore,
    EvaluationScore,
    GraduationDecision,
    Certificate,
    Appointment,
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def cohort():
    program = ProgramFactory(start_date=datetime.date(2025, 6, 23), duration_days=107, capacity=12)
    ProgramRole.objects.create(
        program=program,
        person=PersonFactory(name="Untung Saritomo", position="Kepala BPSDM"),
        role=RoleKind.ORGANISER_HEAD,
    )
    fill_with_demo_participants(program, seed=11)
    return program


def test_fill_lifecycle_demo_twice_adds_nothing(cohort):
    first = fill_lifecycle_demo(cohort, seed=11, today=TODAY)
    before = counts()

    second = fill_lifecycle_demo(cohort, seed=11, today=TODAY)

    assert all(
        first[step] > 0
        for step in ("sessions", "attendance", "seminars", "scores", "decisions", "certificates")
    )
    assert set(second.values()) == {0}
    assert counts() == before


def test_fill_lifecycle_demo_agrees_with_the_enrolment_statuses(cohort):
    statuses_before = dict(Enrolment.objects.values_list("pk", "status"))

    fill_lifecycle_demo(cohort, seed=11, today=TODAY)

    current = dict(GraduationDecision.objects.current().values_list("enrolment_id", "outcome"))
    assert current == statuses_before
    assert dict(Enrolment.objects.values_list("pk", "status")) == statuses_before
    passed = set(Enrolment.objects.filter(status=EnrolmentStatus.PASSED).values_list("pk", flat=True))
    assert set(Certificate.objects.valid().values_list("enrolment_id", flat=True)) == passed
    assert Certificate.objects.revoked().count() == 1
    results = EnrolmentResult.objects.with_attendance().with_results()
    assert all(
        e.attendance_rate >= 90 and e.qualification_passes
        for e in results.filter(status=EnrolmentStatus.PASSED)
    )
    assert not any(e.qualification_passes for e in results.filter(status=EnrolmentStatus.FAILED))
    assert GraduationDecision.objects.overrides().count() == 0  # who passed met the graduation rules
    assert not Appointment.objects.filter(appointed_on__gt=TODAY).exists()
    assert set(Session.objects.values_list("program_id", "is_demo")) == {(cohort.pk, True)}
    assert Session.objects.filter(date__gt=cohort.end_date).count() == 0


def test_fill_lifecycle_demo_with_the_same_seed_gives_the_same_data(cohort):
    fill_lifecycle_demo(cohort, seed=11, today=TODAY)
    first = sorted(EvaluationScore.objects.values_list("enrolment_id", "component_id", "score"))

    clear_lifecycle_demo(cohort)
    fill_lifecycle_demo(cohort, seed=11, today=TODAY)

    assert sorted(EvaluationScore.objects.values_list("enrolment_id", "component_id", "score")) == first
    assert list(Certificate.objects.order_by("sequence").values_list("sequence", flat=True)) == list(
        range(1, Certificate.objects.count() + 1)
    )
