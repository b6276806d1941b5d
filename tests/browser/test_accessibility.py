"""WCAG 2.2 AA: axe-core (shipped by axe-playwright-python) on every page a person uses, signed in as each
role, at 1366 px and 390 px: the app's pages, the public verification page, the login, and the admin's
lists and change forms. No serious or critical violation is allowed.

One test seeds the Banten cohort once (52 demo participants with their whole lifecycle) and walks every
page for every role; the failures are listed per page, width and rule."""

import io
import json
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from lifecycle.models import Certificate
from participants.models import Liaison
from programs.article import article_program
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def app_pages(program, certificate, participant, role):
    project = program.enrolments.filter(change_project__isnull=False).first().change_project
    session = program.sessions.order_by("date", "pk").first()
    institution = participant.institution
    pages = {
        "overview": reverse("reports:overview"),
        "program_list": reverse("reports:program_list"),
        "program_list_filtered": reverse("reports:program_list") + "?year=2025",
        "compare": reverse("reports:compare"),
        "program": reverse("reports:program", args=[program.pk]),
        "schedule": reverse("programs:schedule", args=[program.pk]),
        "participant": reverse("reports:participant", args=[participant.pk]),
        "institutions": reverse("reports:institutions"),
        "institution": reverse("reports:institution", args=[institution.pk]),
        "certificate_register": reverse("lifecycle:certificate_register", args=[program.pk]),
        "password_change": reverse("password_change"),
    }
    if role == "administrator":
        pages |= {
            "attendance_entry": reverse("lifecycle:attendance_entry", args=[session.pk]),
            "seminar_entry": reverse("lifecycle:seminar_entry", args=[project.pk, "design"]),
            "certificate_revoke": reverse("lifecycle:certificate_revoke", args=[certificate.pk]),
        }
    return pages


def admin_pages():
    """The admin's index, every list, and the add and change form of every registered model."""
    pages = {"admin:index": reverse("admin:index")}
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages[f"{info}_changelist"] = reverse(f"{info}_changelist")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages[f"{info}_change"] = reverse(f"{info}_change", args=[first.pk])
        pages[f"{info}_add"] = reverse(f"{info}_add")  # 403 for the read-only lists: skipped
    return pages


def violations_of(page, axe):
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return sorted(
        f"{rule['id']} ({rule['impact']}, {len(rule['nodes'])}): {rule['nodes'][0]['target']}"
        for rule in results.response["violations"]
        if rule["impact"] in BLOCKING
    )


def session_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


@pytest.fixture
def banten():
    call_command("seed_article", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    return article_program()


def test_every_page_meets_wcag_aa_for_every_role_at_both_widths(browser, live_server, banten):
    certificate = Certificate.objects.filter(enrolment__program=banten).order_by("pk").first()
    participant = certificate.enrolment.participant
    users = {
        "staff": make_user("staf", groups=["Staf"]),
        "liaison": make_user("penghubung", groups=["Penghubung instansi"]),
        "administrator": make_user("administrator", groups=["Administrator"], is_staff=True),
    }
    Liaison.objects.create(user=users["liaison"], institution=participant.institution)
    # The administrator `make run` prints is a superuser: every admin page is theirs.
    users["administrator"].is_superuser = True
    users["administrator"].save()
    axe = Axe()
    failures, visited = {}, 0
    visits = [(None, "login", reverse("login")), (None, "verify", certificate.get_verification_url())]
    for role in users:
        visits += [
            (role, name, url) for name, url in app_pages(banten, certificate, participant, role).items()
        ]
    visits += [("administrator", name, url) for name, url in admin_pages().items()]
    for width_name, (width, height) in WIDTHS.items():
        contexts = {}
        for role, user in [(None, None), *users.items()]:
            context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
            if user is not None:
                context.add_cookies([session_cookie(live_server, user)])
            contexts[role] = context.new_page()
        for role, name, url in visits:
            page = contexts[role]
            response = page.goto(live_server.url + url)
            if response.status == 403 and name.endswith("_add"):
                continue
            assert response.status == 200, (role, name, url, response.status)
            visited += 1
            found = violations_of(page, axe)
            if found:
                failures[f"{width_name} {role or 'anonymous'} {name}"] = found
        for page in contexts.values():
            page.context.close()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(failures, indent=1, ensure_ascii=False))
    assert failures == {}
    assert visited > 150
