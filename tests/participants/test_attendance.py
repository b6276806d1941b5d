from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from lifecycle.models import Attendance, AttendanceCorrection, AttendanceStatus, EnrolmentResult
from lifecycle.services import record_attendance
from participants.models import EnrolmentStatus
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    InstitutionFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
)
from tests.lifecycle_support import persona

pytestmark = pytest.mark.django_db

P, L, E, A = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.LATE,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.ABSENT,
)


def attend(enrolment, marks):
    """Attendance of `enrolment` at new sessions of its program: marks are (status, JP of the session)."""
    for status, jp in marks:
        AttendanceFactory(
            enrolment=enrolment,
            session=SessionFactory(program=enrolment.program, jp=jp),
            status=status,
            reason="Sakit" if status == E else "",
        )


def rate_of(enrolment):
    return EnrolmentResult.objects.get(pk=enrolment.pk).attendance_rate


def test_attendance_rate_weighs_the_sessions_by_their_jp():
    enrolment = EnrolmentFactory()
    # Attended: the 2-JP opening and a 20-JP block (one of them late); missed: a 2-JP session, excused.
    attend(enrolment, [(P, 2), (L, 20), (E, 2)])

    # 22 of 24 JP; by sessions it would have been 2 of 3.
    assert rate_of(enrolment) == Decimal("91.7")


def test_attendance_rate_of_a_missed_long_block_outweighs_short_sessions_attended():
    enrolment = EnrolmentFactory()
    attend(enrolment, [(P, 2), (P, 2), (P, 2), (A, 20), (E, 4)])

    assert rate_of(enrolment) == Decimal("20.0")  # 6 of 30 JP


def test_attendance_rate_counts_present_and_late_as_attended():
    enrolment = EnrolmentFactory()
    attend(enrolment, [(P, 2), (P, 2), (L, 2), (E, 2), (A, 2), (P, 2), (P, 2), (L, 2)])

    assert rate_of(enrolment) == Decimal("75.0")


def test_attendance_rate_is_none_before_any_record():
    assert rate_of(EnrolmentFactory()) is None


def test_attendance_rate_is_none_when_the_recorded_sessions_have_no_jp():
    enrolment = EnrolmentFactory()
    attend(enrolment, [(P, 0), (A, 0)])

    annotated = EnrolmentResult.objects.with_attendance().get(pk=enrolment.pk)

    assert annotated.attendance_rate is None
    assert (annotated.attendance_recorded, annotated.attendance_jp_recorded) == (2, 0)


def test_attendance_rate_of_a_session_without_jp_changes_nothing():
    enrolment = EnrolmentFactory()
    attend(enrolment, [(P, 3), (A, 1), (A, 0)])

    assert rate_of(enrolment) == Decimal("75.0")


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        # Ties at the second decimal are rounded half to even, as Decimal does.
        ([(P, 1)] + [(A, 1)] * 15, "6.2"),  # 6.25
        ([(P, 3), (A, 13)], "18.8"),  # 18.75
        ([(P, 2), (L, 2), (A, 2)], "66.7"),  # 66.666...
        ([(L, 1), (A, 2)], "33.3"),  # 33.333...
        ([(A, 2), (E, 2)], "0.0"),
        ([(P, 8), (L, 1)], "100.0"),
    ],
)
def test_attendance_rate_is_rounded_half_to_even(marks, expected):
    enrolment = EnrolmentFactory()
    attend(enrolment, marks)

    assert rate_of(enrolment) == Decimal(expected)


