"""Participant reports: every format parsed back, access, masking, logging and query counts."""

import csv
import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.factories import UserFactory
from lifecycle.models import AttendanceStatus, EnrolmentResult
from lifecycle.services import issue_certificate, reissue_certificate, revoke_certificate
from participants.models import Enrolment, EnrolmentStatus, Gender, Rank
from programs.models import EvaluationComponent, InstitutionKind, Qualification
from reports.exports import EnrolmentsExporter, HistoryExporter, RosterExporter
from reports.models import ExportLog
from tests.factories import (
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    EvaluationScoreFactory,
    InstitutionFactory,
    ParticipantFactory,
    PersonFactory,
    ProgramFactory,
    ProgramTypeFactory,
    SessionFactory,
)
from tests.lifecycle_support import score_all, signed
from trainingtracker.files import PdfFontMissing, find_font, neutralise

pytestmark = pytest.mark.django_db


def url(name, fmt, *args, **params):
    name = "institutions_export" if name == "institutions" else name
    address = reverse(f"reports:{name}", args=[*args, fmt])
    if params:
        address += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return address


def content_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response):
    body = content_of(response)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def data_rows(rows):
    """The table's rows without the closing rows that describe the file."""
    return rows[: rows.index([])]


def about_rows(rows):
    return dict(rows[rows.index([]) + 1 :])


def xlsx_book(response):
    return openpyxl.load_workbook(io.BytesIO(content_of(response)))


@pytest.fixture
def cohort():
    """A small PKN II cohort: two participants with change projects, one of them with accents.

    Zoë attended 2 of 3 sessions (one late): 22 of 26 JP, 84.6 % (the 20-JP block weighs more than the
    2-JP opening; by sessions it would be 66.7 %); she has every score (86.45, Memuaskan) and a certificate.
    Andi attended his one recorded session and has one score of four (no final score yet).
    """
    organiser = InstitutionFactory(name="BPSDM Provinsi Banten", short_name="BPSDM Banten", code="BPSDM-BTN")
    program = ProgramFactory(
        title="PKN Tingkat II Banten 2025",
        angkatan=1,
        organiser=organiser,
        start_date=datetime.date(2025, 6, 23),
    )
    ministry = InstitutionFactory(name="Kementerian Dalam Negeri", kind=InstitutionKind.MINISTRY, province="")
    zoe = ParticipantFactory(
        name="Zoë Ñuñez",
        front_title="Dr.",
        back_title="M.Si.",
        gender=Gender.FEMALE,
        birth_date=datetime.date(1980, 5, 17),
        nip="198005172005012003",
        rank=Rank.IV_B,
        position="Kepala Biro",
        institution=ministry,
        email="zoe@kemendagri.go.id",
        phone="0812-1111-2222",
    )
    andi = ParticipantFactory(
        name="Andi Wijaya",
        front_title="",
        back_title="S.T.",
        gender=Gender.MALE,
        birth_date=datetime.date(1986, 9, 26),
        nip="198609262015051001",
        rank=Rank.IV_A,
        position="Kepala Bidang",
        institution=organiser,
        email="",
        phone="",
    )
    coach = PersonFactory(front_title="Dr.", name="Untung Coach", back_title="M.Si.")
    mentor = PersonFactory(front_title="", name="Siti Mentor", back_title="")
    ChangeProjectFactory(
        enrolment=EnrolmentFactory(participant=zoe, program=program, status=EnrolmentStatus.PASSED),
        title="Digitalisasi Arsip",
        stage="reported",
        coach=coach,
        mentor=mentor,
    )
    andi_enrolment = EnrolmentFactory(
        participant=andi, program=program, status=EnrolmentStatus.ACTIVE, note="kelas B"
    )
    zoe_enrolment = Enrolment.objects.get(participant=zoe)
    sessions = [SessionFactory(program=program, jp=jp) for jp in (2, 20, 4)]
    for session, status in zip(
        sessions, [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT], strict=True
    ):
        AttendanceFactory(enrolment=zoe_enrolment, session=session, status=status)
    AttendanceFactory(enrolment=andi_enrolment, session=sessions[0])
    score_all(zoe_enrolment, [90, 85, 80, 88])  # weights 20, 25, 15, 40: 86.45
    EvaluationScoreFactory(enrolment=andi_enrolment, score=Decimal("75"))
    issue_certificate(enrolment=signed(zoe_enrolment), issued_by=None)
    return program


