"""Issue 13: "passed" is reached only through a graduation decision (which checks the rules), never by
editing an enrolment's status: not in the enrolment's form, not in an inline, not by an import."""

import datetime

import pytest
from django.urls import reverse

from lifecycle.services import decide_graduation
from participants import imports
from participants.models import Enrolment, EnrolmentStatus
from tests.factories import EnrolmentFactory, InstitutionFactory, ParticipantFactory, ProgramFactory
from tests.import_support import HEADER, csv_bytes
from tests.lifecycle_support import meet_graduation_rules
from tests.test_history import admin_form_data

pytestmark = pytest.mark.django_db

MESSAGE = (
    "A participant passes only through a graduation decision, which checks the program's rules: "
    "use the action “Record a graduation decision” on the enrolments."
)


@pytest.fixture
def admin_client(client, personas, settings):
    client.force_login(personas["administrator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_enrolment_form_refuses_setting_passed_and_saves_nothing(admin_client):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    url = reverse("admin:participants_enrolment_change", args=[enrolment.pk])
    data = admin_form_data(admin_client.get(url))

    response = admin_client.post(url, {**data, "status": EnrolmentStatus.PASSED})

    assert response.context["adminform"].form.errors == {"status": [MESSAGE]}
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_participant_page_enrolment_inline_refuses_setting_passed(admin_client):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    url = reverse("admin:participants_participant_change", args=[enrolment.participant_id])
    data = admin_form_data(admin_client.get(url))
    prefix = next(key for key in data if key.endswith("-0-status"))

    response = admin_client.post(url, {**data, prefix: EnrolmentStatus.PASSED})

    errors = [form.errors for inline in response.context["inline_admin_formsets"] for form in inline.formset]
    assert {"status": [MESSAGE]} in errors
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_enrolment_passed_by_a_decision_can_still_be_edited(admin_client):
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=None)
    url = reverse("admin:participants_enrolment_change", args=[enrolment.pk])
    data = admin_form_data(admin_client.get(url))

    response = admin_client.post(url, {**data, "note": "Berkas lengkap"})

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.note) == (EnrolmentStatus.PASSED, "Berkas lengkap")


def test_import_refuses_a_passed_status_by_row_and_column():
    institution = InstitutionFactory(name="Dinas Kesehatan Provinsi Banten")
    program = ProgramFactory(capacity=5)
    stored = EnrolmentFactory(
        program=program,
        status=EnrolmentStatus.ACTIVE,
        participant=ParticipantFactory(
            nip="198609262015051001",
            name="Andi Wijaya",
            institution=institution,
            gender="M",
            birth_date=datetime.date(1986, 9, 26),
        ),
    )
    rows = [
        [
            "19860926 201505 1 001",
            "Andi Wijaya",
            "",
            "Dinas Kesehatan Provinsi Banten",
            "",
            "",
            "",
            "",
            "lulus",
        ]
    ]

    result = imports.preview_import(
        program=program, content=csv_bytes(rows, HEADER), filename="p.csv", max_bytes=10**6
    )

    assert [(row.number, row.error_list) for row in result.rows] == [(2, [("status", MESSAGE)])]
    assert Enrolment.objects.get(pk=stored.pk).status == EnrolmentStatus.ACTIVE