def test_attendance_rate_from_the_annotation_equals_the_property():
    enrolment = EnrolmentFactory()
    attend(enrolment, [(P, 4), (A, 2), (L, 3)])

    annotated = EnrolmentResult.objects.with_attendance().get(pk=enrolment.pk)
    plain = EnrolmentResult.objects.get(pk=enrolment.pk)

    assert (annotated.attendance_recorded, annotated.attendance_attended) == (3, 2)
    assert (annotated.attendance_jp_recorded, annotated.attendance_jp_attended) == (9, 7)
    assert annotated.attendance_rate == plain.attendance_rate == Decimal("77.8")


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    marks=st.lists(
        st.tuples(st.sampled_from([P, L, E, A]), st.integers(min_value=0, max_value=40)), max_size=12
    )
)
def test_attendance_rate_matches_the_decimal_arithmetic(marks):
    Attendance.objects.all().delete()
    enrolment = EnrolmentResult.objects.first() or EnrolmentFactory()
    attend(enrolment, marks)

    recorded = sum(jp for _status, jp in marks)
    attended = sum(jp for status, jp in marks if status in (P, L))
    expected = None
    if recorded:
        expected = (Decimal(100) * attended / recorded).quantize(Decimal("0.1"), ROUND_HALF_EVEN)

    assert EnrolmentResult.objects.with_attendance().get(pk=enrolment.pk).attendance_rate == expected


def test_overall_attendance_rate_of_a_set_adds_up_the_jp_of_every_enrolment():
    program = ProgramFactory()
    first, second, unrecorded = EnrolmentFactory.create_batch(3, program=program)
    attend(first, [(P, 20), (A, 2)])  # 20 of 22 JP
    attend(second, [(A, 20), (P, 2)])  # 2 of 22 JP
    EnrolmentFactory()  # another program's: not in the set
    results = EnrolmentResult.objects.filter(program=program)

    assert results.overall_attendance_rate() == Decimal("50.0")  # 22 of 44 JP
    assert results.filter(pk=first.pk).overall_attendance_rate() == Decimal("90.9")
    assert results.filter(pk=unrecorded.pk).overall_attendance_rate() is None
    assert results.with_attendance().overall_attendance_rate() == Decimal("50.0")


def test_attendance_rates_by_group_follow_the_same_rule():
    home, elsewhere = InstitutionFactory(), InstitutionFactory()
    program = ProgramFactory()
    mine = EnrolmentFactory(program=program, participant=ParticipantFactory(institution=home))
    also_mine = EnrolmentFactory(program=program, participant=ParticipantFactory(institution=home))
    theirs = EnrolmentFactory(program=program, participant=ParticipantFactory(institution=elsewhere))
    attend(mine, [(P, 2), (A, 20)])
    attend(also_mine, [(L, 1)])
    rates = EnrolmentResult.objects.filter(program=program).attendance_rates("participant__institution")

    assert theirs.participant.institution == elsewhere
    assert dict(rates.values_list("key", "rate")) == {
        home.pk: Decimal("13.0"),
        elsewhere.pk: None,
    }  # 3 of 23 JP


def test_record_attendance_creates_the_marks():
    session = SessionFactory()
    first, second = EnrolmentFactory.create_batch(2, program=session.program)

    created, corrected = record_attendance(
        session=session, marks={first.pk: (P, ""), second.pk: (E, "Tugas dinas")}, recorded_by=None
    )

    assert (created, corrected) == (2, 0)
    assert sorted(Attendance.objects.values_list("enrolment_id", "status", "reason")) == [
        (first.pk, "present", ""),
        (second.pk, "excused", "Tugas dinas"),
    ]


def test_record_attendance_correction_without_a_reason_is_refused_and_changes_nothing():
    record = AttendanceFactory(status=A)
    newcomer = EnrolmentFactory(program=record.enrolment.program)

    with pytest.raises(ValidationError) as error:
        record_attendance(
            session=record.session,
            marks={record.enrolment_id: (P, ""), newcomer.pk: (P, "")},
            recorded_by=None,
        )

    assert error.value.messages == ["Give a reason for correcting attendance that was already recorded."]
    assert list(Attendance.objects.values_list("status", flat=True)) == ["absent"]
    assert AttendanceCorrection.objects.count() == 0