ROSTER_HEADER = [
    "No.",
    "NIP",
    "Name",
    "Gender",
    "Rank",
    "Position",
    "Institution",
    "Institution kind",
    "Status",
    "Change project",
    "Stage",
    "Coach",
    "Mentor",
    "Email",
    "Phone",
    "Note",
    "Attendance (%)",
    "Final score",
    "Qualification",
    "Certificate number",
]
ANDI = [
    "1",
    "19860926 201505 1 001",
    "Andi Wijaya, S.T.",
    "Male",
    "IV/a",
    "Kepala Bidang",
    "BPSDM Provinsi Banten",
    "Provincial government",
    "Active",
    "",
    "",
    "",
    "",
    "",
    "",
    "kelas B",
    "100.0",
    "",
    "",
    "",
]
ZOE = [
    "2",
    "19800517 200501 2 003",
    "Dr. Zoë Ñuñez, M.Si.",
    "Female",
    "IV/b",
    "Kepala Biro",
    "Kementerian Dalam Negeri",
    "Ministry (kementerian)",
    "Passed",
    "Digitalisasi Arsip",
    "Reported",
    "Dr. Untung Coach, M.Si.",
    "Siti Mentor",
    "zoe@kemendagri.go.id",
    "0812-1111-2222",
    "",
    "84.6",
    "86.45",
    "Memuaskan",
    "001/STTP/PKN-2/BPSDM-BTN/2025",
]


def test_roster_csv_holds_every_participant_of_the_program(english, administrator, cohort):
    english.force_login(administrator)
    EnrolmentFactory()  # another program's participant

    response = english.get(url("roster", "csv", cohort.pk))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="roster-pkn-tingkat-ii-banten-2025-'
    )
    rows = csv_rows(response)
    assert data_rows(rows) == [ROSTER_HEADER, ANDI, ZOE]


def test_roster_csv_says_who_made_it_when_and_with_which_filters(english, administrator, cohort):
    english.force_login(administrator)

    about = about_rows(csv_rows(english.get(url("roster", "csv", cohort.pk))))

    assert about["Program"] == "PKN Tingkat II Banten 2025"
    assert about["Report"] == "Participant roster"
    assert about["Made by"] == administrator.get_full_name()
    assert about["Made at"].endswith(" WIB")
    assert about["Filters"] == "none"


def test_roster_xlsx_has_typed_cells_a_frozen_header_and_widths(english, administrator, cohort):
    english.force_login(administrator)

    response = english.get(url("roster", "xlsx", cohort.pk))

    book = xlsx_book(response)
    sheet = book.worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ROSTER_HEADER
    assert values[1] == [1, *ANDI[1:9], None, None, None, None, None, None, "kelas B", 100, None, None, None]
    assert values[2] == [2, *ZOE[1:15], None, 84.6, 86.45, "Memuaskan", "001/STTP/PKN-2/BPSDM-BTN/2025"]
    assert [sheet.cell(3, column).data_type for column in (17, 18)] == ["n", "n"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == pytest.approx(34, abs=1)
    about = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True)}
    assert about["Made by"] == administrator.get_full_name()


def test_roster_pdf_shows_organiser_program_names_and_indonesian_dates(
    english, administrator, cohort, pdf_text
):
    english.force_login(administrator)

    response = english.get(url("roster", "pdf", cohort.pk))

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "BPSDM Provinsi Banten" in text
    assert "PKN Tingkat II Banten 2025 · Angkatan I" in text
    assert "23 Juni 2025 – 7 Oktober 2025 (107 days)" in text
    assert "Dr. Zoë Ñuñez, M.Si." in text
    assert "Andi Wijaya, S.T." in text
    zoe_line = next(line for line in text.splitlines() if "Dr. Zoë Ñuñez, M.Si." in line)
    assert zoe_line.split()[-4:-1] == ["84.6", "86.45", "Memuaskan"]
    assert "001/STTP/" in zoe_line  # the number wraps in its column
    andi_line = next(line for line in text.splitlines() if "Andi Wijaya, S.T." in line)
    assert andi_line.split()[-2:] == ["kelas", "100.0"]
    assert "Page 1 of 1" in text
    assert "Filters: none" in text
    assert "Rows: 2" in text
    assert "Active: 1" in text
    assert "Passed: 1" in text
    assert f"Made by {administrator.get_full_name()} on " in text


