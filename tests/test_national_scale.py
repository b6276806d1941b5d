"""National scale (issue 7): the synthetic data set's sessions and attendance, and the admin's big lists."""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lifecycle.models import Attendance, AttendanceStatus
from participants.models import ChangeProject, Enrolment, Milestone, Participant
from programs.models import Agenda, Institution, Person, Program, Session
from tests.factories import EnrolmentFactory
from trainingtracker.pagination import EstimatedCountPaginator


def generate(seed=7, sessions=3):
    out = io.StringIO()
    call_command(
        "generate_national_data",
        "--programs",
        "6",
        "--enrolments",
        "40",
        "--institutions",
        "8",
        "--sessions",
        str(sessions),
        "--seed",
        str(seed),
        "--batch-size",
        "15",
        stdout=out,
    )
    return out.getvalue()


def empty_database():
    Attendance.objects.all().delete()
    Milestone.objects.all().delete()
    ChangeProject.objects.all().delete()
    Enrolment.objects.all().delete()
    Participant.objects.all().delete()
    Session.objects.all().delete()
    Program.objects.all().delete()
    Person.objects.all().delete()
    Institution.objects.all().delete()


def snapshot():
    return (
        list(
            Session.objects.order_by("program__title", "date").values_list("date", "agenda__number", "mode")
        ),
        list(
            Attendance.objects.order_by("enrolment__participant__nip", "session__date").values_list(
                "enrolment__participant__nip", "session__date", "status"
            )
        ),
    )


@pytest.mark.django_db
def test_generate_national_data_makes_sessions_of_the_programs_curriculum():
    generate(sessions=3)

    sessions = list(Session.objects.select_related("program", "agenda", "subject"))
    assert len(sessions) == 18
    with_curriculum = set(Agenda.objects.values_list("program_type", flat=True))
    # PKA and PKN II have agendas in the reference data; the sessions of the other types have a title.
    assert [s.agenda is not None for s in sessions] == [
        s.program.program_type_id in with_curriculum for s in sessions
    ]
    assert all(s.agenda is None or s.agenda.program_type_id == s.program.program_type_id for s in sessions)
    assert all(s.subject is None or s.subject.agenda_id == s.agenda_id for s in sessions)
    assert all(s.agenda is not None or s.title.startswith("Sesi sintetis") for s in sessions)
    assert all(s.program.start_date <= s.date <= s.program.end_date for s in sessions)
    for session in sessions:
        session.full_clean()


@pytest.mark.django_db
def test_generate_national_data_records_attendance_of_every_held_session():
    output = generate(sessions=3)

    today = timezone.localdate()
    expected = sorted(
        (enrolment.pk, session.pk)
        for enrolment in Enrolment.objects.all()
        for session in Session.objects.filter(program=enrolment.program_id, date__lte=today)
    )
    recorded = sorted(Attendance.objects.values_list("enrolment", "session"))
    assert recorded == expected
    assert Attendance.objects.filter(status=AttendanceStatus.EXCUSED, reason="").count() == 0
    assert f"{len(expected):,} attendance rows of 18 sessions in all" in output
    assert output.splitlines()[-1].endswith("Done: 6 programs, 40 enrolments, 8 institutions.")


@pytest.mark.django_db
def test_generate_national_data_with_the_same_seed_gives_the_same_sessions_and_attendance():
    generate(seed=11)
    first = snapshot()
    empty_database()

    generate(seed=11)

    assert snapshot() == first
    assert len(first[1]) > 0


@pytest.mark.django_db
def test_generate_national_data_without_sessions_writes_no_attendance():
    generate(sessions=0)

    assert (Session.objects.count(), Attendance.objects.count(), Enrolment.objects.count()) == (0, 0, 40)


BIG_TABLES = [
    "Participant",
    "Enrolment",
    "ChangeProject",
    "Milestone",
    "Attendance",
    "AttendanceCorrection",
    "Seminar",
    "EvaluationScore",
    "GraduationDecision",
    "Certificate",
    "Appointment",
    "ExportLog",
    "ImportBatch",
    "Session",
    "Institution",
    "Person",
]


