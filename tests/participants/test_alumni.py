import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from lifecycle.models import add_months
from lifecycle.panels import appointment_counts
from participants.models import Enrolment, EnrolmentStatus
from programs.models import POSITION_RANKS, PositionLevel
from reports.dashboard import program_panel
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

    assert counts == {"alumni": 7, "within": [(6, 2, 7, None), (12, 4, 7, None), (24, 5, 7, None)]}


def test_appointment_counts_only_the_target_level_after_the_end_for_alumni():
    cohort = program()
    alumnus_appointed(cohort, datetime.date(2025, 12, 1), level=PositionLevel.ADMINISTRATOR)
    alumnus_appointed(cohort, datetime.date(2025, 9, 1))  # during the training
    alumnus_appointed(cohort, datetime.date(2025, 12, 1), status=EnrolmentStatus.FAILED)
    alumnus_appointed(cohort, datetime.date(2025, 12, 1), status=EnrolmentStatus.PASSED_DEFERRED)

    counts = appointment_counts(Enrolment.objects.filter(program=cohort), today=TODAY)

    assert counts == {"alumni": 2, "within": [(6, 0, 2, None), (12, 0, 2, None), (24, 0, 2, None)]}


def test_appointment_counts_each_alumnus_once():
    cohort = program()
    enrolment = alumnus_appointed(cohort, datetime.date(2025, 11, 1))
    AppointmentFactory(participant=enrolment.participant, appointed_on=datetime.date(2026, 11, 1))

    counts = appointment_counts(Enrolment.objects.filter(program=cohort), today=TODAY)

    assert counts == {"alumni": 1, "within": [(6, 1, 1, None), (12, 1, 1, None), (24, 1, 1, None)]}


def test_appointment_counts_measure_no_window_before_it_closes():
    cohort = program()
    alumnus_appointed(cohort, datetime.date(2026, 1, 5))

    counts = appointment_counts(Enrolment.objects.filter(program=cohort), today=datetime.date(2026, 1, 4))

    assert counts == {
        "alumni": 1,
        "within": [
            (6, 0, 0, datetime.date(2026, 4, 7)),
            (12, 0, 0, datetime.date(2026, 10, 7)),
            (24, 0, 0, datetime.date(2027, 10, 7)),
        ],
    }


def test_appointment_counts_overall_use_each_program_types_target():
    pkn = program()
    pka = program(program_type=ProgramTypeFactory(code="pka"))
    alumnus_appointed(pkn, datetime.date(2025, 12, 1), level=PositionLevel.JPT_PRATAMA)
    alumnus_appointed(pka, datetime.date(2025, 12, 1), level=PositionLevel.ADMINISTRATOR)
    alumnus_appointed(pka, datetime.date(2025, 12, 1), level=PositionLevel.JPT_PRATAMA)

    counts = appointment_counts(today=TODAY)

    # The PKA alumnus appointed to JPT Pratama went past the target (Administrator): counted.
    assert counts == {"alumni": 3, "within": [(6, 3, 3, None), (12, 3, 3, None), (24, 3, 3, None)]}


def test_appointment_counts_take_one_query(django_assert_num_queries):
    cohort = program()
    for month in range(1, 4):
        alumnus_appointed(cohort, datetime.date(2026, month, 1))

    with django_assert_num_queries(1):
        appointment_counts(Enrolment.objects.filter(program=cohort), today=TODAY)


def test_position_ranks_follow_the_structural_ladder_with_jf_at_their_equal_rung():
    ladder = [
        PositionLevel.JPT_UTAMA,
        PositionLevel.JPT_MADYA,
        PositionLevel.JPT_PRATAMA,
        PositionLevel.ADMINISTRATOR,
        PositionLevel.PENGAWAS,
        PositionLevel.PELAKSANA,
    ]

    assert [POSITION_RANKS[level] for level in ladder] == [6, 5, 4, 3, 2, 1]
    assert [
        POSITION_RANKS[level]
        for level in (
            PositionLevel.JF_AHLI_UTAMA,
            PositionLevel.JF_AHLI_MADYA,
            PositionLevel.JF_AHLI_MUDA,
            PositionLevel.JF_AHLI_PERTAMA,
            PositionLevel.JF_PENYELIA,
            PositionLevel.JF_PEMULA,
        )
    ] == [4, 3, 2, 1, 1, 1]
    assert PositionLevel.NON_ASN not in POSITION_RANKS
    assert set(POSITION_RANKS) == set(PositionLevel) - {PositionLevel.NON_ASN}


def test_appointment_counts_an_appointment_at_or_above_the_target_level():
    pka = program(program_type=ProgramTypeFactory(code="pka"))  # target: Administrator
    day = datetime.date(2025, 12, 1)
    alumnus_appointed(pka, day, level=PositionLevel.JPT_PRATAMA)  # promoted past the target
    alumnus_appointed(pka, day, level=PositionLevel.ADMINISTRATOR)
    alumnus_appointed(pka, day, level=PositionLevel.JF_AHLI_MADYA)  # the JF rung of Administrator
    alumnus_appointed(pka, day, level=PositionLevel.PENGAWAS)
    alumnus_appointed(pka, day, level=PositionLevel.NON_ASN)

    counts = appointment_counts(Enrolment.objects.filter(program=pka), today=TODAY)

    assert counts["within"] == [(6, 3, 5, None), (12, 3, 5, None), (24, 3, 5, None)]


def test_appointment_counts_give_the_24_month_figure_only_once_24_months_have_passed():
    cohort = program()
    alumnus_appointed(cohort, datetime.date(2026, 2, 1))
    alumnus_appointed(cohort, datetime.date(2027, 3, 1))
    alumnus_appointed(cohort, None)
    alumnus_appointed(cohort, None)

    before = appointment_counts(Enrolment.objects.filter(program=cohort), today=datetime.date(2027, 10, 6))
    on_the_day = appointment_counts(
        Enrolment.objects.filter(program=cohort), today=datetime.date(2027, 10, 7)
    )

    assert before["within"] == [(6, 1, 4, None), (12, 1, 4, None), (24, 0, 0, datetime.date(2027, 10, 7))]
    assert before["within"][2].share is None
    assert on_the_day["within"] == [(6, 1, 4, None), (12, 1, 4, None), (24, 2, 4, None)]
    assert [window.share for window in on_the_day["within"]] == [
        Decimal("25.0"),
        Decimal("25.0"),
        Decimal("50.0"),
    ]


def test_program_dashboard_says_the_24_month_figure_is_not_yet_measurable(personas):
    cohort = program()
    alumnus_appointed(cohort, datetime.date(2026, 2, 1))
    alumnus_appointed(cohort, None)
    panel = program_panel(cohort, personas["administrator"], today=datetime.date(2026, 11, 1))

    html = render_to_string("reports/program_detail.html#lifecycle_panel", {"lifecycle": panel})

    def window(months):
        part = html.split(f'data-testid="appointments-within-{months}">')[1].split("</li>")[0]
        return " ".join(strip_tags(part).split())

    assert "Of 2 alumni, appointed to JPT Pratama (echelon II) or higher:" in html
    assert window(6) == "within 6 months: 1 / 2 (50.0%)"
    assert window(12) == "within 12 months: 1 / 2 (50.0%)"
    assert window(24) == "within 24 months: — (available from 7 Oct 2027)"