def test_enrolments_export_follows_the_program_list_filters_and_enrolment_status(english, administrator):
    english.force_login(administrator)
    pka = ProgramTypeFactory(code="pka")
    kept = ProgramFactory(title="PKA 2024", program_type=pka, year=2024, start_date=datetime.date(2024, 3, 1))
    EnrolmentFactory(program=kept, status=EnrolmentStatus.PASSED, participant__name="Lulus Satu")
    EnrolmentFactory(program=kept, status=EnrolmentStatus.FAILED, participant__name="Gagal Satu")
    EnrolmentFactory(program=ProgramFactory(title="PKN 2024", year=2024), status=EnrolmentStatus.PASSED)
    EnrolmentFactory(
        program=ProgramFactory(title="PKA 2023", program_type=pka, year=2023), status=EnrolmentStatus.PASSED
    )

    response = english.get(
        url("enrolments", "csv", program_type=pka.pk, year=2024, enrolment_status=EnrolmentStatus.PASSED)
    )

    rows = csv_rows(response)
    assert [(row[0], row[9], row[14]) for row in data_rows(rows)[1:]] == [
        ("PKA 2024", "Lulus Satu", "Passed")
    ]
    assert data_rows(rows)[1][:8] == [
        "PKA 2024",
        pka.abbreviation,
        "2024",
        str(kept.angkatan),
        "",
        kept.organiser.name,
        "2024-03-01",
        "2024-06-15",
    ]
    assert (
        about_rows(rows)["Filters"]
        == f"Program type: {pka.abbreviation}; Year: 2024; Enrolment status: Passed"
    )
    log = ExportLog.objects.get()
    assert (log.dataset, log.format, log.origin, log.row_count, log.user) == (
        "enrolments",
        "csv",
        "web",
        1,
        administrator,
    )
    assert log.filters == {"program_type": str(pka.pk), "year": "2024", "enrolment_status": "passed"}


def test_enrolments_xlsx_writes_dates_as_dates_and_numbers_as_numbers(english, administrator):
    english.force_login(administrator)
    program = ProgramFactory(title="PKN 2025", year=2025, angkatan=7, start_date=datetime.date(2025, 6, 23))
    EnrolmentFactory(program=program)

    sheet = xlsx_book(english.get(url("enrolments", "xlsx"))).worksheets[0]

    row = [cell.value for cell in sheet[2]]
    assert row[2:4] == [2025, 7]
    assert row[6:8] == [datetime.datetime(2025, 6, 23), datetime.datetime(2025, 10, 7)]
    assert sheet["G2"].is_date
    assert sheet["G2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].data_type == "n"


def test_institution_summary_counts_participants_and_outcomes(english, administrator):
    english.force_login(administrator)
    parent = InstitutionFactory(name="Pemerintah Provinsi Banten")
    dinas = InstitutionFactory(name="Dinas Kesehatan", parent=parent)
    first, second = ProgramFactory(), ProgramFactory()
    person = ParticipantFactory(institution=dinas)
    passed = EnrolmentFactory(participant=person, program=first, status=EnrolmentStatus.PASSED)
    active = EnrolmentFactory(participant=person, program=second, status=EnrolmentStatus.ACTIVE)
    EnrolmentFactory(participant__institution=dinas, program=first, status=EnrolmentStatus.WITHDRAWN)
    EnrolmentFactory(participant__institution=parent, program=first, status=EnrolmentStatus.FAILED)
    # Dinas Kesehatan: 14 of 34 JP attended (one session late) over both enrolments: 41.2 %; the missed
    # 20-JP block weighs more than the six short sessions attended (by sessions it would be 85.7 %).
    for status, jp in [("present", 2), ("present", 2), ("late", 4), ("absent", 20)]:
        AttendanceFactory(enrolment=passed, status=status, session__jp=jp)
    for status in ["present", "present", "present"]:
        AttendanceFactory(enrolment=active, status=status, session__jp=2)

    rows = csv_rows(english.get(url("institutions", "csv")))

    assert data_rows(rows) == [
        [
            "Institution",
            "Kind",
            "Province",
            "Parent institution",
            "Participants",
            "Programs",
            "Enrolments",
            "Nominated or in training",
            "Passed",
            "Did not pass",
            "Withdrew or dismissed",
            "Attendance (%)",
        ],
        [
            "Dinas Kesehatan",
            "Provincial government",
            "Banten",
            "Pemerintah Provinsi Banten",
            "2",
            "2",
            "3",
            "1",
            "1",
            "0",
            "1",
            "41.2",
        ],
        [
            "Pemerintah Provinsi Banten",
            "Provincial government",
            "Banten",
            "",
            "1",
            "1",
            "1",
            "0",
            "0",
            "1",
            "0",
            "",
        ],
    ]


def test_institution_summary_pdf_has_totals(english, administrator, pdf_text):
    english.force_login(administrator)
    EnrolmentFactory.create_batch(3, status=EnrolmentStatus.PASSED)

    text = pdf_text(english.get(url("institutions", "pdf")).content)

    assert "Summary per institution" in text
    assert "Institutions: 3" in text
    assert "Enrolments: 3" in text
    assert "Passed: 3" in text


def test_history_export_has_the_hr_operators_columns(english, administrator):
    english.force_login(administrator)
    program = ProgramFactory(
        title="PKA Angkatan XLIII",
        angkatan=43,
        class_name="F",
        start_date=datetime.date(2024, 2, 5),
        duration_days=105,
    )
    enrolment = EnrolmentFactory(program=program, status=EnrolmentStatus.PASSED, participant__back_title="")

    rows = data_rows(csv_rows(english.get(url("history", "csv"))))

    participant = enrolment.participant
    assert rows == [
        [
            "NIP",
            "Name",
            "Training name",
            "Type",
            "Angkatan",
            "Start",
            "End",
            "Days",
            "Status",
            "Attendance (%)",
            "Final score",
            "Qualification",
            "Certificate number",
        ],
        [
            participant.nip_display,
            participant.name,
            "PKA Angkatan XLIII",
            "Pelatihan Kepemimpinan Nasional Tingkat II",
            "XLIII Kelas F",
            "2024-02-05",
            "2024-05-19",
            "105",
            "Passed",
            "",
            "",
            "",
            "",
        ],
    ]


def test_neutralise_prefixes_only_formula_starts():
    assert [
        neutralise(v) for v in ["=1+1", "+62", "-x", "@SUM(A1)", "\tx", "\rx", "Budi", "", -5, 3.5, None]
    ] == [
        "'=1+1",
        "'+62",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "Budi",
        "",
        -5,
        3.5,
        None,
    ]


def test_csv_and_xlsx_neutralise_formula_cells_and_keep_numbers(english, administrator):
    english.force_login(administrator)
    program = ProgramFactory(title="=cmd|' /C calc'!A0")
    EnrolmentFactory(
        program=program,
        participant__name="@SUM(1+1)",
        participant__position="-2+3",
        participant__back_title="",
        note="+62 812",
    )

    csv_row = data_rows(csv_rows(english.get(url("roster", "csv", program.pk))))[1]
    sheet = xlsx_book(english.get(url("roster", "xlsx", program.pk))).worksheets[0]
    enrolments_row = data_rows(csv_rows(english.get(url("enrolments", "csv"))))[1]

    assert (csv_row[0], csv_row[2], csv_row[5], csv_row[15]) == ("1", "'@SUM(1+1)", "'-2+3", "'+62 812")
    assert (sheet["A2"].value, sheet["C2"].value, sheet["F2"].value, sheet["P2"].value) == (
        1,
        "'@SUM(1+1)",
        "'-2+3",
        "'+62 812",
    )
    assert sheet["C2"].data_type == "s"
    assert enrolments_row[0] == "'=cmd|' /C calc'!A0"
    assert enrolments_row[2] == "2025"


def test_export_by_anonymous_user_redirects_to_login(client, cohort):
    response = client.get(url("roster", "csv", cohort.pk))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url('roster', 'csv', cohort.pk)}"


