"""Records that can be trusted (issue 13): a certificate is issued only when its paper would be complete,
demo records never verify as real, the public page shows what a checker needs, the QR code carries the
configured public address, numbers hold the organiser's code and no spaces, and the sequence stays gap-free
and unique under concurrent issuing and any mix of issue, revoke and reissue."""

import datetime
import io
import os
import shutil
import subprocess
import sys
import threading

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from lifecycle.documents import render_certificate_pdf, verification_qr
from lifecycle.models import Certificate, CertificateCounter
from lifecycle.services import issue_certificate, issue_certificates, reissue_certificate, revoke_certificate
from participants.models import EnrolmentStatus
from programs.models import Institution, PositionLevel, ProgramRole, ProgramTypeRules, RoleKind
from programs.models.rules import validate_certificate_number_format
from tests.factories import (
    EnrolmentFactory,
    InstitutionFactory,
    ParticipantFactory,
    PersonFactory,
    ProgramFactory,
)
from tests.lifecycle_support import passed_enrolment, persona
from trainingtracker.checks import check_public_base_url

pytestmark = pytest.mark.django_db

PUBLIC = "https://pelatihan.example.go.id"


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def pdf_text(data):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def organiser(code="BPSDM-BTN", name="Badan Pengembangan SDM Provinsi Banten"):
    return InstitutionFactory(name=name, code=code)


def program_of(**kwargs):
    """A program of the organiser (BPSDM-BTN by default), without a signer: passed_enrolment() adds one
    (the organiser's head), EnrolmentFactory does not."""
    return ProgramFactory(organiser=kwargs.pop("organiser", None) or organiser(), capacity=20, **kwargs)


def person(name, **kwargs):
    return ParticipantFactory(name=name, **kwargs)


# 1. Nothing is issued that the paper could not show ------------------------------------------------------


SIGNER_MISSING = (
    "the signer's name is missing (the training rules of PKN Tingkat II, or the organiser's head among the "
    "program's roles); the signer's position is missing (the training rules of PKN Tingkat II, or the "
    "position of the organiser's head)"
)


def test_issue_certificate_without_a_signer_is_refused_naming_the_participant():
    program = program_of()
    enrolment = EnrolmentFactory(
        program=program, participant=person("Ani Rahma"), status=EnrolmentStatus.PASSED
    )

    with pytest.raises(ValidationError) as error:
        issue_certificate(enrolment=enrolment, issued_by=None)

    assert error.value.messages == [f"Ani Rahma: {SIGNER_MISSING}."]
    assert (Certificate.objects.count(), CertificateCounter.objects.count()) == (0, 0)


def test_issue_certificate_with_a_signer_without_position_names_the_position():
    program = program_of()
    ProgramTypeRules.objects.filter(program_type=program.program_type).update(signer_name="Untung Saritomo")
    enrolment = EnrolmentFactory(
        program=program, participant=person("Ani Rahma"), status=EnrolmentStatus.PASSED
    )

    with pytest.raises(ValidationError) as error:
        issue_certificate(enrolment=enrolment, issued_by=None)

    assert error.value.messages == [
        "Ani Rahma: the signer's position is missing (the training rules of PKN Tingkat II, or the position "
        "of the organiser's head)."
    ]


def test_issue_certificate_without_a_number_format_is_refused():
    enrolment = passed_enrolment(program=program_of(), participant=person("Ani Rahma"))
    ProgramTypeRules.objects.filter(program_type=enrolment.program.program_type).update(
        certificate_number_format=""
    )

    with pytest.raises(ValidationError) as error:
        issue_certificate(enrolment=enrolment, issued_by=None)

    assert error.value.messages == ["Ani Rahma: the certificate number format of PKN Tingkat II is missing."]


def test_issue_certificate_of_a_civil_servant_without_nip_is_refused():
    enrolment = passed_enrolment(program=program_of(), participant=person("Ani Rahma", nip=None))

    with pytest.raises(ValidationError) as error:
        issue_certificate(enrolment=enrolment, issued_by=None)

    assert error.value.messages == [
        "Ani Rahma: the NIP is missing (a civil servant's certificate shows it; for someone who is not a "
        "civil servant, set the position level to “not a civil servant”)."
    ]


