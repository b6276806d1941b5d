"""Schedule rules (issue 13): no overlapping sessions in a program, a facilitator in one session at a time,
no more classical JP than a session's minutes hold, a program's year is its start date's year."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from programs.article import article_program
from programs.models import CurriculumRules, LearningMode, Program, Session
from tests.factories import PersonFactory, ProgramFactory, SessionFactory
from tests.test_history import admin_form_data

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 6, 24)


def at(start, end):
    return {"date": DAY, "start_time": datetime.time(*start), "end_time": datetime.time(*end)}


def refused(session):
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    return error.value.message_dict


def test_session_overlapping_another_of_the_program_is_refused():
    program = ProgramFactory()
    SessionFactory(program=program, title="Sesi A", **at((8, 0), (9, 30)))
    session = SessionFactory.build(program=program, title="Sesi B", jp=1, **at((9, 0), (10, 0)))

    assert refused(session) == {
        "start_time": ["The time overlaps another session of this program: Sesi A, 08:00–09:30."]
    }


def test_session_starting_when_the_previous_ends_is_accepted():
    program = ProgramFactory()
    SessionFactory(program=program, **at((8, 0), (9, 30)))
    session = SessionFactory.build(program=program, jp=1, **at((9, 30), (10, 15)))

    session.full_clean()


def test_session_saved_again_does_not_overlap_itself():
    session = SessionFactory(**at((8, 0), (9, 30)))

    session.full_clean()


def test_sessions_of_two_programs_at_the_same_time_are_accepted():
    SessionFactory(program=ProgramFactory(), **at((8, 0), (9, 30)))
    session = SessionFactory.build(program=ProgramFactory(), **at((8, 0), (9, 30)))

    session.full_clean()


def test_facilitator_in_two_overlapping_sessions_of_any_program_is_refused():
    facilitator = PersonFactory()
    other = ProgramFactory(title="PKA Angkatan I 2025")
    SessionFactory(program=other, facilitator=facilitator, title="Sesi A", **at((8, 0), (9, 30)))
    session = SessionFactory.build(program=ProgramFactory(), facilitator=facilitator, **at((9, 0), (10, 30)))

    assert refused(session) == {
        "facilitator": [
            "This facilitator already has a session at that time: Sesi A, 08:00–09:30, PKA Angkatan I 2025."
        ]
    }


def test_classical_session_with_more_jp_than_its_minutes_hold_is_refused():
    session = SessionFactory.build(program=ProgramFactory(), jp=3, **at((8, 0), (9, 30)))

    assert refused(session) == {
        "jp": ["3 JP of 45 minutes take 135 minutes, but the session lasts 90 minutes."]
    }


def test_jp_limit_follows_the_minutes_per_jp_of_the_type():
    program = ProgramFactory()
    CurriculumRules.objects.filter(program_type=program.program_type).update(minutes_per_jp=30)

    SessionFactory.build(program=program, jp=3, **at((8, 0), (9, 30))).full_clean()
    assert refused(SessionFactory.build(program=program, jp=4, **at((8, 0), (9, 30)))) == {
        "jp": ["4 JP of 30 minutes take 120 minutes, but the session lasts 90 minutes."]
    }


def test_jp_of_a_non_classical_session_or_one_without_times_is_not_limited():
    program = ProgramFactory()
    online = SessionFactory.build(
        program=program, jp=8, mode=LearningMode.NON_CLASSICAL, **at((9, 0), (10, 0))
    )
    untimed = SessionFactory.build(program=program, jp=8, date=DAY, start_time=None, end_time=None)

    online.full_clean()
    untimed.full_clean()


def test_program_whose_year_is_not_its_start_year_is_refused():
    program = ProgramFactory(year=2025, start_date=datetime.date(2025, 6, 23))
    program.year = 2026

    assert refused(program) == {"year": ["The year must be the year of the start date, 2025."]}


# Through the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(english, personas):
    english.force_login(personas["administrator"])
    return english


def session_post(session, **changes):
    data = {
        "program": session.program_id,
        "date": session.date.isoformat(),
        "start_time": f"{session.start_time:%H:%M}",
        "end_time": f"{session.end_time:%H:%M}",
        "title": session.title,
        "jp": session.jp,
        "mode": session.mode,
        "facilitator": session.facilitator_id or "",
        "place": "",
    }
    return {**data, **changes}


def test_admin_session_add_overlapping_shows_the_error_on_the_start_time(admin_client):
    program = ProgramFactory()
    SessionFactory(program=program, title="Sesi A", **at((8, 0), (9, 30)))
    new = SessionFactory.build(program=program, title="Sesi B", jp=1, **at((9, 0), (10, 0)))

    response = admin_client.post(reverse("admin:programs_session_add"), session_post(new))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "start_time": ["The time overlaps another session of this program: Sesi A, 08:00–09:30."]
    }
    assert list(Session.objects.values_list("title", flat=True)) == ["Sesi A"]


def test_admin_session_change_with_too_many_jp_shows_the_error_on_jp(admin_client):
    session = SessionFactory(jp=2, **at((8, 0), (9, 30)))

    response = admin_client.post(
        reverse("admin:programs_session_change", args=[session.pk]), session_post(session, jp=3)
    )

    assert response.context["adminform"].form.errors == {
        "jp": ["3 JP of 45 minutes take 135 minutes, but the session lasts 90 minutes."]
    }
    session.refresh_from_db()
    assert session.jp == 2


def test_admin_session_add_with_a_busy_facilitator_shows_the_error_on_the_facilitator(admin_client):
    facilitator = PersonFactory()
    SessionFactory(
        program=ProgramFactory(title="PKA Angkatan I 2025"),
        facilitator=facilitator,
        title="Sesi A",
        **at((8, 0), (9, 30)),
    )
    new = SessionFactory.build(program=ProgramFactory(), facilitator=facilitator, **at((8, 0), (9, 30)))

    response = admin_client.post(reverse("admin:programs_session_add"), session_post(new))

    assert response.context["adminform"].form.errors == {
        "facilitator": [
            "This facilitator already has a session at that time: Sesi A, 08:00–09:30, PKA Angkatan I 2025."
        ]
    }
    assert Session.objects.count() == 1


def program_change(admin_client, program, **changes):
    url = reverse("admin:programs_program_change", args=[program.pk])
    data = admin_form_data(admin_client.get(url))
    data.update(changes)
    return admin_client.post(url, data)


def test_admin_program_with_a_year_other_than_its_start_year_shows_the_error_on_the_year(admin_client):
    program = ProgramFactory(year=2025, start_date=datetime.date(2025, 6, 23))

    response = program_change(admin_client, program, year="2026")

    assert response.context["adminform"].form.errors == {
        "year": ["The year must be the year of the start date, 2025."]
    }
    program.refresh_from_db()
    assert program.year == 2025


@pytest.mark.parametrize("start", ["9999-12-01", "0001-01-01", "2101-01-01"])
def test_admin_program_starting_beyond_the_calendar_it_can_hold_is_refused_on_the_start_date(
    admin_client, start
):
    program = ProgramFactory(year=2025, start_date=datetime.date(2025, 6, 23), duration_days=107)

    response = program_change(admin_client, program, start_date=start, year=start[:4].lstrip("0"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start_date"] == [
        "The start date must fall in the years 1990 to 2100."
    ]
    program.refresh_from_db()
    assert program.start_date == datetime.date(2025, 6, 23)


# Seeded data ----------------------------------------------------------------------------------------


def test_seeded_article_cohort_and_demo_schedule_pass_the_rules():
    call_command("seed_article", stdout=io.StringIO())
    call_command("seed_demo", "--seed", "3", stdout=io.StringIO())

    program = article_program()
    sessions = list(Session.objects.filter(program=program).select_related("subject", "agenda"))
    assert len(sessions) > 50
    program.full_clean()
    for session in sessions:
        session.full_clean()
    assert [s.pk for s in sessions if Session.objects.filter(program=program).overlapping(s).exists()] == []
    assert all(
        s.mode != LearningMode.CLASSICAL or s.minutes is None or s.jp * 45 <= s.minutes for s in sessions
    )


def test_national_data_programs_and_sessions_pass_the_rules():
    call_command(
        "generate_national_data",
        *("--programs", "12", "--enrolments", "24", "--institutions", "6", "--sessions", "20", "--seed", "3"),
        stdout=io.StringIO(),
    )

    for program in Program.objects.all():
        program.full_clean()
    sessions = list(Session.objects.exclude(facilitator=None))
    for session in Session.objects.all():
        session.full_clean()
    busy = [(s.facilitator_id, s.date) for s in sessions]
    assert len(busy) == len(set(busy))
