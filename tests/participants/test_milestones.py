import datetime

import pytest

from participants.models import ChangeProject, Milestone, MilestoneStatus
from tests.factories import ChangeProjectFactory, MilestoneFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 8, 20)


def milestone(project, *, start, end, done=None):
    return MilestoneFactory(change_project=project, planned_start=start, planned_end=end, done_on=done)


def test_overdue_milestones_are_not_done_past_their_planned_end():
    project = ChangeProjectFactory()
    late = milestone(project, start=datetime.date(2025, 7, 1), end=datetime.date(2025, 8, 19))
    milestone(
        project,
        start=datetime.date(2025, 7, 1),
        end=datetime.date(2025, 8, 19),
        done=datetime.date(2025, 8, 25),
    )
    milestone(project, start=datetime.date(2025, 8, 1), end=TODAY)
    MilestoneFactory(change_project=project)  # no dates

    assert list(Milestone.objects.overdue(TODAY)) == [late]


@pytest.mark.parametrize(
    ("start", "end", "done", "status"),
    [
        (
            datetime.date(2025, 7, 1),
            datetime.date(2025, 8, 1),
            datetime.date(2025, 8, 2),
            MilestoneStatus.DONE,
        ),
        (datetime.date(2025, 7, 1), datetime.date(2025, 8, 19), None, MilestoneStatus.OVERDUE),
        (datetime.date(2025, 8, 1), datetime.date(2025, 8, 30), None, MilestoneStatus.IN_PROGRESS),
        (datetime.date(2025, 9, 1), datetime.date(2025, 9, 30), None, MilestoneStatus.PLANNED),
    ],
)
def test_milestone_status_on_a_day(start, end, done, status):
    item = milestone(ChangeProjectFactory(), start=start, end=end, done=done)

    assert item.status_on(TODAY) == status


def test_change_project_progress_counts_done_and_overdue_milestones():
    project = ChangeProjectFactory()
    milestone(
        project,
        start=datetime.date(2025, 7, 1),
        end=datetime.date(2025, 7, 10),
        done=datetime.date(2025, 7, 9),
    )
    milestone(project, start=datetime.date(2025, 7, 1), end=datetime.date(2025, 8, 1))
    milestone(project, start=datetime.date(2025, 8, 1), end=datetime.date(2025, 9, 1))
    empty = ChangeProjectFactory()

    rows = {p.pk: p for p in ChangeProject.objects.with_progress(TODAY)}

    assert (
        rows[project.pk].milestones_total,
        rows[project.pk].milestones_done,
        rows[project.pk].milestones_overdue,
    ) == (3, 1, 1)
    assert rows[project.pk].progress == 33
    assert rows[empty.pk].progress is None