def test_issue_certificate_of_a_police_officer_without_nip_is_issued():
    participant = person("Bambang", nip=None, position_level=PositionLevel.NON_ASN, rank="")
    enrolment = passed_enrolment(program=program_of(), participant=participant)

    certificate = issue_certificate(enrolment=enrolment, issued_by=None)

    assert certificate.number == "001/STTP/PKN-2/BPSDM-BTN/2025"


def test_issue_certificates_batch_is_all_or_nothing_with_a_message_per_participant():
    complete = program_of()
    without_signer = program_of(organiser=complete.organiser)
    passed_enrolment(program=complete, participant=person("Citra"))
    EnrolmentFactory(program=without_signer, participant=person("Budi"), status=EnrolmentStatus.PASSED)
    EnrolmentFactory(program=without_signer, participant=person("Ani"), status=EnrolmentStatus.PASSED)
    everyone = EnrolmentFactory._meta.model.objects.all()

    with pytest.raises(ValidationError) as error:
        issue_certificates(enrolments=everyone, issued_by=None)

    assert error.value.messages == [f"Ani: {SIGNER_MISSING}.", f"Budi: {SIGNER_MISSING}."]
    assert (Certificate.objects.count(), CertificateCounter.objects.count()) == (0, 0)


def test_register_issue_button_without_a_signer_issues_nothing_and_says_why(english):
    program = program_of()
    EnrolmentFactory(program=program, participant=person("Ani"), status=EnrolmentStatus.PASSED)
    english.force_login(persona("administrator"))

    response = english.post(reverse("lifecycle:certificate_issue", args=[program.pk]))

    assert response["Location"] == reverse("lifecycle:certificate_register", args=[program.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"Ani: {SIGNER_MISSING}."]
    assert Certificate.objects.count() == 0


def test_admin_issue_action_without_an_organiser_code_issues_nothing_and_says_why(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    program = program_of(organiser=organiser(code="", name="BPSDM Provinsi Contoh"))
    enrolments = [passed_enrolment(program=program, participant=person(name)) for name in ("Budi", "Ani")]

    response = admin_client.post(
        reverse("admin:participants_enrolment_changelist"),
        {
            "action": "issue_selected_certificates",
            "status": "",
            "_selected_action": [e.pk for e in enrolments],
        },
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Ani: the organiser BPSDM Provinsi Contoh has no code for the certificate numbers. "
        "Budi: the organiser BPSDM Provinsi Contoh has no code for the certificate numbers."
    ]
    assert Certificate.objects.count() == 0


# 5. Numbers: the organiser's code, no spaces ---------------------------------------------------------------


def test_certificate_number_carries_the_organiser_code_not_its_name():
    enrolment = passed_enrolment(program=program_of(organiser=organiser(code="BPSDM-BTN")))

    certificate = issue_certificate(enrolment=enrolment, issued_by=None)

    assert certificate.number == "001/STTP/PKN-2/BPSDM-BTN/2025"


@pytest.mark.parametrize("code", ["BPSDM BTN", "BPSDM/BTN", "BPSDM_BTN", " BTN"])
def test_institution_code_with_other_characters_is_refused(code):
    institution = Institution(name="BPSDM Contoh", kind="province", code=code)

    with pytest.raises(ValidationError) as error:
        institution.full_clean()

    assert error.value.message_dict == {"code": ["Use only letters, digits, '-' and '.', without spaces."]}


def test_institution_code_is_unique_when_set():
    InstitutionFactory(name="Satu", code="")
    InstitutionFactory(name="Dua", code="")
    InstitutionFactory(name="Tiga", code="LAN.RI")

    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionFactory(name="Empat", code="LAN.RI")

    assert sorted(Institution.objects.values_list("code", flat=True)) == ["", "", "LAN.RI"]


@pytest.mark.parametrize("value", ["{seq:03d} STTP {year}", "{seq:5d}/{year}", "STTP\t{seq}"])
def test_certificate_number_format_with_spaces_is_refused(value):
    with pytest.raises(ValidationError) as error:
        validate_certificate_number_format(value)

    assert error.value.messages == [
        f"Certificate numbers must not contain spaces; this format gives {value.format(seq=1, year=2025)!r}."
    ]


def test_seed_demo_for_an_organiser_without_code_adds_no_lifecycle_and_says_why():
    program = ProgramFactory(organiser=organiser(code="", name="BPSDM Contoh"), capacity=3)
    ProgramRole.objects.create(
        program=program,
        person=PersonFactory(name="Kepala Contoh", position="Kepala BPSDM Contoh"),
        role=RoleKind.ORGANISER_HEAD,
    )

    with pytest.raises(CommandError) as error:
        call_command("seed_demo", "--program", str(program.pk), stdout=io.StringIO())

    message = str(error.value)
    assert message.startswith("The demo lifecycle was not added: ")
    assert message.count(": the organiser BPSDM Contoh has no code for the certificate numbers.") == 2
    assert (program.enrolments.count(), Certificate.objects.count()) == (3, 0)


def test_seed_article_gives_the_organiser_its_code():
    call_command("seed_article")

    assert Institution.objects.get(short_name="BPSDM Provinsi Banten").code == "BPSDM-BTN"


# 2. Demo records never verify as real ---------------------------------------------------------------------


def demo_certificate():
    participant = person("Dewi Sintetis", is_demo=True)
    enrolment = passed_enrolment(program=program_of(), participant=participant)
    return issue_certificate(enrolment=enrolment, issued_by=None, issued_on=datetime.date(2025, 10, 7))


def test_verification_page_of_a_demo_certificate_says_demo_and_never_valid(english):
    certificate = demo_certificate()

    response = english.get(reverse("lifecycle:verify", args=[certificate.token]))

    page = response.content.decode()
    assert (response.context["valid"], response.context["demo"]) == (False, True)
    assert "DEMO: not a real certificate" in page
    assert "It was never issued to a real person and proves nothing." in page
    assert "Valid certificate" not in page


def test_verification_page_of_a_demo_certificate_in_indonesian_never_says_valid(client):
    certificate = demo_certificate()

    page = client.get(reverse("lifecycle:verify", args=[certificate.token])).content.decode()

    assert "Sertifikat sah" not in page
    assert "DEMO" in page
    assert 'data-testid="verify-demo"' in page


def test_demo_certificate_number_says_demo():
    assert demo_certificate().number == "DEMO-001/STTP/PKN-2/BPSDM-BTN/2025"


def test_demo_certificate_pdf_and_qr_say_demo():
    certificate = demo_certificate()
    url = certificate.public_verification_url

    pdf = render_certificate_pdf(certificate, verification_url=url, jp=332)

    text = pdf_text(pdf)
    assert url == f"{PUBLIC}/verify/{certificate.token}/?demo=1"
    assert "DEMO: DATA SINTETIS, BUKAN SERTIFIKAT SUNGGUHAN DAN TIDAK SAH" in text or (
        "DEMO: SYNTHETIC DATA, NOT A REAL CERTIFICATE AND NOT VALID" in text
    )
    assert "DEMO: not a real certificate" in text or "DEMO: bukan sertifikat sungguhan" in text
    assert url in text
    assert (
        verification_qr(url).matrix == verification_qr(f"{PUBLIC}/verify/{certificate.token}/?demo=1").matrix
    )


def test_real_certificate_pdf_says_nothing_of_demo():
    certificate = issue_certificate(enrolment=passed_enrolment(program=program_of()), issued_by=None)

    text = pdf_text(render_certificate_pdf(certificate, verification_url="https://x.example/v/", jp=1))

    assert "DEMO" not in text
    assert certificate.public_verification_url == f"{PUBLIC}/verify/{certificate.token}/"


# 3. What a checker sees -----------------------------------------------------------------------------------


def test_verification_page_shows_number_date_and_issuing_body_without_the_nip(english):
    certificate = issue_certificate(
        enrolment=passed_enrolment(program=program_of(), participant=person("Siti Rahmawati")),
        issued_by=None,
        issued_on=datetime.date(2025, 10, 7),
    )
    participant = certificate.enrolment.participant

    response = english.get(reverse("lifecycle:verify", args=[certificate.token]))

    page = response.content.decode()
    assert {
        key: response.context[key]
        for key in ("number", "issued_on", "issuer", "revoked_on", "replacement_number")
    } == {
        "number": "001/STTP/PKN-2/BPSDM-BTN/2025",
        "issued_on": datetime.date(2025, 10, 7),
        "issuer": "Badan Pengembangan SDM Provinsi Banten",
        "revoked_on": None,
        "replacement_number": "",
    }
    for shown in (
        "001/STTP/PKN-2/BPSDM-BTN/2025",
        "7 October 2025",
        "Badan Pengembangan SDM Provinsi Banten",
    ):
        assert shown in page
    for secret in (participant.nip, participant.nip_display):
        assert secret not in page
    assert "Revoked on" not in page


def test_verification_page_of_a_reissued_certificate_shows_the_revocation_date_and_replacement(english):
    program = program_of()
    first = issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)
    replacement = reissue_certificate(certificate=first, reason="Nama salah tulis", issued_by=None)
    first.refresh_from_db()

    response = english.get(reverse("lifecycle:verify", args=[first.token]))

    page = response.content.decode()
    assert (response.context["revoked_on"], response.context["replacement_number"]) == (
        first.revoked_at,
        "002/STTP/PKN-2/BPSDM-BTN/2025",
    )
    assert replacement.number == "002/STTP/PKN-2/BPSDM-BTN/2025"
    assert "Revoked certificate" in page
    assert "Replaced by" in page
    assert "Nama salah tulis" not in page


@pytest.mark.parametrize("extra", [1, 3])
def test_verification_page_of_a_reissued_certificate_takes_one_query(
    client, django_assert_num_queries, extra
):
    program = program_of()
    first = issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)
    reissue_certificate(certificate=first, reason="x", issued_by=None)
    for _ in range(extra):
        issue_certificate(enrolment=passed_enrolment(program=program), issued_by=None)
    url = reverse("lifecycle:verify", args=[first.token])

    with django_assert_num_queries(1):
        response = client.get(url)

    assert response.status_code == 200


