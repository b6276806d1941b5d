"""The language a user chose is kept for a year in the browser and, for a signed-in user, in their
preferences: it follows them to another computer (issue 15)."""

import pytest
from django.urls import reverse

from tests.conftest import make_user
from trainingtracker.models import UserPreference

pytestmark = pytest.mark.django_db

YEAR = 365 * 24 * 3600


def choose(client, language):
    return client.post(reverse("set_language"), {"language": language, "next": reverse("reports:overview")})


def test_choosing_a_language_keeps_it_a_year_and_in_the_users_preferences(client):
    user = make_user("siti", groups=["Staf"])
    client.force_login(user)

    response = choose(client, "en")

    cookie = response.cookies["django_language"]
    assert (response.status_code, response["Location"]) == (302, reverse("reports:overview"))
    assert (cookie.value, cookie["max-age"], cookie["samesite"]) == ("en", YEAR, "Lax")
    assert UserPreference.objects.get(user=user).language == "en"


def test_the_chosen_language_follows_the_user_to_another_computer(client, django_user_model):
    user = make_user("siti", groups=["Staf"])
    client.force_login(user)
    choose(client, "en")
    another_computer = type(client)()

    response = another_computer.post(reverse("login"), {"username": "siti", "password": "pw-siti-2025"})
    page = another_computer.get(reverse("reports:overview"))

    assert response.cookies["django_language"].value == "en"
    assert response.cookies["django_language"]["max-age"] == YEAR
    assert page["Content-Language"] == "en"
    assert "<h1" in page.content.decode() and "Overview" in page.content.decode()


def test_a_user_without_a_preference_keeps_the_browsers_choice(client):
    make_user("budi", groups=["Staf"])
    client.cookies["django_language"] = "en"

    response = client.post(reverse("login"), {"username": "budi", "password": "pw-budi-2025"})

    assert "django_language" not in response.cookies
    assert client.get(reverse("reports:overview"))["Content-Language"] == "en"


def test_an_anonymous_choice_is_kept_in_the_cookie_only(client):
    response = choose(client, "en")

    assert response.cookies["django_language"]["max-age"] == YEAR
    assert UserPreference.objects.count() == 0


def test_an_unknown_language_changes_nothing(client):
    user = make_user("siti", groups=["Staf"])
    client.force_login(user)

    response = choose(client, "xx")

    assert "django_language" not in response.cookies
    assert UserPreference.objects.count() == 0
