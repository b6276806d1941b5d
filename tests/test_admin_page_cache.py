"""The admin's big lists kept in the "pages" cache (trainingtracker.admin_lists.BigListAdminMixin): a list seen
again costs three queries, shows every change at once, keeps the request's own CSRF token, CSP nonce and
messages, and is never shown to someone who may not see it."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import EnrolmentStatus, ExportLog, Participant
from programs.stats import data_version
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db

ENROLMENTS = reverse("admin:participants_enrolment_changelist")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'nonce="([^"]+)"')


def get(client, url=ENROLMENTS):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response, len(queries)


def without_request_tokens(html):
    return NONCE.sub('nonce=""', TOKEN.sub('value=""', html))


@pytest.fixture
def superuser_client(english):
    english.force_login(User.objects.create_superuser("chief", password="pw-chief-2025"))
    return english


def test_a_list_seen_again_costs_three_queries_and_is_the_same_page(superuser_client):
    EnrolmentFactory.create_batch(3)
    first, cold = get(superuser_client)
    second, warm = get(superuser_client)

    assert (cold, warm) == (7, 3)  # warm: the session, the user and the data version
    assert without_request_tokens(second.content.decode()) == without_request_tokens(first.content.decode())
    assert Participant.objects.first().full_name in second.content.decode()


def test_the_cached_list_carries_this_request_s_nonce_and_a_working_csrf_token(superuser_client):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    get(superuser_client)  # kept in the cache
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = superuser_client.cookies

    page, warm = get(checked)
    html = page.content.decode()

    assert warm == 3
    nonces = set(NONCE.findall(html))
    assert len(nonces) == 1
    assert f"'nonce-{nonces.pop()}'" in page.headers["Content-Security-Policy"]
    tokens = set(TOKEN.findall(html))
    assert len(tokens) == 1  # the list's form and the logout form
    answer = checked.post(
        ENROLMENTS,
        {
            "action": "set_status",
            "status": EnrolmentStatus.WITHDRAWN,
            "_selected_action": [enrolment.pk],
            "csrfmiddlewaretoken": tokens.pop(),
        },
    )
    assert answer.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    refused = checked.post(
        ENROLMENTS,
        {"action": "set_status", "status": "passed", "_selected_action": [enrolment.pk]},
    )
    assert refused.status_code == 403  # no token: CSRF is still checked


def test_a_change_shows_at_once(superuser_client):
    enrolment = EnrolmentFactory()
    get(superuser_client)
    participant = enrolment.participant
    participant.name = "Nama Yang Baru Diganti"
    participant.save()

    page, queries = get(superuser_client)

    assert queries == 7  # computed again
    assert "Nama Yang Baru Diganti" in page.content.decode()


def test_messages_waiting_are_shown_on_a_cached_list_and_then_gone(superuser_client):
    enrolment = EnrolmentFactory()
    get(superuser_client)  # kept in the cache
    version = data_version()

    # An action refused for want of a status changes nothing and leaves a message for the next page.
    superuser_client.post(ENROLMENTS, {"action": "set_status", "_selected_action": [enrolment.pk]})
    assert data_version() == version
    shown, queries = get(superuser_client)
    after, warm = get(superuser_client)

    assert "Choose the new status beside the action." in shown.content.decode()
    assert queries > 3  # not served from the cache
    assert "Choose the new status beside the action." not in after.content.decode()
    assert warm == 3


def test_each_user_gets_their_own_page_and_loses_it_with_the_permission(english):
    EnrolmentFactory()
    clerk = User.objects.create_user("clerk", password="pw-clerk-2025", is_staff=True, first_name="Sari")
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_enrolment"),
        Permission.objects.get(codename="view_all_institutions"),
    )
    chief = User.objects.create_superuser("chief", password="pw-chief-2025", first_name="Budi")
    english.force_login(chief)
    assert "Welcome," in get(english)[0].content.decode()
    assert "<strong>Budi</strong>" in get(english)[0].content.decode()

    english.force_login(clerk)
    page = get(english)[0].content.decode()
    assert "<strong>Sari</strong>" in page
    assert "Budi" not in page
    assert 'value="set_status"' not in page  # actions need the change permission the clerk lacks

    clerk.user_permissions.remove(Permission.objects.get(codename="view_enrolment"))
    assert english.get(ENROLMENTS).status_code == 403


def test_a_list_of_every_row_is_not_kept(superuser_client):
    EnrolmentFactory.create_batch(2)
    _page, first = get(superuser_client, f"{ENROLMENTS}?all=")
    _page, second = get(superuser_client, f"{ENROLMENTS}?all=")

    assert (first, second) == (6, 6)  # computed each time, without even reading the data version


def test_renaming_a_user_moves_the_data_version_but_logging_in_does_not(client):
    user = User.objects.create_user("clerk", password="pw-clerk-2025", is_staff=True)
    version = data_version()
    answer = client.post(reverse("admin:login"), {"username": "clerk", "password": "pw-clerk-2025"})
    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert data_version() == version

    user.first_name = "Sari"
    user.save()
    renamed = data_version()
    assert renamed > version

    user.delete()  # empties the fields that named the user with an UPDATE that sends no signal
    assert data_version() > renamed


def test_a_list_of_a_record_the_version_does_not_follow_is_not_cached(superuser_client):
    url = reverse("admin:participants_exportlog_changelist")
    user = User.objects.get(username="chief")
    get(superuser_client, url)
    version = data_version()
    ExportLog.objects.create(user=user, dataset="roster", format="csv", origin="web", row_count=41)
    assert data_version() == version

    page, _queries = get(superuser_client, url)

    assert '<td class="field-row_count">41</td>' in page.content.decode()
