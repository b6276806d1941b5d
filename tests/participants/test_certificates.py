import csv
import datetime
import io
import shutil
import subprocess
import threading
import zipfile
from decimal import Decimal

import pytest
import segno
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.urls import reverse

from lifecycle.documents import render_certificate_pdf, verification_qr
from lifecycle.models import Certificate, CertificateCounter
from lifecycle.services import issue_certificate, issue_certificates, reissue_certificate, revoke_certificate
from participants.models import EnrolmentStatus
from programs.models import ProgramTypeRules
from tests.factories import (
    EnrolmentFactory,
    InstitutionFactory,
    ParticipantFactory,
    PersonFactory,
    ProgramFactory,
    ProgramRoleFactory,
    make_nip,
)
from tests.lifecycle_support import passed_enrolment, persona, score_all
from trainingtracker.files import PdfFontMissing

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")


def pdf_text(data):
    return subprocess.run([PDFTOTEXT, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def numbers(program=None):
    rows = Certificate.objects.order_by("sequence")
    if program is not None:
        rows = rows.filter(enrolment__program=program)
    return list(rows.values_list("number", flat=True))


def banten_program(**kwargs):
    organiser = InstitutionFactory(
        name="Badan Pengembangan SDM Provinsi Banten", short_name="BPSDM Banten", code="BPSDM-BTN"
    )
    return ProgramFactory(organiser=organiser, capacity=20, **kwargs)


# Numbers ----------------------------------------------------------------------------------------------


def test_certificate_numbers_follow_the_configured_format_without_gaps():
    program = banten_program()
    enrolments = [passed_enrolment(program=program) for _ in range(3)]

    for enrolment in enrolments:
        issue_certificate(enrolment=enrolment, issued_by=None)

    assert numbers() == [
        "001/STTP/PKN-2/BPSDM-BTN/2025",
        "002/STTP/PKN-2/BPSDM-BTN/2025",
        "003/STTP/PKN-2/BPSDM-BTN/2025",
    ]
    assert CertificateCounter.objects.get().last_number == 3


def test_certificate_number_format_edited_by_an_administrator_is_used():
    program = banten_program()
    ProgramTypeRules.objects.filter(program_type=program.program_type).update(
        certificate_number_format="STTP-{seq:05d}/{organiser}/{year}"
    )

    certificate = issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)

    assert certificate.number == "STTP-00001/BPSDM-BTN/2025"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{year}/STTP", "The format must contain {seq}, the running number."),
        (
            "{seq}/{unknown}",
            "Use only the fields {seq}, {year}, {code}, {organiser}, {angkatan} in braces, for example {seq:03d}/STTP/{year}.",
        ),
        (
            "{seq:03d/{year}",
            "Use only the fields {seq}, {year}, {code}, {organiser}, {angkatan} in braces, for example {seq:03d}/STTP/{year}.",
        ),
        (
            "{}/STTP",
            "Use only the fields {seq}, {year}, {code}, {organiser}, {angkatan} in braces, for example {seq:03d}/STTP/{year}.",
        ),
    ],
)
def test_certificate_number_format_that_cannot_number_is_refused(value, message):
    rules = ProgramTypeRules.objects.get(program_type__code="pkn-2")
    rules.certificate_number_format = value

    with pytest.raises(ValidationError) as error:
        rules.full_clean()

    assert error.value.message_dict == {"certificate_number_format": [message]}


def test_certificate_sequence_is_per_organiser_and_year():
    first = banten_program()
    same_organiser_next_year = ProgramFactory(organiser=first.organiser, year=2026, capacity=5)
    other_organiser = ProgramFactory(capacity=5)

    issued = [
        issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None).sequence
        for program in (first, first, same_organiser_next_year, other_organiser)
    ]

    assert issued == [1, 2, 1, 1]


