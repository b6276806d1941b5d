import pytest
from django.db import connection
from django.utils import translation


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _english_outside_requests():
    # Model and service messages are asserted in English, the source language; pages are tested in the
    # language their request asks for (Indonesian by default).
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _empty_page_cache():
    # Each test's data starts again from the same ids, so a fragment cached by an earlier test could carry
    # the same data version as this test's different data.
    from programs.dataversion import clear_page_caches

    clear_page_caches()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 costs about 0.3 s a login here; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english(client, settings):
    """The test client asks for English pages (the site's default is Indonesian)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_user(username, *, groups=(), is_staff=False, institution=None):
    from django.contrib.auth.models import Group, User

    from participants.models import Liaison

    user = User.objects.create_user(username, password=f"pw-{username}-2025", is_staff=is_staff)
    user.groups.set([Group.objects.get(name=name) for name in groups])
    if institution is not None:
        Liaison.objects.create(user=user, institution=institution)
    return user


@pytest.fixture
def personas(db):
    """The named people of the permission tests, and two institutions (A with a child unit, and B)."""
    from tests.factories import InstitutionFactory

    institution_a = InstitutionFactory(name="Kementerian Contoh A", kind="ministry", province="")
    unit_a = InstitutionFactory(
        name="Biro SDM Kementerian Contoh A", kind="ministry", province="", parent=institution_a
    )
    institution_b = InstitutionFactory(name="Pemerintah Kota Contoh B", kind="city")
    return {
        "institution_a": institution_a,
        "unit_a": unit_a,
        "institution_b": institution_b,
        "administrator": make_user("administrator", groups=["Administrator"], is_staff=True),
        "staff": make_user("staff", groups=["Staf"]),
        "liaison": make_user("liaison", groups=["Penghubung instansi"], institution=institution_a),
        "liaison_other": make_user(
            "liaison_other", groups=["Penghubung instansi"], institution=institution_b
        ),
        "outsider": make_user("outsider"),
    }


@pytest.fixture
def time_machine_today(monkeypatch):
    """Sets the date the app sees as today (timezone.localdate), without mocking the project's code."""
    from django.utils import timezone

    def travel(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return travel


@pytest.fixture
def reference_data(transactional_db):
    """What the data migrations load (program types, role groups), for transactional tests: Django empties
    every table after such a test, migration rows included. The data migrations run against the models as
    they stood then, and the content types then follow the models to the apps they moved to."""
    import importlib

    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    before_move = (
        MigrationLoader(connection)
        .project_state(("participants", "0009_search_trigram_indexes"), at_end=True)
        .apps
    )
    # The flush's post_migrate made the content types of the models where they are now; the data migrations
    # make them where the models were then, and the moves relabel them.
    moves = [
        importlib.import_module(migration)
        for migration in (
            "programs.migrations.0009_rules_from_participants",
            "lifecycle.migrations.0001_initial",
            "reports.migrations.0001_initial",
        )
    ]
    from django.contrib.contenttypes.models import ContentType

    for move in moves:
        ContentType.objects.exclude(app_label="participants").filter(model__in=move.MOVED).delete()
    importlib.import_module("programs.migrations.0002_program_types").load(before_move, None)
    importlib.import_module("programs.migrations.0004_curriculum_defaults").load(before_move, None)
    importlib.import_module("participants.migrations.0003_role_groups").create_groups(before_move, None)
    lifecycle = importlib.import_module("participants.migrations.0005_lifecycle_defaults")
    lifecycle.load_rules(before_move, None)
    lifecycle.grant_permissions(before_move, None)
    for move in moves:
        move.relabel(apps, None)
    ContentType.objects.clear_cache()
