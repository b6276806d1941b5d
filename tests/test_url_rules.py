"""Every URL pattern against every role. A URL added without a rule here fails
test_every_url_has_a_rule: deciding who may open a new page is part of adding it."""

import re

import pytest
from django.urls import get_resolver, reverse

from lifecycle.services import issue_certificate
from participants.models import EnrolmentStatus
from tests.factories import (
    ChangeProjectFactory,
    EnrolmentFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
)
from tests.lifecycle_support import signed

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "liaison_other", "liaison", "staff", "administrator"]
SIGNED_IN = ROLES[1:]
VIEWERS = {"liaison_other", "liaison", "staff", "administrator"}
IN_SCOPE = {"liaison", "staff", "administrator"}


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from walk(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif pattern.name:
            yield (
                (f"{namespace}:{pattern.name}" if namespace else pattern.name),
                prefix + str(pattern.pattern),
            )


def url_names(admin):
    return {name for name, _route in walk(get_resolver().url_patterns) if name.startswith("admin:") == admin}


def staff_page(allowed=VIEWERS, hidden=frozenset()):
    """Login required; `allowed` roles get the page, `hidden` get 404 (outside their scope), others 403."""
    outcome = {"anonymous": "login"}
    for role in SIGNED_IN:
        outcome[role] = "ok" if role in allowed else "404" if role in hidden else "403"
    return outcome


# name -> (how to build its kwargs from the world, {role: expected outcome})
RULES = {
    "healthz": (None, dict.fromkeys(ROLES, "ok")),
    "favicon": (None, dict.fromkeys(ROLES, "301")),
    "login": (None, dict.fromkeys(ROLES, "ok")),
    "logout": (None, dict.fromkeys(ROLES, "405")),  # POST only
    "set_language": (None, dict.fromkeys(ROLES, "redirect")),
    "password_change": (None, {"anonymous": "login", **dict.fromkeys(SIGNED_IN, "ok")}),
    "password_change_done": (None, {"anonymous": "login", **dict.fromkeys(SIGNED_IN, "ok")}),
    "reports:overview": (None, staff_page()),
    "reports:program_list": (None, staff_page()),
    "reports:compare": (None, staff_page()),
    "reports:program": (lambda w: {"pk": w["program"].pk}, staff_page()),
    "reports:participant": (lambda w: {"pk": w["participant"].pk}, staff_page(IN_SCOPE, {"liaison_other"})),
    "reports:institutions": (None, staff_page()),
    "programs:schedule": (lambda w: {"pk": w["program"].pk}, staff_page()),
    "lifecycle:attendance_entry": (lambda w: {"pk": w["session"].pk}, staff_page({"administrator"})),
    "lifecycle:seminar_entry": (
        lambda w: {"pk": w["project"].pk, "kind": "design"},
        staff_page({"administrator"}),
    ),
    "lifecycle:certificate_register": (lambda w: {"pk": w["program"].pk}, staff_page()),
    "lifecycle:certificate_register_csv": (lambda w: {"pk": w["program"].pk}, staff_page()),
    # The PDFs carry the NIP: personal data, which staff see masked, so they cannot download them.
    "lifecycle:certificate_zip": (
        lambda w: {"pk": w["program"].pk},
        # A liaison with no certificate in this program is sent back to the register with a message.
        {**staff_page({"liaison", "administrator"}), "liaison_other": "redirect"},
    ),
    "lifecycle:certificate_pdf": (
        lambda w: {"pk": w["certificate"].pk},
        staff_page({"liaison", "administrator"}, {"liaison_other"}),
    ),
    "lifecycle:certificate_issue": (
        lambda w: {"pk": w["program"].pk},
        {**staff_page({"administrator"}), "administrator": "405"},
    ),
    "lifecycle:certificate_revoke": (lambda w: {"pk": w["certificate"].pk}, staff_page({"administrator"})),
    "lifecycle:certificate_reissue": (lambda w: {"pk": w["certificate"].pk}, staff_page({"administrator"})),
    "lifecycle:verify": (lambda w: {"token": w["certificate"].token}, dict.fromkeys(ROLES, "ok")),
    "reports:roster": (lambda w: {"pk": w["program"].pk, "fmt": "csv"}, staff_page()),
    "reports:enrolments": (lambda w: {"fmt": "csv"}, staff_page()),
    "reports:institutions_export": (lambda w: {"fmt": "csv"}, staff_page()),
    "reports:history": (lambda w: {"fmt": "csv"}, staff_page()),
    # Everything held about a participant, unmasked: personal data, within the user's scope.
    "reports:subject_export": (
        lambda w: {"pk": w["participant"].pk},
        staff_page({"liaison", "administrator"}, {"liaison_other"}),
    ),
    "reports:institution": (
        lambda w: {"pk": w["unit_a"].pk},
        staff_page(IN_SCOPE, {"liaison_other"}),
    ),
}


@pytest.fixture
def world(personas):
    program = ProgramFactory()
    participant = ParticipantFactory(institution=personas["unit_a"])
    enrolment = EnrolmentFactory(program=program, participant=participant, status=EnrolmentStatus.PASSED)
    project = ChangeProjectFactory(enrolment=enrolment)
    certificate = issue_certificate(enrolment=signed(enrolment), issued_by=personas["administrator"])
    return {
        **personas,
        "program": program,
        "participant": participant,
        "project": project,
        "session": SessionFactory(program=program),
        "certificate": certificate,
    }


def test_every_url_has_a_rule():
    assert url_names(admin=False) - set(RULES) == set(), "add a rule for each new URL"
    assert set(RULES) - url_names(admin=False) == set(), "remove the rules of URLs that are gone"


def outcome_of(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return "login"
    return {200: "ok", 301: "301", 302: "redirect", 403: "403", 404: "404", 405: "405"}.get(
        response.status_code, str(response.status_code)
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_by_its_rule(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    seen = {}
    expected = {}
    for name, (kwargs, outcomes) in RULES.items():
        url = reverse(name, kwargs=kwargs(world) if kwargs else None)
        seen[name] = outcome_of(client.get(url))
        expected[name] = outcomes[role]

    assert seen == expected


def admin_urls():
    """Each admin URL with dummy arguments (an object id of 1, the programs app)."""
    for name, route in walk(get_resolver().url_patterns):
        if not name.startswith("admin:"):
            continue
        kwargs = {}
        for group in re.findall(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>", route):
            key = group[1] or group[2]
            kwargs[key] = "programs" if key == "app_label" else 1 if group[0] == "int" else "1"
        # simple-history's revert pages use unnamed groups: ^([^/]+)/history/([^/]+)/$
        args = ["1"] * len(re.findall(r"\((?!\?)", route))
        yield name, reverse(name, args=args or None, kwargs=kwargs or None)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "staff", "liaison"])
def test_every_admin_url_sends_non_administrators_to_the_admin_login(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    login = reverse("admin:login")
    refused = {}
    for name, url in admin_urls():
        if name in ("admin:login", "admin:logout", "admin:jsi18n"):
            continue
        response = client.get(url)
        if not (response.status_code == 302 and response["Location"].startswith(login)):
            refused[name] = response.status_code

    assert refused == {}
    assert len(list(admin_urls())) > 50