# 4. The public base address -------------------------------------------------------------------------------


def test_certificate_pdf_download_carries_the_public_address_not_the_request_host(admin_client, settings):
    settings.ALLOWED_HOSTS = ["10.0.0.7"]  # the officer reached the server by its internal address
    certificate = issue_certificate(enrolment=passed_enrolment(program=program_of()), issued_by=None)

    response = admin_client.get(
        reverse("lifecycle:certificate_pdf", args=[certificate.pk]), HTTP_HOST="10.0.0.7"
    )

    text = pdf_text(response.content)
    assert f"{PUBLIC}/verify/{certificate.token}/" in text
    assert "10.0.0.7" not in text
    assert "testserver" not in text


def test_public_verification_url_without_the_setting_fails_loudly(settings):
    certificate = issue_certificate(enrolment=passed_enrolment(program=program_of()), issued_by=None)
    settings.PUBLIC_BASE_URL = ""

    with pytest.raises(ImproperlyConfigured) as error:
        certificate.public_verification_url  # noqa: B018 (the property is the call under test)

    assert str(error.value) == "PUBLIC_BASE_URL must be set for the certificates' verification links."


@pytest.mark.parametrize(
    ("value", "ids"),
    [("", ["trainingtracker.E001"]), ("http://10.0.0.7:8000", ["trainingtracker.W001"]), (PUBLIC, [])],
)
def test_deploy_check_of_public_base_url(settings, value, ids):
    settings.PUBLIC_BASE_URL = value

    assert [message.id for message in check_public_base_url(None)] == ids


