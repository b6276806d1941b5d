"""Settings for make bench only: the project's settings, its URLs plus /bench/baseline/ (bench/urls.py),
and plain HTTP on loopback. Never used in production (trainingtracker.settings is)."""

from trainingtracker.settings import *  # noqa: F403 (the project's settings, then the bench's changes)
from trainingtracker.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False  # loopback HTTP: the load test talks to gunicorn directly
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
