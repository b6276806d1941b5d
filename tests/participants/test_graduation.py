import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from lifecycle.models import (
    Attendance,
    Certificate,
    EvaluationScore,
    GraduationDecision,
    Seminar,
    SeminarDecision,
)
from lifecycle.services import decide_graduation, issue_certificate
from participants.models import EnrolmentStatus
from programs.models import ProgramTypeRules, Qualification, SeminarAspect, SeminarKind
from tests.factories import (
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    ProgramFactory,
    SeminarFactory,
)
from tests.lifecycle_support import meet_graduation_rules, pass_by_override, score_all, signed

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
    ) == (
        "passed",
        Decimal("83.00"),
        "Memuaskan",
        Decimal("90.0"),
        "reported",
        "accepted",
        "",
        "",
        admin_user,
    )


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
    certificate = issue_certificate(enrolment=signed(enrolment), issued_by=None)

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


# The graduation rules -----------------------------------------------------------------------------------

NOT_MET = "To record it anyway, override the rules and give the reason."


def attended(enrolment, *, present, absent, jp=2):
    for status in ["present"] * present + ["absent"] * absent:
        AttendanceFactory(enrolment=enrolment, status=status, session__jp=jp)


def refused_passed(enrolment, **kwargs):
    """The messages of decide_graduation(outcome passed), which must refuse; nothing is written."""
    status = enrolment.status
    with pytest.raises(ValidationError) as error:
        decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=None, **kwargs)
    enrolment.refresh_from_db()
    assert (enrolment.status, GraduationDecision.objects.count()) == (status, 0)
    return error.value.messages


def test_passed_below_the_attendance_minimum_is_refused():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))  # 1 session, 2 JP
    attended(enrolment, present=0, absent=2)  # 2 of 6 JP

    assert refused_passed(enrolment) == ["Attendance 33.3% is below the minimum of 90%.", NOT_MET]


def test_passed_attendance_is_weighed_by_jp():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))  # 2 JP attended
    attended(enrolment, present=8, absent=0)  # 9 of 10 sessions attended: 18 of 38 JP
    attended(enrolment, present=0, absent=1, jp=20)

    assert refused_passed(enrolment) == ["Attendance 47.4% is below the minimum of 90%.", NOT_MET]


def test_passed_without_recorded_attendance_is_refused():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    meet_graduation_rules(enrolment)
    Attendance.objects.filter(enrolment=enrolment).delete()

    assert refused_passed(enrolment) == [
        "No attendance is recorded, so the minimum of 90% is not met.",
        NOT_MET,
    ]


def test_passed_minimum_attendance_is_the_program_types():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    attended(enrolment, present=2, absent=2)  # 6 of 10 JP
    ProgramTypeRules.objects.filter(program_type=enrolment.program.program_type).update(
        minimum_attendance=Decimal("62.5")
    )

    assert refused_passed(enrolment) == ["Attendance 60% is below the minimum of 62.5%.", NOT_MET]
    ProgramTypeRules.objects.update(minimum_attendance=Decimal("60"))
    decision = decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=None)
    assert (decision.attendance_rate, decision.overridden_rules) == (Decimal("60.0"), "")


def test_passed_without_a_final_score_is_refused():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    EvaluationScore.objects.filter(enrolment=enrolment, component__order=4).delete()

    assert refused_passed(enrolment) == [
        "There is no final score: every evaluation component needs a score.",
        NOT_MET,
    ]


def test_passed_with_a_qualification_that_does_not_pass_is_refused():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE), score=65)

    assert refused_passed(enrolment) == [
        "The final score 65.00 gives the qualification Kurang Memuaskan, which does not pass.",
        NOT_MET,
    ]


def test_passed_below_every_qualification_is_refused():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE), score=65)
    Qualification.objects.filter(program_type=enrolment.program.program_type, min_score__lt=70).delete()

    assert refused_passed(enrolment) == ["The final score 65.00 reaches no qualification.", NOT_MET]


def test_passed_when_the_latest_results_seminar_is_not_accepted_is_refused():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    SeminarFactory(
        change_project=enrolment.change_project,
        kind=SeminarKind.RESULTS,
        date=datetime.date(2025, 10, 1),
        decision=SeminarDecision.REVISE,
    )

    assert refused_passed(enrolment) == [
        "The latest results seminar (Oct. 1, 2025) is not accepted: To be revised.",
        NOT_MET,
    ]


