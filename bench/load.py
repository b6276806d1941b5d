"""Bounded load test on loopback, run by bench/run.py; prints one JSON line.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python bench/load.py [seconds]

gunicorn with 2 sync workers on 127.0.0.1 (a free port) against the database in DATABASE_URL, loaded by wrk
(installed with apt-get when missing) with the session cookie of a logged-in staff user. Three phases, at
most 60 seconds of load in all: the mix (program dashboard, program list and a CSV export of one year's
enrolments, in turn), then the dashboard alone and the trivial baseline view (/bench/baseline/, the same
login check and base template) alone, each for a third of the mix's time, so the dashboard's rate can be
given as a ratio to the baseline's in the same run.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402 (the path and settings come first)

django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.pages import typical, users  # noqa: E402
from programs.models import Program  # noqa: E402

CONNECTIONS = 4
WRK_SCRIPT = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "status": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect, e.read, e.write, e.timeout))
end
"""


def ensure_wrk():
    if shutil.which("wrk"):
        return
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print("bench/load.py: installing wrk with apt-get", file=sys.stderr)
    subprocess.run([*prefix, "apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base, cookie, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(f"{base}{reverse('bench-baseline')}", headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within a minute")


def wrk(base, cookie, paths, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths))
    try:
        output = subprocess.run(
            [
                "wrk",
                "--threads",
                "2",
                "--connections",
                str(CONNECTIONS),
                "--duration",
                f"{seconds}s",
                "--timeout",
                "20s",
                "--script",
                script.name,
                "--header",
                f"Cookie: {cookie}",
                base,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK "))
    result = json.loads(line[4:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[key] for key in ("status", "connect", "read", "write", "timeout"))
    result["paths"] = paths
    result["seconds"] = seconds
    return result


def main():
    total = min(int(sys.argv[1]) if len(sys.argv) > 1 else 48, 60)  # seconds of load, at most a minute
    ensure_wrk()
    staff, _admin = users()
    client = Client()
    client.force_login(staff)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    program, _size = typical(Program.objects.filter(end_date__lt=timezone.localdate()), Count("enrolments"))
    dashboard = reverse("reports:program", args=[program])
    mix = [
        dashboard,
        reverse("reports:program_list"),
        reverse("reports:enrolments", args=["csv"]) + "?year=2021",
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "trainingtracker.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    try:
        wait_until_up(base, cookie)
        for path in mix:  # each worker's first request of each page (imports, templates) is not measured
            for _ in range(2):
                urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie})).read()
        results = {
            "mix": wrk(base, cookie, mix, total // 2),
            "dashboard": wrk(base, cookie, [dashboard], total // 4),
            "baseline": wrk(base, cookie, [reverse("bench-baseline")], total // 4),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    results["connections"] = CONNECTIONS
    results["export_rows_year"] = 2021
    print(json.dumps(results))


if __name__ == "__main__":
    main()
