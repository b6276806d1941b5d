"""Participant import: reading files, the preview, all or nothing, idempotency, the admin pages, the command."""

import csv
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from demo.factories import UserFactory
from participants import imports, spreadsheets
from participants.models import Enrolment, ImportBatch, ImportStatus, Participant, seats_taken
from tests.factories import EnrolmentFactory, InstitutionFactory, ParticipantFactory, ProgramFactory
from tests.import_support import ANDI, HEADER, SITI, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    InstitutionFactory(name="Dinas Kesehatan Provinsi Banten")
    return ProgramFactory(title="PKN Tingkat II Banten 2025", capacity=3)


def preview(program, content, filename="peserta.csv"):
    return imports.preview_import(
        program=program, content=content, filename=filename, max_bytes=imports.max_upload_bytes()
    )


def outcome(result):
    return [(row.number, row.action, row.error_list) for row in result.rows]


def test_preview_marks_new_update_and_error_rows_by_row_and_column(program):
    ParticipantFactory(
        nip="198609262015051001", name="Andi W.", back_title="S.T.", birth_date=datetime.date(1986, 9, 26)
    )
    bad = [
        "19861326 201505 1 003",
        "Budi",
        "",
        "Dinas Entah",
        "31.12.1986",
        "X",
        "V/z",
        "bukan-email",
        "hampir lulus",
    ]

    result = preview(program, csv_bytes([ANDI, SITI, bad]))

    assert outcome(result) == [
        (2, "update", []),
        (3, "new", []),
        (
            4,
            "error",
            [
                ("nip", "Digits 1-8 of the NIP must be a real birth date (YYYYMMDD); 19861326 is not."),
                ("gender", "“X” is not a known value of this column."),
                ("birth_date", "“31.12.1986” is not a date; write 31/12/2025, 31-12-2025 or 2025-12-31."),
                ("rank", "“V/z” is not a known value of this column."),
                (
                    "institution",
                    "No institution is named “Dinas Entah”; correct the name or add the institution first.",
                ),
                ("email", "Enter a valid email address."),
                ("status", "“hampir lulus” is not an enrolment status."),
            ],
        ),
    ]
    assert result.counts == {"new": 1, "updated": 1, "unchanged": 0, "refused": 1}
    assert result.is_valid is False


def test_preview_shows_which_institution_a_name_matched(program):
    result = preview(program, csv_bytes([ANDI, SITI]))

    assert [(row.institution.name, row.institution_note) for row in result.rows] == [
        ("Dinas Kesehatan Provinsi Banten", ""),
        ("Dinas Kesehatan Provinsi Banten", "matched “Dinas Kesehatan Provinsi Banten”"),
    ]


def test_confirmed_import_writes_participants_and_enrolments(program, administrator):
    batch, _preview = imports.create_batch(
        program=program, user=administrator, filename="a.csv", content=csv_bytes([ANDI, SITI])
    )

    result = imports.confirm_batch(batch=batch)

    assert result.is_valid
    batch.refresh_from_db()
    assert (batch.status, batch.new_count, batch.updated_count, batch.refused_count) == ("imported", 2, 0, 0)
    assert list(
        Enrolment.objects.filter(program=program)
        .order_by("participant__name")
        .values_list(
            "participant__nip", "participant__name", "participant__gender", "participant__rank", "status"
        )
    ) == [
        ("198609262015051001", "Andi Wijaya", "M", "IV/a", "registered"),
        ("199001012015032002", "Siti Rahma", "F", "IV/b", "active"),
    ]
    siti = Participant.objects.get(name="Siti Rahma")
    assert (siti.birth_date, siti.institution.name, siti.back_title) == (
        datetime.date(1990, 1, 1),
        "Dinas Kesehatan Provinsi Banten",
        "M.Si.",
    )


def test_import_with_one_bad_row_writes_nothing(program):
    bad = ["123", "Budi", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""]

    batch, result = imports.create_batch(
        program=program, user=None, filename="a.csv", content=csv_bytes([ANDI, bad])
    )

    assert result.rows[1].error_list == [("nip", "A NIP has 18 digits; this one has 3.")]
    assert batch.status == ImportStatus.REFUSED
    assert Participant.objects.count() == 0