def manage(*args, **environment):
    """Run manage.py in a fresh process with production settings plus `environment`."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The checks may open the database: the default SQLite one, not the test run's PostgreSQL.
        if key not in {"DEBUG", "PUBLIC_BASE_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(
        {"DEBUG": "false", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "pelatihan.example.go.id", **environment}
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_deploy_check_in_production_without_public_base_url_fails():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 1
    assert (
        "(trainingtracker.E001) PUBLIC_BASE_URL is not set: certificates cannot carry a verification address."
        in result.stderr
    )


def test_public_base_url_without_a_scheme_stops_the_app_at_start():
    result = manage("check", PUBLIC_BASE_URL="pelatihan.example.go.id")

    assert result.returncode == 1
    assert (
        "PUBLIC_BASE_URL must start with https:// or http://, not 'pelatihan.example.go.id'" in result.stderr
    )


# 6. Gap-free and unique ------------------------------------------------------------------------------------


def assert_gap_free():
    """Per organiser and year: sequences 1..N, unique numbers, the counter at N, one valid per enrolment."""
    rows = list(
        Certificate.objects.values_list(
            "organiser_id", "year", "sequence", "number", "enrolment_id", "revoked_at"
        )
    )
    groups = {}
    for organiser_id, year, sequence, *_rest in rows:
        groups.setdefault((organiser_id, year), []).append(sequence)
    for key, sequences in groups.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1)), key
    counters = {(c.organiser_id, c.year): c.last_number for c in CertificateCounter.objects.all()}
    assert counters == {key: len(sequences) for key, sequences in groups.items()}
    numbers = [row[3] for row in rows]
    assert len(numbers) == len(set(numbers))
    valid = [row[4] for row in rows if row[5] is None]
    assert len(valid) == len(set(valid))


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["issue", "revoke", "reissue"]), st.integers(min_value=0, max_value=11)),
    max_size=25,
)


@hypothesis_settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_certificate_sequence_stays_gap_free_through_any_issue_revoke_reissue(operations):
    with transaction.atomic():
        banten, other = organiser(), organiser(code="LAN.RI", name="Lembaga Administrasi Negara")
        programs = [
            program_of(organiser=banten),
            program_of(organiser=banten),
            program_of(organiser=banten, year=2026),
            program_of(organiser=other),
        ]
        enrolments = [passed_enrolment(program=program) for program in programs for _ in range(2)]
        # Refused issues take no number: one not passed, one without a signer.
        enrolments.append(EnrolmentFactory(program=programs[0], status=EnrolmentStatus.FAILED))
        enrolments.append(EnrolmentFactory(program=program_of(organiser=banten), status="passed"))
        enrolments += [passed_enrolment(program=programs[1]), passed_enrolment(program=programs[3])]

        for action, index in operations:
            enrolment = enrolments[index]
            current = Certificate.objects.valid().filter(enrolment=enrolment).first()
            try:
                if action == "issue":
                    issue_certificate(enrolment=enrolment, issued_by=None)
                elif current is not None and action == "revoke":
                    revoke_certificate(certificate=current, reason="uji", revoked_by=None)
                elif current is not None:
                    reissue_certificate(certificate=current, reason="uji", issued_by=None)
            except ValidationError:
                pass  # a refusal (not passed, already valid, no signer) changes nothing
            assert_gap_free()

        transaction.set_rollback(True)  # the next example starts from an empty register


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_concurrent_issuing_for_one_organiser_and_year_numbers_one_to_n():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with a database lock; the counter's row lock needs PostgreSQL")
    banten = organiser()
    programs = [program_of(organiser=banten) for _ in range(4)]
    singles = [passed_enrolment(program=programs[0]) for _ in range(6)]
    batches = [[passed_enrolment(program=program) for _ in range(3)] for program in programs[1:]]
    jobs = [lambda e=e: issue_certificate(enrolment=e, issued_by=None) for e in singles] + [
        lambda batch=batch: issue_certificates(
            enrolments=EnrolmentFactory._meta.model.objects.filter(pk__in=[e.pk for e in batch]),
            issued_by=None,
        )
        for batch in batches
    ]
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as error:  # noqa: BLE001 (any failure in a thread must reach the assertion)
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [
        f"{n:03d}/STTP/PKN-2/BPSDM-BTN/2025" for n in range(1, 16)
    ]
    assert CertificateCounter.objects.get().last_number == 15
    assert_gap_free()
