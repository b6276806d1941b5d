"""A staff member answers "who is in the Banten 2025 cohort, from where, how far are their projects"."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from programs.article import article_program
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def banten():
    call_command("seed_article", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    return article_program()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Sandi").fill(f"pw-{username}-2025")
    page.get_by_role("button", name="Masuk").click()


def test_staff_journey_through_the_banten_cohort(page, live_server, banten, screenshot):
    make_user("staf", groups=["Staf"])

    log_in(page, live_server, "staf")
    expect(page.get_by_role("heading", name="Ikhtisar")).to_be_visible()
    expect(page.locator('[data-figure="participants"]')).to_have_text("52")
    screenshot(page, "01-overview")

    page.get_by_role("link", name="Program", exact=True).first.click()
    page.get_by_label("Tahun", exact=True).fill("2025")
    page.get_by_role("button", name="Saring").click()
    expect(page).to_have_url(re.compile(r"year=2025"))
    expect(page.get_by_test_id("result-count")).to_have_text("1 program")
    screenshot(page, "02-program-list-filtered")

    page.get_by_role("link", name=banten.title).click()
    expect(page.get_by_test_id("seats")).to_have_text("52 dari 52")
    expect(page.get_by_test_id("program-duration")).to_have_text("107 hari")
    screenshot(page, "03-banten-dashboard")

    page.get_by_label("Bahasa").select_option("en")
    page.get_by_test_id("set-language").click()
    expect(page.get_by_test_id("seats")).to_have_text("52 of 52")
    expect(page.get_by_test_id("program-duration")).to_have_text("107 days")
    screenshot(page, "04-banten-dashboard-english")

    first = page.get_by_test_id("participant-table").locator("tbody tr").first.get_by_role("link")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_test_id("milestones")).to_be_visible()
    screenshot(page, "05-participant-english")

    page.get_by_label("Language").select_option("id")
    page.get_by_test_id("set-language").click()
    expect(page.get_by_role("heading", name="Program", exact=True)).to_be_visible()


def test_dashboard_fits_a_phone(page, live_server, banten, screenshot):
    make_user("staf", groups=["Staf"])
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, live_server, "staf")
    page.goto(f"{live_server.url}/programs/{banten.pk}/")

    expect(page.get_by_test_id("seats")).to_have_text("52 dari 52")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "06-dashboard-phone")


def test_outsider_is_refused_in_the_browser(page, live_server, banten):
    make_user("luar")

    log_in(page, live_server, "luar")

    expect(page.get_by_role("heading", name="Anda tidak diizinkan membuka halaman ini")).to_be_visible()
