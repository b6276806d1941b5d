import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.urls import reverse

from lifecycle.models import AttendanceStatus
from lifecycle.panels import participant_panel
from lifecycle.services import decide_graduation, issue_certificate, reissue_certificate
from participants.models import EnrolmentStatus
from tests.factories import (
    AppointmentFactory,
    AttendanceFactory,
    EnrolmentFactory,
    InstitutionFactory,
    ParticipantFactory,
    ProgramFactory,
)
from tests.lifecycle_support import pass_by_override, persona, score_all, signed

pytestmark = pytest.mark.django_db


def enrol(participant, *, attended, absent, scores, start=datetime.date(2025, 6, 23)):
    enrolment = EnrolmentFactory(
        participant=participant, program=ProgramFactory(start_date=start), status=EnrolmentStatus.ACTIVE
    )
    for status in [AttendanceStatus.PRESENT] * attended + [AttendanceStatus.ABSENT] * absent:
        AttendanceFactory(enrolment=enrolment, status=status)
    if scores:
        score_all(enrolment, scores)
    return enrolment


def test_participant_panel_shows_attendance_scores_graduation_certificate_and_appointments():
    participant = ParticipantFactory()
    enrolment = enrol(participant, attended=17, absent=3, scores=[80, 90, 70, 85])
    decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED_DEFERRED, decided_by=None)
    decide_graduation(
        enrolment=enrolment,
        outcome=EnrolmentStatus.PASSED,
        decided_by=None,
        note="Revisi diterima",
        override=True,
        override_reason="Keputusan sidang kelulusan",
    )
    first = issue_certificate(enrolment=signed(enrolment), issued_by=None)
    current = reissue_certificate(certificate=first, reason="Nama diperbaiki", issued_by=None)
    appointment = AppointmentFactory(participant=participant)

    panel = participant_panel(participant, persona("administrator"))

    (block,) = panel["enrolments"]
    assert (block["attendance_rate"], block["minimum_attendance"], block["below_minimum"]) == (
        Decimal("85.0"),
        Decimal("90.00"),
        True,
    )
    assert [(row["component"].name, row["score"]) for row in block["scores"]] == [
        ("Sikap dan Perilaku", Decimal("80.00")),
        ("Akademik (Policy Brief)", Decimal("90.00")),
        ("Visitasi", Decimal("70.00")),
        ("Proyek Perubahan", Decimal("85.00")),
    ]
    assert (block["final_score"], block["qualification"]) == (Decimal("83.00"), "Memuaskan")
    assert [d.outcome for d in block["decisions"]] == ["passed", "passed_deferred"]
    assert block["current_decision"].note == "Revisi diterima"
    assert block["certificate"] == current
    assert block["revoked_certificates"] == [first]
    assert panel["appointments"] == [appointment]
    assert panel["can_download_certificates"] is True


def test_participant_panel_without_records_has_no_rate_or_score():
    participant = ParticipantFactory()
    enrol(participant, attended=0, absent=0, scores=None)

    (block,) = participant_panel(participant, persona("staff"))["enrolments"]

    assert (block["attendance_rate"], block["below_minimum"], block["final_score"], block["certificate"]) == (
        None,
        False,
        None,
        None,
    )
    assert [row["score"] for row in block["scores"]] == [None, None, None, None]


def test_participant_panel_gives_a_liaison_of_another_institution_nothing():
    participant = ParticipantFactory()
    enrol(participant, attended=1, absent=0, scores=None)

    panel = participant_panel(participant, persona("liaison", institution=InstitutionFactory()))

    assert panel["enrolments"] == []


def test_participant_partial_renders_the_warning_and_the_certificate_links():
    participant = ParticipantFactory()
    enrolment = enrol(participant, attended=8, absent=2, scores=[95, 95, 95, 95])
    pass_by_override(enrolment, reason="x")
    certificate = issue_certificate(enrolment=signed(enrolment), issued_by=None)

    html = render_to_string(
        "lifecycle/_participant_panel.html",
        {"lifecycle": participant_panel(participant, persona("administrator"))},
    )

    assert "Below the minimum of 90%." in html
    assert "Sangat Memuaskan" in html
    assert reverse("lifecycle:certificate_pdf", args=[certificate.pk]) in html
    assert reverse("lifecycle:verify", args=[certificate.token]) in html


def test_participant_partial_hides_the_pdf_link_without_personal_data_permission():
    participant = ParticipantFactory()
    enrolment = enrol(participant, attended=1, absent=0, scores=None)
    enrolment.status = EnrolmentStatus.PASSED
    enrolment.save()
    certificate = issue_certificate(enrolment=signed(enrolment), issued_by=None)

    html = render_to_string(
        "lifecycle/_participant_panel.html",
        {"lifecycle": participant_panel(participant, persona("staff"))},
    )

    assert reverse("lifecycle:certificate_pdf", args=[certificate.pk]) not in html
    assert reverse("lifecycle:verify", args=[certificate.token]) in html


# enrolments with attendance and results, their scores, decisions and certificates (3), the components,
# appointments, and the user's permissions (2).
PARTICIPANT_PANEL_QUERIES = 8


def test_participant_panel_queries_do_not_grow_with_enrolments(django_assert_num_queries):
    participant = ParticipantFactory()
    user = persona("administrator")
    enrolment = enrol(participant, attended=3, absent=1, scores=[80, 80, 80, 80])
    pass_by_override(enrolment, reason="x")
    issue_certificate(enrolment=signed(enrolment), issued_by=None)
    AppointmentFactory(participant=participant)

    def count():
        fresh = User.objects.get(pk=user.pk)
        with django_assert_num_queries(PARTICIPANT_PANEL_QUERIES):
            return render_to_string(
                "lifecycle/_participant_panel.html",
                {"lifecycle": participant_panel(participant, fresh)},
            )

    count()
    for year in (2026, 2027):
        more = enrol(
            participant, attended=2, absent=2, scores=[70, 70, 70, 70], start=datetime.date(year, 6, 1)
        )
        pass_by_override(more, reason="x")
        issue_certificate(enrolment=signed(more), issued_by=None)
        AppointmentFactory(participant=participant, appointed_on=datetime.date(year, 12, 1))
    html = count()

    assert html.count('data-testid="lifecycle-enrolment"') == 3


def test_participant_partial_shows_a_decision_by_override_with_its_rules_and_reason():
    participant = ParticipantFactory()
    enrolment = enrol(participant, attended=1, absent=2, scores=[85, 85, 85, 85])
    pass_by_override(enrolment, reason="Tugas pengganti diterima panitia")
    panel = participant_panel(participant, persona("administrator"))

    html = render_to_string("lifecycle/_participant_panel.html", {"lifecycle": panel})

    (block,) = panel["enrolments"]
    assert block["current_decision"].overridden_rule_list == [
        "Attendance 33.3% is below the minimum of 90%.",
        "There is no change project, so no results seminar was accepted.",
    ]
    assert html.count('data-testid="lifecycle-override"') == 1
    assert "Decided by override of the rules</span> Reason: Tugas pengganti diterima panitia" in html
    assert "<li>Attendance 33.3% is below the minimum of 90%.</li>" in html
    assert "<li>There is no change project, so no results seminar was accepted.</li>" in html
