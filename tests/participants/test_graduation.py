from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lifecycle.models import Certificate, GraduationDecision, SeminarDecision
from lifecycle.services import decide_graduation, issue_certificate
from participants.models import EnrolmentStatus
from programs.models import SeminarKind
from tests.factories import (
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    ProgramFactory,
    SeminarFactory,
)
from tests.lifecycle_support import meet_graduation_rules, score_all

pytestmark = pytest.mark.django_db


def test_decision_sets_the_enrolment_status_and_keeps_its_basis(admin_user):
    project = ChangeProjectFactory(
        enrolment=EnrolmentFactory(status=EnrolmentStatus.ACTIVE), stage="reported"
    )
    enrolment = project.enrolment
    score_all(enrolment, [80, 90, 70, 85])
    AttendanceFactory(enrolment=enrolment, session__jp=18)
    AttendanceFactory(enrolment=enrolment, status="absent", session__jp=2)  # 18 of 20 JP: the minimum
    SeminarFactory(change_project=project, kind=SeminarKind.RESULTS, decision=SeminarDecision.ACCEPTED)

    decision = decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=admin_user)

    enrolment.refresh_from_db()
    assert enrolment.status == "passed"
    assert (
        decision.outcome,
        decision.final_score,
        decision.qualification,
        decision.attendance_rate,
        decision.change_project_stage,
        decision.results_seminar_decision,
        decision.overridden_rules,
        decision.override_reason,
        decision.decided_by,
    ) == ("passed", Decimal("83.00"), "Memuaskan", Decimal("90.0"), "reported", "accepted", "", "", admin_user)


def test_changed_decision_keeps_the_earlier_one_and_the_latest_is_current():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    first = decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED_DEFERRED, decided_by=None)

    second = decide_graduation(
        enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=None, note="Revisi diterima"
    )

    enrolment.refresh_from_db()
    assert enrolment.status == "passed"
    assert list(enrolment.graduation_decisions.values_list("outcome", "note")) == [
        ("passed_deferred", ""),
        ("passed", "Revisi diterima"),
    ]
    assert list(GraduationDecision.objects.current()) == [second]
    assert first.pk != second.pk


def test_changed_decision_without_a_note_is_refused():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.FAILED, decided_by=None)

    with pytest.raises(ValidationError) as error:
        decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=None)

    assert error.value.messages == ["Say in the note why the earlier decision (Did not pass) changes."]
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.graduation_decisions.count()) == ("failed", 1)


def test_decision_with_an_unknown_outcome_is_refused():
    with pytest.raises(ValidationError) as error:
        decide_graduation(enrolment=EnrolmentFactory(), outcome=EnrolmentStatus.ACTIVE, decided_by=None)

    assert error.value.messages == ["Unknown graduation outcome."]


def test_decision_that_needs_a_seat_in_a_full_program_is_refused():
    program = ProgramFactory(capacity=1)
    EnrolmentFactory(program=program, status=EnrolmentStatus.ACTIVE)
    withdrawn = EnrolmentFactory(program=program, status=EnrolmentStatus.WITHDRAWN)

    with pytest.raises(ValidationError) as error:
        decide_graduation(enrolment=withdrawn, outcome=EnrolmentStatus.FAILED, decided_by=None)

    assert error.value.messages == ["The program has 1 seats; 2 would be taken."]
    assert GraduationDecision.objects.count() == 0


def test_decision_no_longer_passed_revokes_the_certificate():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.PASSED)
    certificate = issue_certificate(enrolment=enrolment, issued_by=None)

    decide_graduation(
        enrolment=enrolment, outcome=EnrolmentStatus.DISMISSED, decided_by=None, note="Pelanggaran disiplin"
    )

    certificate.refresh_from_db()
    assert (certificate.is_valid, certificate.revocation_reason) == (False, "Pelanggaran disiplin")
    assert Certificate.objects.valid().count() == 0


def test_admin_adds_a_decision_through_the_service(admin_client, admin_user):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    response = admin_client.post(
        reverse("admin:lifecycle_graduationdecision_add"),
        {"enrolment": enrolment.pk, "outcome": "failed", "note": ""},
    )

    assert response.status_code == 302
    enrolment.refresh_from_db()
    decision = GraduationDecision.objects.get()
    assert (enrolment.status, decision.outcome, decision.decided_by) == ("failed", "failed", admin_user)


def test_admin_change_without_a_note_shows_the_error(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.FAILED, decided_by=None)

    response = admin_client.post(
        reverse("admin:lifecycle_graduationdecision_add"),
        {"enrolment": enrolment.pk, "outcome": "passed", "note": ""},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Say in the note why the earlier decision (Did not pass) changes."
    ]
    assert GraduationDecision.objects.count() == 1


def test_admin_shows_a_recorded_decision_read_only(admin_client):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    decision = decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.FAILED, decided_by=None)

    response = admin_client.post(
        reverse("admin:lifecycle_graduationdecision_change", args=[decision.pk]),
        {"enrolment": enrolment.pk, "outcome": "passed", "note": "diubah"},
    )

    decision.refresh_from_db()
    assert response.status_code == 403
    assert decision.outcome == "failed"


def test_admin_action_records_graduation_for_the_selected_enrolments(admin_client):
    program = ProgramFactory()
    enrolments = [
        meet_graduation_rules(enrolment)
        for enrolment in EnrolmentFactory.create_batch(2, program=program, status=EnrolmentStatus.ACTIVE)
    ]

    admin_client.post(
        reverse("admin:participants_enrolment_changelist"),
        {
            "action": "record_graduation",
            "status": "passed",
            "note": "",
            "_selected_action": [e.pk for e in enrolments],
        },
    )

    assert sorted(GraduationDecision.objects.values_list("enrolment_id", "outcome")) == sorted(
        (e.pk, "passed") for e in enrolments
    )
    assert set(program.enrolments.values_list("status", flat=True)) == {"passed"}
