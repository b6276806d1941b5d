"""Every page and file that counts a cohort's participants and who passed gives the same figures: one
definition each (participants.models: SEAT_STATUSES, PASSED_STATUSES) read by the dashboard, the overview,
the comparison, the roster export and the charts alike."""

import csv
import io

import pytest
from django.urls import reverse

from participants.models import SEAT_STATUSES, EnrolmentStatus
from programs.models import ProgramType
from tests.factories import EnrolmentFactory, ProgramFactory
from tests.lifecycle_support import components_of, score_all

pytestmark = pytest.mark.django_db

# Two enrolments of every status: the seat holders are registered, active, passed, deferred, failed and did not
# finish (12); nominees, who withdrew and who were dismissed hold no seat. 2 passed, 2 deferred (not passed).
STATUSES = [status for status in EnrolmentStatus for _ in range(2)]
PARTICIPANTS, PASSED = 12, 2


@pytest.fixture
def cohort(db):
    pka = ProgramType.objects.get(code="pka")  # with the evaluation components the migrations load
    program = ProgramFactory(capacity=30, title="Angkatan Uji", program_type=pka)
    other = ProgramFactory(capacity=5, title="Angkatan Lain", program_type=pka)
    enrolments = [EnrolmentFactory(program=program, status=status) for status in STATUSES]
    EnrolmentFactory(program=other, status=EnrolmentStatus.PASSED)
    # Final scores for the passed and the failed: the best participants may list only who passed.
    for enrolment, score in zip(
        [e for e in enrolments if e.status in ("passed", "failed")], [70, 80, 95, 99], strict=True
    ):
        score_all(enrolment, [score] * len(components_of(program)))
    return program, other


@pytest.fixture
def viewer(english, personas):
    english.force_login(personas["administrator"])
    return english


def roster_rows(client, program):
    response = client.get(reverse("reports:roster", args=[program.pk, "csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, rows = rows[0], rows[1 : rows.index([])]
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_cohort_figures_agree_on_every_page_export_and_chart(viewer, cohort):
    program, other = cohort
    seat_labels = {str(EnrolmentStatus(status).label) for status in SEAT_STATUSES}

    dashboard = viewer.get(reverse("reports:program", args=[program.pk]))
    overview = viewer.get(reverse("reports:overview"))
    compare = viewer.get(reverse("reports:compare"), {"programs": [program.pk, other.pk]})
    roster = roster_rows(viewer, program)

    charts = {
        chart.title: {bar.label: bar.value for bar in chart.bars} for chart in dashboard.context["charts"]
    }
    outcomes = {label: count for _status, label, count in dashboard.context["lifecycle"]["outcomes"]}
    column = next(c for c in compare.context["columns"] if c["program"] == program)
    # the seats card, the charts, the comparison and the roster count the participants alike
    assert dashboard.context["seats_filled"] == PARTICIPANTS
    assert dashboard.context["visible_count"] == PARTICIPANTS
    assert sum(charts["By institution kind"].values()) == PARTICIPANTS
    assert sum(charts["By gender"].values()) == PARTICIPANTS
    assert sum(charts["Participants by status"].values()) == PARTICIPANTS
    assert column["size"] == PARTICIPANTS
    assert sum(1 for row in roster if row["Status"] in seat_labels) == PARTICIPANTS
    assert overview.context["figures"]["participants"] == PARTICIPANTS + 1  # the other program's one
    # and who passed: deferred is not passed anywhere
    assert dashboard.context["passed"] == PASSED
    assert dashboard.context["deferred"] == 2
    assert outcomes["Passed"] == PASSED
    assert outcomes["Graduation deferred"] == 2
    assert charts["Participants by status"]["Passed"] == PASSED
    assert column["passed"] == PASSED
    assert column["pass_rate"] == round(100 * PASSED / 8)  # passed, deferred, failed, did not finish
    assert sum(1 for row in roster if row["Status"] == "Passed") == PASSED
    assert overview.context["figures"]["passed"] == PASSED + 1
    # the best participants are only those who passed, best first, whatever the failed scored
    assert [e.status for e in dashboard.context["lifecycle"]["best_participants"]] == ["passed", "passed"]
    assert [e.final_score for e in dashboard.context["lifecycle"]["best_participants"]] == sorted(
        [e.final_score for e in dashboard.context["lifecycle"]["best_participants"]], reverse=True
    )
    # the page says what deferred counts as
    assert "Graduation deferred is not counted as passed." in dashboard.content.decode()


def test_a_participants_results_are_the_same_on_the_page_and_in_the_roster(viewer, cohort):
    program, _other = cohort
    enrolment = program.enrolments.filter(status=EnrolmentStatus.PASSED).order_by("pk").first()

    page = viewer.get(reverse("reports:participant", args=[enrolment.participant_id]))
    block = next(b for b in page.context["lifecycle"]["enrolments"] if b["program"] == program)
    row = next(r for r in roster_rows(viewer, program) if r["Name"] == enrolment.participant.full_name)

    assert row["Final score"] == f"{block['final_score']:.2f}"
    assert row["Qualification"] == (block["qualification"] or "")
