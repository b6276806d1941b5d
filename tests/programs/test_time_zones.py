"""Time zones (issue 13): each program has WIB, WITA or WIT, by default its organiser's province's, and the
times of its records show in that zone, labelled, on the pages and in the files."""

import csv
import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils.html import strip_tags

from lifecycle.models import Certificate, GraduationDecision
from lifecycle.services import decide_graduation, issue_certificate
from participants.models import EnrolmentStatus
from programs.models import PROVINCE_TIME_ZONES, PROVINCES, Program, TimeZone
from reports.exports.datasets import RosterExporter
from tests.factories import InstitutionFactory, ProgramFactory
from tests.lifecycle_support import meet_graduation_rules, passed_enrolment, persona, score_all

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2025, 5, 1, 23, 30, tzinfo=datetime.UTC)
# (organiser's province, zone, the moment shown on a page, the moment in a file)
PLACES = [
    ("Banten", TimeZone.WIB, "2 May 2025 06:30 WIB", "2025-05-02 06:30 WIB"),
    ("Bali", TimeZone.WITA, "2 May 2025 07:30 WITA", "2025-05-02 07:30 WITA"),
    ("Papua", TimeZone.WIT, "2 May 2025 08:30 WIT", "2025-05-02 08:30 WIT"),
]


def program_in(province, **kwargs):
    code = "BPSDM-" + "".join(letter for letter in province.upper() if letter.isalpha())[:12]
    organiser = InstitutionFactory(name=f"BPSDM Provinsi {province}", province=province, code=code)
    return ProgramFactory(organiser=organiser, **kwargs)


def test_province_time_zones_give_each_of_the_38_provinces_one_zone():
    zones = [PROVINCE_TIME_ZONES[province] for province in PROVINCES]

    assert len(PROVINCES) == 38
    assert [zones.count(zone) for zone in TimeZone] == [18, 12, 8]
    assert {
        province: PROVINCE_TIME_ZONES[province]
        for province in ("Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan", "Bali", "Maluku")
    } == {
        "Kalimantan Barat": TimeZone.WIB,
        "Kalimantan Tengah": TimeZone.WIB,
        "Kalimantan Selatan": TimeZone.WITA,
        "Bali": TimeZone.WITA,
        "Maluku": TimeZone.WIT,
    }


def test_program_takes_the_zone_of_its_organisers_province_unless_chosen():
    bali = program_in("Bali")
    chosen = program_in("Papua", time_zone=TimeZone.WIB)
    central = ProgramFactory(organiser=InstitutionFactory(name="LAN-RI", kind="non_ministerial", province=""))

    assert [bali.time_zone, chosen.time_zone, central.time_zone] == [
        "Asia/Makassar",
        "Asia/Jakarta",
        "Asia/Jakarta",
    ]
    assert [bali.zone_abbreviation, chosen.zone_abbreviation] == ["WITA", "WIB"]


def test_time_zone_migration_fills_existing_programs_from_the_organisers_province():
    migration = importlib.import_module("programs.migrations.0010_program_time_zone")
    programs = [program_in("Bali"), program_in("Papua Selatan"), program_in("Banten")]
    Program.objects.update(time_zone="")

    migration.fill_time_zones(apps, None)

    assert [Program.objects.get(pk=p.pk).time_zone for p in programs] == [
        "Asia/Makassar",
        "Asia/Jayapura",
        "Asia/Jakarta",
    ]


def revoked_certificate(program):
    enrolment = passed_enrolment(program=program)
    score_all(enrolment, [90, 90, 90, 90])
    certificate = issue_certificate(enrolment=enrolment, issued_by=None)
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=MOMENT, revocation_reason="Salah nama")
    return certificate


def test_time_zone_of_a_program_converts_utc_to_local_time():
    assert [program_in(province).local_time(MOMENT) for province, *_rest in PLACES] == [
        shown_in_file for *_rest, shown_in_file in PLACES
    ]


@pytest.mark.parametrize(("province", "zone", "on_page", "in_file"), PLACES)
def test_certificate_revocation_time_is_in_the_programs_zone_on_the_register_and_in_its_csv(
    english, province, zone, on_page, in_file
):
    program = program_in(province)
    revoked_certificate(program)
    english.force_login(persona("administrator"))

    page = english.get(reverse("lifecycle:certificate_register", args=[program.pk])).content.decode()
    response = english.get(reverse("lifecycle:certificate_register_csv", args=[program.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert program.time_zone == zone
    assert page.split('data-testid="revoked-at">')[1].split("</span>")[0] == on_page
    assert [row[rows[0].index("Revoked at")] for row in rows[1:]] == [in_file]


@pytest.mark.parametrize(("province", "zone", "on_page", "in_file"), PLACES[:2])
def test_graduation_decision_time_is_in_the_programs_zone_on_the_participant_page(
    english, province, zone, on_page, in_file
):
    enrolment = meet_graduation_rules(passed_enrolment(program=program_in(province)))
    decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=None)
    GraduationDecision.objects.filter(enrolment=enrolment).update(decided_at=MOMENT)
    english.force_login(persona("administrator"))

    page = english.get(reverse("reports:participant", args=[enrolment.participant_id])).content.decode()

    assert strip_tags(page.split('data-testid="decided-at">')[1].split("</span>")[0]) == on_page


@pytest.mark.parametrize(("province", "zone", "on_page", "in_file"), PLACES)
def test_admin_shows_a_decisions_time_in_its_programs_zone_in_the_list_and_on_its_page(
    admin_client, settings, province, zone, on_page, in_file
):
    enrolment = meet_graduation_rules(passed_enrolment(program=program_in(province)))
    decision = decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=None)
    GraduationDecision.objects.filter(pk=decision.pk).update(decided_at=MOMENT)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    listing = admin_client.get(reverse("admin:lifecycle_graduationdecision_changelist")).content.decode()
    page = admin_client.get(reverse("admin:lifecycle_graduationdecision_change", args=[decision.pk]))

    assert f">{in_file}</td>" in listing
    hour = int(in_file.split()[1][:2])  # the read-only time as Django's English admin writes it
    assert f'<div class="readonly">May 2, 2025, {hour}:30 a.m.</div>' in page.content.decode()


@pytest.mark.parametrize(("province", "zone", "on_page", "in_file"), PLACES[:2])
def test_roster_export_says_when_it_was_made_in_the_programs_zone(province, zone, on_page, in_file):
    exporter = RosterExporter(program=program_in(province), user=None)
    exporter.made_at = MOMENT

    body = b"".join(exporter.csv_chunks(log=False)).decode("utf-8-sig")

    made_at = [row[1] for row in csv.reader(io.StringIO(body)) if row and row[0] == "Made at"]
    assert made_at == [in_file]
    assert exporter.filename("csv").endswith(
        f"-{in_file[:10].replace('-', '')}-{in_file[11:16].replace(':', '')}.csv"
    )


def test_schedule_page_and_dashboard_name_the_programs_time_zone(english):
    program = program_in("Bali")
    english.force_login(persona("administrator"))

    schedule = english.get(reverse("programs:schedule", args=[program.pk])).content.decode()
    dashboard = english.get(reverse("reports:program", args=[program.pk])).content.decode()

    assert schedule.split('data-testid="schedule-time-zone">')[1].split("</dd>")[0] == "WITA (Asia/Makassar)"
    assert dashboard.split('data-testid="program-time-zone">')[1].split("</dd>")[0] == "WITA (Asia/Makassar)"