def test_refused_certificate_takes_no_number():
    program = banten_program()
    with pytest.raises(ValidationError) as error:
        issue_certificate(
            enrolment=EnrolmentFactory(program=program, status=EnrolmentStatus.FAILED), issued_by=None
        )

    certificate = issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)

    assert error.value.messages == ["Only a participant who passed gets a certificate."]
    assert certificate.sequence == 1


def test_second_valid_certificate_for_an_enrolment_is_refused():
    enrolment = passed_enrolment()
    issue_certificate(enrolment=enrolment, issued_by=None)

    with pytest.raises(ValidationError) as error:
        issue_certificate(enrolment=enrolment, issued_by=None)

    assert error.value.messages == ["This enrolment already has a valid certificate."]
    assert CertificateCounter.objects.get().last_number == 1


def test_revoked_number_stays_used_and_the_reissue_takes_the_next():
    program = banten_program()
    first = issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)
    issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)

    new = reissue_certificate(certificate=first, reason="Nama salah tulis", issued_by=None)

    first.refresh_from_db()
    assert (first.is_valid, first.revocation_reason) == (False, "Nama salah tulis")
    assert (new.sequence, new.replaces, new.enrolment_id) == (3, first, first.enrolment_id)
    assert new.token != first.token
    assert [c.sequence for c in Certificate.objects.order_by("sequence")] == [1, 2, 3]


def test_revocation_without_a_reason_is_refused():
    certificate = issue_certificate(enrolment=passed_enrolment(), issued_by=None)

    with pytest.raises(ValidationError) as error:
        revoke_certificate(certificate=certificate, reason="  ", revoked_by=None)

    assert error.value.messages == ["Give a reason for the revocation."]


def test_issue_certificates_serves_every_passed_enrolment_once_by_name():
    program = banten_program()
    zed = passed_enrolment(program=program, participant=ParticipantFactory(name="Zainal"))
    ani = passed_enrolment(program=program, participant=ParticipantFactory(name="Ani"))
    EnrolmentFactory(program=program, status=EnrolmentStatus.FAILED)

    issued = issue_certificates(enrolments=program.enrolments.all(), issued_by=None)
    again = issue_certificates(enrolments=program.enrolments.all(), issued_by=None)

    assert [(c.enrolment, c.sequence) for c in issued] == [(ani, 1), (zed, 2)]
    assert again == []


def test_certificate_keeps_the_result_and_signer_as_issued():
    program = banten_program(venue="BPSDM Provinsi Banten, Pandeglang")
    ProgramRoleFactory(
        program=program,
        role="organiser_head",
        person=PersonFactory(name="Untung Saritomo", position="Kepala BPSDM"),
    )
    enrolment = passed_enrolment(program=program)
    score_all(enrolment, [90, 90, 90, 90])

    certificate = issue_certificate(enrolment=enrolment, issued_by=None, issued_on=datetime.date(2025, 10, 7))
    score_all(enrolment, [70, 70, 70, 70])
    certificate.refresh_from_db()

    assert (
        certificate.qualification,
        certificate.final_score,
        certificate.signer_name,
        certificate.signer_position,
        certificate.signing_place,
    ) == ("Sangat Memuaskan", Decimal("90.00"), "Untung Saritomo", "Kepala BPSDM", "Pandeglang")


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_take_the_same_number():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with a database lock; the counter's row lock needs PostgreSQL")
    program = banten_program()
    enrolments = [passed_enrolment(program=program) for _ in range(10)]
    barrier = threading.Barrier(len(enrolments))
    errors = []

    def issue(enrolment):
        try:
            barrier.wait()
            issue_certificate(enrolment=enrolment, issued_by=None)
        except Exception as error:  # noqa: BLE001 (any failure in a thread must reach the assertion)
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=issue, args=(e,)) for e in enrolments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(Certificate.objects.values_list("sequence", flat=True)) == list(range(1, 11))
    assert CertificateCounter.objects.get().last_number == 10


# The PDF ----------------------------------------------------------------------------------------------