@pytest.mark.parametrize("name", ["enrolments", "institutions", "history"])
def test_export_without_permission_is_refused(client, outsider, name):
    client.force_login(outsider)

    response = client.get(url(name, "csv"))

    assert response.status_code == 403
    assert ExportLog.objects.count() == 0


def test_liaison_export_holds_only_their_institution_and_those_below(client, liaison_of):
    ministry = InstitutionFactory(name="Kementerian Kesehatan")
    directorate = InstitutionFactory(name="Direktorat Jenderal Kesehatan Masyarakat", parent=ministry)
    elsewhere = InstitutionFactory(name="Kementerian Keuangan")
    program = ProgramFactory()
    for institution, name in [
        (ministry, "Ana Pusat"),
        (directorate, "Beni Ditjen"),
        (elsewhere, "Cici Lain"),
    ]:
        EnrolmentFactory(
            program=program,
            participant__institution=institution,
            participant__name=name,
            participant__back_title="",
        )
    client.force_login(liaison_of(ministry))

    roster = data_rows(csv_rows(client.get(url("roster", "csv", program.pk))))
    enrolments = data_rows(csv_rows(client.get(url("enrolments", "csv"))))
    history = data_rows(csv_rows(client.get(url("history", "csv"))))
    summary = data_rows(csv_rows(client.get(url("institutions", "csv"))))

    assert [row[2] for row in roster[1:]] == ["Ana Pusat", "Beni Ditjen"]
    assert [row[9] for row in enrolments[1:]] == ["Ana Pusat", "Beni Ditjen"]
    assert [row[1] for row in history[1:]] == ["Ana Pusat", "Beni Ditjen"]
    assert [row[0] for row in summary[1:]] == [
        "Direktorat Jenderal Kesehatan Masyarakat",
        "Kementerian Kesehatan",
    ]


def test_liaison_without_institution_link_exports_no_rows(english, cohort):
    user = UserFactory(groups=["Penghubung instansi"])
    english.force_login(user)

    rows = data_rows(csv_rows(english.get(url("roster", "csv", cohort.pk))))

    assert rows == [ROSTER_HEADER]


