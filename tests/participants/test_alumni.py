import datetime

import pytest

from lifecycle.models import add_months
from lifecycle.panels import appointment_counts
from participants.models import Enrolment, EnrolmentStatus
from programs.models import PositionLevel
from tests.factories import AppointmentFactory, EnrolmentFactory, ProgramFactory, ProgramTypeFactory

pytestmark = pytest.mark.django_db

END = datetime.date(2025, 10, 7)  # the Banten 2025 cohort: 23 June + 107 days
TODAY = datetime.date(2028, 1, 1)


def program(**kwargs):
    return ProgramFactory(start_date=datetime.date(2025, 6, 23), duration_days=107, capacity=20, **kwargs)


def alumnus_appointed(cohort, day, level=PositionLevel.JPT_PRATAMA, status=EnrolmentStatus.PASSED):
    enrolment = EnrolmentFactory(program=cohort, status=status)
    if day is not None:
        AppointmentFactory(participant=enrolment.participant, appointed_on=day, position_level=level)
    return enrolment


def test_add_months_keeps_the_day_or_the_months_last_day():
    assert add_months(datetime.date(2025, 10, 7), 6) == datetime.date(2026, 4, 7)
    assert add_months(datetime.date(2025, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2023, 8, 31), 6) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2025, 10, 7), 24) == datetime.date(2027, 10, 7)


def test_appointment_counts_by_6_12_and_24_months_after_the_end():
    cohort = program()
    alumnus_appointed(cohort, END)  # the end date itself counts
    alumnus_appointed(cohort, datetime.date(2026, 4, 7))  # 6 months to the day
    alumnus_appointed(cohort, datetime.date(2026, 4, 8))
    alumnus_appointed(cohort, datetime.date(2026, 10, 7))
    alumnus_appointed(cohort, datetime.date(2027, 10, 7))
    alumnus_appointed(cohort, datetime.date(2027, 10, 8))  # later than 24 months
    alumnus_appointed(cohort, None)

    counts = appointment_counts(Enrolment.objects.filter(program=cohort), today=TODAY)

    assert counts == {"alumni": 7, "within": [(6, 2), (12, 4), (24, 5)]}


def test_appointment_counts_only_the_target_level_after_the_end_for_alumni():
    cohort = program()
    alumnus_appointed(cohort, datetime.date(2025, 12, 1), level=PositionLevel.ADMINISTRATOR)
    alumnus_appointed(cohort, datetime.date(2025, 9, 1))  # during the training
    alumnus_appointed(cohort, datetime.date(2025, 12, 1), status=EnrolmentStatus.FAILED)
    alumnus_appointed(cohort, datetime.date(2025, 12, 1), status=EnrolmentStatus.PASSED_DEFERRED)

    counts = appointment_counts(Enrolment.objects.filter(program=cohort), today=TODAY)

    assert counts == {"alumni": 2, "within": [(6, 0), (12, 0), (24, 0)]}


def test_appointment_counts_each_alumnus_once():
    cohort = program()
    enrolment = alumnus_appointed(cohort, datetime.date(2025, 11, 1))
    AppointmentFactory(participant=enrolment.participant, appointed_on=datetime.date(2026, 11, 1))

    counts = appointment_counts(Enrolment.objects.filter(program=cohort), today=TODAY)

    assert counts == {"alumni": 1, "within": [(6, 1), (12, 1), (24, 1)]}


def test_appointment_after_today_is_not_counted_yet():
    cohort = program()
    alumnus_appointed(cohort, datetime.date(2026, 1, 5))

    counts = appointment_counts(Enrolment.objects.filter(program=cohort), today=datetime.date(2026, 1, 4))

    assert counts == {"alumni": 1, "within": [(6, 0), (12, 0), (24, 0)]}


def test_appointment_counts_overall_use_each_program_types_target():
    pkn = program()
    pka = program(program_type=ProgramTypeFactory(code="pka"))
    alumnus_appointed(pkn, datetime.date(2025, 12, 1), level=PositionLevel.JPT_PRATAMA)
    alumnus_appointed(pka, datetime.date(2025, 12, 1), level=PositionLevel.ADMINISTRATOR)
    alumnus_appointed(pka, datetime.date(2025, 12, 1), level=PositionLevel.JPT_PRATAMA)

    counts = appointment_counts(today=TODAY)

    assert counts == {"alumni": 3, "within": [(6, 2), (12, 2), (24, 2)]}


def test_appointment_counts_take_one_query(django_assert_num_queries):
    cohort = program()
    for month in range(1, 4):
        alumnus_appointed(cohort, datetime.date(2026, month, 1))

    with django_assert_num_queries(1):
        appointment_counts(Enrolment.objects.filter(program=cohort), today=TODAY)
