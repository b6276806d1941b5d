"""Page timings and query plans, run by bench/run.py with the Banten cohort alone and at the national data
size; prints one JSON line.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python bench/pages.py [rounds]

In-process with Django's test Client (no network): each main page against a view with the same login check
that renders the same base template and nothing else (/bench/baseline/ for the staff pages, base.html;
/bench/admin-baseline/ for the admin's, admin/base_site.html), requested alternately, the ratio of the medians. Every page is measured warm (its fragments cached, as after the first view since the
last change of the data) and cold (the page cache cleared before each request). Then every query the pages
and the filtered admin changelists run is EXPLAINed: a Seq Scan on participants_enrolment, a per-row query
or a full-table count is a finding.
"""

import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402 (the path and settings come first)

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from participants.models import Enrolment, Participant  # noqa: E402
from programs.dataversion import clear_page_caches  # noqa: E402
from programs.models import Institution, Program  # noqa: E402

BIG_TABLES = ("participants_enrolment", "participants_participant", "participants_attendance")


def users():
    staff, _ = User.objects.get_or_create(username="bench-staff")
    staff.groups.set([Group.objects.get(name="Staf")])
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True})
    admin.is_superuser = admin.is_staff = True
    admin.save()
    return staff, admin


def typical(queryset, annotation):
    """The row in the middle by the annotated count: a typical program, participant or institution."""
    rows = list(queryset.annotate(n=annotation).filter(n__gt=0).order_by("n", "pk").values_list("pk", "n"))
    return rows[len(rows) // 2]


def targets():
    today = timezone.localdate()
    program, program_size = typical(Program.objects.filter(end_date__lt=today), Count("enrolments"))
    participant, _ = typical(Participant.objects.filter(pk__gt=0), Count("enrolments"))
    participant = (
        Participant.objects.annotate(n=Count("enrolments"))
        .filter(n=2)
        .order_by("pk")
        .values_list("pk", flat=True)
    ).first() or participant
    institution, institution_size = typical(Institution.objects.all(), Count("participants__enrolments"))
    pages = {
        "overview": reverse("reports:overview"),
        "program list": reverse("reports:program_list"),
        "program dashboard": reverse("reports:program", args=[program]),
        "participant page": reverse("reports:participant", args=[participant]),
        "institution page": reverse("reports:institution", args=[institution]),
        "admin enrolment changelist": reverse("admin:participants_enrolment_changelist"),
    }
    sizes = {"program": program_size, "institution": institution_size}
    return pages, program, sizes


def timed_get(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def measure(staff_client, admin_client, pages, rounds):
    """Warm: as a viewer finds a page after anyone has seen it since the last change (its cached fragments
    in the "pages" cache). Cold: that cache emptied before each request, as after every change of the data.
    Each request of a page follows one of its baseline: the staff pages' or the admin's."""
    staff_baseline, admin_baseline = reverse("bench-baseline"), reverse("bench-admin-baseline")

    def reference(name):
        if name.startswith("admin"):
            return "admin", admin_client, admin_baseline
        return "staff", staff_client, staff_baseline

    for name, url in pages.items():  # warm-up: imports, template loading, connections, the page cache
        kind, client, baseline = reference(name)
        for _ in range(2):
            timed_get(client, baseline)
            timed_get(client, url)
    times = {name: [] for name in pages}
    cold = {name: [] for name in pages}
    base = {"staff": [], "admin": []}
    cold_base = {"staff": [], "admin": []}
    for _ in range(rounds):
        for name, url in pages.items():
            kind, client, baseline = reference(name)
            base[kind].append(timed_get(client, baseline))
            times[name].append(timed_get(client, url))
    for _ in range(max(rounds // 2, 3)):
        for name, url in pages.items():
            kind, client, baseline = reference(name)
            cold_base[kind].append(timed_get(client, baseline))
            clear_page_caches()
            cold[name].append(timed_get(client, url))
    return times, base, cold, cold_base


def captured(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return [query["sql"] for query in queries.captured_queries]


FULL_COUNT = re.compile(r'^SELECT COUNT\(\*\) AS "__count" FROM "(\w+)"\s*$')


def rare_name():
    """The query string of a search for the full name that the fewest participants share."""
    name = (
        Participant.objects.values("name")
        .annotate(n=Count("pk"))
        .order_by("n", "name")
        .values_list("name")[:1]
    )
    return urlencode({"q": f'"{name[0][0]}"'})


def plans(staff_client, admin_client, pages, program):
    changelist = pages["admin enrolment changelist"]
    checked = {
        name: (admin_client if name.startswith("admin") else staff_client, url) for name, url in pages.items()
    }
    checked.update(
        {
            "admin enrolments, status passed": (admin_client, f"{changelist}?status__exact=passed"),
            "admin enrolments, status failed": (admin_client, f"{changelist}?status__exact=failed"),
            "admin enrolments, one program": (admin_client, f"{changelist}?program__id__exact={program}"),
            "admin enrolments, one year": (admin_client, f"{changelist}?program__year=2021"),
            "admin enrolments, search by name": (admin_client, f"{changelist}?q=Hidayat"),
            "admin enrolments, search by a rare name": (admin_client, f"{changelist}?{rare_name()}"),
        }
    )
    results = {}
    clear_page_caches()  # every page's queries when it is computed: the cold request
    for name, (client, url) in checked.items():
        statements = captured(client, url)
        seq_scans = []
        full_counts = []
        for sql in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            match = FULL_COUNT.match(sql.strip())
            if match and match.group(1) in BIG_TABLES:
                full_counts.append(match.group(1))
            if "participants_enrolment" not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            if "Seq Scan on participants_enrolment" in plan:
                seq_scans.append({"sql": sql[:300], "plan": plan})
        results[name] = {
            "url": url,
            "queries": len(statements),
            "enrolment_seq_scans": seq_scans,
            "full_counts": full_counts,
        }
    return results


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    staff, admin = users()
    staff_client, admin_client = Client(), Client()
    staff_client.force_login(staff)
    admin_client.force_login(admin)
    pages, program, sizes = targets()
    times, base, cold, cold_base = measure(staff_client, admin_client, pages, rounds)
    found = plans(staff_client, admin_client, pages, program)
    print(
        json.dumps(
            {
                "pages": pages,
                "sizes": sizes,
                "times": times,
                "baseline": base,
                "cold": cold,
                "baseline_cold": cold_base,
                "plans": found,
                "enrolments": Enrolment.objects.count(),
                "rounds": rounds,
            }
        )
    )


if __name__ == "__main__":
    main()
