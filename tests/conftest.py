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
def _fast_password_hasher(settings):
    # PBKDF2 costs about 0.3 s a login here; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english(client, settings):
    """The test client asks for English pages (the site's default is Indonesian)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