def certificate_with_person(**participant):
    program = banten_program(venue="BPSDM Provinsi Banten, Pandeglang")
    birth = datetime.date(1986, 9, 26)
    person = ParticipantFactory(
        birth_date=birth,
        gender="M",
        nip=make_nip(birth_date=birth, tmt_year=2015, tmt_month=5, gender="M", sequence=1),
        **participant,
    )
    enrolment = passed_enrolment(program=program, participant=person)
    score_all(enrolment, [90, 90, 90, 90])
    return issue_certificate(enrolment=enrolment, issued_by=None, issued_on=datetime.date(2025, 10, 7))


@needs_pdftotext
def test_certificate_pdf_holds_the_name_number_nip_and_verification_address():
    certificate = certificate_with_person(name="Ñoman Śuryadi", front_title="Dr.", birth_place="Serang")
    url = f"https://tracker.example.go.id/verify/{certificate.token}/"

    text = pdf_text(render_certificate_pdf(certificate, verification_url=url, jp=332))

    assert "Dr. Ñoman Śuryadi" in text
    assert "001/STTP/PKN-2/BPSDM-BTN/2025" in text
    assert "19860926 201505 1 001" in text
    assert "Serang, 26 September 1986" in text
    assert "SANGAT MEMUASKAN" in text
    assert "(332 JP)" in text
    assert url in text


def test_certificate_qr_encodes_the_verification_address():
    url = "https://tracker.example.go.id/verify/abc/"

    qr = verification_qr(url)

    assert qr.matrix == segno.make(url, error="m").matrix
    assert qr.designator == segno.make(url, error="m").designator