def test_record_attendance_correction_keeps_the_earlier_value(admin_user):
    record = AttendanceFactory(status=E, reason="Sakit")

    created, corrected = record_attendance(
        session=record.session,
        marks={record.enrolment_id: (L, "")},
        recorded_by=admin_user,
        correction_reason="Datang terlambat, salah catat",
    )

    record.refresh_from_db()
    correction = AttendanceCorrection.objects.get()
    assert (created, corrected) == (0, 1)
    assert (record.status, record.reason) == ("late", "")
    assert (
        correction.previous_status,
        correction.previous_reason,
        correction.status,
        correction.why,
        correction.corrected_by,
    ) == ("excused", "Sakit", "late", "Datang terlambat, salah catat", admin_user)


def test_record_attendance_unchanged_marks_need_no_reason():
    record = AttendanceFactory(status=P)

    assert record_attendance(
        session=record.session, marks={record.enrolment_id: (P, "")}, recorded_by=None
    ) == (0, 0)


def test_record_attendance_excused_without_a_reason_is_refused():
    session = SessionFactory()
    enrolment = EnrolmentFactory(program=session.program)

    with pytest.raises(ValidationError) as error:
        record_attendance(session=session, marks={enrolment.pk: (E, " ")}, recorded_by=None)

    assert error.value.messages == ["An excused absence needs a reason."]


def test_record_attendance_refuses_an_enrolment_of_another_program():
    session = SessionFactory()
    stranger = EnrolmentFactory()

    with pytest.raises(ValidationError) as error:
        record_attendance(session=session, marks={stranger.pk: (P, "")}, recorded_by=None)

    assert error.value.messages == ["An enrolment of another program was marked."]
    assert Attendance.objects.count() == 0


# The bulk entry page ---------------------------------------------------------------------------------


def entry_url(session):
    return reverse("lifecycle:attendance_entry", args=[session.pk])


def post_marks(client, session, marks, **extra):
    data = {"correction_reason": "", **extra}
    for enrolment, (status, reason) in marks.items():
        data[f"status_{enrolment.pk}"] = status
        data[f"reason_{enrolment.pk}"] = reason
    return client.post(entry_url(session), data)


def test_attendance_entry_saves_a_whole_session(admin_client):
    session = SessionFactory()
    a, b, c = (EnrolmentFactory(program=session.program, status=EnrolmentStatus.ACTIVE) for _ in range(3))

    response = post_marks(admin_client, session, {a: (P, ""), b: (L, ""), c: (E, "Sakit")})

    assert response.status_code == 302
    assert response["Location"] == entry_url(session)
    assert sorted(Attendance.objects.values_list("enrolment_id", "status")) == sorted(
        [(a.pk, "present"), (b.pk, "late"), (c.pk, "excused")]
    )


def test_attendance_entry_fills_empty_rows_as_present_when_asked(admin_client):
    session = SessionFactory()
    a, b = EnrolmentFactory.create_batch(2, program=session.program)

    post_marks(admin_client, session, {a: (A, ""), b: ("", "")}, fill_present="on")

    assert sorted(Attendance.objects.values_list("enrolment_id", "status")) == sorted(
        [(a.pk, "absent"), (b.pk, "present")]
    )


def test_attendance_entry_correction_without_a_reason_shows_the_error(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    record = AttendanceFactory(status=A)

    response = post_marks(admin_client, record.session, {record.enrolment: (P, "")})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "correction_reason": ["Give a reason for correcting attendance that was already recorded."]
    }
    assert Attendance.objects.get().status == "absent"


def test_attendance_entry_correction_with_a_reason_is_kept_in_the_history(admin_client):
    record = AttendanceFactory(status=A)

    post_marks(admin_client, record.session, {record.enrolment: (P, "")}, correction_reason="Salah catat")
    response = admin_client.get(entry_url(record.session))

    assert [c.why for c in response.context["corrections"]] == ["Salah catat"]
    assert Attendance.objects.get().status == "present"


