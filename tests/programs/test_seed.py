import datetime
import io

import pytest
from django.core.management import call_command

from demo.lifecycle import clear_lifecycle_demo
from participants.models import ChangeProject, Enrolment, Milestone, Participant, seats_taken
from participants.nip import parse_nip
from programs.article import article_program
from programs.models import Institution, Person, Program, ProgramRole, RoleKind, Source

pytestmark = pytest.mark.django_db


def table_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Source,
            Institution,
            Program,
            Person,
            ProgramRole,
            Participant,
            Enrolment,
            ChangeProject,
            Milestone,
        )
    }


def test_seed_article_loads_the_facts_of_the_article():
    call_command("seed_article", stdout=io.StringIO())

    program = article_program()
    assert program.program_type.abbreviation == "PKN Tingkat II"
    assert program.year == 2025
    assert program.organiser.short_name == "BPSDM Provinsi Banten"
    assert program.organiser.parent.name == "Pemerintah Provinsi Banten"
    assert program.venue == "BPSDM Provinsi Banten, Pandeglang"
    assert program.start_date == datetime.date(2025, 6, 23)
    assert program.duration_days == 107
    assert program.end_date == datetime.date(2025, 10, 7)
    assert program.capacity == 52
    assert (program.classical, program.non_classical) == (True, True)
    assert program.source.publisher == "ANTARA"
    assert program.source.dateline == "Serang"
    roles = sorted(
        (role.person.name, role.person.position, role.role, role.date, role.place)
        for role in program.roles.select_related("person")
    )
    assert roles == [
        (
            "Agus Sudrajat",
            "Deputi Bidang Peningkatan Kualitas Kebijakan Administrasi Negara",
            RoleKind.LAN_REPRESENTATIVE,
            None,
            "",
        ),
        (
            "Andra Soni",
            "Gubernur Banten",
            RoleKind.OPENED,
            datetime.date(2025, 6, 23),
            "BPSDM Provinsi Banten, Pandeglang",
        ),
        ("Andra Soni", "Gubernur Banten", RoleKind.SPEAKER, datetime.date(2025, 6, 24), "Kota Serang"),
        ("Untung Saritomo", "Kepala BPSDM Provinsi Banten", RoleKind.ORGANISER_HEAD, None, ""),
    ]
    assert Person.objects.get(name="Agus Sudrajat").institution.short_name == "LAN-RI"


def test_seed_article_twice_changes_nothing():
    call_command("seed_article", stdout=io.StringIO())
    before = table_counts()

    call_command("seed_article", stdout=io.StringIO())

    assert table_counts() == before


def test_seed_demo_fills_the_52_seats_with_flagged_valid_participants():
    call_command("seed_article", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    program = article_program()
    participants = list(Participant.objects.filter(enrolments__program=program))
    assert len(participants) == 52
    assert seats_taken(program) == 52
    assert all(p.is_demo for p in participants)
    for participant in participants:
        participant.full_clean()  # NIP valid and agreeing with birth date and gender
        assert parse_nip(participant.nip).birth_date == participant.birth_date
    assert {p.rank for p in participants} <= {"IV/a", "IV/b", "IV/c"}
    stages = set(ChangeProject.objects.filter(enrolment__program=program).values_list("stage", flat=True))
    assert len(stages) == 6
    assert Milestone.objects.filter(change_project__enrolment__program=program).count() >= 52 * 5
    kinds = set(Institution.objects.filter(participants__in=participants).values_list("kind", flat=True))
    assert {"ministry", "province", "regency", "city"} <= kinds
    assert Institution.objects.filter(participants__in=participants).exclude(province="Banten").exists()
    assert program.roles.filter(role=RoleKind.COACH).count() == 6


def test_seed_demo_twice_adds_nobody():
    call_command("seed_article", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    before = table_counts()

    call_command("seed_demo", stdout=io.StringIO())

    assert table_counts() == before


def test_seed_demo_is_repeatable_with_the_same_seed():
    call_command("seed_article", stdout=io.StringIO())
    call_command("seed_demo", "--seed", "7", stdout=io.StringIO())
    first = list(Participant.objects.order_by("pk").values_list("name", "nip", "institution__name"))
    clear_lifecycle_demo(article_program())  # certificates protect their participants
    Participant.objects.all().delete()
    ProgramRole.objects.filter(person__is_demo=True).delete()
    Person.objects.filter(is_demo=True).delete()
    Institution.objects.filter(is_demo=True).delete()

    call_command("seed_demo", "--seed", "7", stdout=io.StringIO())

    assert list(Participant.objects.order_by("pk").values_list("name", "nip", "institution__name")) == first
