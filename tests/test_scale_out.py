"""Scale-out: two app servers on one PostgreSQL database behave as one.

Two gunicorn servers on two loopback ports share a scratch database (created, migrated and dropped
here). A user logs in on the first; the second knows the session; an import uploaded to the first is
previewed and confirmed on the second; the second serves an export that holds the imported person.
Nothing a later request needs may live in one process's memory or on one server's disk.

Runs in `make test` whatever DATABASE_URL says (the servers always use PostgreSQL), skipped when
PostgreSQL at 127.0.0.1:5432 is not reachable. About 15 seconds: most of it migrating the database.
"""

import csv
import http.cookiejar
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
USERNAME, PASSWORD = "skala", "pw-scale-out-2025"
INSTITUTION = "Dinas Kesehatan Provinsi Banten"
TIMEOUT = 10  # seconds for one request

SETUP = f"""
from django.contrib.auth.models import User
from django.core.management import call_command
from programs.models import Institution, Program, ProgramType
call_command("migrate", verbosity=0, interactive=False)
call_command("createcachetable", verbosity=0)
User.objects.create_superuser({USERNAME!r}, password={PASSWORD!r}, first_name="Skala", last_name="Keluar")
organiser = Institution.objects.create(name="BPSDM Provinsi Banten", kind="province", province="Banten")
Institution.objects.create(name={INSTITUTION!r}, kind="province", province="Banten")
Program.objects.create(
    program_type=ProgramType.objects.get(code="pkn-2"), year=2025, angkatan=1,
    title="PKN Tingkat II Banten 2025", organiser=organiser, venue="Pandeglang",
    start_date="2025-06-23", duration_days=107, capacity=30,
)
"""


def server_url():
    """The PostgreSQL server to use: the suite's when it runs on PostgreSQL, else the local default."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_SERVER
    return urllib.parse.urlsplit(url)


def connect(parts, database):
    import psycopg

    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=database,
        autocommit=True,
        connect_timeout=3,
    )


@pytest.fixture(scope="module")
def scratch_database():
    """A new PostgreSQL database, migrated and holding an administrator and a program; dropped after."""
    parts = server_url()
    try:
        admin = connect(parts, "postgres")
    except Exception as error:  # noqa: BLE001 (any failure to connect means: not available here)
        pytest.skip(f"PostgreSQL is not reachable at {parts.hostname}:{parts.port or 5432}: {error}")
    name = f"tt_scale_out_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    try:
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SETUP],
            cwd=ROOT,
            env=server_environment(url),
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def server_environment(database_url):
    """Production settings (DEBUG off, whitenoise) relaxed only for plain HTTP on loopback."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "scale-out-test-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "PLAIN_STATIC_STORAGE": "true",  # no collectstatic manifest in a test run
        "CACHE_URL": "",
    }


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(base, process, deadline):
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {base} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {base} did not answer /healthz in time")


@pytest.fixture(scope="module")
def servers(request, scratch_database):
    """Two gunicorn servers (one worker each) on two free loopback ports; always stopped."""
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed at {GUNICORN}")
    processes, bases = [], []

    def stop():
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    request.addfinalizer(stop)
    for _ in range(2):
        port = free_port()
        processes.append(
            subprocess.Popen(
                [
                    str(GUNICORN),
                    "trainingtracker.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "30",
                ],
                cwd=ROOT,
                env=server_environment(scratch_database),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 20
    for base, process in zip(bases, processes, strict=True):
        wait_until_healthy(base, process, deadline)
    return bases


class Browser:
    """urllib with one cookie jar: like a browser behind a load balancer, the same cookies go to both
    servers (cookies are per host, not per port)."""

    def __init__(self, *, language):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        # The app follows the language cookie (the language menu's), not Accept-Language.
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                "django_language",
                language,
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )

    def open(self, url, data=None, headers=None):
        request = urllib.request.Request(url, data=data, headers=headers or {})
        with self.opener.open(request, timeout=TIMEOUT) as response:
            return response.status, response.geturl(), response.read()

    def csrf_token(self, html):
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()

    def post_form(self, url, fields):
        return self.open(url, urllib.parse.urlencode(fields).encode())

    def post_file(self, url, fields, name, filename, content):
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.open(
            url, b"".join(parts), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )


def test_two_app_servers_share_session_import_preview_and_export(servers):
    first, second = servers
    browser = Browser(language="en")
    login = reverse("login")

    # Log in on the first server with a real form post and its CSRF token.
    _, _, page = browser.open(f"{first}{login}")
    status, landed, _ = browser.post_form(
        f"{first}{login}",
        {
            "username": USERNAME,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.csrf_token(page),
            "next": "/admin/",
        },
    )
    assert (status, urllib.parse.urlsplit(landed).path) == (200, "/admin/")
    assert "sessionid" in {cookie.name for cookie in browser.jar}

    # The second server knows the session.
    status, _, page = browser.open(f"{second}/admin/")
    assert status == 200
    assert b"Skala" in page or USERNAME.encode() in page

    # Upload on the first server; the preview is a stored batch that the second one shows.
    upload = reverse("admin:participants_importbatch_upload")
    _, _, page = browser.open(f"{first}{upload}")
    program = (
        re.search(rb'<option value="(\d+)"[^>]*>[^<]*PKN Tingkat II Banten 2025', page).group(1).decode()
    )
    content = (
        "nip,name,back_title,institution,birth_date,gender,rank,status\n"
        f"19860926 201505 1 001,Andi Wijaya,S.T.,{INSTITUTION},26/09/1986,L,IV/a,registered\n"
    ).encode()
    status, preview_url, _ = browser.post_file(
        f"{first}{upload}",
        {"csrfmiddlewaretoken": browser.csrf_token(page), "program": program},
        "file",
        "peserta.csv",
        content,
    )
    preview_path = urllib.parse.urlsplit(preview_url).path
    assert re.fullmatch(r"/admin/participants/importbatch/\d+/preview/", preview_path), preview_path
    status, _, page = browser.open(f"{second}{preview_path}")
    assert status == 200
    assert b"Andi Wijaya" in page
    assert b'data-testid="confirm"' in page
    status, landed, page = browser.post_form(
        f"{second}{preview_path}", {"csrfmiddlewaretoken": browser.csrf_token(page)}
    )
    assert status == 200
    assert re.fullmatch(r"/admin/participants/importbatch/\d+/change/", urllib.parse.urlsplit(landed).path)
    assert b"Imported peserta.csv: 1 new, 0 updated, 0 unchanged." in page

    # The second server's export holds the imported participant.
    status, _, body = browser.open(f"{second}{reverse('reports:enrolments', args=['csv'])}")
    assert status == 200
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    table = rows[: rows.index([])]
    assert [(row[0], row[8], row[9], row[14]) for row in table[1:]] == [
        ("PKN Tingkat II Banten 2025", "19860926 201505 1 001", "Andi Wijaya, S.T.", "Registered")
    ]
