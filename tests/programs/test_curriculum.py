import datetime

import pytest
from django.core.exceptions import ValidationError

from programs.models import Agenda, CurriculumRules, LearningMode, ProgramStatus, Session, Subject
from programs.schedule import current_phase
from tests.factories import AgendaFactory, ProgramFactory, ProgramTypeFactory, SessionFactory, SubjectFactory

pytestmark = pytest.mark.django_db


def test_agendas_of_pkn_ii_are_loaded_with_the_subjects_of_agenda_4():
    agendas = Agenda.objects.filter(program_type__code="pkn-2").order_by("number")

    assert [(a.number, a.name) for a in agendas] == [
        (1, "Mengelola Diri"),
        (2, "Kepemimpinan Strategis"),
        (3, "Manajemen Strategis"),
        (4, "Aktualisasi Kepemimpinan Strategis"),
    ]
    assert list(
        Subject.objects.filter(agenda__number=4, agenda__program_type__code="pkn-2").values_list(
            "name", flat=True
        )
    ) == [
        "Visitasi",
        "Visitasi Kepemimpinan Nasional",
        "Policy Brief",
        "Proyek Perubahan",
    ]


def test_agendas_of_pka_are_loaded():
    assert list(
        Agenda.objects.filter(program_type__code="pka").order_by("number").values_list("name", flat=True)
    ) == [
        "Kepemimpinan Pancasila dan Nasionalisme",
        "Kepemimpinan Kinerja",
        "Manajemen Kinerja",
        "Aktualisasi Kepemimpinan Kinerja",
    ]


def test_curriculum_rules_are_loaded_for_every_type():
    rules = CurriculumRules.objects.order_by("program_type__order")

    assert [(r.program_type.code, r.minutes_per_jp, r.total_jp) for r in rules] == [
        ("pkn-1", 45, None),
        ("pkn-2", 45, None),
        ("pka", 45, 908),
        ("pkp", 45, None),
    ]


def test_session_outside_the_program_is_refused():
    program = ProgramFactory(start_date=datetime.date(2025, 6, 23), duration_days=107)
    session = SessionFactory.build(program=program, date=datetime.date(2025, 10, 8))

    with pytest.raises(ValidationError) as error:
        session.full_clean()

    assert error.value.message_dict == {"date": ["The program runs from 2025-06-23 to 2025-10-07."]}


def test_session_with_a_subject_of_another_agenda_is_refused():
    program = ProgramFactory()
    agenda_1 = AgendaFactory(program_type=program.program_type, number=1)
    subject_of_4 = Subject.objects.get(agenda__program_type=program.program_type, name="Policy Brief")
    session = SessionFactory.build(program=program, agenda=agenda_1, subject=subject_of_4)

    with pytest.raises(ValidationError) as error:
        session.full_clean()

    assert error.value.message_dict == {"subject": ["This subject belongs to another agenda."]}


def test_session_takes_the_agenda_of_its_subject():
    program = ProgramFactory()
    subject = Subject.objects.get(agenda__program_type=program.program_type, name="Visitasi")
    session = SessionFactory.build(program=program, subject=subject, title="")

    session.full_clean()

    assert session.agenda == subject.agenda
    assert session.label == "Visitasi"


def test_session_agenda_of_another_program_type_is_refused():
    program = ProgramFactory()
    pka_agenda = Agenda.objects.get(program_type__code="pka", number=1)
    session = SessionFactory.build(program=program, agenda=pka_agenda)

    with pytest.raises(ValidationError) as error:
        session.full_clean()

    assert error.value.message_dict == {"agenda": ["This agenda belongs to another program type."]}


def test_session_without_subject_or_title_is_refused():
    session = SessionFactory.build(program=ProgramFactory(), title="")

    with pytest.raises(ValidationError) as error:
        session.full_clean()

    assert error.value.message_dict == {"title": ["Give a title when the session has no subject."]}


def test_session_ending_before_it_starts_is_refused():
    session = SessionFactory.build(
        program=ProgramFactory(), start_time=datetime.time(10, 0), end_time=datetime.time(9, 0)
    )

    with pytest.raises(ValidationError) as error:
        session.full_clean()

    assert error.value.messages == ["The session must end after it starts."]


def test_subject_factory_makes_a_subject_of_an_agenda():
    subject = SubjectFactory(agenda=AgendaFactory(program_type=ProgramTypeFactory(), number=2))

    assert subject.agenda.name == "Kepemimpinan Strategis"


def test_current_phase_is_the_agenda_and_mode_of_the_latest_session():
    program = ProgramFactory(start_date=datetime.date(2025, 6, 23), duration_days=107)
    agenda_2 = Agenda.objects.get(program_type=program.program_type, number=2)
    agenda_3 = Agenda.objects.get(program_type=program.program_type, number=3)
    SessionFactory(program=program, date=datetime.date(2025, 6, 24), agenda=agenda_2)
    later = SessionFactory(
        program=program, date=datetime.date(2025, 7, 8), agenda=agenda_3, mode=LearningMode.NON_CLASSICAL
    )
    upcoming = SessionFactory(program=program, date=datetime.date(2025, 7, 15), agenda=agenda_3)

    phase = current_phase(program, today=datetime.date(2025, 7, 10))

    assert phase["status"] == ProgramStatus.ONGOING
    assert phase["day"] == 18
    assert phase["session"] == later
    assert phase["agenda"] == agenda_3
    assert phase["mode_label"] == "Non-classical"
    assert phase["next_session"] == upcoming


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (datetime.date(2025, 6, 22), ProgramStatus.PLANNED),
        (datetime.date(2025, 10, 8), ProgramStatus.FINISHED),
    ],
)
def test_current_phase_outside_the_program_is_its_status(today, status):
    program = ProgramFactory(start_date=datetime.date(2025, 6, 23), duration_days=107)
    SessionFactory(program=program)

    phase = current_phase(program, today=today)

    assert (phase["status"], phase["day"], phase["session"]) == (status, None, None)


def test_sessions_between_includes_both_days():
    program = ProgramFactory()
    days = [program.start_date + datetime.timedelta(days=n) for n in range(4)]
    for day in days:
        SessionFactory(program=program, date=day)

    found = Session.objects.filter(program=program).between(days[1], days[2])

    assert sorted(s.date for s in found) == days[1:3]
