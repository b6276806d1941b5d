"""Builders shared by the admin tests: the URL of an admin page, and one of everything the admin lists."""

from decimal import Decimal

from django.urls import reverse

from lifecycle.models import SeminarScore
from lifecycle.services import issue_certificate, record_attendance
from participants.models import EnrolmentStatus
from programs.models import SeminarAspect
from tests.factories import (
    AppointmentFactory,
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    MilestoneFactory,
    PersonFactory,
    ProgramFactory,
    ProgramRoleFactory,
    SeminarFactory,
    SessionFactory,
    SourceFactory,
)
from tests.lifecycle_support import pass_by_override, score_all, signed


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def make_admin_graph():
    """One of everything the programs and participants admin shows, linked as in real use."""
    program = ProgramFactory(source=SourceFactory())
    ProgramRoleFactory(program=program)
    project = ChangeProjectFactory(
        enrolment=EnrolmentFactory(program=program), mentor=PersonFactory(), coach=PersonFactory()
    )
    project.examiners.set([PersonFactory(), PersonFactory()])
    MilestoneFactory(change_project=project)
    return project


def make_lifecycle_graph():
    """One of everything the lifecycle admin shows. Returns the attendance record (corrected once)."""
    program = ProgramFactory(capacity=10)
    enrolment = EnrolmentFactory(program=program, status=EnrolmentStatus.ACTIVE)
    session = SessionFactory(program=program)
    record = AttendanceFactory(session=session, enrolment=enrolment, status="absent")
    record_attendance(
        session=session, marks={enrolment.pk: ("present", "")}, recorded_by=None, correction_reason="x"
    )
    seminar = SeminarFactory(change_project=ChangeProjectFactory(enrolment=enrolment))
    aspect = SeminarAspect.objects.filter(program_type=program.program_type).first()
    SeminarScore.objects.create(seminar=seminar, examiner=PersonFactory(), aspect=aspect, score=Decimal("80"))
    score_all(enrolment, [80, 80, 80, 80])
    # The seminar is a design seminar: "passed" overrides the results-seminar rule, so the lists show one.
    pass_by_override(enrolment, reason="Seminar hasil diselenggarakan di luar aplikasi")
    issue_certificate(enrolment=signed(enrolment), issued_by=None)
    AppointmentFactory(participant=enrolment.participant)
    return record