def test_admin_big_changelists_avoid_the_full_count_and_sort_by_an_index():
    registered = {model.__name__: model_admin for model, model_admin in admin.site._registry.items()}

    settings = {
        name: (
            registered[name].paginator is EstimatedCountPaginator,
            registered[name].show_full_result_count,
            registered[name].get_ordering(None) or list(registered[name].model._meta.ordering),
        )
        for name in BIG_TABLES
    }

    by_pk = ["-pk"]
    assert settings == {
        "Participant": (True, False, ["name"]),  # participant_name_idx
        "Enrolment": (True, False, by_pk),
        "ChangeProject": (True, False, by_pk),
        "Milestone": (True, False, by_pk),
        "Attendance": (True, False, by_pk),
        "AttendanceCorrection": (True, False, by_pk),
        "Seminar": (True, False, by_pk),
        "EvaluationScore": (True, False, by_pk),
        "GraduationDecision": (True, False, by_pk),
        "Certificate": (True, False, by_pk),
        "Appointment": (True, False, by_pk),
        "ExportLog": (True, False, by_pk),
        "ImportBatch": (True, False, by_pk),
        "Session": (True, False, by_pk),
        "Institution": (True, False, ["name"]),  # a few thousand rows
        "Person": (True, False, ["name"]),
    }


@pytest.mark.django_db
def test_estimated_count_paginator_counts_a_small_list_exactly_in_one_query():
    enrolments = EnrolmentFactory.create_batch(3)
    queryset = Enrolment.objects.order_by("-pk")

    with CaptureQueriesContext(connection) as all_rows:
        everything = EstimatedCountPaginator(queryset, 100).count
    with CaptureQueriesContext(connection) as filtered:
        one = EstimatedCountPaginator(queryset.filter(program=enrolments[0].program), 100).count

    assert (everything, one) == (3, 1)
    assert (len(all_rows), len(filtered)) == (1, 1)


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bounded count and the estimate are PostgreSQL's"
)
def test_estimated_count_paginator_reads_no_more_rows_than_its_bound_on_postgresql():
    enrolments = EnrolmentFactory.create_batch(2)
    queryset = Enrolment.objects.order_by("-pk")

    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(queryset, 100).count
        filtered = EstimatedCountPaginator(queryset.filter(program=enrolments[0].program), 100).count

    assert (count, filtered) == (2, 1)
    unfiltered_sql, filtered_sql = (query["sql"] for query in queries.captured_queries)
    assert unfiltered_sql.startswith("SELECT CASE WHEN (SELECT reltuples::bigint FROM pg_class")
    assert filtered_sql.startswith("SELECT (SELECT COUNT(*) FROM (SELECT")
    assert all("LIMIT 20000) AS bounded)" in sql for sql in (unfiltered_sql, filtered_sql))


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the row estimate is PostgreSQL's")
def test_estimated_count_paginator_takes_a_big_estimate_without_counting_on_postgresql():
    enrolments = EnrolmentFactory.create_batch(2)
    queryset = Enrolment.objects.order_by("-pk")
    with connection.cursor() as cursor:  # as autovacuum would record it for a table of 50,000 rows
        cursor.execute(
            "UPDATE pg_class SET reltuples = 50000 WHERE oid = %s::regclass", [Enrolment._meta.db_table]
        )

    with CaptureQueriesContext(connection) as queries:
        unfiltered = EstimatedCountPaginator(queryset, 100).count
        filtered = EstimatedCountPaginator(queryset.filter(program=enrolments[0].program), 100).count

    # The unfiltered list is not counted (2 rows would say 2); a filtered one still is, exactly.
    assert (unfiltered, filtered) == (50000, 1)
    assert len(queries) == 2


@pytest.mark.django_db
def test_estimated_count_paginator_counts_a_filter_that_can_match_nothing_as_zero():
    EnrolmentFactory()

    paginator = EstimatedCountPaginator(Enrolment.objects.filter(pk__in=[]).order_by("-pk"), 25)

    assert (paginator.count, list(paginator.get_page(1))) == (0, [])