def test_personal_data_is_masked_without_the_permission(client, staff, cohort):
    client.force_login(staff)

    rows = data_rows(csv_rows(client.get(url("roster", "csv", cohort.pk))))
    history = data_rows(csv_rows(client.get(url("history", "csv"))))

    zoe = rows[2]
    assert (zoe[1], zoe[13], zoe[14]) == ("••••••••••••••2003", "••••••••••••••••o.id", "••••••••••2222")
    assert [row[0] for row in history[1:]] == ["••••••••••••••1001", "••••••••••••••2003"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_every_format_is_logged_with_its_row_count(client, administrator, cohort, fmt):
    client.force_login(administrator)

    content_of(client.get(url("roster", fmt, cohort.pk)))

    log = ExportLog.objects.get()
    assert (log.dataset, log.format, log.row_count, log.filters) == ("roster", fmt, 2, {"program": cohort.pk})


def test_export_with_invalid_filters_explains_and_writes_nothing(english, administrator):
    english.force_login(administrator)

    response = english.get(url("enrolments", "csv", year="dua-ribu", enrolment_status="lulus"))

    assert response.status_code == 400
    assert [str(p) for p in response.context["problems"]] == [
        "Year: Enter a number.",
        "Enrolment status: Select a valid choice. lulus is not one of the available choices.",
    ]
    assert ExportLog.objects.count() == 0


def test_pdf_over_the_row_limit_is_refused_with_a_hint(english, administrator, settings):
    settings.EXPORT_PDF_MAX_ROWS = 2
    english.force_login(administrator)
    EnrolmentFactory.create_batch(3)

    response = english.get(url("enrolments", "pdf"))

    assert response.status_code == 400
    assert [str(p) for p in response.context["problems"]] == [
        "A PDF holds at most 2 rows and this export has 3; choose CSV or XLSX."
    ]


def test_unknown_format_is_not_found(client, administrator):
    client.force_login(administrator)

    assert client.get("/exports/enrolments.xls").status_code == 404


def test_missing_font_raises_a_clear_error():
    with pytest.raises(PdfFontMissing) as error:
        find_font("NoSuchFont-Bold.ttf")

    assert "Install Debian's fonts-dejavu-core" in str(error.value)


@pytest.mark.parametrize("name", ["enrolments", "institutions", "history"])
def test_pdf_export_without_the_font_answers_503_and_logs_nothing(
    english, administrator, without_pdf_font, name
):
    english.force_login(administrator)
    EnrolmentFactory()

    response = english.get(url(name, "pdf"))

    assert response.status_code == 503
    assert [str(p) for p in response.context["problems"]] == [
        "PDF reports cannot be made on this server at the moment (a font is missing). Choose CSV or XLSX."
    ]
    assert ExportLog.objects.count() == 0


def test_admin_pdf_export_without_the_font_says_why(english, admin_user, cohort, without_pdf_font):
    english.force_login(admin_user)

    response = english.post(
        reverse("admin:participants_enrolment_changelist"),
        {"action": "export_pdf", "_selected_action": [e.pk for e in cohort.enrolments.all()]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "PDF reports cannot be made on this server at the moment (a font is missing). Choose CSV or XLSX."
    ]
    assert ExportLog.objects.count() == 0


def test_dejavu_font_is_found():
    assert find_font("DejaVuSans.ttf").name == "DejaVuSans.ttf"


def enrol(count):
    program = ProgramFactory(capacity=10)
    coach = PersonFactory()
    for _ in range(count):
        ChangeProjectFactory(enrolment__program=program, coach=coach, mentor=PersonFactory())
    return program


# The same number at 1 and 3 rows: session, user, permissions, the roster's program, the rows in one
# scan, the ExportLog (CSV: created, then its row count once streamed); the read transaction's
# statements (BEGIN on SQLite, SET LOCAL on PostgreSQL). Expected: (SQLite, PostgreSQL).
@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("roster", "csv", (10, 11)),
        ("roster", "xlsx", (9, 11)),
        ("roster", "pdf", (9, 11)),
        ("enrolments", "csv", (9, 10)),
        ("enrolments", "xlsx", (8, 10)),
        ("institutions", "pdf", (8, 10)),
        ("history", "xlsx", (8, 10)),
    ],
)
def test_export_queries_do_not_grow_with_rows(
    client, administrator, django_assert_num_queries, on_postgres, name, fmt, expected
):
    client.force_login(administrator)
    expected = expected[1] if on_postgres else expected[0]
    for count in (1, 3):
        program = enrol(count)
        args = [program.pk] if name == "roster" else []
        with django_assert_num_queries(expected):
            response = client.get(url(name, fmt, *args))
            content_of(response)
        assert response.status_code == 200