def test_passed_before_the_results_seminar_is_decided_is_refused():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    SeminarFactory(
        change_project=enrolment.change_project, kind=SeminarKind.RESULTS, date=datetime.date(2025, 10, 1)
    )

    assert refused_passed(enrolment) == [
        "The latest results seminar (Oct. 1, 2025) is not accepted: no decision yet.",
        NOT_MET,
    ]


def test_passed_with_only_a_design_seminar_is_refused():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    Seminar.objects.filter(change_project=enrolment.change_project).update(kind=SeminarKind.DESIGN)

    assert refused_passed(enrolment) == ["The change project has no results seminar yet.", NOT_MET]


def test_passed_without_a_change_project_is_refused():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    enrolment.change_project.delete()

    assert refused_passed(enrolment) == [
        "There is no change project, so no results seminar was accepted.",
        NOT_MET,
    ]


def test_passed_without_a_change_project_where_the_type_scores_no_results_seminar_is_recorded():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    enrolment.change_project.delete()
    SeminarAspect.objects.filter(
        program_type=enrolment.program.program_type, kind=SeminarKind.RESULTS
    ).delete()

    decision = decide_graduation(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, decided_by=None)

    assert (decision.outcome, decision.overridden_rules, decision.results_seminar_decision) == (
        "passed",
        "",
        "",
    )


def test_passed_failing_every_rule_names_each():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    assert refused_passed(enrolment) == [
        "No attendance is recorded, so the minimum of 90% is not met.",
        "There is no final score: every evaluation component needs a score.",
        "There is no change project, so no results seminar was accepted.",
        NOT_MET,
    ]


def test_outcomes_other_than_passed_ignore_the_graduation_rules():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    decision = decide_graduation(
        enrolment=enrolment, outcome=EnrolmentStatus.PASSED_DEFERRED, decided_by=None
    )

    assert (decision.outcome, decision.overridden_rules) == ("passed_deferred", "")


def test_override_records_the_unmet_rules_and_the_reason(admin_user):
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE), score=65)
    attended(enrolment, present=0, absent=2)

    decision = decide_graduation(
        enrolment=enrolment,
        outcome=EnrolmentStatus.PASSED,
        decided_by=admin_user,
        override=True,
        override_reason="  Keputusan rapat kelulusan 7 Oktober 2025  ",
    )

    enrolment.refresh_from_db()
    assert enrolment.status == "passed"
    assert (decision.overridden_rules, decision.override_reason, decision.is_override) == (
        "Attendance 33.3% is below the minimum of 90%.\n"
        "The final score 65.00 gives the qualification Kurang Memuaskan, which does not pass.",
        "Keputusan rapat kelulusan 7 Oktober 2025",
        True,
    )
    assert list(decision.history.values_list("overridden_rules", "override_reason", "history_user")) == [
        (decision.overridden_rules, decision.override_reason, admin_user.pk)
    ]
    assert list(GraduationDecision.objects.current().overrides()) == [decision]


def test_override_without_a_reason_is_refused():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    assert refused_passed(enrolment, override=True, override_reason="  ") == [
        "Give the reason for overriding the graduation rules."
    ]


def test_override_of_a_decision_that_meets_the_rules_records_no_override():
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))

    decision = pass_by_override(enrolment, reason="x")

    assert (decision.outcome, decision.overridden_rules, decision.override_reason) == ("passed", "", "")


def test_database_refuses_overridden_rules_without_a_reason():
    enrolment = EnrolmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        GraduationDecision.objects.create(
            enrolment=enrolment, outcome="passed", overridden_rules="Attendance"
        )


# The admin -------------------------------------------------------------------------------------------------


