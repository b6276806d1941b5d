import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.urls import reverse

from lifecycle.models import AttendanceStatus, SeminarDecision, SeminarScore
from lifecycle.services import decide_graduation, issue_certificate
from participants.models import EnrolmentStatus
from programs.models import Agenda, Program, ProgramTypeRules, SeminarAspect, SeminarKind
from reports.dashboard import program_panel
from tests.factories import (
    AppointmentFactory,
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    InstitutionFactory,
    MilestoneFactory,
    ParticipantFactory,
    PersonFactory,
    ProgramFactory,
    SeminarFactory,
    SessionFactory,
)
from tests.lifecycle_support import pass_by_override, persona, score_all, signed

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 6, 23)
DURING = datetime.date(2025, 7, 10)
AFTER = datetime.date(2026, 11, 1)


def cohort():
    return ProgramFactory(start_date=START, duration_days=107, capacity=30)


def add_participant(program, *, attended, absent, final, institution=None, name=None):
    """A participant who passed, with attendance, scores, a project (one overdue milestone, a scored
    results seminar), a certificate and an appointment 3 months after the end."""
    participant = ParticipantFactory(
        **{k: v for k, v in {"institution": institution, "name": name}.items() if v}
    )
    enrolment = EnrolmentFactory(program=program, participant=participant, status=EnrolmentStatus.PASSED)
    sessions = list(program.sessions.order_by("pk"))
    for session, status in zip(
        sessions, [AttendanceStatus.PRESENT] * attended + [AttendanceStatus.ABSENT] * absent, strict=False
    ):
        AttendanceFactory(session=session, enrolment=enrolment, status=status)
    score_all(enrolment, [final] * 4)
    project = ChangeProjectFactory(enrolment=enrolment, stage="reported")
    MilestoneFactory(change_project=project, planned_start=START, planned_end=datetime.date(2025, 7, 1))
    seminar = SeminarFactory(
        change_project=project, kind=SeminarKind.RESULTS, decision=SeminarDecision.ACCEPTED
    )
    examiner = PersonFactory()
    for aspect in SeminarAspect.objects.filter(program_type=program.program_type, kind="results"):
        SeminarScore.objects.create(seminar=seminar, examiner=examiner, aspect=aspect, score=80)
    issue_certificate(enrolment=signed(enrolment), issued_by=None)
    AppointmentFactory(participant=participant, appointed_on=datetime.date(2026, 1, 7))
    return enrolment


def schedule(program, count=10):
    agenda = Agenda.objects.get(program_type=program.program_type, number=2)
    for n in range(count):
        SessionFactory(program=program, date=START + datetime.timedelta(days=n), agenda=agenda, jp=3)


def test_program_panel_summarises_the_lifecycle():
    program = cohort()
    schedule(program)
    good = add_participant(program, attended=10, absent=0, final=92, name="Ayu")
    weak = add_participant(program, attended=8, absent=2, final=85, name="Budi")
    EnrolmentFactory(program=program, status=EnrolmentStatus.FAILED)

    panel = program_panel(program, persona("administrator"), today=DURING)

    assert panel["phase"]["day"] == 18
    assert panel["phase"]["agenda"].number == 2
    assert (panel["schedule"]["sessions"], panel["schedule"]["jp_total"], panel["schedule"]["jp_held"]) == (
        10,
        30,
        30,
    )
    assert panel["minimum_attendance"] == Decimal("90.00")
    assert panel["attendance_warnings"] == [weak]
    assert panel["attendance_rate"] == Decimal("90.0")
    assert panel["outcomes"] == [("passed", "Passed", 2), ("failed", "Did not pass", 1)]
    assert {stage: n for stage, _label, n in panel["stages"]}["reported"] == 2
    assert [(p.enrolment, p.progress, p.milestones_overdue) for p in panel["projects"]] == [
        (good, 0, 1),
        (weak, 0, 1),
    ]
    assert [(row["kind"], row["total"], row["pending"]) for row in panel["seminars"]] == [
        ("design", 0, 0),
        ("results", 2, 0),
    ]
    assert [s.score for s in panel["recent_seminars"]] == [Decimal("80.00"), Decimal("80.00")]
    assert panel["overdue_count"] == 2
    assert panel["best_participants"] == [good, weak]
    assert panel["certificates"] == {"valid": 2, "revoked": 0}
    assert panel["appointments"] == {
        "alumni": 2,
        "within": [
            (6, 0, 0, datetime.date(2026, 4, 7)),
            (12, 0, 0, datetime.date(2026, 10, 7)),
            (24, 0, 0, datetime.date(2027, 10, 7)),
        ],
    }  # no window has closed yet
    assert panel["target_level"] == "JPT Pratama (echelon II)"