def test_admin_action_exports_the_selected_enrolments(english, admin_user, cohort):
    english.force_login(admin_user)
    selected = list(cohort.enrolments.order_by("participant__name"))[:1]

    response = english.post(
        reverse("admin:participants_enrolment_changelist"),
        {"action": "export_csv", "_selected_action": [e.pk for e in selected]},
    )

    rows = csv_rows(response)
    assert [row[9] for row in data_rows(rows)[1:]] == ["Andi Wijaya, S.T."]
    assert about_rows(rows)["Filters"] == "1 row selected in the administration"
    assert ExportLog.objects.get().origin == "admin"


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_admin_action_exports_the_selected_participants_history(admin_client, cohort, fmt):
    participants = [e.participant for e in cohort.enrolments.all()]

    response = admin_client.post(
        reverse("admin:participants_participant_changelist"),
        {"action": f"export_{fmt}", "_selected_action": [p.pk for p in participants]},
    )

    assert response.status_code == 200
    log = ExportLog.objects.get()
    assert (log.dataset, log.format, log.row_count) == ("history", fmt, 2)


def test_admin_export_actions_are_hidden_without_the_permission(client, cohort):
    user = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_enrolment"))
    client.force_login(user)

    response = client.get(reverse("admin:participants_enrolment_changelist"))

    assert response.status_code == 200
    assert 'value="export_csv"' not in response.content.decode()


def test_export_log_is_read_only_in_the_admin(english, admin_user, admin_client, cohort):
    english.force_login(admin_user)
    RosterExporter(user=None, program=cohort).write("csv", io.BytesIO())
    log = ExportLog.objects.get()

    changelist = english.get(reverse("admin:reports_exportlog_changelist"))
    change = english.get(reverse("admin:reports_exportlog_change", args=[log.pk]))

    assert "Roster of a program" in changelist.content.decode()
    assert 'name="_save"' not in change.content.decode()
    assert admin_client.get(reverse("admin:reports_exportlog_add")).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_export_report_command_writes_the_file(tmp_path, cohort, fmt):
    output = tmp_path / f"roster.{fmt}"
    out = io.StringIO()

    call_command(
        "export_report", "roster", "--program", str(cohort.pk), "--format", fmt, "-o", str(output), stdout=out
    )

    assert out.getvalue() == f"Wrote 2 rows to {output} ({fmt}).\n"
    assert output.stat().st_size > 0
    log = ExportLog.objects.get()
    assert (log.origin, log.user, log.row_count) == ("command", None, 2)


def test_export_report_command_applies_filters_and_the_users_scope(tmp_path, cohort, liaison_of):
    user = liaison_of(cohort.organiser)
    output = tmp_path / "enrolments.csv"

    call_command(
        "export_report",
        "enrolments",
        "--filter",
        "year=2025",
        "--user",
        user.username,
        "-o",
        str(output),
        stdout=io.StringIO(),
    )

    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert [row[9] for row in data_rows(rows)[1:]] == ["Andi Wijaya, S.T."]
    assert json.loads(json.dumps(ExportLog.objects.get().filters)) == {"year": "2025"}


def test_enrolments_exporter_rows_match_a_plain_query(cohort):
    exporter = EnrolmentsExporter(user=None)

    rows = list(exporter.iterate())

    assert len(rows) == 3
    assert [row[9] for row in rows[1:]] == ["Andi Wijaya, S.T.", "Dr. Zoë Ñuñez, M.Si."]
    assert list(rows[1][6:8]) == [datetime.date(2025, 6, 23), datetime.date(2025, 10, 7)]


def test_history_certificate_number_is_the_valid_certificates_in_every_format(
    english, administrator, cohort, pdf_text
):
    english.force_login(administrator)
    zoe = Enrolment.objects.get(participant__name="Zoë Ñuñez")
    reissued = reissue_certificate(
        certificate=zoe.certificates.get(), reason="Nama salah eja", issued_by=administrator
    )

    csv_data = data_rows(csv_rows(english.get(url("history", "csv"))))
    sheet = xlsx_book(english.get(url("history", "xlsx"))).worksheets[0]
    text = pdf_text(english.get(url("history", "pdf")).content)

    assert reissued.number == "002/STTP/PKN-2/BPSDM-BTN/2025"
    assert [row[9:] for row in csv_data] == [
        ["Attendance (%)", "Final score", "Qualification", "Certificate number"],
        ["100.0", "", "", ""],
        ["84.6", "86.45", "Memuaskan", "002/STTP/PKN-2/BPSDM-BTN/2025"],
    ]
    assert [list(row[9:]) for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        [100, None, None, None],
        [84.6, 86.45, "Memuaskan", "002/STTP/PKN-2/BPSDM-BTN/2025"],
    ]
    zoe_line = next(line for line in text.splitlines() if "Zoë" in line)
    assert zoe_line.split()[-4:-1] == ["84.6", "86.45", "Memuaskan"]
    assert "001/STTP" not in text


