"""Settings for trainingtracker, driven by environment variables.

Every value a deployment changes comes from the environment through the typed helpers below,
which fail loudly on a value they cannot read instead of silently falling back.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. In development use `make shell` or "
            '`make manage ARGS="..."` (they turn DEBUG on), or run `DEBUG=true .venv/bin/python manage.py ...`.'
        )
    # Only for a developer's machine: DEBUG is on, nothing here is served to the public.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

# The address the public reaches the app at: the certificates' QR codes and verification links use it,
# never the host an officer happened to use. Production must set it (manage.py check --deploy says so).
PUBLIC_BASE_URL = (
    os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "").strip().rstrip("/")
)
if PUBLIC_BASE_URL and not PUBLIC_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"PUBLIC_BASE_URL must start with https:// or http://, not {PUBLIC_BASE_URL!r}"
    )
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "trainingtracker.apps.AdminConfig",  # django.contrib.admin with the project's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "js_lib_bootstrap5",
    "js_lib_bootstrap_icons",
    "axes",
    "simple_history",
    "trainingtracker",
    # The domain, lowest layer first: each app imports only the apps above it in this list.
    "programs",
    "participants",
    "lifecycle",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "trainingtracker.middleware.LanguageMiddleware",
    "trainingtracker.middleware.RequestHygieneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records the request's user on every history row written while it runs (audit history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "trainingtracker.middleware.SessionLimitsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trainingtracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "trainingtracker.wsgi.application"

VAR_DIR = BASE_DIR / "var"  # git-ignored: the embedded database, generated files
if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers while one request writes: WAL plus a busy timeout instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # Refuses logins for locked-out accounts before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Who a failed login counts against: trainingtracker/lockout.py.
LOGIN_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = envint("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_FAILURE_LIMIT = "trainingtracker.lockout.failure_limit"
AXES_LOCKOUT_PARAMETERS = "trainingtracker.lockout.lockout_parameters"
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = envbool(
    "AXES_VERBOSE", False
)  # its start banner and per-attempt lines; the log keeps lockouts
# The client's address (django-ipware): behind the reverse proxy, the X-Real-IP header the proxy sets
# (README, Production; a client's own X-Real-IP is overwritten there), never X-Forwarded-For, which a
# client can forge; without a proxy, the connection's address.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_REAL_IP", "REMOTE_ADDR") if envbool("BEHIND_PROXY", False) else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_COUNT = None

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the choice outlives the browser session (and is kept per user)
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or envbool("PLAIN_STATIC_STORAGE", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Shared by every app server: Redis when CACHE_URL is given, else a table in the database.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// address, not {CACHE_URL!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}
# The pages' rendered fragments and aggregates (reports/pagecache.py, programs/dataversion.py): in each process's memory, since every key
# carries the data version read from the database, a process never serves what another one has changed.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    "TIMEOUT": 10 * 60,
    "OPTIONS": {"MAX_ENTRIES": envint("PAGE_CACHE_ENTRIES", 500)},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security. Production runs with DEBUG off behind HTTPS; each value can be relaxed from the environment.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_PROXY", False) else None
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database (shared by every app server). They end after SESSION_IDLE_MINUTES without a
# request, and in any case SESSION_ABSOLUTE_HOURS after the login (SessionLimitsMiddleware).
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_HOURS", 10) * 60 * 60
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Participants all of whose programs ended more than this many years ago are anonymised by
# `manage.py anonymise_expired` (UU 27/2022: personal data kept no longer than needed).
RETENTION_YEARS = envint("RETENTION_YEARS", 10)
if RETENTION_YEARS < 1:
    raise ImproperlyConfigured(f"RETENTION_YEARS must be at least 1, not {RETENTION_YEARS}")

# Seed of the synthetic demo participants (seed_demo): the same seed gives the same people.
DEMO_SEED = envint("DEMO_SEED", 2025)

# The login that `manage.py ensure_admin` (make run) keeps; without ADMIN_PASSWORD a random password is
# written once to var/admin-password.txt.
ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "admin")
ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "")

# Imports and exports.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 5 * 1024 * 1024)  # the largest participant file uploaded
EXPORT_PDF_MAX_ROWS = envint("EXPORT_PDF_MAX_ROWS", 5000)  # longer reports are offered as CSV or XLSX
# A folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf, when they are not in the system's font folders.
PDF_FONT_DIR = os.environ.get("PDF_FONT_DIR", "")