def test_program_panel_shows_a_liaison_only_their_institution():
    program = cohort()
    schedule(program)
    home = InstitutionFactory()
    mine = add_participant(program, attended=5, absent=5, final=80, institution=home)
    add_participant(program, attended=5, absent=5, final=95)

    panel = program_panel(program, persona("liaison", institution=home), today=AFTER)

    assert panel["attendance_warnings"] == [mine]
    assert panel["best_participants"] == [mine]
    assert panel["outcomes"] == [("passed", "Passed", 1)]
    assert panel["overdue_count"] == 1
    assert panel["certificates"] == {"valid": 1, "revoked": 0}
    assert panel["appointments"] == {
        "alumni": 1,
        "within": [(6, 1, 1, None), (12, 1, 1, None), (24, 0, 0, datetime.date(2027, 10, 7))],
    }


def test_dashboard_partial_renders_the_panel(settings):
    program = cohort()
    schedule(program)
    add_participant(program, attended=8, absent=2, final=85, name="Budi Santoso")
    user = persona("administrator")

    html = render_to_string(
        "reports/program_detail.html#lifecycle_panel",
        {"lifecycle": program_panel(program, user, today=DURING)},
    )

    assert "Budi Santoso" in html
    assert "Budi Santoso</a>: 80.0%" in html  # the attendance warning
    assert reverse("programs:schedule", args=[program.pk]) in html
    assert reverse("lifecycle:certificate_register", args=[program.pk]) in html


# program type with its rules, schedule totals, phase (2), enrolments with attendance, results, change projects
# and first appointments (the alumni counts among them), the overall attendance rate, the best participants, the
# projects' milestones (progress and the overdue ones), seminar counts, recent seminars with their scores and
# aspects (3), certificate counts, and the user's permissions (2).
PROGRAM_PANEL_QUERIES = 15


def test_program_panel_queries_do_not_grow_with_the_cohort(django_assert_num_queries):
    program = cohort()
    schedule(program)
    user = persona("administrator")
    add_participant(program, attended=9, absent=1, final=90)

    def count():
        fresh, bare_program = User.objects.get(pk=user.pk), Program.objects.get(pk=program.pk)
        with django_assert_num_queries(PROGRAM_PANEL_QUERIES):
            return render_to_string(
                "reports/program_detail.html#lifecycle_panel",
                {"lifecycle": program_panel(bare_program, fresh, today=DURING)},
            )

    count()
    for _ in range(4):
        add_participant(program, attended=7, absent=3, final=80)
    html = count()

    assert html.count("/participants/") >= 5


def test_dashboard_panel_lists_each_project_with_its_progress_escaped():
    program = cohort()
    overdue = add_participant(program, attended=1, absent=0, final=80, name='Siti "Sri" <Rahayu> & Co')
    overdue.change_project.title = 'Aplikasi <e-Absensi> & "SIAP"'
    overdue.change_project.save()
    MilestoneFactory(change_project=overdue.change_project, planned_start=START, done_on=START)
    bare = ChangeProjectFactory(enrolment=EnrolmentFactory(program=program), stage="design")

    panel = program_panel(program, persona("administrator"), today=AFTER)
    html = render_to_string("reports/program_detail.html#lifecycle_panel", {"lifecycle": panel})
    rows = html.split('data-testid="lifecycle-project-list"')[1].split("</tbody>")[0]

    assert {project.pk for project in panel["projects"]} == {overdue.change_project.pk, bare.pk}
    assert "50% (1/2)" in rows
    assert '<span class="badge text-bg-danger">1</span>' in rows
    assert '<td class="text-end">—</td>' in rows
    assert "Siti &quot;Sri&quot; &lt;Rahayu&gt; &amp; Co" in rows
    assert 'title="Aplikasi &lt;e-Absensi&gt; &amp; &quot;SIAP&quot;"' in rows


def test_program_panel_without_rules_for_the_program_type_still_lists_everyone():
    program = cohort()
    enrolment = add_participant(program, attended=1, absent=0, final=80)
    ProgramTypeRules.objects.filter(program_type=program.program_type).delete()

    panel = program_panel(program, persona("administrator"), today=AFTER)

    assert panel["outcomes"] == [("passed", "Passed", 1)]
    assert panel["best_participants"] == [enrolment]
    assert panel["appointments"] == {
        "alumni": 1,
        "within": [(6, 0, 1, None), (12, 0, 1, None), (24, 0, 0, datetime.date(2027, 10, 7))],
    }


def test_dashboard_panel_marks_the_current_decisions_made_by_override():
    program = cohort()
    schedule(program)
    meets = add_participant(program, attended=10, absent=0, final=92)
    overridden = add_participant(program, attended=8, absent=2, final=85)
    overridden_then_failed = add_participant(program, attended=8, absent=2, final=85)
    decide_graduation(enrolment=meets, outcome=EnrolmentStatus.PASSED, decided_by=None)
    for enrolment in (overridden, overridden_then_failed):
        pass_by_override(enrolment, reason="Sidang kelulusan")
    decide_graduation(
        enrolment=overridden_then_failed,
        outcome=EnrolmentStatus.FAILED,
        decided_by=None,
        note="Ditinjau ulang",
    )

    panel = program_panel(program, persona("administrator"), today=AFTER)
    html = render_to_string("reports/program_detail.html#lifecycle_panel", {"lifecycle": panel})

    assert panel["decided_by_override"] == 1
    assert "1 decided by override of the rules</span>" in html
