from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle.models import EnrolmentResult, EvaluationScore
from participants.models import Enrolment, EnrolmentStatus
from programs.models import EvaluationComponent, Qualification
from tests.factories import EnrolmentFactory, ProgramFactory
from tests.lifecycle_support import components_of, score_all

pytestmark = pytest.mark.django_db


def result(enrolment):
    row = EnrolmentResult.objects.with_results().get(pk=enrolment.pk)
    return row.final_score, row.qualification, row.qualification_passes


def test_components_and_qualifications_are_loaded_for_pkn_ii():
    program = ProgramFactory()

    assert [(c.name, c.weight) for c in components_of(program)] == [
        ("Sikap dan Perilaku", Decimal("20.00")),
        ("Akademik (Policy Brief)", Decimal("25.00")),
        ("Visitasi", Decimal("15.00")),
        ("Proyek Perubahan", Decimal("40.00")),
    ]
    assert list(
        Qualification.objects.filter(program_type=program.program_type).values_list(
            "label", "min_score", "passes"
        )
    ) == [
        ("Sangat Memuaskan", Decimal("90.00"), True),
        ("Memuaskan", Decimal("80.00"), True),
        ("Cukup Memuaskan", Decimal("70.00"), True),
        ("Kurang Memuaskan", Decimal("60.00"), False),
        ("Tidak Memuaskan", Decimal("0.00"), False),
    ]


def test_final_score_is_the_weighted_mean_of_the_components():
    enrolment = EnrolmentFactory()
    score_all(enrolment, [80, 90, 70, 85])  # 16 + 22.5 + 10.5 + 34

    assert result(enrolment) == (Decimal("83.00"), "Memuaskan", True)


def test_final_score_is_rounded_to_two_decimals():
    enrolment = EnrolmentFactory()
    score_all(enrolment, ["77.77", "88.88", "66.66", "99.99"])  # 15.554 + 22.22 + 9.999 + 39.996 = 87.769

    assert result(enrolment)[0] == Decimal("87.77")


def test_final_score_is_none_until_every_component_has_a_score():
    enrolment = EnrolmentFactory()
    first, *_rest = components_of(enrolment.program)
    EvaluationScore.objects.create(enrolment=enrolment, component=first, score=Decimal("95"))

    assert result(enrolment) == (None, None, None)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([90, 90, 90, 90], ("Sangat Memuaskan", True)),
        (["89.99", "89.99", "89.99", "89.99"], ("Memuaskan", True)),
        ([70, 70, 70, 70], ("Cukup Memuaskan", True)),
        (["69.99", "69.99", "69.99", "69.99"], ("Kurang Memuaskan", False)),
        ([0, 0, 0, 0], ("Tidak Memuaskan", False)),
    ],
)
def test_qualification_is_the_highest_threshold_reached(scores, expected):
    enrolment = EnrolmentFactory()
    score_all(enrolment, scores)

    assert result(enrolment)[1:] == expected


def test_threshold_edited_in_the_admin_changes_the_qualification(admin_client):
    enrolment = EnrolmentFactory()
    score_all(enrolment, [85, 85, 85, 85])
    memuaskan = Qualification.objects.get(program_type=enrolment.program.program_type, label="Memuaskan")
    assert result(enrolment)[1] == "Memuaskan"

    response = admin_client.post(
        reverse("admin:programs_qualification_change", args=[memuaskan.pk]),
        {"program_type": memuaskan.program_type_id, "label": "Memuaskan", "min_score": "86", "passes": "on"},
    )

    assert response.status_code == 302
    assert result(enrolment)[1:] == ("Cukup Memuaskan", True)


def test_weight_edited_in_the_admin_changes_the_final_score(admin_client):
    enrolment = EnrolmentFactory()
    score_all(enrolment, [100, 100, 100, 40])
    project = EvaluationComponent.objects.get(
        program_type=enrolment.program.program_type, name="Proyek Perubahan"
    )
    assert result(enrolment)[0] == Decimal("76.00")

    admin_client.post(
        reverse("admin:programs_evaluationcomponent_change", args=[project.pk]),
        {
            "program_type": project.program_type_id,
            "name": project.name,
            "weight": "10",
            "order": project.order,
        },
    )

    # (20 + 25 + 15) * 100 + 10 * 40 = 6400, over 70
    assert result(enrolment)[0] == Decimal("91.43")


def test_score_of_a_component_of_another_program_type_is_refused():
    enrolment = EnrolmentFactory()
    pka_component = EvaluationComponent.objects.filter(program_type__code="pka").first()
    score = EvaluationScore(enrolment=enrolment, component=pka_component, score=Decimal("80"))

    with pytest.raises(ValidationError) as error:
        score.full_clean()

    assert error.value.message_dict == {"component": ["This component belongs to another program type."]}


def test_best_participants_are_those_who_passed_by_final_score_then_name():
    program = ProgramFactory()
    passed = EnrolmentStatus.PASSED

    def enrol(name, status, scores):
        enrolment = EnrolmentFactory(program=program, status=status, participant__name=name)
        if scores:
            score_all(enrolment, scores)
        return enrolment

    low = enrol("Ani", passed, [70, 70, 70, 70])
    high = enrol("Budi", passed, [95, 95, 95, 95])
    middle = enrol("Citra", passed, [80, 80, 80, 80])
    tied = enrol("Agus", passed, [80, 80, 80, 80])  # ties with Citra, first by name
    enrol("Dodi", EnrolmentStatus.FAILED, [99, 99, 99, 99])  # did not pass: never among the best
    enrol("Eka", EnrolmentStatus.ACTIVE, [98, 98, 98, 98])  # not decided yet
    enrol("Fajar", EnrolmentStatus.PASSED_DEFERRED, [97, 97, 97, 97])  # not "passed" yet
    unscored = enrol("Gita", passed, None)

    results = EnrolmentResult.objects.filter(program=program)

    assert list(results.best(3)) == [high, tied, middle]
    assert list(results.with_results().best()) == [high, tied, middle, low]
    assert unscored not in results.best()
    assert [e.final_score for e in results.best()] == [Decimal(95), Decimal(80), Decimal(80), Decimal(70)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scores=st.lists(
        st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
        min_size=4,
        max_size=4,
    )
)
def test_final_score_matches_the_decimal_arithmetic(scores):
    EvaluationScore.objects.all().delete()
    enrolment = Enrolment.objects.first() or EnrolmentFactory()
    components = components_of(enrolment.program)
    score_all(enrolment, scores)

    weighted = sum(score * c.weight for score, c in zip(scores, components, strict=True))
    expected = weighted / sum(c.weight for c in components)

    assert abs(result(enrolment)[0] - expected) <= Decimal("0.005")


def test_the_result_methods_share_one_join_in_any_order(django_assert_num_queries):
    enrolment = EnrolmentFactory()
    score_all(enrolment, [80, 90, 70, 85])
    chains = [
        EnrolmentResult.objects.with_results().with_attendance().with_certificate(),
        EnrolmentResult.objects.with_certificate().with_attendance().with_results().with_results(),
    ]

    for chain in chains:
        assert str(chain.query).count('"lifecycle_results" AS') == 1
        with django_assert_num_queries(1):
            row = chain.get(pk=enrolment.pk)
        assert (row.final_score, row.qualification, row.attendance_rate, row.certificate_number) == (
            Decimal("83.00"),
            "Memuaskan",
            None,
            None,
        )
