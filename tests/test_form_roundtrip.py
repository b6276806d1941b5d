"""Every form that edits a decimal, a date or a time gives back what it was shown, in Indonesian and English.

Each case opens a saved object's page, reads the form as a browser does (tests/form_support.py: an input
drops a value it cannot hold, such as "94,00" in a number box), posts it back unchanged and checks that the
page accepted it and that every stored value is exactly as before. Found with grep: the DecimalField,
DateField and TimeField of programs, participants and lifecycle models, and the forms that edit them.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from lifecycle.models import (
    Appointment,
    Attendance,
    EvaluationScore,
    Seminar,
    SeminarScore,
)
from lifecycle.services import record_attendance, save_seminar
from participants.models import ChangeProject, Enrolment, EnrolmentStatus, Milestone, Participant
from programs.models import (
    Agenda,
    CurriculumRules,
    EvaluationComponent,
    Program,
    ProgramRole,
    ProgramType,
    ProgramTypeRules,
    Qualification,
    SeminarAspect,
    Session,
    Source,
)
from tests.admin_support import admin_url
from tests.factories import (
    AppointmentFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    MilestoneFactory,
    ParticipantFactory,
    PersonFactory,
    ProgramFactory,
    ProgramRoleFactory,
    SessionFactory,
    SourceFactory,
)
from tests.form_support import form_data, form_with

pytestmark = pytest.mark.django_db

LANGUAGES = ["id", "en"]


def stored(*querysets):
    """Every stored value of the rows, per model, in primary-key order; auto_now stamps are left out (they
    change on every save by design)."""
    state = {}
    for queryset in querysets:
        model = queryset.model
        fields = [f for f in model._meta.concrete_fields if not getattr(f, "auto_now", False)]
        state[model.__name__] = [
            {field.attname: getattr(row, field.attname) for field in fields}
            for row in queryset.order_by("pk")
        ]
    return state


def project_with_scores():
    """A change project with an accepted design seminar scored by one examiner, a milestone and an open
    results seminar (scores with decimals that a comma would break)."""
    project = ChangeProjectFactory()
    examiner = PersonFactory(name="Prof. Penguji")
    ProgramRoleFactory(program=project.enrolment.program, person=examiner, role="examiner")
    MilestoneFactory(
        change_project=project,
        planned_start=datetime.date(2025, 7, 1),
        planned_end=datetime.date(2025, 8, 31),
        done_on=datetime.date(2025, 8, 30),
    )
    design = SeminarAspect.objects.filter(
        program_type=project.enrolment.program.program_type, kind="design"
    ).order_by("order")
    values = [Decimal("94.00"), Decimal("87.55"), Decimal("80.25"), Decimal("75.10"), Decimal("100.00")]
    seminar = Seminar(
        change_project=project, kind="design", date=datetime.date(2025, 8, 5), decision="accepted"
    )
    save_seminar(
        seminar=seminar,
        panel=[examiner],
        scores={(examiner.pk, a.pk): v for a, v in zip(design, values, strict=True)},
    )
    save_seminar(
        seminar=Seminar(change_project=project, kind="results", date=datetime.date(2025, 9, 29)),
        panel=[],
        scores={},
    )
    return project, seminar


def program_type_case():
    program_type = ProgramType.objects.get(abbreviation="PKN Tingkat II")
    rules = ProgramTypeRules.objects.get(program_type=program_type)
    rules.minimum_attendance = Decimal("87.50")
    rules.save()
    # Weights and thresholds with decimals (a comma would break them), the weights still adding up to 100.
    components = list(EvaluationComponent.objects.filter(program_type=program_type).order_by("pk"))
    for component in components[1:]:
        component.weight -= Decimal("0.25")
        component.save()
    components[0].weight += Decimal("0.25") * (len(components) - 1)
    components[0].save()
    for qualification in Qualification.objects.filter(program_type=program_type):
        qualification.min_score += Decimal("0.75")
        qualification.save()
    return program_type


def seminar_entry_case():
    project, _seminar = project_with_scores()
    url = reverse("lifecycle:seminar_entry", args=[project.pk, "design"])
    return url, [Seminar.objects.all(), SeminarScore.objects.all(), ChangeProject.objects.all()]


def attendance_entry_case():
    program = ProgramFactory(capacity=10)
    enrolments = [EnrolmentFactory(program=program, status=EnrolmentStatus.ACTIVE) for _ in range(3)]
    session = SessionFactory(
        program=program, start_time=datetime.time(13, 45), end_time=datetime.time(15, 15)
    )
    record_attendance(
        session=session,
        marks={
            enrolments[0].pk: ("present", ""),
            enrolments[1].pk: ("excused", "Sakit, surat dokter 24/6"),
            enrolments[2].pk: ("late", "Terlambat 15 menit"),
        },
        recorded_by=None,
    )
    url = reverse("lifecycle:attendance_entry", args=[session.pk])
    return url, [Attendance.objects.all(), Session.objects.all()]


def admin_case(model, obj, *querysets):
    return admin_url(model, "change", obj.pk), [model.objects.filter(pk=obj.pk), *querysets]


def program_case():
    program = ProgramFactory(source=SourceFactory(published_on=datetime.date(2025, 6, 24)))
    ProgramRoleFactory(program=program, date=datetime.date(2025, 6, 24))
    EnrolmentFactory(program=program)
    return admin_case(Program, program, ProgramRole.objects.all(), Enrolment.objects.all())


def session_case():
    session = SessionFactory(start_time=datetime.time(13, 45), end_time=datetime.time(15, 15, 30))
    return admin_case(Session, session)


def program_type_admin_case():
    program_type = program_type_case()
    return admin_case(
        ProgramType,
        program_type,
        CurriculumRules.objects.all(),
        Agenda.objects.all(),
        ProgramTypeRules.objects.all(),
        EvaluationComponent.objects.all(),
        Qualification.objects.all(),
        SeminarAspect.objects.all(),
    )


def program_type_rules_case():
    return admin_case(ProgramTypeRules, ProgramTypeRules.objects.get(program_type=program_type_case()))


def evaluation_component_case():
    return admin_case(
        EvaluationComponent, EvaluationComponent.objects.filter(program_type=program_type_case()).first()
    )


def qualification_case():
    return admin_case(Qualification, Qualification.objects.filter(program_type=program_type_case()).first())


def seminar_aspect_case():
    return admin_case(SeminarAspect, SeminarAspect.objects.order_by("pk").first())


def scored_enrolment():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    for component, score in zip(
        EvaluationComponent.objects.filter(program_type=enrolment.program.program_type).order_by("order"),
        [Decimal("88.75"), Decimal("90.50"), Decimal("79.95"), Decimal("100.00")],
        strict=False,
    ):
        EvaluationScore.objects.create(enrolment=enrolment, component=component, score=score)
    return enrolment


def evaluation_score_case():
    scored_enrolment()
    return admin_case(EvaluationScore, EvaluationScore.objects.order_by("pk").first())


def enrolment_case():
    return admin_case(Enrolment, scored_enrolment(), EvaluationScore.objects.all())


def change_project_case():
    project, _seminar = project_with_scores()
    return admin_case(ChangeProject, project, Milestone.objects.all(), Seminar.objects.all())


def milestone_case():
    project, _seminar = project_with_scores()
    return admin_case(Milestone, project.milestones.get())


def seminar_admin_case():
    _project, seminar = project_with_scores()
    return admin_case(Seminar, seminar, SeminarScore.objects.all())


def appointment_case():
    return admin_case(Appointment, AppointmentFactory(appointed_on=datetime.date(2026, 1, 5)))


def participant_case():
    participant = ParticipantFactory(birth_date=datetime.date(1979, 11, 3))
    EnrolmentFactory(participant=participant)
    AppointmentFactory(participant=participant, appointed_on=datetime.date(2026, 1, 5))
    return admin_case(Participant, participant, Enrolment.objects.all(), Appointment.objects.all())


def program_role_case():
    return admin_case(ProgramRole, ProgramRoleFactory(date=datetime.date(2025, 6, 24)))


def source_case():
    return admin_case(Source, SourceFactory(published_on=datetime.date(2025, 6, 24)))


CASES = {
    "seminar entry": (seminar_entry_case, "notes"),
    "attendance entry": (attendance_entry_case, "correction_reason"),
    "admin program": (program_case, "_save"),
    "admin session": (session_case, "_save"),
    "admin program type with its rules": (program_type_admin_case, "_save"),
    "admin program type rules": (program_type_rules_case, "_save"),
    "admin evaluation component": (evaluation_component_case, "_save"),
    "admin qualification": (qualification_case, "_save"),
    "admin seminar aspect": (seminar_aspect_case, "_save"),
    "admin evaluation score": (evaluation_score_case, "_save"),
    "admin enrolment with scores": (enrolment_case, "_save"),
    "admin change project with milestones and seminars": (change_project_case, "_save"),
    "admin milestone": (milestone_case, "_save"),
    "admin seminar with scores": (seminar_admin_case, "_save"),
    "admin appointment": (appointment_case, "_save"),
    "admin participant with appointments": (participant_case, "_save"),
    "admin program role": (program_role_case, "_save"),
    "admin source": (source_case, "_save"),
}


def form_errors(response):
    """The errors of a refused form, to say why a round-trip failed."""
    context = response.context or {}
    errors = []
    for name in ("form", "adminform"):
        form = context.get(name)
        form = getattr(form, "form", form)
        if form is not None:
            errors.append(form.errors)
    for inline in context.get("inline_admin_formsets", []):
        errors.append([inline.formset.errors, inline.formset.non_form_errors()])
    return errors


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", list(CASES))
def test_form_posted_back_unchanged_keeps_every_stored_value(admin_client, settings, case, language):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    build, field_of_the_form = CASES[case]
    url, querysets = build()
    before = stored(*querysets)

    form = form_with(admin_client.get(url).content.decode(), field_of_the_form)
    data = form_data(form)
    if field_of_the_form == "_save":
        data["_save"] = ["1"]
    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert stored(*querysets) == before
