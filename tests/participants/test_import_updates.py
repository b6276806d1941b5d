"""Importing over stored participants: a blank cell or an absent column changes nothing, "-" clears, each
update lists its changes old → new, an unchanged row writes nothing, and a change of name, institution or
date of birth is written only when confirmed (the admin's ticks, the command's --confirm-identity)."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from participants import imports
from participants.models import Enrolment, ImportBatch, ImportStatus, Participant
from tests.factories import EnrolmentFactory, InstitutionFactory, ParticipantFactory, ProgramFactory
from tests.import_support import csv_bytes

pytestmark = pytest.mark.django_db

BANTEN = "Dinas Kesehatan Provinsi Banten"
HEADER = ["nip", "name", "institution", "birth_date", "birth_place", "email", "phone", "status", "note"]
NIP = "198609262015051001"
ANDI = [NIP, "Andi Wijaya", BANTEN, "26/09/1986", "Serang", "andi@example.go.id", "0812 1111 2222", "active", "pindahan"]  # fmt: skip
BLANK = [NIP, "Andi Wijaya", BANTEN, "", "", "", "", "", ""]
Change = imports.Change
QUERIES = 11  # the import preview page, whatever the number of rows


@pytest.fixture
def program():
    InstitutionFactory(name=BANTEN)
    return ProgramFactory(title="PKN Tingkat II Banten 2025", capacity=3)


@pytest.fixture
def andi(program):
    """Andi as the first import stored him, in the program."""
    _batch, result = imports.import_file(
        program=program, user=None, filename="a.csv", content=csv_bytes([ANDI], HEADER)
    )
    assert result.is_valid
    return Participant.objects.get(nip=NIP)


def stored(nip=NIP):
    participant = Participant.objects.get(nip=nip)
    enrolment = participant.enrolments.get()
    return {
        "name": participant.name,
        "institution": participant.institution.name,
        "birth_date": participant.birth_date,
        "birth_place": participant.birth_place,
        "email": participant.email,
        "phone": participant.phone,
        "status": enrolment.status,
        "note": enrolment.note,
        "updated_at": (participant.updated_at, enrolment.updated_at),
    }


def histories():
    return (Participant.history.count(), Enrolment.history.count())


def run(program, rows, header=HEADER, **confirmed):
    return imports.import_file(
        program=program, user=None, filename="b.csv", content=csv_bytes(rows, header), **confirmed
    )


# Blank cells and absent columns ------------------------------------------------------------------------


def test_reimport_with_blank_cells_keeps_every_stored_value(program, andi):
    before, counted = stored(), histories()

    batch, result = run(program, [BLANK])

    assert stored() == before
    assert histories() == counted
    assert (batch.status, batch.updated_count, batch.unchanged_count) == ("imported", 0, 1)
    assert [(row.action, row.changes) for row in result.rows] == [("unchanged", [])]


def test_reimport_without_the_optional_columns_keeps_every_stored_value(program, andi):
    before, counted = stored(), histories()

    _batch, result = run(program, [[NIP, "Andi Wijaya", BANTEN]], header=["nip", "name", "institution"])

    assert stored() == before
    assert histories() == counted
    assert [(row.action, row.changes) for row in result.rows] == [("unchanged", [])]


def test_reimport_with_a_blank_name_and_institution_keeps_them(program, andi):
    before = stored()

    _batch, result = run(program, [[NIP, "", "", "", "", "", "0813 3333 4444", "", ""]])

    assert [(row.action, row.changes) for row in result.rows] == [
        ("update", [Change("phone", "0812 1111 2222", "0813 3333 4444")])
    ]
    assert stored() | {"updated_at": None} == before | {"phone": "0813 3333 4444", "updated_at": None}


def test_blank_cells_of_a_new_participant_are_empty_and_the_status_registered(program):
    _batch, result = run(program, [[NIP, "Andi Wijaya", BANTEN, "", "", "", "-", "", ""]])

    assert [(row.action, row.changes) for row in result.rows] == [("new", [])]
    values = stored()
    assert (values["birth_date"], values["phone"], values["status"], values["note"]) == (
        datetime.date(1986, 9, 26),  # from the NIP
        "",
        "registered",
        "",
    )


# Clearing, and what the preview lists ------------------------------------------------------------------


def test_a_dash_clears_a_value_and_each_change_is_listed_old_and_new(program, andi):
    row = [NIP, "Andi Wijaya", BANTEN, "", "Pandeglang", "-", "0813 3333 4444", "passed", "-"]

    _batch, result = run(program, [row])

    assert [(row.action, row.changes) for row in result.rows] == [
        (
            "update",
            [
                Change("birth_place", "Serang", "Pandeglang"),
                Change("email", "andi@example.go.id", ""),
                Change("phone", "0812 1111 2222", "0813 3333 4444"),
                Change("status", "Active", "Passed"),
                Change("note", "pindahan", ""),
            ],
        )
    ]
    values = stored()
    assert (values["birth_place"], values["email"], values["phone"], values["status"], values["note"]) == (
        "Pandeglang",
        "",
        "0813 3333 4444",
        "passed",
        "",
    )
    latest = Participant.history.filter(id=andi.pk).latest("history_id")
    earlier = Participant.history.filter(id=andi.pk).earliest("history_id")
    assert sorted(change.field for change in latest.diff_against(earlier).changes) == [
        "birth_place",
        "email",
        "phone",
    ]


def test_a_dash_in_the_name_is_refused_with_the_models_message(program, andi):
    _batch, result = run(program, [[NIP, "-", BANTEN, "", "", "", "", "", ""]])

    assert [(row.action, row.error_list) for row in result.rows] == [
        ("error", [("name", "This field cannot be blank.")])
    ]
    assert stored()["name"] == "Andi Wijaya"


def test_a_stored_participant_new_to_the_program_lists_the_new_enrolment(program):
    ParticipantFactory(nip=NIP, name="Andi Wijaya", gender="M", birth_date=datetime.date(1986, 9, 26))

    row = [NIP, "Andi Wijaya", "", "", "", "", "", "", ""]  # a blank institution keeps the stored one

    result = imports.preview_import(program=program, content=csv_bytes([row], HEADER), filename="b.csv")

    assert [(row.action, row.changes) for row in result.rows] == [
        ("update", [Change("status", "", "Registered")])
    ]


# Identity: name, institution, date of birth ------------------------------------------------------------


def renamed(name="Andi Wijaya Putra", institution=BANTEN):
    return [NIP, name, institution, "", "", "", "", "", ""]


def test_a_changed_name_is_not_written_without_confirmation(program, andi):
    before, counted = stored(), histories()

    batch, result = run(program, [renamed()])

    assert [(row.action, row.changes, row.needs_confirmation) for row in result.rows] == [
        ("update", [Change("name", "Andi Wijaya", "Andi Wijaya Putra")], True)
    ]
    assert result.is_valid is False
    assert (batch.status, batch.problems) == (
        ImportStatus.REFUSED,
        [
            "Row 2 changes the name, institution or date of birth of a stored participant and was not "
            "confirmed. Nothing was written."
        ],
    )
    assert stored() == before
    assert histories() == counted


def test_a_changed_name_and_institution_are_written_when_confirmed_by_nip(program, andi):
    InstitutionFactory(name="Dinas Pendidikan Provinsi Banten")

    _batch, result = run(
        program,
        [renamed(institution="Dinas Pendidikan Provinsi Banten")],
        confirmed=["19860926 201505 1 001"],
    )

    assert [(row.changes, row.confirmed) for row in result.rows] == [
        (
            [
                Change("name", "Andi Wijaya", "Andi Wijaya Putra"),
                Change("institution", BANTEN, "Dinas Pendidikan Provinsi Banten"),
            ],
            True,
        )
    ]
    values = stored()
    assert (values["name"], values["institution"]) == (
        "Andi Wijaya Putra",
        "Dinas Pendidikan Provinsi Banten",
    )


def test_one_unconfirmed_identity_change_holds_back_the_whole_file(program, andi):
    siti = ["199001012015032002", "Siti Rahma", BANTEN, "", "", "", "", "", ""]

    batch, _result = run(program, [siti, renamed()])

    assert batch.status == ImportStatus.REFUSED
    assert Participant.objects.filter(nip="199001012015032002").exists() is False


def test_a_changed_birth_date_without_nip_is_confirmed_by_row_number(program):
    police = ["", "Komisaris Polisi Joko", BANTEN, "01/02/1975", "", "", "", "", ""]
    run(program, [police])
    police[3] = "02/01/1975"

    refused, _result = run(program, [police])
    _batch, result = run(program, [police], confirmed=["2"])

    assert (refused.status, refused.confirmed_rows) == (ImportStatus.REFUSED, [])
    assert ImportBatch.objects.latest("pk").confirmed_rows == [2]
    assert [(row.identity_key, row.changes) for row in result.rows] == [
        ("2", [Change("birth_date", "01/02/1975", "02/01/1975")])
    ]
    assert Participant.objects.get(name="Komisaris Polisi Joko").birth_date == datetime.date(1975, 1, 2)


def test_filling_in_a_missing_birth_date_needs_no_confirmation(program):
    joko = ParticipantFactory(nip=None, name="Joko", birth_date=None, institution=InstitutionFactory(name="Polda Banten"))  # fmt: skip
    EnrolmentFactory(participant=joko, program=program)

    _batch, result = run(program, [["", "Joko", "Polda Banten", "01/02/1975", "", "", "", "", ""]])

    assert [(row.changes, row.needs_confirmation) for row in result.rows] == [
        ([Change("birth_date", "", "01/02/1975")], False)
    ]
    assert result.is_valid


def test_confirming_a_batch_without_the_identity_tick_writes_nothing_and_keeps_it_waiting(program, andi):
    batch, preview = imports.create_batch(
        program=program, user=None, filename="b.csv", content=csv_bytes([renamed()], HEADER)
    )
    assert (batch.status, preview.has_errors, [row.number for row in preview.unconfirmed]) == (
        "preview",
        False,
        [2],
    )

    result = imports.confirm_batch(batch=batch)

    batch.refresh_from_db()
    assert (batch.status, [row.number for row in result.unconfirmed]) == ("preview", [2])
    assert stored()["name"] == "Andi Wijaya"
    imports.confirm_batch(batch=batch, confirmed=[NIP])
    batch.refresh_from_db()
    assert (batch.status, batch.updated_count, stored()["name"]) == ("imported", 1, "Andi Wijaya Putra")


# The admin pages ---------------------------------------------------------------------------------------


def upload(client, program, rows):
    response = client.post(
        reverse("admin:participants_importbatch_upload"),
        {"program": program.pk, "file": SimpleUploadedFile("peserta.csv", csv_bytes(rows, HEADER))},
    )
    return response["Location"]


def test_admin_preview_shows_each_change_and_a_tick_for_an_identity_change(
    english, administrator, program, andi
):
    english.force_login(administrator)
    moved = [NIP, "Andi Wijaya Putra", BANTEN, "", "", "", "0813 3333 4444", "", ""]
    unchanged = ["199001012015032002", "Siti Rahma", BANTEN, "", "", "", "", "", ""]
    run(program, [unchanged])

    page = english.get(upload(english, program, [unchanged, moved]))

    html = page.content.decode()
    assert [(row.number, label) for row, label in page.context["rows"]] == [(3, "update"), (2, "unchanged")]
    assert "<code>name</code>: “Andi Wijaya” → “Andi Wijaya Putra”" in html
    assert "<code>phone</code>: “0812 1111 2222” → “0813 3333 4444”" in html
    assert f'name="confirm" value="{NIP}" form="import-confirm"' in html
    assert "1 row changes the name, institution or date of birth of a stored participant." in html
    assert page.context["can_confirm"] is True


def test_admin_confirm_without_the_tick_writes_nothing_and_with_it_imports(
    english, administrator, program, andi
):
    english.force_login(administrator)
    url = upload(english, program, [renamed()])

    unticked = english.post(url)
    name_after_unticked = stored()["name"]
    ticked = english.post(url, {"confirm": [NIP]})

    assert unticked.status_code == 200
    assert [str(message) for message in unticked.context["messages"]] == [
        "Row 2 changes the name, institution or date of birth of a stored participant and was not confirmed. "
        "Nothing was written."
    ]
    assert name_after_unticked == "Andi Wijaya"
    assert ticked.status_code == 302
    batch = ImportBatch.objects.get(filename="peserta.csv")
    assert (batch.status, batch.confirmed_rows, stored()["name"]) == (
        "imported",
        [2],
        "Andi Wijaya Putra",
    )
    history = Participant.history.filter(id=andi.pk).latest("history_id")
    assert (history.name, history.history_user) == ("Andi Wijaya Putra", administrator)


def test_admin_upload_page_and_template_say_what_a_blank_cell_means(admin_client):
    page = admin_client.get(reverse("admin:participants_importbatch_upload"))
    template = admin_client.get(reverse("admin:participants_importbatch_template", args=["xlsx"]))

    help_sheet = openpyxl.load_workbook(io.BytesIO(template.content)).worksheets[1]
    assert str(imports.BLANK_CELLS_HELP) in [cell.value for cell in help_sheet["B"]]
    with translation.override("en"):  # the request left Indonesian active
        assert "write - to clear a value" in str(imports.BLANK_CELLS_HELP)
    assert page.context["blank_cells_help"] == imports.BLANK_CELLS_HELP


# The command -------------------------------------------------------------------------------------------


def command(program, tmp_path, rows, *arguments):
    path = tmp_path / "peserta.csv"
    path.write_bytes(csv_bytes(rows, HEADER))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import_participants", str(path), "--program", str(program.pk), *arguments, stdout=out, stderr=err
        )
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def test_command_dry_run_lists_each_row_and_its_changes(program, andi, tmp_path):
    dewi = ["198101012005012002", "Dewi", BANTEN, "", "", "", "", "", ""]
    run(program, [dewi])
    changed = [NIP, "", "", "", "Pandeglang", "", "-", "", ""]
    siti = ["199001012015032002", "Siti Rahma", BANTEN, "", "", "", "", "", ""]

    out, err, failure = command(program, tmp_path, [changed, siti, dewi], "--dry-run")

    assert (err, failure) == ("", None)
    assert out.splitlines()[1:-1] == [
        "Row 2: update",
        "  birth_place: “Serang” → “Pandeglang”",
        "  phone: “0812 1111 2222” → “”",
        "Row 3: new",
        "Row 4: unchanged",
    ]
    assert out.splitlines()[-1].startswith("Would import 3 rows: 1 new, 1 updated, 1 unchanged (")
    assert (stored()["birth_place"], stored()["phone"]) == ("Serang", "0812 1111 2222")


def test_command_refuses_an_unconfirmed_identity_change_and_writes_a_confirmed_one(program, andi, tmp_path):
    out, err, failure = command(program, tmp_path, [renamed()])
    assert failure.startswith("Nothing was written (")
    assert err.splitlines() == [
        f"Row 2, name: “Andi Wijaya” → “Andi Wijaya Putra” changes who this participant is; confirm with --confirm-identity {NIP}"
    ]
    assert out.splitlines()[1:3] == [
        "Row 2: update",
        "  name: “Andi Wijaya” → “Andi Wijaya Putra” (identity change, NOT confirmed)",
    ]
    assert stored()["name"] == "Andi Wijaya"

    out, err, failure = command(program, tmp_path, [renamed()], "--confirm-identity", "19860926 201505 1 001")

    assert (failure, err) == (None, "")
    assert out.splitlines()[1:3] == [
        "Row 2: update",
        "  name: “Andi Wijaya” → “Andi Wijaya Putra” (identity change, confirmed)",
    ]
    assert stored()["name"] == "Andi Wijaya Putra"


def test_admin_preview_page_queries_do_not_grow_with_rows(
    english, administrator, program, django_assert_num_queries
):
    english.force_login(administrator)
    stored_rows = [[f"19800101200501{1 + n % 2}{n:03d}", f"Peserta {n}", BANTEN, "", "Serang", "", "", "", ""] for n in range(1, 4)]  # fmt: skip
    run(program, stored_rows)
    pages = {}
    for count in (1, 3):
        changed = [
            [*row[:1], f"{row[1]} Putra", *row[2:4], "Pandeglang", *row[5:]] for row in stored_rows[:count]
        ]
        batch, _preview = imports.create_batch(program=program, user=administrator, filename="c.csv", content=csv_bytes(changed, HEADER))  # fmt: skip
        url = reverse("admin:participants_importbatch_preview", args=[batch.pk])
        english.get(url)  # the session and the language, loaded once

        # The session, the user and their two permission sets, the batch with its program and user, and
        # preview_import's six (NIPs with institutions, enrolments, participants without NIP, the
        # institution, capacity, seats).
        with django_assert_num_queries(QUERIES):
            pages[count] = english.get(url)

    assert [len(page.context["rows"]) for page in pages.values()] == [1, 3]
    assert [len(page.context["preview"].unconfirmed) for page in pages.values()] == [1, 3]
