import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import EnrolmentStatus
from tests.factories import (
    ChangeProjectFactory,
    EnrolmentFactory,
    InstitutionFactory,
    MilestoneFactory,
    ParticipantFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def budi(personas):
    participant = ParticipantFactory(
        name="Budi Santoso",
        nip="198609262015051001",
        birth_date=datetime.date(1986, 9, 26),
        gender="M",
        institution=personas["unit_a"],
        email="budi@contoh.example",
        phone="0812-1111-2222",
        is_demo=True,
    )
    project = ChangeProjectFactory(
        title="Digitalisasi Arsip",
        stage="implementation",
        enrolment=EnrolmentFactory(participant=participant, program=ProgramFactory(title="PKN II Contoh")),
    )
    MilestoneFactory(
        change_project=project,
        activity="Membentuk tim efektif",
        planned_start=datetime.date(2025, 7, 1),
        planned_end=datetime.date(2025, 7, 14),
        done_on=datetime.date(2025, 7, 10),
    )
    MilestoneFactory(
        change_project=project,
        activity="Uji coba layanan",
        planned_start=datetime.date(2025, 8, 1),
        planned_end=datetime.date(2025, 8, 20),
    )
    return participant


def test_participant_page_decodes_the_nip_for_those_allowed(english, personas, budi):
    english.force_login(personas["administrator"])

    page = english.get(reverse("reports:participant", args=[budi.pk])).content.decode()

    assert "19860926 201505 1 001" in page
    assert "born 26 September 1986 · TMT CPNS 05/2015 · male · no. 001" in page
    assert "budi@contoh.example" in page
    assert "Digitalisasi Arsip" in page and "stage 3 of 6" in page
    assert "Membentuk tim efektif" in page and "Uji coba layanan" in page
    assert "Synthetic demo record" in page


def test_participant_page_masks_personal_data_for_staff(english, personas, budi):
    english.force_login(personas["staff"])

    page = english.get(reverse("reports:participant", args=[budi.pk])).content.decode()

    assert "••••••••••••••1001" in page
    assert "198609262015051001" not in page and "19860926 201505 1 001" not in page
    assert "budi@contoh.example" not in page and "0812-1111-2222" not in page
    assert "26 September 1986" not in page


def test_participant_timeline_marks_overdue_and_done(english, personas, budi, time_machine_today):
    time_machine_today(datetime.date(2025, 9, 1))
    english.force_login(personas["staff"])

    response = english.get(reverse("reports:participant", args=[budi.pk]))

    items = response.context["enrolments"][0].timeline.items
    assert [(i.label, i.done, i.overdue) for i in items] == [
        ("Membentuk tim efektif", True, False),
        ("Uji coba layanan", False, True),
    ]


def test_institution_page_counts_participants_sent_per_year_and_outcome(english, personas):
    institution = InstitutionFactory(name="Dinas Uji")
    for year, status in [
        (2024, EnrolmentStatus.PASSED),
        (2025, EnrolmentStatus.PASSED),
        (2025, EnrolmentStatus.FAILED),
        (2025, EnrolmentStatus.ACTIVE),
    ]:
        EnrolmentFactory(
            program=ProgramFactory(year=year),
            status=status,
            participant=ParticipantFactory(institution=institution),
        )
    english.force_login(personas["staff"])

    response = english.get(reverse("reports:institution", args=[institution.pk]))

    assert [
        (r["year"], r["type"], r["total"], r["passed"], r["ongoing"], r["other"])
        for r in response.context["table"]
    ] == [
        (2025, "PKN Tingkat II", 3, 1, 1, 1),
        (2024, "PKN Tingkat II", 1, 1, 0, 0),
    ]


def test_institution_list_counts_and_filters_by_kind(english, personas):
    city = InstitutionFactory(name="Pemerintah Kota Uji", kind="city")
    EnrolmentFactory.create_batch(2, participant__institution=city, status=EnrolmentStatus.PASSED)
    english.force_login(personas["staff"])

    response = english.get(reverse("reports:institutions"), {"kind": "city"})

    rows = [
        (i.name, i.participants_total, i.enrolments_total, i.passed_total) for i in response.context["page"]
    ]
    assert rows == [("Pemerintah Kota Contoh B", 0, 0, 0), ("Pemerintah Kota Uji", 2, 2, 2)]


def test_institution_list_liaison_sees_own_subtree_only(english, personas):
    english.force_login(personas["liaison"])

    response = english.get(reverse("reports:institutions"), {"sort": "name"})

    assert [i.name for i in response.context["page"]] == [
        "Biro SDM Kementerian Contoh A",
        "Kementerian Contoh A",
    ]


def count(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def grow(participant, programs):
    for _ in range(programs):
        project = ChangeProjectFactory(enrolment=EnrolmentFactory(participant=participant))
        MilestoneFactory.create_batch(3, change_project=project)


def test_participant_page_queries_do_not_grow(english, personas, budi):
    english.force_login(personas["administrator"])
    url = reverse("reports:participant", args=[budi.pk])
    before = count(english, url)
    grow(budi, 3)

    after = count(english, url)
    warm = count(english, url)  # the page's body from the cache: session, user, permissions, the participant,
    # the access log entry, the data version

    # cold: 7 for the page (1 logs the access), 8 for the panel with the change projects' milestones and examiners
    assert (before, after, warm) == (15, 15, 7)


def test_institution_pages_queries_do_not_grow(english, personas, budi):
    english.force_login(personas["staff"])
    detail = reverse("reports:institution", args=[budi.institution.pk])
    listing = reverse("reports:institutions")
    before = (count(english, detail), count(english, listing))
    grow(budi, 2)
    for _ in range(3):
        grow(ParticipantFactory(institution=InstitutionFactory()), 1)

    assert (count(english, detail), count(english, listing)) == before == (10, 7)
    assert count(english, detail) == 6  # warm: session, user, permissions, the institution, the data version
