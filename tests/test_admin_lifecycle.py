"""The lifecycle's admin pages render for an administrator, big changelists cost the same at any size, and
the actions go through the services."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lifecycle.models import (
    Appointment,
    Attendance,
    AttendanceCorrection,
    Certificate,
    CertificateCounter,
    EvaluationScore,
    GraduationDecision,
    Seminar,
)
from participants.models import EnrolmentStatus
from programs.models import (
    Agenda,
    CurriculumRules,
    EvaluationComponent,
    ProgramType,
    ProgramTypeRules,
    Qualification,
    SeminarAspect,
    Session,
    Subject,
)
from tests.admin_support import admin_url, make_lifecycle_graph
from tests.factories import EnrolmentFactory, ProgramFactory
from tests.lifecycle_support import signed

pytestmark = pytest.mark.django_db

MODELS = [
    CurriculumRules,
    Agenda,
    Subject,
    Session,
    ProgramTypeRules,
    EvaluationComponent,
    Qualification,
    SeminarAspect,
    Attendance,
    AttendanceCorrection,
    Seminar,
    EvaluationScore,
    GraduationDecision,
    CertificateCounter,
    Certificate,
    Appointment,
]
REGISTERED = [m for m in MODELS if m is not CurriculumRules]  # edited inline on the program type
ADDABLE = [
    m for m in REGISTERED if m not in (Attendance, AttendanceCorrection, CertificateCounter, Certificate)
]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_admin_lifecycle_changelist_renders(admin_client, model):
    make_lifecycle_graph()

    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 1


@pytest.mark.parametrize("model", ADDABLE, ids=lambda m: m.__name__)
def test_admin_lifecycle_add_page_renders_its_form(admin_client, model):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == 200
    assert 'name="_save"' in response.content.decode()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_admin_lifecycle_change_page_shows_the_object(admin_client, model):
    make_lifecycle_graph()
    obj = model.objects.order_by("pk").last()

    response = admin_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "model", [Attendance, AttendanceCorrection, Certificate, CertificateCounter], ids=lambda m: m.__name__
)
def test_admin_lifecycle_history_cannot_be_added_or_deleted(admin_client, model):
    make_lifecycle_graph()
    obj = model.objects.order_by("pk").last()

    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.get(admin_url(model, "delete", obj.pk)).status_code == 403


def test_admin_program_type_page_shows_every_rule(admin_client):
    program_type = ProgramType.objects.get(code="pkn-2")

    response = admin_client.get(reverse("admin:programs_programtype_change", args=[program_type.pk]))

    page = response.content.decode()
    for text in (
        "{seq:03d}/STTP/{code}/{organiser}/{year}",
        "Sangat Memuaskan",
        "Proyek Perubahan",
        "Mengelola Diri",
    ):
        assert text in page


def changelist_queries(client, model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


# session, user, the rows, the full count on small tables, and per changelist: count for pagination,
# filters' lookups, date hierarchy, prefetched seminar scores.
EXPECTED_CHANGELIST_QUERIES = {
    "Agenda": 6,
    "Subject": 6,
    "Session": 9,
    "ProgramTypeRules": 5,
    "EvaluationComponent": 6,
    "Qualification": 6,
    "SeminarAspect": 6,
    "Attendance": 8,
    "AttendanceCorrection": 4,
    "Seminar": 10,
    "EvaluationScore": 7,
    "GraduationDecision": 8,
    "CertificateCounter": 6,
    "Certificate": 8,
    "Appointment": 6,
}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_admin_lifecycle_changelist_queries_do_not_grow_with_rows(admin_client, model):
    make_lifecycle_graph()
    one = changelist_queries(admin_client, model)
    make_lifecycle_graph()
    make_lifecycle_graph()
    three = changelist_queries(admin_client, model)

    assert (model.__name__, one) == (model.__name__, three)
    assert one == EXPECTED_CHANGELIST_QUERIES[model.__name__]


def test_admin_certificate_action_revokes_with_the_reason(admin_client):
    make_lifecycle_graph()
    certificate = Certificate.objects.get()

    admin_client.post(
        admin_url(Certificate, "changelist"),
        {"action": "revoke_certificates", "reason": "Terbit keliru", "_selected_action": [certificate.pk]},
    )

    certificate.refresh_from_db()
    assert (certificate.is_valid, certificate.revocation_reason) == (False, "Terbit keliru")


def test_admin_certificate_action_without_a_reason_changes_nothing(admin_client):
    make_lifecycle_graph()
    certificate = Certificate.objects.get()

    admin_client.post(
        admin_url(Certificate, "changelist"),
        {"action": "reissue_certificates", "reason": "", "_selected_action": [certificate.pk]},
    )

    assert list(Certificate.objects.values_list("pk", "revoked_at")) == [(certificate.pk, None)]


def test_admin_enrolment_action_issues_certificates(admin_client):
    program = ProgramFactory(capacity=5)
    enrolments = [
        signed(e) for e in EnrolmentFactory.create_batch(2, program=program, status=EnrolmentStatus.PASSED)
    ]

    admin_client.post(
        reverse("admin:participants_enrolment_changelist"),
        {
            "action": "issue_selected_certificates",
            "status": "",
            "_selected_action": [e.pk for e in enrolments],
        },
    )

    assert sorted(Certificate.objects.values_list("sequence", flat=True)) == [1, 2]


def test_admin_enrolment_page_edits_scores_inline(admin_client, admin_user):
    enrolment = EnrolmentFactory()
    component = EvaluationComponent.objects.filter(program_type=enrolment.program.program_type).first()
    data = {
        "participant": enrolment.participant_id,
        "program": enrolment.program_id,
        "status": enrolment.status,
        "note": "",
        "scores-TOTAL_FORMS": 1,
        "scores-INITIAL_FORMS": 0,
        "scores-0-component": component.pk,
        "scores-0-score": "77.5",
        "graduation_decisions-TOTAL_FORMS": 0,
        "graduation_decisions-INITIAL_FORMS": 0,
        "certificates-TOTAL_FORMS": 0,
        "certificates-INITIAL_FORMS": 0,
    }

    response = admin_client.post(reverse("admin:participants_enrolment_change", args=[enrolment.pk]), data)

    assert response.status_code == 302
    assert list(EvaluationScore.objects.values_list("score", "entered_by")) == [
        (Decimal("77.50"), admin_user.pk)
    ]


def test_admin_session_dated_outside_the_program_is_refused(admin_client):
    program = ProgramFactory(start_date=datetime.date(2025, 6, 23), duration_days=107)

    response = admin_client.post(
        admin_url(Session, "add"),
        {"program": program.pk, "date": "2025-12-01", "title": "Sesi", "jp": 2, "mode": "classical"},
    )

    assert response.status_code == 200
    assert Session.objects.count() == 0