def test_attendance_entry_cannot_empty_a_recorded_mark(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    record = AttendanceFactory(status=A)

    response = post_marks(admin_client, record.session, {record.enrolment: ("", "")}, correction_reason="x")

    assert response.context["form"].errors == {
        f"status_{record.enrolment_id}": ["Recorded attendance cannot be emptied; correct it instead."]
    }


def test_attendance_entry_excused_without_a_reason_shows_the_error(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    session = SessionFactory()
    enrolment = EnrolmentFactory(program=session.program)

    response = post_marks(admin_client, session, {enrolment: (E, "")})

    assert response.context["form"].errors == {
        f"reason_{enrolment.pk}": ["An excused absence needs a reason."]
    }


def test_attendance_entry_lists_no_withdrawn_participant_without_a_mark(admin_client):
    session = SessionFactory()
    active = EnrolmentFactory(program=session.program, status=EnrolmentStatus.ACTIVE)
    EnrolmentFactory(program=session.program, status=EnrolmentStatus.WITHDRAWN)
    marked_then_left = EnrolmentFactory(program=session.program, status=EnrolmentStatus.WITHDRAWN)
    AttendanceFactory(session=session, enrolment=marked_then_left)

    response = admin_client.get(entry_url(session))

    assert [row["enrolment"] for row in response.context["form"].rows] == sorted(
        [active, marked_then_left], key=lambda e: (e.participant.name, e.pk)
    )


def test_attendance_entry_sends_anonymous_users_to_the_login_page(client):
    session = SessionFactory()

    response = client.get(entry_url(session))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["outsider", "staff"])
def test_attendance_entry_is_refused_without_the_change_permission(client, name):
    session = SessionFactory()
    client.force_login(persona(name))

    assert client.get(entry_url(session)).status_code == 403
    assert client.post(entry_url(session), {}).status_code == 403


def test_attendance_entry_is_open_to_administrators(client):
    session = SessionFactory()
    EnrolmentFactory(program=session.program, participant=ParticipantFactory(name="Siti Rahma"))
    client.force_login(persona("administrator"))

    response = client.get(entry_url(session))

    assert response.status_code == 200
    assert "Siti Rahma" in response.content.decode()


def test_attendance_entry_of_an_unknown_session_is_404(admin_client):
    assert admin_client.get(reverse("lifecycle:attendance_entry", args=[999999])).status_code == 404


def test_attendance_entry_shows_a_liaison_only_their_institution(client):
    session = SessionFactory()
    home, elsewhere = InstitutionFactory(), InstitutionFactory()
    mine = EnrolmentFactory(program=session.program, participant=ParticipantFactory(institution=home))
    theirs = EnrolmentFactory(program=session.program, participant=ParticipantFactory(institution=elsewhere))
    client.force_login(persona("liaison", institution=home, perms=["lifecycle.change_attendance"]))

    shown = client.get(entry_url(session)).context["form"].rows
    post_marks(client, session, {mine: (P, ""), theirs: (A, "")})

    assert [row["enrolment"] for row in shown] == [mine]
    assert list(Attendance.objects.values_list("enrolment_id", flat=True)) == [mine.pk]


# session, user, permissions (2), the session, enrolments, their marks, corrections.
ATTENDANCE_QUERIES = 8


def test_attendance_entry_queries_do_not_grow_with_participants(client, django_assert_num_queries):
    session = SessionFactory(program=ProgramFactory(capacity=20))
    client.force_login(persona("administrator"))
    AttendanceFactory(session=session, enrolment=EnrolmentFactory(program=session.program))
    with django_assert_num_queries(ATTENDANCE_QUERIES):
        client.get(entry_url(session))

    for enrolment in EnrolmentFactory.create_batch(6, program=session.program):
        AttendanceFactory(session=session, enrolment=enrolment, status=E, reason="Sakit")
    with django_assert_num_queries(ATTENDANCE_QUERIES):
        response = client.get(entry_url(session))

    assert len(response.context["form"].rows) == 7
