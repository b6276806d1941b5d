import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from participants.models import check_capacity_not_below_seats
from programs.models import Program, ProgramStatus
from programs.roman import from_roman, to_roman
from tests.factories import EnrolmentFactory, InstitutionFactory, ProgramFactory, ProgramTypeFactory

pytestmark = pytest.mark.django_db


def test_program_end_date_counts_the_start_as_day_one():
    program = ProgramFactory(start_date=datetime.date(2025, 6, 23), duration_days=107)

    program.refresh_from_db()

    assert program.end_date == datetime.date(2025, 10, 7)
    assert program.computed_end_date == datetime.date(2025, 10, 7)


def test_program_status_follows_the_dates():
    program = ProgramFactory(start_date=datetime.date(2025, 6, 23), duration_days=107)

    assert program.status_on(datetime.date(2025, 6, 22)) == ProgramStatus.PLANNED
    assert program.status_on(datetime.date(2025, 6, 23)) == ProgramStatus.ONGOING
    assert program.status_on(datetime.date(2025, 10, 7)) == ProgramStatus.ONGOING
    assert program.status_on(datetime.date(2025, 10, 8)) == ProgramStatus.FINISHED
    assert program.day_number(datetime.date(2025, 6, 23)) == 1
    assert program.day_number(datetime.date(2025, 10, 7)) == 107
    assert program.day_number(datetime.date(2025, 10, 8)) is None


def test_program_cancelled_overrides_the_dates():
    program = ProgramFactory(cancelled=True)

    assert program.status_on(datetime.date(2025, 7, 1)) == ProgramStatus.CANCELLED


def test_program_queryset_status_filters_match_status_on():
    planned = ProgramFactory(start_date=datetime.date(2025, 8, 1))
    ongoing = ProgramFactory(start_date=datetime.date(2025, 6, 23))
    finished = ProgramFactory(start_date=datetime.date(2024, 6, 23))
    cancelled = ProgramFactory(start_date=datetime.date(2025, 6, 23), cancelled=True)
    today = datetime.date(2025, 7, 1)

    def ids(status):
        return set(Program.objects.with_status(status, today=today).values_list("pk", flat=True))

    assert ids(ProgramStatus.PLANNED) == {planned.pk}
    assert ids(ProgramStatus.ONGOING) == {ongoing.pk}
    assert ids(ProgramStatus.FINISHED) == {finished.pk}
    assert ids(ProgramStatus.CANCELLED) == {cancelled.pk}


def test_program_cohort_label_uses_roman_numerals():
    program = ProgramFactory(angkatan=43, class_name="F")

    assert program.cohort_label == "Angkatan XLIII Kelas F"


def test_roman_numerals_round_trip():
    assert [to_roman(n) for n in (1, 4, 9, 14, 43, 1999)] == ["I", "IV", "IX", "XIV", "XLIII", "MCMXCIX"]
    assert from_roman("xliii") == 43
    with pytest.raises(ValueError):
        from_roman("IIII")


def test_program_zero_duration_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        ProgramFactory(duration_days=0)


def test_program_zero_capacity_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        ProgramFactory(capacity=0)


def test_program_without_learning_mode_is_refused():
    program = ProgramFactory.build(
        classical=False,
        non_classical=False,
        program_type=ProgramTypeFactory(),
        organiser=InstitutionFactory(),
    )

    with pytest.raises(ValidationError) as error:
        program.full_clean()

    assert error.value.messages == ["Choose classical learning, non-classical learning or both."]


def test_program_capacity_cannot_drop_below_seats_taken():
    program = ProgramFactory(capacity=3)
    EnrolmentFactory.create_batch(2, program=program)
    program.capacity = 1

    with pytest.raises(ValidationError) as error:
        check_capacity_not_below_seats(program)

    assert error.value.message_dict == {
        "capacity": ["2 participants already hold a seat; the capacity cannot be lower."]
    }