@needs_pdftotext
def test_certificate_pdf_download_carries_the_public_verification_address(admin_client, settings):
    settings.PUBLIC_BASE_URL = "https://tracker.example.go.id"
    certificate = certificate_with_person()

    response = admin_client.get(reverse("lifecycle:certificate_pdf", args=[certificate.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert f"https://tracker.example.go.id/verify/{certificate.token}/" in pdf_text(response.content)


@needs_pdftotext
def test_revoked_certificate_pdf_says_revoked():
    certificate = certificate_with_person()
    revoke_certificate(certificate=certificate, reason="Salah terbit", revoked_by=None)

    text = pdf_text(render_certificate_pdf(certificate, verification_url="https://x.example/v/", jp=1))

    assert "DICABUT" in text  # the certificate is always in the site language, Indonesian


def test_certificate_pdf_without_the_font_fails_instead_of_falling_back(without_pdf_font):
    certificate = certificate_with_person(name="Ñoman Śuryadi")

    with pytest.raises(PdfFontMissing) as error:
        render_certificate_pdf(certificate, verification_url="https://x.example/v/", jp=1)

    assert "Install Debian's fonts-dejavu-core" in str(error.value)


@pytest.mark.parametrize("name", ["pdf", "zip"])
def test_certificate_downloads_without_the_font_answer_503_with_the_reports_message(
    english, without_pdf_font, name
):
    certificate = certificate_with_person()
    english.force_login(persona("administrator"))
    target = certificate.pk if name == "pdf" else certificate.enrolment.program_id

    response = english.get(reverse(f"lifecycle:certificate_{name}", args=[target]))

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert (
        "PDF reports cannot be made on this server at the moment (a font is missing)."
        in response.content.decode()
    )


# Verification page -------------------------------------------------------------------------------------


def test_verification_page_needs_no_login_and_shows_only_what_confirms(client):
    certificate = certificate_with_person(
        name="Siti Rahmawati", birth_place="Serang", email="siti@example.go.id"
    )
    participant = certificate.enrolment.participant

    response = client.get(reverse("lifecycle:verify", args=[certificate.token]))

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["valid"] is True
    assert {key: response.context[key] for key in ("name", "program_title", "year", "qualification")} == {
        "name": "Siti Rahmawati",
        "program_title": certificate.enrolment.program.title,
        "year": 2025,
        "qualification": "Sangat Memuaskan",
    }
    assert certificate.number in page  # to match the paper
    for secret in (
        participant.nip,
        "19860926 201505 1 001",
        "Serang",
        "siti@example.go.id",
        participant.institution.name,
    ):
        assert secret not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_verification_page_shows_a_revoked_certificate_as_revoked(english):
    certificate = certificate_with_person()
    revoke_certificate(certificate=certificate, reason="Salah terbit", revoked_by=None)

    response = english.get(reverse("lifecycle:verify", args=[certificate.token]))

    page = response.content.decode()
    assert "Revoked certificate" in page
    assert "Valid certificate" not in page
    assert "Salah terbit" not in page


def test_verification_page_of_an_unknown_token_is_404(client):
    certificate_with_person()

    assert client.get(reverse("lifecycle:verify", args=["no-such-token"])).status_code == 404


def test_verification_page_is_not_reachable_by_the_number(client):
    certificate = certificate_with_person()

    response = client.get(f"/verify/{certificate.number}/")

    assert response.status_code == 404


# ZIP and register ---------------------------------------------------------------------------------------


def test_zip_holds_one_pdf_per_passed_enrolment(admin_client):
    program = banten_program()
    names = ["Ani", "Budi", "Citra"]
    for name in names:
        passed_enrolment(program=program, participant=ParticipantFactory(name=name))
    EnrolmentFactory(program=program, status=EnrolmentStatus.FAILED)
    issue_certificates(enrolments=program.enrolments.all(), issued_by=None)
    revoked = issue_certificate(
        enrolment=passed_enrolment(program=program, participant=ParticipantFactory(name="Dodi")),
        issued_by=None,
    )
    reissue_certificate(certificate=revoked, reason="Gelar salah", issued_by=None)

    response = admin_client.get(reverse("lifecycle:certificate_zip", args=[program.pk]))

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert response["Content-Type"] == "application/zip"
    assert archive.namelist() == [
        "STTP-2025-0001-ani.pdf",
        "STTP-2025-0002-budi.pdf",
        "STTP-2025-0003-citra.pdf",
        "STTP-2025-0005-dodi.pdf",
    ]
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())


def test_zip_without_certificates_returns_to_the_register(admin_client):
    program = banten_program()

    response = admin_client.get(reverse("lifecycle:certificate_zip", args=[program.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("lifecycle:certificate_register", args=[program.pk])


def test_register_lists_the_certificates_and_the_passed_without_one(admin_client):
    program = banten_program()
    first = issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)
    waiting = passed_enrolment(program=program)

    response = admin_client.get(reverse("lifecycle:certificate_register", args=[program.pk]))

    assert response.context["certificates"] == [first]
    assert response.context["pending"] == [waiting]
    assert first.number in response.content.decode()


def test_register_issue_button_issues_the_missing_certificates(admin_client):
    program = banten_program()
    enrolments = [passed_enrolment(program=program) for _ in range(2)]

    response = admin_client.post(reverse("lifecycle:certificate_issue", args=[program.pk]))

    assert response.status_code == 302
    assert sorted(Certificate.objects.values_list("enrolment_id", flat=True)) == sorted(
        e.pk for e in enrolments
    )


def test_register_csv_has_a_bom_a_header_and_masks_the_nip_without_permission(english):
    certificate = certificate_with_person(name="=HYPERLINK(1)")
    english.force_login(persona("staff"))

    response = english.get(
        reverse("lifecycle:certificate_register_csv", args=[certificate.enrolment.program_id])
    )

    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body.removeprefix("\ufeff")))) == [
        [
            "Number",
            "Status",
            "Issued on",
            "Name",
            "NIP",
            "Institution",
            "Qualification",
            "Final score",
            "Signer",
            "Replaces",
            "Revoked at",
            "Reason for the revocation",
        ],
        [
            "001/STTP/PKN-2/BPSDM-BTN/2025",
            "valid",
            "2025-10-07",
            "'=HYPERLINK(1)",
            "••••••••••••••1001",
            certificate.enrolment.participant.institution.name,
            "Sangat Memuaskan",
            "90.00",
            "Untung Saritomo",
            "",
            "",
            "",
        ],
    ]


# Revoke and reissue pages -------------------------------------------------------------------------------


def test_revoke_page_needs_a_reason(admin_client):
    certificate = issue_certificate(enrolment=passed_enrolment(), issued_by=None)

    response = admin_client.post(
        reverse("lifecycle:certificate_revoke", args=[certificate.pk]), {"reason": ""}
    )

    certificate.refresh_from_db()
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reason"]
    assert certificate.is_valid


def test_revoke_page_revokes_with_the_reason(admin_client):
    certificate = issue_certificate(enrolment=passed_enrolment(), issued_by=None)

    response = admin_client.post(
        reverse("lifecycle:certificate_revoke", args=[certificate.pk]), {"reason": "Terbit keliru"}
    )

    certificate.refresh_from_db()
    assert response.status_code == 302
    assert (certificate.is_valid, certificate.revocation_reason) == (False, "Terbit keliru")


def test_reissue_page_issues_a_replacement(admin_client):
    certificate = issue_certificate(enrolment=passed_enrolment(), issued_by=None)

    admin_client.post(
        reverse("lifecycle:certificate_reissue", args=[certificate.pk]), {"reason": "Nama diperbaiki"}
    )

    replacement = Certificate.objects.valid().get()
    assert (replacement.replaces, replacement.sequence) == (certificate, 2)


# Permissions ------------------------------------------------------------------------------------------


def program_urls(program):
    return {
        "register": reverse("lifecycle:certificate_register", args=[program.pk]),
        "csv": reverse("lifecycle:certificate_register_csv", args=[program.pk]),
        "zip": reverse("lifecycle:certificate_zip", args=[program.pk]),
        "issue": reverse("lifecycle:certificate_issue", args=[program.pk]),
    }


def certificate_urls(certificate):
    return {
        "pdf": reverse("lifecycle:certificate_pdf", args=[certificate.pk]),
        "revoke": reverse("lifecycle:certificate_revoke", args=[certificate.pk]),
        "reissue": reverse("lifecycle:certificate_reissue", args=[certificate.pk]),
    }


def fetch(client, name, url):
    return client.post(url) if name == "issue" else client.get(url)


ALL_URLS = ["register", "csv", "zip", "issue", "pdf", "revoke", "reissue"]


def urls_for(certificate):
    return {**program_urls(certificate.enrolment.program), **certificate_urls(certificate)}


@pytest.mark.parametrize("name", ALL_URLS)
def test_certificate_pages_send_anonymous_users_to_the_login_page(client, name):
    url = urls_for(issue_certificate(enrolment=passed_enrolment(), issued_by=None))[name]

    response = fetch(client, name, url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ALL_URLS)
def test_certificate_pages_are_refused_to_a_user_without_permission(client, name):
    url = urls_for(issue_certificate(enrolment=passed_enrolment(), issued_by=None))[name]
    client.force_login(persona("outsider"))

    assert fetch(client, name, url).status_code == 403


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("register", 200),
        ("csv", 200),
        ("zip", 403),
        ("issue", 403),
        ("pdf", 403),
        ("revoke", 403),
        ("reissue", 403),
    ],
)
def test_certificate_pages_for_staff_are_read_only_without_personal_data(client, name, status):
    url = urls_for(issue_certificate(enrolment=passed_enrolment(), issued_by=None))[name]
    client.force_login(persona("staff"))

    assert fetch(client, name, url).status_code == status


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("register", 200),
        ("csv", 200),
        ("zip", 200),
        ("issue", 302),
        ("pdf", 200),
        ("revoke", 200),
        ("reissue", 200),
    ],
)
def test_certificate_pages_are_open_to_administrators(client, name, status):
    url = urls_for(issue_certificate(enrolment=passed_enrolment(), issued_by=None))[name]
    client.force_login(persona("administrator"))

    assert fetch(client, name, url).status_code == status