def test_enrolments_export_lifecycle_columns_in_csv_xlsx_and_pdf(english, administrator, cohort, pdf_text):
    english.force_login(administrator)

    csv_data = data_rows(csv_rows(english.get(url("enrolments", "csv"))))
    sheet = xlsx_book(english.get(url("enrolments", "xlsx"))).worksheets[0]
    text = pdf_text(english.get(url("enrolments", "pdf")).content)

    assert [row[15:] for row in csv_data] == [
        ["Attendance (%)", "Final score", "Qualification", "Certificate number"],
        ["100.0", "", "", ""],
        ["84.6", "86.45", "Memuaskan", "001/STTP/PKN-2/BPSDM-BTN/2025"],
    ]
    assert [list(row[15:]) for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        [100, None, None, None],
        [84.6, 86.45, "Memuaskan", "001/STTP/PKN-2/BPSDM-BTN/2025"],
    ]
    assert sheet["Q3"].data_type == "n"
    zoe_line = next(line for line in text.splitlines() if "Dr. Zoë" in line)
    assert zoe_line.split()[-4:-1] == ["84.6", "86.45", "Memuaskan"]
    assert zoe_line.split()[-1].startswith("001/STTP/")  # the number wraps in its column
    andi_line = next(line for line in text.splitlines() if "Andi Wijaya" in line)
    assert andi_line.split()[-2:] == ["Active", "100.0"]


ATTENDANCE_CASES = [
    # (status, JP of the session) of each record: the JP attended in percent of the JP recorded; ties at
    # the second decimal are rounded half to even, as Decimal does.
    ([("present", 1)] + [("absent", 1)] * 15, "6.2"),  # 6.25
    ([("present", 3), ("absent", 13)], "18.8"),  # 18.75
    ([("present", 2), ("late", 2), ("absent", 2)], "66.7"),  # 66.666...
    ([("late", 1), ("absent", 2)], "33.3"),  # 33.333...
    ([("absent", 2), ("absent", 4)], "0.0"),
    ([("present", 8), ("late", 1)], "100.0"),
    ([("present", 2), ("absent", 20)], "9.1"),  # 2 of 22 JP; by sessions 50.0
    ([("absent", 2), ("late", 20)], "90.9"),  # 20 of 22 JP
    ([("present", 0)], None),  # only a session of 0 JP: nothing to weigh
    ([], None),  # nothing recorded: empty
]


def test_lifecycle_columns_agree_with_the_pages_rules(cohort):
    program = ProgramFactory()
    enrolments = []
    for index, (marks, _expected) in enumerate(ATTENDANCE_CASES):
        enrolment = EnrolmentFactory(program=program, participant__name=f"Peserta {index:02d}")
        for status, jp in marks:
            AttendanceFactory(enrolment=enrolment, session__jp=jp, status=status)
        enrolments.append(enrolment)
    score_all(enrolments[0], [59.99, 60, 60, 60])  # 59.998 -> 60.00: reaches "Kurang Memuaskan"
    score_all(enrolments[1], [100, 100, 100, 100])
    score_all(enrolments[2], [70.5, 70.25, 70.75, 70.13])
    EvaluationScoreFactory(enrolment=enrolments[3])  # one of four: no final score

    rows = list(EnrolmentsExporter(user=None, filter_data={"q": program.title}).iterate())[1:]

    expected = [
        [
            enrolment.attendance_rate,
            enrolment.final_score,
            enrolment.qualification or "",
            enrolment.certificate_number or "",
        ]
        for enrolment in EnrolmentResult.objects.filter(program=program)
        .with_attendance()
        .with_results()
        .with_certificate()
        .order_by("participant__name")
    ]
    assert [list(row[15:]) for row in rows] == expected
    assert [row[15] for row in rows] == [
        None if rate is None else Decimal(rate) for _marks, rate in ATTENDANCE_CASES
    ]
    assert [list(row[16:18]) for row in rows[:4]] == [
        [Decimal("60.00"), "Kurang Memuaskan"],
        [Decimal("100.00"), "Sangat Memuaskan"],
        [Decimal("70.33"), "Cukup Memuaskan"],  # 70.327
        [None, ""],
    ]


