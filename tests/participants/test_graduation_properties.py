"""Property-based tests of the graduation rules: random cohorts (attendance marks on sessions of random JP,
random evaluation scores, random results seminars, a random attendance minimum) decided as "passed".

Whatever the cohort, "passed" is recorded without an override only for who meets the rules as counted here
by hand, and against them only with the unmet rules and a reason; the attendance rate stays within 0..100
and equals the hand count by JP. Each example runs in a savepoint that is rolled back, so each starts from
the same database.
"""

import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle.models import (
    ATTENDED_STATUSES,
    AttendanceStatus,
    EnrolmentResult,
    EvaluationScore,
    GraduationDecision,
    SeminarDecision,
)
from lifecycle.services import decide_graduation
from participants.models import EnrolmentStatus
from programs.models import ProgramTypeRules, Qualification, SeminarKind
from tests.factories import (
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    ProgramFactory,
    SeminarFactory,
    SessionFactory,
)
from tests.lifecycle_support import components_of

pytestmark = pytest.mark.django_db

# Each rule is met about as often as not, so that a wrong rule shows in examples where the others hold.
# Marks: None is not recorded; mostly attended, so that rates fall near the minimums.
MARKS = st.sampled_from([None, *[AttendanceStatus.PRESENT] * 4, *AttendanceStatus.values])
SESSIONS = 8
SCORES = st.one_of(
    st.lists(st.integers(60, 100), min_size=4, max_size=4),  # the four components of the PKN types
    st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=4, max_size=4),  # None: not scored
)
# A results seminar: (day offset, decision); a change project holds a list of them, in entry order.
SEMINAR = st.tuples(
    st.integers(0, 3), st.sampled_from(["", *SeminarDecision.values, SeminarDecision.ACCEPTED])
)
SEMINARS = st.one_of(st.none(), st.lists(SEMINAR, min_size=1, max_size=1), st.lists(SEMINAR, max_size=3))

participant = st.fixed_dictionaries(
    {
        "marks": st.lists(MARKS, min_size=SESSIONS, max_size=SESSIONS),  # one per session, in order
        "scores": SCORES,
        "seminars": SEMINARS,  # None: no change project
        "override": st.booleans(),
        "reason": st.sampled_from(["", "  ", "Keputusan sidang kelulusan"]),
    }
)
cohort = st.fixed_dictionaries(
    {
        "jp": st.lists(st.integers(0, 9), min_size=SESSIONS, max_size=SESSIONS),
        # A fixed minimum, or the first participant's own rate ("at"), or 0.1 above it ("above"): the edges.
        "minimum": st.sampled_from(
            [Decimal("0"), Decimal("87.5"), Decimal("90"), Decimal("100"), "at", "above"]
        ),
        "participants": st.lists(participant, min_size=1, max_size=3),
    }
)


def hand_rate(jp, marks):
    """JP attended in percent of JP recorded, one decimal rounded half to even; None without JP."""
    recorded = sum(j for j, mark in zip(jp, marks, strict=True) if mark is not None)
    attended = sum(j for j, mark in zip(jp, marks, strict=True) if mark in ATTENDED_STATUSES)
    if not recorded:
        return None
    return (Decimal(attended * 100) / Decimal(recorded)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def hand_unmet(program, data, jp, minimum):
    """How many of the three rules (attendance, final score and qualification, results seminar) the
    participant's data fails, counted without the app's rule code."""
    unmet = 0
    rate = hand_rate(jp, data["marks"])
    unmet += rate is None or rate < minimum
    if None in data["scores"]:
        unmet += 1
    else:
        weights = [component.weight for component in components_of(program)]
        final = sum(w * s for w, s in zip(weights, data["scores"], strict=True)) / sum(weights)
        reached = (
            Qualification.objects.filter(program_type=program.program_type, min_score__lte=final)
            .order_by("-min_score")
            .first()
        )
        unmet += reached is None or not reached.passes
    seminars = data["seminars"]
    # The latest by date, then the one entered last: max() keeps the last of equal keys' order.
    latest = max(enumerate(seminars), key=lambda item: (item[1][0], item[0]))[1] if seminars else None
    unmet += latest is None or latest[1] != SeminarDecision.ACCEPTED
    return unmet


def build(program, sessions, data):
    enrolment = EnrolmentFactory(program=program, status=EnrolmentStatus.ACTIVE)
    for session, mark in zip(sessions, data["marks"], strict=True):
        if mark is not None:
            reason = "Sakit (surat dokter)" if mark == AttendanceStatus.EXCUSED else ""
            AttendanceFactory(session=session, enrolment=enrolment, status=mark, reason=reason)
    for component, score in zip(components_of(program), data["scores"], strict=True):
        if score is not None:
            EvaluationScore.objects.create(enrolment=enrolment, component=component, score=Decimal(score))
    if data["seminars"] is not None:
        project = ChangeProjectFactory(enrolment=enrolment)
        for offset, decision in data["seminars"]:
            SeminarFactory(
                change_project=project,
                kind=SeminarKind.RESULTS,
                date=program.start_date + datetime.timedelta(days=offset),
                decision=decision,
            )
    return enrolment


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cohort)
def test_passed_is_never_recorded_against_the_rules_without_an_override_and_its_reason(data):
    minimum = data["minimum"]
    if isinstance(minimum, str):
        first = hand_rate(data["jp"], data["participants"][0]["marks"]) or Decimal("90")
        minimum = min(first + (Decimal("0.1") if minimum == "above" else 0), Decimal(100))
    with transaction.atomic():
        program = ProgramFactory()
        ProgramTypeRules.objects.filter(program_type=program.program_type).update(minimum_attendance=minimum)
        sessions = [SessionFactory(program=program, jp=jp) for jp in data["jp"]]
        for person in data["participants"]:
            enrolment = build(program, sessions, person)
            unmet = hand_unmet(program, person, data["jp"], minimum)
            overriding = person["override"] and bool(person["reason"].strip())

            try:
                decision = decide_graduation(
                    enrolment=enrolment,
                    outcome=EnrolmentStatus.PASSED,
                    decided_by=None,
                    override=person["override"],
                    override_reason=person["reason"],
                )
            except ValidationError:
                decision = None

            enrolment.refresh_from_db()
            if unmet and not overriding:
                assert (decision, enrolment.status) == (None, "active")
                assert not GraduationDecision.objects.filter(enrolment=enrolment).exists()
            elif unmet:
                assert (enrolment.status, decision.outcome) == ("passed", "passed")
                assert len(decision.overridden_rules.splitlines()) == unmet
                assert decision.override_reason == person["reason"].strip()
            else:
                assert (enrolment.status, decision.overridden_rules, decision.override_reason) == (
                    "passed",
                    "",
                    "",
                )
            rate = EnrolmentResult.objects.with_attendance().get(pk=enrolment.pk).attendance_rate
            assert rate == hand_rate(data["jp"], person["marks"])
            assert rate is None or Decimal(0) <= rate <= Decimal(100)
            if decision is not None:
                assert decision.attendance_rate == rate
        transaction.set_rollback(True)
