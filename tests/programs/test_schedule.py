import datetime

import pytest
from django.urls import reverse

from programs.models import Agenda
from tests.factories import InstitutionFactory, ProgramFactory, SessionFactory
from tests.lifecycle_support import persona

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 6, 23)  # a Monday


def schedule_url(program, query=""):
    return reverse("programs:schedule", args=[program.pk]) + query


def make_program():
    return ProgramFactory(start_date=START, duration_days=107)


def test_schedule_sends_anonymous_users_to_the_login_page(client):
    program = make_program()

    response = client.get(schedule_url(program))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={schedule_url(program)}"


def test_schedule_is_refused_to_a_user_without_permission(client):
    program = make_program()
    client.force_login(persona("outsider"))

    response = client.get(schedule_url(program))

    assert response.status_code == 403


@pytest.mark.parametrize("name", ["staff", "administrator", "liaison"])
def test_schedule_is_shown_to_staff_administrators_and_liaisons(client, name):
    program = make_program()
    SessionFactory(program=program, date=START, title="Pembukaan pelatihan")
    client.force_login(persona(name, institution=InstitutionFactory()))

    response = client.get(schedule_url(program))

    assert response.status_code == 200
    assert "Pembukaan pelatihan" in response.content.decode()


def test_schedule_of_an_unknown_program_is_404(admin_client):
    response = admin_client.get(reverse("programs:schedule", args=[999999]))

    assert response.status_code == 404


def test_schedule_week_shows_only_that_weeks_sessions(admin_client):
    program = make_program()
    agenda = Agenda.objects.get(program_type=program.program_type, number=2)
    SessionFactory(program=program, date=START, title="Minggu pertama")
    SessionFactory(
        program=program, date=START + datetime.timedelta(days=9), title="Minggu kedua", agenda=agenda
    )

    response = admin_client.get(schedule_url(program, "?view=week&week=2025-07-02"))

    days = response.context["days"]
    assert [day["date"] for day in days][0] == datetime.date(2025, 6, 30)
    assert [[s.title for s in day["sessions"]] for day in days] == [[], [], ["Minggu kedua"], [], [], [], []]
    assert response.context["previous_week"] == datetime.date(2025, 6, 23)
    assert response.context["next_week"] == datetime.date(2025, 7, 7)
    assert "Minggu pertama" not in response.content.decode()


@pytest.mark.parametrize("week", ["not-a-date", "2025-02-30", "1999-01-01", ""])
def test_schedule_week_out_of_reach_shows_a_week_of_the_program(admin_client, week):
    program = make_program()

    response = admin_client.get(schedule_url(program, f"?week={week}"))

    assert response.status_code == 200
    assert response.context["monday"] == START


def test_schedule_week_after_the_program_shows_its_last_week(admin_client):
    program = make_program()

    response = admin_client.get(schedule_url(program, "?week=2030-01-01"))

    assert response.context["monday"] == datetime.date(2025, 10, 6)
    assert response.context["next_week"] is None


def test_schedule_list_shows_every_session_in_order(admin_client):
    program = make_program()
    SessionFactory(program=program, date=START + datetime.timedelta(days=30), title="Later")
    SessionFactory(program=program, date=START, title="First", jp=3)

    response = admin_client.get(schedule_url(program, "?view=list"))

    assert [s.title for s in response.context["sessions"]] == ["First", "Later"]
    assert response.context["totals"]["jp_total"] == 5


def test_schedule_shows_english_text_to_an_english_client(english, admin_user):
    program = make_program()
    english.force_login(admin_user)

    response = english.get(schedule_url(program, "?view=list"))

    assert "No sessions are scheduled yet." in response.content.decode()


def test_schedule_links_attendance_only_for_who_may_enter_it(client):
    program = make_program()
    session = SessionFactory(program=program, date=START)
    client.force_login(persona("staff"))

    response = client.get(schedule_url(program))

    assert reverse("lifecycle:attendance_entry", args=[session.pk]) not in response.content.decode()


def make_sessions(program, count):
    for n in range(count):
        SessionFactory(program=program, date=START + datetime.timedelta(days=n % 5), title=f"S{n}")


# session, user, the user's and group permissions (2), program, totals, sessions.
SCHEDULE_QUERIES = 7


@pytest.mark.parametrize("view", ["week", "list"])
def test_schedule_queries_do_not_grow_with_sessions(client, django_assert_num_queries, view):
    program = make_program()
    client.force_login(persona("staff"))
    make_sessions(program, 1)
    with django_assert_num_queries(SCHEDULE_QUERIES):
        client.get(schedule_url(program, f"?view={view}"))

    make_sessions(program, 12)
    with django_assert_num_queries(SCHEDULE_QUERIES):
        response = client.get(schedule_url(program, f"?view={view}"))

    assert response.status_code == 200