EDGE_SCORES = {
    # Two components of weights 1 and 3; thresholds 50 ("=Baik") and 75.5 ("Amat baik").
    "A": [40, 45],  # 43.75: under the lowest threshold
    "B": [50, 50],  # 50.00: exactly the lowest
    "C": [75, 75.4],  # 75.30: under the next
    "D": [75.5, 75.5],  # 75.50: exactly the next
    "E": [100, 100],
    "F": [60],  # one of two: no final score
    "G": [],
}


def test_lifecycle_columns_at_the_edges_of_the_rules_in_every_dataset(english, administrator, cohort):
    """The lifecycle columns at the edges of the rules: thresholds reached exactly or not, a type without
    thresholds, a score of another type, certificates revoked and reissued, no attendance, and a file
    filtered to one program, all as the pages say."""
    english.force_login(administrator)
    kind = ProgramTypeFactory(code="uji", name="Pelatihan Uji", abbreviation="PU")
    theory = EvaluationComponent.objects.create(program_type=kind, name="Teori", weight=Decimal("1"), order=1)
    EvaluationComponent.objects.create(program_type=kind, name="Praktik", weight=Decimal("3"), order=2)
    Qualification.objects.create(program_type=kind, label="=Baik", min_score=Decimal("50"))
    Qualification.objects.create(program_type=kind, label="Amat baik", min_score=Decimal("75.5"))
    program = ProgramFactory(program_type=kind, title="Pelatihan Uji 2025")
    session = SessionFactory(program=program)
    enrolments = {}
    for name, values in EDGE_SCORES.items():
        enrolment = EnrolmentFactory(
            program=program, participant__name=f"Peserta {name}", status=EnrolmentStatus.PASSED
        )
        if len(values) == 2:
            score_all(enrolment, values)
        elif values:
            EvaluationScoreFactory(enrolment=enrolment, component=theory, score=Decimal(values[0]))
        if name != "G":
            AttendanceFactory(enrolment=enrolment, session=session, status=AttendanceStatus.LATE)
        enrolments[name] = enrolment
    # A score on a component of another type counts for neither type.
    EvaluationScoreFactory(
        enrolment=enrolments["D"],
        component=EvaluationComponent.objects.filter(program_type=cohort.program_type).first(),
    )
    reissued = reissue_certificate(
        certificate=issue_certificate(enrolment=signed(enrolments["E"]), issued_by=None),
        reason="Nama salah eja",
        issued_by=administrator,
    )
    revoke_certificate(
        certificate=issue_certificate(enrolment=signed(enrolments["A"]), issued_by=None),
        reason="Terbit keliru",
        revoked_by=administrator,
    )
    bare = ProgramTypeFactory(code="uji-2", name="Pelatihan Tanpa Predikat", abbreviation="PTP")
    EvaluationComponent.objects.create(program_type=bare, name="Ujian", weight=Decimal("2"), order=1)
    untitled = EnrolmentFactory(
        program=ProgramFactory(program_type=bare, title="Pelatihan Tanpa Predikat 2025"),
        participant__name="Peserta H",
    )
    EvaluationScoreFactory(enrolment=untitled, score=Decimal("88"))

    exporter = EnrolmentsExporter(user=None, filter_data={"q": "Pelatihan Uji"})
    rows = [list(row[15:]) for row in exporter.iterate()][1:]
    roster = [list(row[16:]) for row in RosterExporter(user=None, program=program).iterate()][1:]
    history = [list(row[9:]) for row in HistoryExporter(user=None).iterate() if "Peserta H" in row[1]]
    csv_data = [row[16:] for row in data_rows(csv_rows(english.get(url("roster", "csv", program.pk))))[1:]]

    late = Decimal("100.0")
    assert rows == [
        [late, Decimal("43.75"), "", ""],
        [late, Decimal("50.00"), "'=Baik", ""],
        [late, Decimal("75.30"), "'=Baik", ""],
        [late, Decimal("75.50"), "Amat baik", ""],
        [late, Decimal("100.00"), "Amat baik", reissued.number],
        [late, None, "", ""],
        [None, None, "", ""],
    ]
    assert rows == [
        [e.attendance_rate, e.final_score, neutralise(e.qualification or ""), e.certificate_number or ""]
        for e in EnrolmentResult.objects.filter(program=program)
        .with_results()
        .with_certificate()
        .order_by("participant__name")
    ]
    assert exporter.query().count() == 7
    assert roster == rows
    assert csv_data == [
        ["100.0", "43.75", "", ""],
        ["100.0", "50.00", "'=Baik", ""],
        ["100.0", "75.30", "'=Baik", ""],
        ["100.0", "75.50", "Amat baik", ""],
        ["100.0", "100.00", "Amat baik", reissued.number],
        ["100.0", "", "", ""],
        ["", "", "", ""],
    ]
    assert history == [[None, Decimal("88.00"), "", ""]]  # a type without thresholds
