"""Hostile query strings: a NUL byte, an overlong value and bytes that are not UTF-8, sent to every GET
parameter of every page (the app's pages and the admin's lists), signed in as the administrator. The
parameters are the ones the page itself offers (its GET forms and the query strings of its links) plus
the common ones; no answer may be a server error."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from tests.test_url_rules import RULES, admin_urls, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

HOSTILE = {
    "nul": "%00",
    "nul_inside": "a%00b",
    "overlong": "9" * 5000,
    "not_utf8": "%FF%FE%C3%28",
}
COMMON = {"q", "page", "sort", "o", "fmt", "year", "type", "status", "institution", "program", "kind", "p"}


class ParameterNames(HTMLParser):
    """Names of the inputs of GET forms and the query parameters of links, in one page."""

    def __init__(self):
        super().__init__()
        self.names, self.in_get_form = set(), False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in ("input", "select") and self.in_get_form and attrs.get("name"):
            self.names.add(attrs["name"])
        elif tag == "a" and "?" in (attrs.get("href") or ""):
            self.names.update(key for key, _value in parse_qsl(urlsplit(attrs["href"]).query))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


def pages(world):  # noqa: F811 (the fixture's value)
    for name, (kwargs, outcomes) in RULES.items():
        if outcomes["administrator"] == "ok" and name not in ("logout", "set_language"):
            yield name, reverse(name, kwargs=kwargs(world) if kwargs else None)
    for name, url in admin_urls():
        if name.endswith("_changelist"):
            yield name, url


def parameter_names(client, url):
    response = client.get(url)
    parser = ParameterNames()
    if response.get("Content-Type", "").startswith("text/html"):
        parser.feed(response.content.decode())
    names = parser.names | COMMON
    # The admin's filters: every lookup a changelist offers, with its __exact and __in forms.
    names |= {re.sub(r"__\w+$", "", name) + suffix for name in parser.names for suffix in ("__exact", "__in")}
    return names - {"csrfmiddlewaretoken"}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_every_get_parameter_of_every_page_answers_without_a_server_error(client, world, kind):  # noqa: F811
    client.force_login(world["administrator"])
    client.raise_request_exception = False
    failures, tried = {}, 0
    for name, url in pages(world):
        for parameter in sorted(parameter_names(client, url)):
            response = client.get(f"{url}?{parameter}={HOSTILE[kind]}")
            tried += 1
            if response.status_code >= 500:
                failures[f"{name}?{parameter}"] = response.status_code

    assert failures == {}
    assert tried > 300


def test_a_nul_byte_in_a_query_string_gets_a_clear_400(client, world):  # noqa: F811
    client.force_login(world["administrator"])

    response = client.get(reverse("reports:institutions") + "?q=ab%00c")

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["reports:program", "reports:participant", "reports:roster", "reports:enrolments", "lifecycle:verify"],
)
def test_pages_and_exports_with_personal_data_are_never_stored(client, world, name):  # noqa: F811
    client.force_login(world["administrator"])
    kwargs, _outcomes = RULES[name]

    response = client.get(reverse(name, kwargs=kwargs(world) if kwargs else None))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_trace_is_refused(client, world):  # noqa: F811
    response = client.generic("TRACE", reverse("login"))

    assert response.status_code == 405
    assert "TRACE" not in response["Allow"]