@pytest.mark.parametrize("name", ["pdf", "revoke", "reissue"])
def test_certificate_of_another_institution_is_404_for_a_liaison(client, name):
    url = urls_for(issue_certificate(enrolment=passed_enrolment(), issued_by=None))[name]
    client.force_login(
        persona("liaison", institution=InstitutionFactory(), perms=["lifecycle.change_certificate"])
    )

    assert fetch(client, name, url).status_code == 404


def test_register_shows_a_liaison_only_their_institution(client):
    program = banten_program()
    home = InstitutionFactory()
    mine = issue_certificate(
        enrolment=passed_enrolment(program=program, participant=ParticipantFactory(institution=home)),
        issued_by=None,
    )
    issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)
    client.force_login(persona("liaison", institution=home))

    register = client.get(reverse("lifecycle:certificate_register", args=[program.pk]))
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("lifecycle:certificate_zip", args=[program.pk])).content)
    )

    assert register.context["certificates"] == [mine]
    assert len(archive.namelist()) == 1


# Query counts ------------------------------------------------------------------------------------------


def issue_more(program, count):
    for _ in range(count):
        issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)


# session, user, permissions (2), program, certificates, pending enrolments.
REGISTER_QUERIES = 7
# session, user, permissions (2), program, certificates (one chunk), and the streaming response's end.
CSV_QUERIES = 6
# session, user, permissions (2), program, certificates, the program's JP.
ZIP_QUERIES = 7