def test_confirm_validates_again_and_writes_nothing_when_the_data_changed(program):
    batch, _result = imports.create_batch(
        program=program, user=None, filename="a.csv", content=csv_bytes([ANDI, SITI])
    )
    EnrolmentFactory.create_batch(2, program=program)  # two of the three seats went meanwhile

    result = imports.confirm_batch(batch=batch)

    assert result.problems == ["The program has 3 seats; 4 would be taken. Nothing was written."]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REFUSED
    assert Participant.objects.filter(name__in=["Andi Wijaya", "Siti Rahma"]).count() == 0


def test_import_beyond_capacity_is_refused_whole(program):
    rows = [ANDI, SITI, ["198001012005011001", "Cahyo", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""],
            ["198101012005012002", "Dewi", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""]]  # fmt: skip

    result = preview(program, csv_bytes(rows))

    assert result.problems == ["The program has 3 seats; 4 would be taken. Nothing was written."]
    assert result.is_valid is False


def test_nominees_do_not_count_against_capacity(program):
    rows = [ANDI, SITI, ["198001012005011001", "Cahyo", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", "nominated"],
            ["198101012005012002", "Dewi", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", "Registered"]]  # fmt: skip

    result = preview(program, csv_bytes(rows))

    assert result.problems == []
    assert result.is_valid


def test_reimporting_the_same_file_changes_nothing(program):
    content = xlsx_bytes([ANDI, SITI])
    imports.import_file(program=program, user=None, filename="a.xlsx", content=content)
    before = list(Participant.objects.order_by("pk").values_list("pk", "updated_at"))
    enrolments = list(Enrolment.objects.order_by("pk").values_list("pk", "status", "updated_at"))

    batch, result = imports.import_file(program=program, user=None, filename="a.xlsx", content=content)

    assert [row.action for row in result.rows] == ["unchanged", "unchanged"]
    assert (batch.status, batch.new_count, batch.updated_count, batch.unchanged_count) == (
        "imported",
        0,
        0,
        2,
    )
    assert list(Participant.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert list(Enrolment.objects.order_by("pk").values_list("pk", "status", "updated_at")) == enrolments


def test_reimporting_participants_without_nip_finds_them_again(program):
    police = [
        "",
        "Komisaris Polisi Joko",
        "",
        "Dinas Kesehatan Provinsi Banten",
        "01/02/1975",
        "L",
        "",
        "",
        "",
    ]
    imports.import_file(program=program, user=None, filename="a.csv", content=csv_bytes([police]))

    _batch, result = imports.import_file(
        program=program, user=None, filename="a.csv", content=csv_bytes([police])
    )

    assert [row.action for row in result.rows] == ["unchanged"]
    assert Participant.objects.filter(name="Komisaris Polisi Joko").count() == 1


def test_import_updates_a_changed_status_and_field(program):
    imports.import_file(program=program, user=None, filename="a.csv", content=csv_bytes([ANDI]))
    changed = [*ANDI[:2], "S.T., M.T.", *ANDI[3:8], "passed"]

    _batch, result = imports.import_file(
        program=program, user=None, filename="a.csv", content=csv_bytes([changed])
    )

    assert [(row.action, row.participant_changes) for row in result.rows] == [("update", ["back_title"])]
    enrolment = Enrolment.objects.get(program=program)
    assert (enrolment.status, enrolment.participant.back_title) == ("passed", "S.T., M.T.")


@pytest.mark.parametrize("value", ["31/12/1980", "31-12-1980", "1980-12-31"])
def test_dates_in_the_indonesian_forms_are_accepted(program, value):
    row = ["198012312005011001", "Eko", "", "Dinas Kesehatan Provinsi Banten", value, "", "", "", ""]

    result = preview(program, csv_bytes([row]))

    assert (result.rows[0].action, result.rows[0].participant.birth_date) == (
        "new",
        datetime.date(1980, 12, 31),
    )


@pytest.mark.parametrize("value", ["12/31/1980", "31.12.1980", "1980/12/31", "31 Desembar 1980", "31/12/80"])
def test_other_date_forms_are_refused(program, value):
    row = ["198012312005011001", "Eko", "", "Dinas Kesehatan Provinsi Banten", value, "", "", "", ""]

    result = preview(program, csv_bytes([row]))

    assert result.rows[0].error_list == [
        ("birth_date", f"“{value}” is not a date; write 31/12/2025, 31-12-2025 or 2025-12-31.")
    ]


def test_birth_date_that_contradicts_the_nip_is_refused_with_the_models_message(program):
    row = ["198012312005011001", "Eko", "", "Dinas Kesehatan Provinsi Banten", "01/01/1980", "", "", "", ""]

    result = preview(program, csv_bytes([row]))

    assert result.rows[0].error_list == [
        ("birth_date", "The date of birth does not match the NIP, which says 31 December 1980 (digits 1-8).")
    ]


def test_duplicate_nips_in_the_file_are_refused(program):
    again = ["198609262015051001", "Andi Lagi", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""]

    result = preview(program, csv_bytes([ANDI, SITI, again]))

    assert outcome(result)[2] == (4, "error", [("nip", "The same NIP is also on row 2.")])


def test_xlsx_with_dates_as_cells_and_nip_as_text_is_read(program):
    row = [
        "198609262015051001",
        "Andi",
        "",
        "Dinas Kesehatan Provinsi Banten",
        datetime.date(1986, 9, 26),
        "M",
        "IV/a",
        "",
        "",
    ]

    result = preview(program, xlsx_bytes([row]), "peserta.xlsx")

    assert outcome(result) == [(2, "new", [])]


def test_xlsx_nip_stored_as_a_number_is_refused(program):
    row = [198609262015051001, "Andi", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""]

    result = preview(program, xlsx_bytes([row]), "peserta.xlsx")

    assert result.rows[0].error_list == [
        (
            "nip",
            "The NIP is stored as a number, which spreadsheets round after 15 digits; format the column as text.",
        )
    ]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", "\ufeff".encode()), ("cp1252", b"")],
    ids=["utf8", "utf8-bom", "windows-1252"],
)
def test_csv_encodings_are_read(program, encoding, bom):
    row = ["198609262015051001", "André Müller", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""]

    result = preview(program, bom + csv_bytes([row], encoding=encoding))

    assert [(row.action, row.participant.name) for row in result.rows] == [("new", "André Müller")]


def test_csv_with_semicolons_is_read(program):
    result = preview(program, csv_bytes([ANDI], delimiter=";"))

    assert outcome(result) == [(2, "new", [])]


def file_problems(program, content, filename="peserta.csv"):
    result = preview(program, content, filename)
    assert result.rows == []
    return result.problems


def rewrite_xlsx(content, *changes, extra=None):
    """A copy of a workbook with regular-expression substitutions (pattern, replacement) made once each in
    its first sheet's XML, and `extra` parts (name -> bytes) added."""
    source, output = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for pattern, replacement in changes:
                    data, count = re.subn(
                        pattern, lambda _match, new=replacement: new, data, count=1, flags=re.DOTALL
                    )
                    assert count == 1, pattern
            target.writestr(item, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return output.getvalue()


def with_cell(content, reference, xml):
    """The workbook with the cell at `reference` replaced by `xml`."""
    return rewrite_xlsx(content, (rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % reference.encode(), xml))


ENTITIES = {
    "internal": b'<!ENTITY boom "boom">',
    "external": b'<!ENTITY boom SYSTEM "file:///etc/hostname">',
    "billion-laughs": b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY boom "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">',
}


def hostile_xlsx(entity):
    """A workbook whose sheet declares an XML entity and names it in a cell."""
    return rewrite_xlsx(
        with_cell(xlsx_bytes([ANDI]), "B2", b'<c r="B2" t="inlineStr"><is><t>&boom;</t></is></c>'),
        (b"<worksheet", b"<!DOCTYPE worksheet [%s]><worksheet" % ENTITIES[entity]),
    )


def zip_bomb():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (50 * 1024 * 1024) + b"</a>")
    return output.getvalue()


@pytest.mark.parametrize(
    ("filename", "content", "problems"),
    [
        (
            "peserta.xls",
            b"\xd0\xcf\x11\xe0 old excel",
            ["Files of type “xls” cannot be imported; use CSV or XLSX (Excel 2007 or later)."],
        ),
        (
            "peserta.pdf",
            b"%PDF-1.4",
            ["Files of type “pdf” cannot be imported; use CSV or XLSX (Excel 2007 or later)."],
        ),
        ("peserta.csv", b"", ["The file is empty."]),
        ("peserta.csv", b"\n\n", ["The file is empty."]),
        (
            "peserta.csv",
            ",".join(HEADER).encode() + b"\n",
            ["The file has a header but no rows of participants."],
        ),
        (
            "peserta.csv",
            "\ufeffnip,name".encode("utf-16"),
            ["The file is in UTF-16 or another wide encoding; save it as CSV in UTF-8 or Windows-1252."],
        ),
        (
            "peserta.csv",
            b"nip,name,institution\n1,\x81\x8d,x\n",
            ["The file's text encoding is not UTF-8 or Windows-1252; save it again as CSV UTF-8."],
        ),
        ("peserta.csv", b"nip,name\n1,Budi\n", ["Missing columns: institution."]),
        (
            "peserta.csv",
            b"NIP,Nama Panggilan,institution\n1,Budi,x\n",
            [
                "Unknown columns: “Nama Panggilan”. Use the template's column names: nip, front_title, name, back_title, gender, birth_place, birth_date, rank, position, position_level, institution, email, phone, status, note.",
                "Missing columns: name.",
            ],
        ),
        (
            "peserta.xlsx",
            b"PK\x03\x04 this is not really a zip",
            ["The file is not a valid XLSX workbook (it may be damaged, or an old .xls)."],
        ),
        (
            "peserta.xlsx",
            b"name,nip\n",
            ["The file is not a valid XLSX workbook (it may be damaged, or an old .xls)."],
        ),
        (
            "peserta.csv",
            b"PK\x03\x04rest",
            ["This file is a spreadsheet saved with a .csv name; save it as CSV or XLSX."],
        ),
    ],
    ids=[
        "xls",
        "pdf",
        "empty",
        "blank-lines",
        "header-only",
        "utf16",
        "undecodable",
        "missing-column",
        "renamed-column",
        "corrupt-xlsx",
        "csv-named-xlsx",
        "xlsx-named-csv",
    ],
)
def test_bad_files_are_refused_with_a_clear_message(program, filename, content, problems):
    assert file_problems(program, content, filename) == problems


@pytest.mark.parametrize("entity", ENTITIES)
def test_xlsx_naming_an_xml_entity_is_refused_without_expanding_it(program, entity):
    assert file_problems(program, hostile_xlsx(entity), "peserta.xlsx") == [
        "The workbook cannot be read: it is damaged, protected, or holds content refused as unsafe."
    ]


def test_xlsx_declaring_an_entity_it_never_names_is_read_as_it_is(program):
    content = rewrite_xlsx(
        xlsx_bytes([ANDI]), (b"<worksheet", b"<!DOCTYPE worksheet [%s]><worksheet" % ENTITIES["external"])
    )

    result = preview(program, content, "peserta.xlsx")

    assert outcome(result) == [(2, "new", [])]
    assert result.rows[0].participant.name == "Andi Wijaya"


def test_zip_bomb_xlsx_is_refused_before_unpacking(program):
    assert file_problems(program, zip_bomb(), "peserta.xlsx") == [
        "The workbook unpacks to far more data than it holds; it was refused as unsafe."
    ]


def test_file_over_the_size_limit_is_refused(program, settings):
    settings.IMPORT_MAX_BYTES = 100

    assert file_problems(program, csv_bytes([ANDI, SITI])) == [
        "The file is 0.0 MB; the limit is 0.0 MB. Split it, or ask an administrator to use the import_participants command."
    ]


def test_validation_queries_do_not_grow_with_rows(program, django_assert_num_queries):
    def rows(count):
        return [
            [f"19800101200501{1 + n % 2}{n:03d}", f"Peserta {n}", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", "nominated"]
            for n in range(1, count + 1)
        ]  # fmt: skip

    # NIPs, this program's enrolments, its participants without NIP, the institution, the seat count and the
    # program's capacity.
    for count in (1, 3):
        with django_assert_num_queries(6):
            result = preview(program, csv_bytes(rows(count)))
        assert [row.action for row in result.rows] == ["new"] * count


# The admin pages ---------------------------------------------------------------------------------------


def upload(client, program, content, filename="peserta.csv"):
    return client.post(
        reverse("admin:participants_importbatch_upload"),
        {"program": program.pk, "file": SimpleUploadedFile(filename, content)},
    )


def test_admin_upload_preview_and_confirm(english, administrator, program):
    english.force_login(administrator)

    uploaded = upload(english, program, csv_bytes([ANDI, SITI]))
    batch = ImportBatch.objects.get()
    page = english.get(uploaded["Location"])
    confirmed = english.post(uploaded["Location"], follow=True)

    assert uploaded["Location"] == reverse("admin:participants_importbatch_preview", args=[batch.pk])
    assert [(row.number, label) for row, label in page.context["rows"]] == [(2, "new"), (3, "new")]
    assert page.context["can_confirm"] is True
    assert "matched “Dinas Kesehatan Provinsi Banten”" in page.content.decode()
    assert Participant.objects.filter(name="Siti Rahma").exists()
    assert [str(m) for m in confirmed.context["messages"]] == [
        "Imported peserta.csv: 2 new, 0 updated, 0 unchanged."
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.user, batch.filename) == ("imported", administrator, "peserta.csv")


def test_admin_preview_with_errors_offers_no_confirmation(english, administrator, program):
    english.force_login(administrator)
    bad = ["123", "Budi", "", "Dinas Entah", "", "", "", "", ""]

    page = english.get(upload(english, program, csv_bytes([ANDI, bad]))["Location"])

    assert page.context["can_confirm"] is False
    assert [(row.number, label) for row, label in page.context["rows"]] == [(3, "error"), (2, "new")]
    html = page.content.decode()
    assert "<code>nip</code>: A NIP has 18 digits; this one has 3." in html
    assert 'data-testid="confirm"' not in html
    assert (
        english.post(
            reverse("admin:participants_importbatch_preview", args=[ImportBatch.objects.get().pk])
        ).status_code
        == 302
    )
    assert Participant.objects.count() == 0


def test_admin_row_errors_follow_the_users_language(client, administrator, program):
    client.force_login(administrator)
    row = [*ANDI[:7], "bukan-email", ""]

    page = client.get(upload(client, program, csv_bytes([row]))["Location"])

    assert page.context["rows"][0][0].error_list == [("email", "Masukkan alamat email yang valid.")]


def test_admin_upload_refuses_a_file_over_the_limit(english, administrator, program, settings):
    settings.IMPORT_MAX_BYTES = 10
    english.force_login(administrator)

    response = upload(english, program, csv_bytes([ANDI]))

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is 0.0 MB; the limit is 0.0 MB."]}
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_template_has_the_import_columns(admin_client, fmt):
    response = admin_client.get(reverse("admin:participants_importbatch_template", args=[fmt]))

    if fmt == "csv":
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        header = [
            cell.value for cell in openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0][1]
        ]
    assert header == imports.COLUMN_NAMES


def test_admin_template_round_trips_through_the_import(program):
    result = preview(program, imports.template_xlsx(), "template.xlsx")

    assert result.problems == ["The file has a header but no rows of participants."]


def test_import_pages_are_refused_without_the_import_permission(client, staff, program):
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    assert client.get(reverse("admin:participants_importbatch_upload")).status_code == 403
    assert upload(client, program, csv_bytes([ANDI])).status_code == 403
    assert ImportBatch.objects.count() == 0


def test_import_record_is_listed_in_the_admin(admin_client, program):
    imports.import_file(program=program, user=None, filename="banten-52.xlsx", content=xlsx_bytes([ANDI]))

    response = admin_client.get(reverse("admin:participants_importbatch_changelist"))

    assert "banten-52.xlsx" in response.content.decode()
    assert reverse("admin:participants_importbatch_upload") in response.content.decode()


# The commands ------------------------------------------------------------------------------------------


def test_import_command_dry_run_writes_nothing(tmp_path, program):
    path = tmp_path / "peserta.xlsx"
    path.write_bytes(xlsx_bytes([ANDI, SITI]))
    out = io.StringIO()

    call_command("import_participants", str(path), "--program", str(program.pk), "--dry-run", stdout=out)

    assert out.getvalue().splitlines()[-1].startswith("Would import 2 rows: 2 new, 0 updated, 0 unchanged (")
    assert (Participant.objects.count(), ImportBatch.objects.count()) == (0, 0)


def test_import_command_writes_and_reports_progress(tmp_path, program):
    program.capacity = 1500
    program.save()
    rows = [[f"198001{1 + n // 999:02d}200501{1 + n % 2}{n % 999 + 1:03d}", f"Peserta {n}", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""] for n in range(1000)]  # fmt: skip
    path = tmp_path / "peserta.csv"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()

    call_command("import_participants", str(path), "--program", str(program.pk), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Reading peserta.csv for PKN Tingkat II Banten 2025 ..."
    assert lines[1].startswith("  validated 1,000 of 1,000 rows (")
    assert lines[-1].startswith("Imported 1000 rows: 1000 new, 0 updated, 0 unchanged (")
    assert Enrolment.objects.filter(program=program).count() == 1000
    assert ImportBatch.objects.get().status == ImportStatus.IMPORTED


def test_import_command_fails_on_errors_and_lists_them(tmp_path, program):
    path = tmp_path / "peserta.csv"
    path.write_bytes(csv_bytes([["123", "Budi", "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""]]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was written"):
        call_command(
            "import_participants", str(path), "--program", str(program.pk), stdout=io.StringIO(), stderr=err
        )

    assert err.getvalue() == "Row 2, nip: A NIP has 18 digits; this one has 3.\n"
    assert ImportBatch.objects.get().status == ImportStatus.REFUSED


def test_generate_national_data_is_repeatable_and_respects_capacity():
    def generate():
        out = io.StringIO()
        call_command(
            "generate_national_data",
            "--programs",
            "8",
            "--enrolments",
            "60",
            "--institutions",
            "10",
            "--seed",
            "5",
            "--batch-size",
            "25",
            stdout=out,
        )
        return out.getvalue(), list(Participant.objects.order_by("nip").values_list("nip", "name"))

    output, first = generate()

    from programs.models import Program

    assert output.splitlines()[-1].endswith("Done: 8 programs, 60 enrolments, 10 institutions.")
    assert "60 of 60 enrolments with change projects and milestones" in output
    assert Enrolment.objects.count() == 60
    assert set(Program.objects.values_list("program_type__code", flat=True)) == {
        "pkn-1",
        "pkn-2",
        "pka",
        "pkp",
    }
    assert all(seats_taken(p) <= p.capacity for p in Program.objects.all())
    assert Participant.objects.filter(is_demo=False).count() == 0
    for participant in Participant.objects.all():
        participant.full_clean()
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "generate_national_data",
            "--seed",
            "5",
            "--programs",
            "1",
            "--enrolments",
            "1",
            "--institutions",
            "1",
        )
    from participants.models import ChangeProject, Milestone
    from programs.models import Institution, Person

    Milestone.objects.all().delete()
    ChangeProject.objects.all().delete()
    Enrolment.objects.all().delete()
    Participant.objects.all().delete()
    Program.objects.all().delete()
    Person.objects.all().delete()
    Institution.objects.all().delete()
    assert generate()[1] == first


def test_user_factory_gives_groups():
    user = UserFactory(groups=["Staf"])

    assert user.has_perm("participants.export_participants") is True
    assert user.has_perm("participants.import_participants") is False


def test_xlsx_written_in_constant_memory_with_inline_strings_is_read(program):
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ANDI[:4])
    sheet.write_datetime(1, 4, datetime.date(1986, 9, 26), workbook.add_format({"num_format": "d mmm yyyy"}))
    sheet.write_row(1, 5, ANDI[5:])
    workbook.close()

    result = preview(program, output.getvalue(), "peserta.xlsx")

    assert outcome(result) == [(2, "new", [])]
    assert result.rows[0].participant.birth_date == datetime.date(1986, 9, 26)


def test_xlsx_written_by_openpyxl_with_gaps_is_read(program):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([])  # an empty row between the header and the data is skipped
    sheet.append(
        [ANDI[0], ANDI[1], None, ANDI[3], datetime.date(1986, 9, 26), "L", "IV/a", None, "Registered"]
    )
    output = io.BytesIO()
    workbook.save(output)

    result = preview(program, output.getvalue(), "peserta.xlsx")

    assert outcome(result) == [(3, "new", [])]
    assert (result.rows[0].participant.back_title, result.rows[0].enrolment.status) == ("", "registered")


def test_confirming_a_batch_twice_imports_it_once(program):
    batch, _result = imports.create_batch(
        program=program, user=None, filename="a.csv", content=csv_bytes([ANDI])
    )
    second_tab = ImportBatch.objects.get(pk=batch.pk)  # loaded while the batch still waited
    imports.confirm_batch(batch=batch)

    with pytest.raises(imports.BatchHandled):
        imports.confirm_batch(batch=second_tab)

    batch.refresh_from_db()
    assert (batch.status, batch.new_count, batch.unchanged_count) == ("imported", 1, 0)
    assert Participant.objects.count() == 1


def sheet_with_row_number(number):
    """A real workbook whose second row claims to be row `number` (a tiny file naming a huge sheet)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["nip", "name"])
    workbook.active.append(["198609262015051001", "Budi"])
    plain = io.BytesIO()
    workbook.save(plain)
    return rewrite_xlsx(
        plain.getvalue(),
        (b'<row r="2"', b'<row r="%d"' % number),
        (b'r="A2"', b'r="A%d"' % number),
        (b'r="B2"', b'r="B%d"' % number),
    )


TOO_MANY = "The file has more than 100,000 rows; split it into several files."


def too_wide(sheet, corner, rows, columns):
    return (
        f"The sheet “{sheet}” spans the cells A1:{corner}, {rows} rows by {columns} columns; an import reads at "
        "most 2,600,026 cells (100,001 rows by the columns A to Z). Delete the rows and columns after the "
        "participants' table (the cells may look empty), save and upload the file again."
    )


UNREADABLE = "The workbook cannot be read: it is damaged, protected, or holds content refused as unsafe."


@pytest.mark.parametrize(
    ("number", "message"), [(100_002, TOO_MANY), (1_048_000, TOO_MANY), (5_000_000, UNREADABLE)]
)
def test_xlsx_naming_a_huge_row_number_is_refused_at_once(number, message):
    with pytest.raises(spreadsheets.ImportFileError) as error:
        spreadsheets.read_xlsx(sheet_with_row_number(number))

    assert error.value.messages == [message]


def test_csv_with_more_rows_than_the_limit_is_refused():
    content = b"nip,name\n" + b",\n" * 100_001

    with pytest.raises(spreadsheets.ImportFileError) as error:
        spreadsheets.read_csv(content)

    assert error.value.messages == [TOO_MANY]


@pytest.mark.parametrize("value", ["1980-12-31T00:00:00", "1980-12-31"])
def test_xlsx_iso_date_cells_are_read_as_dates(program, value):
    """Newer Excel and LibreOffice may write a date as an ISO 8601 cell of type "d"."""
    row = ["198012312005011001", "Eko", "", "Dinas Kesehatan Provinsi Banten", 0, "", "", "", ""]
    content = with_cell(xlsx_bytes([row]), "E2", b'<c r="E2" t="d"><v>%s</v></c>' % value.encode())

    result = preview(program, content, "peserta.xlsx")

    assert outcome(result) == [(2, "new", [])]
    assert result.rows[0].participant.birth_date == datetime.date(1980, 12, 31)


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("XFD1048576", TOO_MANY),
        ("XFD50000", too_wide("Sheet", "XFD50000", "50,000", "16,384")),
        ("A100002", TOO_MANY),
        ("Z100001", None),
    ],
    ids=["last-cell", "wide-and-long", "long", "within"],
)
def test_xlsx_naming_a_far_cell_is_refused_before_the_sheet_is_built(reference, message):
    """calamine builds a sheet as a grid from A1 to its last cell: A1 and XFD1048576 would ask for 512 GB."""
    content = with_cell(sheet_with_row_number(2), "B2", b'<c r="%s"><v>1</v></c>' % reference.encode())

    if message is None:
        header, rows = spreadsheets.read_xlsx(content)
        assert (header[:2], len(rows), rows[-1][0]) == (["nip", "name"], 100_000, 100_001)
    else:
        with pytest.raises(spreadsheets.ImportFileError) as error:
            spreadsheets.read_xlsx(content)
        assert error.value.messages == [message]


def test_xlsx_with_a_stray_cell_far_to_the_right_is_reported(program):
    content = with_cell(
        xlsx_bytes([ANDI]),
        "I2",
        b'<c r="I2" t="inlineStr"><is><t>registered</t></is></c><c r="ZZ2"><v>7</v></c>',
    )

    assert file_problems(program, content, "peserta.xlsx") == [
        "Cell ZZ2 holds a value in a column without a name. Name the column with one of the template's names, "
        "or delete the cell."
    ]


SHEET_DATA = rb"<sheetData>.*</sheetData>"


def inline(*values):
    return b"".join(
        b'<x:c t="inlineStr"><x:is><x:t>%s</x:t></x:is></x:c>' % value.encode() for value in values
    )


def test_xlsx_with_prefixed_cells_and_no_references_is_read(program):
    """Cell tags other than <c r="B7" ...> are followed as calamine follows them: no r, the next column."""
    sheet = b"<sheetData><x:row>%s</x:row><x:row>%s</x:row></sheetData>" % (
        inline(*HEADER),
        inline(*ANDI),
    )
    content = rewrite_xlsx(
        xlsx_bytes([ANDI]),
        (SHEET_DATA, sheet),
        (b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '),
    )

    assert outcome(preview(program, content, "peserta.xlsx")) == [(2, "new", [])]


@pytest.mark.parametrize(
    "sheet",
    [
        # 16,385 cells without references: the last is beyond column XFD
        b"<sheetData><row>" + b"<c><v>1</v></c>" * 16_385 + b"</row></sheetData>",
        # a wide first row and a row far below: the grid between them is too large
        b"<sheetData><row>"
        + b"<c><v>1</v></c>" * 200
        + b'</row><row r="100000"><c><v>1</v></c></row></sheetData>',
    ],
    ids=["beyond-xfd", "wide-and-long"],
)
def test_xlsx_whose_unreferenced_cells_reach_too_far_is_refused(program, sheet):
    content = rewrite_xlsx(xlsx_bytes([ANDI]), (SHEET_DATA, sheet))
    wide = len(sheet) < 100_000

    assert file_problems(program, content, "peserta.xlsx") == [
        too_wide("Sheet1", "GR100000", "100,000", "200") if wide else UNREADABLE
    ]


def test_xlsx_with_an_image_that_looks_like_cell_tags_is_read(program):
    image = b"\x89PNG\r\n\x1a\n<c>\xff\xfe<c r=7><row/>" * 100
    content = rewrite_xlsx(xlsx_bytes([ANDI]), extra={"xl/media/image1.png": image})

    assert outcome(preview(program, content, "peserta.xlsx")) == [(2, "new", [])]


def test_part_that_is_not_xml_naming_a_far_cell_is_refused(program):
    """A part expat cannot read is bounded by every tag and reference it could hold: calamine may be
    more lenient than expat."""
    part = b"\xff<worksheet><sheetData><row><c  r='XFD1048576'><v>1</v></c></row></sheetData></worksheet>"
    content = rewrite_xlsx(xlsx_bytes([ANDI]), extra={"xl/worksheets/sheet9.xml": part})

    assert file_problems(program, content, "peserta.xlsx") == [UNREADABLE]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_nul_characters_in_cells_are_dropped(program, fmt):
    """PostgreSQL refuses NUL in text; xlsxwriter writes it as "_x0000_", which calamine reads back."""
    row = [ANDI[0], "Andi\x00 Wijaya", ANDI[2], "Dinas Kesehatan\x00 Provinsi Banten", *ANDI[4:]]
    if fmt == "csv":  # beyond the first 4 KB, where a NUL would mean UTF-16
        content = csv_bytes([]) + b"\n" * 5000 + csv_bytes([row]).partition(b"\n")[2]
    else:
        content = xlsx_bytes([row])

    result = preview(program, content, f"peserta.{fmt}")

    assert [(row.action, row.participant.name) for row in result.rows] == [("new", "Andi Wijaya")]
