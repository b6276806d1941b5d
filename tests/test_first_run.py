"""`make run` twice in a row: the second run writes nothing, history included; the welcome block names the
address and every demo login (issue 15, first run)."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from participants.models import Liaison

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.ADMIN_PASSWORD = ""
    return tmp_path


def make_run_setup():
    """The commands of `make run` before the server starts, as the Makefile calls them."""
    out = io.StringIO()
    for command in ("seed_article", "seed_demo", "ensure_admin"):
        call_command(command, verbosity=0, stdout=out)
    call_command("welcome", url="http://127.0.0.1:8000/", stdout=out)
    return out.getvalue()


def every_table():
    """Every row of every table, by model."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_second_make_run_leaves_every_table_unchanged(var_dir):
    make_run_setup()
    before = every_table()

    make_run_setup()

    after = every_table()
    changed = {label for label in before if before[label] != after[label]}
    assert changed == set()
    assert sum(len(rows) for label, rows in after.items() if label.endswith("Program")) >= 1


def test_welcome_prints_the_address_and_every_demo_login_in_one_block(var_dir):
    output = make_run_setup()
    admin_password = (var_dir / "admin-password.txt").read_text().strip()
    staff_password = (var_dir / "staf-password.txt").read_text().strip()

    lines = output.splitlines()
    assert lines[0] == lines[-1] == "─" * 72
    assert "  trainingtracker: http://127.0.0.1:8000/" in lines
    assert f"  Administrator        admin / {admin_password}   (http://127.0.0.1:8000/admin/)" in lines
    assert f"  Staf                 staf / {staff_password}" in lines
    liaison = Liaison.objects.select_related("institution", "user").get()
    assert liaison.user.username == "penghubung"
    assert any(line.startswith("  Penghubung instansi  penghubung / ") for line in lines)
    assert lines[-4].endswith(f"({liaison.institution.name})") or any(
        line.endswith(f"({liaison.institution.name})") for line in lines
    )
    # Everything before the block was silent (verbosity 0).
    assert output.startswith("─")
    User = get_user_model()
    assert User.objects.get(username="staf").groups.get().name == "Staf"
    assert User.objects.get(username="staf").check_password(staff_password)


def test_favicon_is_the_projects_own_icon(client):
    page = client.get("/accounts/login/").content.decode()

    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (301, "/static/img/favicon.svg")
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page


def test_admin_carries_the_apps_name_in_indonesian(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert "<title>Program, peserta, dan pelatihannya | Administrasi trainingtracker</title>" in page
    assert "trainingtracker · Administrasi" in page
    assert "Django" not in page.split("<body")[1]