@pytest.mark.parametrize(
    ("name", "expected"), [("register", REGISTER_QUERIES), ("csv", CSV_QUERIES), ("zip", ZIP_QUERIES)]
)
def test_certificate_pages_queries_do_not_grow_with_certificates(
    client, django_assert_num_queries, name, expected
):
    program = banten_program()
    client.force_login(persona("administrator"))
    issue_more(program, 1)
    url = program_urls(program)[name]

    with django_assert_num_queries(expected):
        response = client.get(url)
        if name == "csv":
            b"".join(response.streaming_content)
    issue_more(program, 3)
    with django_assert_num_queries(expected):
        response = client.get(url)
        if name == "csv":
            b"".join(response.streaming_content)

    assert response.status_code == 200


# session, user, permissions (2), the certificate, the program's JP.
PDF_QUERIES = 6
# session, user, permissions (2), the certificate.
CHANGE_PAGE_QUERIES = 5


@pytest.mark.parametrize(
    ("name", "expected"),
    [("pdf", PDF_QUERIES), ("revoke", CHANGE_PAGE_QUERIES), ("reissue", CHANGE_PAGE_QUERIES)],
)
def test_certificate_page_queries_do_not_grow_with_the_program(
    client, django_assert_num_queries, name, expected
):
    program = banten_program()
    certificate = issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)
    client.force_login(persona("administrator"))
    url = certificate_urls(certificate)[name]
    with django_assert_num_queries(expected):
        client.get(url)

    issue_more(program, 3)
    reissue_certificate(
        certificate=Certificate.objects.valid().exclude(pk=certificate.pk).first(), reason="x", issued_by=None
    )
    with django_assert_num_queries(expected):
        response = client.get(url)

    assert response.status_code == 200


def test_certificate_number_format_making_too_long_numbers_is_refused():
    program = banten_program()
    ProgramTypeRules.objects.filter(program_type=program.program_type).update(
        certificate_number_format="{seq:0>200}"
    )

    with pytest.raises(ValidationError) as error:
        issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)

    assert error.value.messages == ["The certificate number format of PKN Tingkat II makes numbers too long."]
    assert Certificate.objects.count() == 0


# the certificate.
VERIFY_QUERIES = 1


def test_verification_page_queries_do_not_grow_with_certificates(client, django_assert_num_queries):
    program = banten_program()
    certificate = issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)
    url = reverse("lifecycle:verify", args=[certificate.token])
    with django_assert_num_queries(VERIFY_QUERIES):
        client.get(url)

    issue_more(program, 3)
    with django_assert_num_queries(VERIFY_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
