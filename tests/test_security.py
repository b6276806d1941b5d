import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.urls import reverse

from trainingtracker.middleware import SESSION_STARTED

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_without_login(client):
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})
    assert "no-cache" in response["Cache-Control"]


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_account_locks_after_five_failed_logins_with_a_clear_message(client):
    User.objects.create_user("budi", password="benar-sekali-2025")
    for _ in range(5):
        login(client, "budi", "salah")

    response = login(client, "budi", "benar-sekali-2025")

    assert response.status_code == 429
    assert "Terlalu banyak gagal masuk" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_administrator_unlocks_an_account_in_the_admin(client, admin_client):
    User.objects.create_user("budi", password="benar-sekali-2025")
    for _ in range(5):
        login(client, "budi", "salah")
    attempt = AccessAttempt.objects.get(username="budi")

    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    response = login(client, "budi", "benar-sekali-2025")

    assert AccessAttempt.objects.count() == 0
    assert (response.status_code, response["Location"]) == (302, reverse("reports:overview"))


def test_session_ends_at_the_absolute_limit(client, personas, settings):
    settings.SESSION_ABSOLUTE_SECONDS = 3600
    client.force_login(personas["staff"])
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - 3601
    session.save()

    response = client.get(reverse("reports:overview"))

    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next=/")
    assert "_auth_user_id" not in client.session


def test_session_within_the_limit_stays(client, personas):
    client.force_login(personas["staff"])

    response = client.get(reverse("reports:overview"))

    assert response.status_code == 200
    assert response.context["user"] == personas["staff"]


def test_idle_expiry_is_thirty_minutes_by_default(client, personas):
    client.force_login(personas["staff"])

    assert client.session.get_expiry_age() == 30 * 60


def test_pages_send_a_content_security_policy_with_a_nonce(client, personas):
    client.force_login(personas["staff"])

    response = client.get(reverse("reports:overview"))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self';" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_logout_needs_post_and_ends_the_session(client, personas):
    client.force_login(personas["staff"])

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
