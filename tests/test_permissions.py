"""Every staff URL against every role: anonymous, outsider, liaison of another institution, liaison, staff,
administrator."""

import pytest
from django.urls import reverse

from tests.factories import ChangeProjectFactory, EnrolmentFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "liaison_other", "liaison", "staff", "administrator"]


@pytest.fixture
def world(personas):
    program = ProgramFactory(title="PKN II Contoh 2025")
    participant = ParticipantFactory(name="Rahmat Contoh", institution=personas["unit_a"])
    ChangeProjectFactory(enrolment=EnrolmentFactory(program=program, participant=participant))
    other = ParticipantFactory(name="Sinta Lain", institution=personas["institution_b"])
    EnrolmentFactory(program=program, participant=other)
    return {**personas, "program": program, "participant": participant}


def pages(world):
    """(url, what an allowed viewer sees there, roles allowed, roles that get 404 instead of 403)."""
    program, participant = world["program"], world["participant"]
    everyone = {"liaison_other", "liaison", "staff", "administrator"}
    return [
        (reverse("reports:overview"), "Ikhtisar", everyone, set()),
        (reverse("reports:program_list"), "PKN II Contoh 2025", everyone, set()),
        (reverse("reports:program", args=[program.pk]), "PKN II Contoh 2025", everyone, set()),
        (reverse("reports:compare"), "Bandingkan", everyone, set()),
        (
            reverse("reports:participant", args=[participant.pk]),
            "Rahmat Contoh",
            {"liaison", "staff", "administrator"},
            {"liaison_other"},
        ),
        (reverse("reports:institutions"), "Institusi", everyone, set()),
        (
            reverse("reports:institution", args=[world["unit_a"].pk]),
            "Biro SDM Kementerian Contoh A",
            {"liaison", "staff", "administrator"},
            {"liaison_other"},
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_page_answers_each_role_as_expected(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])

    for url, marker, allowed, hidden in pages(world):
        response = client.get(url)
        if role == "anonymous":
            assert (url, response.status_code, response["Location"]) == (
                url,
                302,
                f"{reverse('login')}?next={url}",
            )
        elif role in allowed:
            assert (url, response.status_code) == (url, 200)
            assert marker in response.content.decode(), url
        elif role in hidden:
            assert (url, response.status_code) == (url, 404)
            assert "Halaman tidak ditemukan" in response.content.decode()
        else:
            assert (url, response.status_code) == (url, 403)
            assert "Anda tidak diizinkan membuka halaman ini" in response.content.decode()


def test_liaison_sees_only_participants_of_their_institution_and_its_units(client, world):
    client.force_login(world["liaison"])

    response = client.get(reverse("reports:program", args=[world["program"].pk]))

    names = [enrolment.participant.name for enrolment in response.context["page"]]
    assert names == ["Rahmat Contoh"]
    assert response.context["seats_filled"] == 2
    assert response.context["visible_count"] == 1


def test_liaison_without_link_sees_no_participant(client, world):
    from tests.conftest import make_user

    client.force_login(make_user("unlinked", groups=["Penghubung instansi"]))

    response = client.get(reverse("reports:program", args=[world["program"].pk]))

    assert list(response.context["page"]) == []
