"""Login lockout behind a real reverse proxy: nginx from Debian's packages, started on loopback by the
test in front of the live server, configured as README "Production" says (it sets X-Real-IP and appends
to X-Forwarded-For). Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3, ...), so
nginx sees different client addresses, and they forge and rotate X-Forwarded-For and X-Real-IP.

Issue 14, item 1: five wrong passwords from one address must not lock the administrator out elsewhere."""

import http.client
import re
import shutil
import socket
import subprocess
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if shutil.os.path.exists("/usr/sbin/nginx") else None)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)"),
]

PASSWORD = "benar-sekali-2025"

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def proxy(live_server, tmp_path, settings):
    # As BEHIND_PROXY=true sets it (settings are read when a login fails, so overriding them here works).
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_REAL_IP", "REMOTE_ADDR")
    port = free_port()
    upstream = urlsplit(live_server.url).netloc
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(dir=tmp_path, port=port, upstream=upstream))
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


class Browser:
    """A client connecting to the proxy from one loopback address, keeping its cookies."""

    def __init__(self, port, address):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method, path, body=None, headers=()):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, source_address=(self.address, 0))
        all_headers = dict(headers)
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        content = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        connection.close()
        return response.status, response.headers, content

    def log_in(self, username, password, headers=()):
        _status, _headers, page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        referer = {"Referer": f"http://127.0.0.1:{self.port}/accounts/login/"}
        status, response_headers, _page = self.request(
            "POST", "/accounts/login/", body, {**referer, **dict(headers)}
        )
        return status, response_headers.get("Location", "")


def forged(number):
    """Headers an attacker rotates on every attempt."""
    return {"X-Forwarded-For": f"10.0.{number}.{number}", "X-Real-IP": f"192.0.2.{number}"}


def test_failed_logins_from_one_address_do_not_lock_the_user_out_elsewhere(proxy):
    get_user_model().objects.create_user("admin", password=PASSWORD, is_staff=True)
    attacker, owner = Browser(proxy, "127.0.0.2"), Browser(proxy, "127.0.0.3")

    attempts = [attacker.log_in("admin", "salah", forged(n))[0] for n in range(1, 8)]
    status, location = owner.log_in("admin", PASSWORD)

    # The wrong passwords answer with the form again (200) until the fifth locks the attacker out (429).
    assert attempts == [200, 200, 200, 200, 429, 429, 429]
    assert (status, location) == (302, "/")
    # All seven attempts were recorded against the attacker's real address, never a forged one; the owner's
    # successful login cleared nothing of the attacker's lock.
    assert list(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")) == [
        ("admin", "127.0.0.2", 7)
    ]
    assert attacker.log_in("admin", PASSWORD)[0] == 429


def test_guessing_unknown_usernames_locks_the_guessing_address_after_the_address_limit(proxy, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    get_user_model().objects.create_user("siti", password=PASSWORD)
    sprayer, colleague = Browser(proxy, "127.0.0.4"), Browser(proxy, "127.0.0.5")

    guesses = [sprayer.log_in(f"tebakan{n}", "salah", forged(n))[0] for n in range(1, 9)]

    assert guesses == [200, 200, 200, 200, 200, 429, 429, 429]
    # Another address is not affected; neither is a known user at the sprayer's address (their own
    # username and address count separately).
    assert colleague.log_in("tebakan99", "salah")[0] == 200
    assert colleague.log_in("siti", PASSWORD)[0] == 302
    assert sprayer.log_in("siti", PASSWORD)[0] == 302