@pytest.fixture
def english_admin(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


def post_graduation_action(client, enrolments, **data):
    response = client.post(
        reverse("admin:participants_enrolment_changelist"),
        {"action": "record_graduation", "_selected_action": [e.pk for e in enrolments], **data},
        follow=True,
    )
    assert response.status_code == 200
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_admin_action_refuses_passed_that_fails_the_rules_and_says_why(english_admin):
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    attended(enrolment, present=0, absent=2)

    messages = post_graduation_action(english_admin, [enrolment], status="passed", note="")

    assert messages == [
        (
            "error",
            f"{enrolment}: Attendance 33.3% is below the minimum of 90%. "
            "To record it anyway, override the rules and give the reason.",
        ),
        ("warning", "0 graduation decisions recorded."),
    ]
    enrolment.refresh_from_db()
    assert (enrolment.status, GraduationDecision.objects.count()) == ("active", 0)


def test_admin_action_override_without_a_reason_is_refused(english_admin):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    messages = post_graduation_action(english_admin, [enrolment], status="passed", override="on")

    assert messages == [
        ("error", f"{enrolment}: Give the reason for overriding the graduation rules."),
        ("warning", "0 graduation decisions recorded."),
    ]
    assert GraduationDecision.objects.count() == 0


def test_admin_action_records_an_override_with_its_reason(english_admin, admin_user):
    meets, fails = EnrolmentFactory.create_batch(2, status=EnrolmentStatus.ACTIVE)
    meet_graduation_rules(meets)
    meet_graduation_rules(fails, score=65)

    messages = post_graduation_action(
        english_admin, [meets, fails], status="passed", override="on", override_reason="Sidang kelulusan"
    )

    assert messages == [("success", "2 graduation decisions recorded.")]
    assert sorted(
        GraduationDecision.objects.values_list(
            "enrolment_id", "outcome", "overridden_rules", "override_reason"
        )
    ) == [
        (meets.pk, "passed", "", ""),
        (
            fails.pk,
            "passed",
            "The final score 65.00 gives the qualification Kurang Memuaskan, which does not pass.",
            "Sidang kelulusan",
        ),
    ]


def test_admin_add_form_refuses_passed_that_fails_the_rules(english_admin):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    response = english_admin.post(
        reverse("admin:lifecycle_graduationdecision_add"),
        {"enrolment": enrolment.pk, "outcome": "passed", "note": "", "override_reason": ""},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "No attendance is recorded, so the minimum of 90% is not met.",
        "There is no final score: every evaluation component needs a score.",
        "There is no change project, so no results seminar was accepted.",
        NOT_MET,
    ]
    assert GraduationDecision.objects.count() == 0


def test_admin_add_form_refuses_an_override_without_a_reason(english_admin):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    response = english_admin.post(
        reverse("admin:lifecycle_graduationdecision_add"),
        {"enrolment": enrolment.pk, "outcome": "passed", "note": "", "override": "on", "override_reason": ""},
    )

    assert response.context["adminform"].form.non_field_errors() == [
        "Give the reason for overriding the graduation rules."
    ]
    assert GraduationDecision.objects.count() == 0


def test_admin_add_form_records_an_override_and_the_decision_page_shows_it(english_admin, admin_user):
    enrolment = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE), score=65)

    response = english_admin.post(
        reverse("admin:lifecycle_graduationdecision_add"),
        {
            "enrolment": enrolment.pk,
            "outcome": "passed",
            "note": "",
            "override": "on",
            "override_reason": "Nilai diperbaiki di sidang",
        },
    )

    assert response.status_code == 302
    decision = GraduationDecision.objects.get()
    assert (decision.outcome, decision.overridden_rules, decision.override_reason, decision.decided_by) == (
        "passed",
        "The final score 65.00 gives the qualification Kurang Memuaskan, which does not pass.",
        "Nilai diperbaiki di sidang",
        admin_user,
    )
    page = english_admin.get(reverse("admin:lifecycle_graduationdecision_change", args=[decision.pk]))
    content = page.content.decode()
    assert "The final score 65.00 gives the qualification Kurang Memuaskan, which does not pass." in content
    assert "Nilai diperbaiki di sidang" in content


def test_admin_decision_list_filters_the_overrides(english_admin):
    override = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE), score=65)
    pass_by_override(override, reason="x")
    plain = meet_graduation_rules(EnrolmentFactory(status=EnrolmentStatus.ACTIVE))
    decide_graduation(enrolment=plain, outcome=EnrolmentStatus.PASSED, decided_by=None)
    url = reverse("admin:lifecycle_graduationdecision_changelist")

    shown = {
        value: [d.enrolment_id for d in english_admin.get(url, {"override": value}).context["cl"].result_list]
        for value in ("yes", "no")
    }

    assert shown == {"yes": [override.pk], "no": [plain.pk]}


def test_admin_status_action_refuses_passed_and_points_to_the_graduation_decision(english_admin):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    response = english_admin.post(
        reverse("admin:participants_enrolment_changelist"),
        {"action": "set_status", "status": "passed", "_selected_action": [enrolment.pk]},
        follow=True,
    )

    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages == [
        (
            "error",
            "Passed is a graduation decision: record it with the action that records one (it checks the rules).",
        )
    ]
    enrolment.refresh_from_db()
    assert (enrolment.status, GraduationDecision.objects.count()) == ("active", 0)


def test_admin_status_action_still_sets_other_statuses(english_admin):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    english_admin.post(
        reverse("admin:participants_enrolment_changelist"),
        {"action": "set_status", "status": "withdrawn", "_selected_action": [enrolment.pk]},
    )

    enrolment.refresh_from_db()
    assert enrolment.status == "withdrawn"
