"""The move of models from participants to programs, lifecycle and reports keeps every row: the tables stay,
only Django's idea of their app changes, and the content types (with the permissions granted on them) follow.

The test database goes back to the state before the move, is filled through the models of that state, and
goes forward again to the newest migrations."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as current_apps
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE_MOVE = [("programs", "0008_data_version_sequence"), ("participants", "0009_search_trigram_indexes")]
# The migrations that take the models over, each with the list of models whose content types it relabels.
MOVES = {
    "programs": "programs.migrations.0009_rules_from_participants",
    "lifecycle": "lifecycle.migrations.0001_initial",
    "reports": "reports.migrations.0001_initial",
}
NOW = timezone.make_aware(datetime.datetime(2025, 9, 1, 10, 0))


def moved_models():
    """{model name: the app it moved to}, from the moving migrations' own lists."""
    return {
        model: app_label
        for app_label, module in MOVES.items()
        for model in importlib.import_module(module).MOVED
    }


def tables_before(old_apps):
    """The tables of the moved models (and their many-to-many tables) in the state before the move."""
    moved = moved_models()
    tables = set()
    for model in old_apps.get_models(include_auto_created=True):
        owner = model._meta.auto_created or model
        if model._meta.app_label == "participants" and owner._meta.model_name in moved:
            tables.add(model._meta.db_table)
    return tables


def tables_now():
    """The tables of the models that live outside participants now but kept a participants table."""
    return {
        model._meta.db_table
        for model in current_apps.get_models(include_auto_created=True)
        if model._meta.app_label != "participants"
        and not model._meta.proxy
        and model._meta.db_table.startswith("participants_")
    }


def count_rows(tables):
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(tables):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def history_of(old_apps, instance, user, history_type="+"):
    """A simple-history row of `instance`, as simple-history writes it: the instance's columns and who/when."""
    historical = old_apps.get_model("participants", f"Historical{type(instance).__name__}")
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    return historical.objects.create(
        **values, history_date=NOW, history_type=history_type, history_user_id=user.pk
    )


def fill(old_apps):
    """At least one row in every moved table, linked to each other, through the models before the move.
    Returns the ids the assertions look for."""

    def get(app_label, name):
        return old_apps.get_model(app_label, name)

    user = get("auth", "User").objects.create(username="staf-sebelum-pindah", password="!")
    # The Staf group holds the lifecycle permissions as the data migration granted them: on the
    # participants content types.
    staff_group, _ = get("auth", "Group").objects.get_or_create(name="Staf")
    user.groups.add(staff_group)
    importlib.import_module("participants.migrations.0005_lifecycle_defaults").grant_permissions(
        old_apps, None
    )
    assert staff_group.permissions.filter(
        content_type__app_label="participants", codename="view_attendance"
    ).exists()

    program_type = get("programs", "ProgramType").objects.create(
        code="pindah",
        name="Pelatihan sebelum pemindahan",
        abbreviation="PSP",
        target_position="Administrator",
        product_name="Aksi Perubahan",
    )
    rules = get("participants", "ProgramTypeRules").objects.create(
        program_type=program_type, target_position_level="administrator"
    )
    component = get("participants", "EvaluationComponent").objects.create(
        program_type=program_type, name="Sikap perilaku", weight=Decimal("40"), order=1
    )
    qualification = get("participants", "Qualification").objects.create(
        program_type=program_type, label="Sangat memuaskan", min_score=Decimal("90")
    )
    aspect = get("participants", "SeminarAspect").objects.create(
        program_type=program_type, kind="design", name="Kejelasan masalah", weight=Decimal("50"), order=1
    )

    organiser = get("programs", "Institution").objects.create(name="Lembaga Pindahan", kind="province")
    program = get("programs", "Program").objects.create(
        program_type=program_type,
        year=2025,
        angkatan=1,
        title="PSP Angkatan I 2025",
        organiser=organiser,
        venue="Serang",
        start_date=datetime.date(2025, 6, 2),
        duration_days=30,
        capacity=30,
    )
    session = get("programs", "Session").objects.create(program=program, date=datetime.date(2025, 6, 2))
    Person = get("programs", "Person")
    examiners = [Person.objects.create(name="Penguji Satu"), Person.objects.create(name="Penguji Dua")]
    participant = get("participants", "Participant").objects.create(
        name="Peserta Pindahan", institution=organiser
    )
    enrolment = get("participants", "Enrolment").objects.create(
        participant=participant, program=program, status="passed"
    )
    change_project = get("participants", "ChangeProject").objects.create(
        enrolment=enrolment, title="Layanan daring"
    )

    attendance = get("participants", "Attendance").objects.create(
        enrolment=enrolment, session=session, status="excused", reason="Sakit", recorded_by=user
    )
    history_of(old_apps, attendance, user)
    correction = get("participants", "AttendanceCorrection").objects.create(
        attendance=attendance,
        previous_status="absent",
        status="excused",
        reason="Sakit",
        why="Surat dokter menyusul",
        corrected_by=user,
    )
    history_of(old_apps, correction, user)

    seminar = get("participants", "Seminar").objects.create(
        change_project=change_project, kind="design", date=datetime.date(2025, 6, 20), decision="accepted"
    )
    seminar.examiners.add(*examiners)
    seminar_score = get("participants", "SeminarScore").objects.create(
        seminar=seminar, examiner=examiners[0], aspect=aspect, score=Decimal("85")
    )
    evaluation_score = get("participants", "EvaluationScore").objects.create(
        enrolment=enrolment, component=component, score=Decimal("80"), entered_by=user
    )
    history_of(old_apps, evaluation_score, user)
    decision = get("participants", "GraduationDecision").objects.create(
        enrolment=enrolment, outcome="passed", final_score=Decimal("80"), decided_by=user
    )
    history_of(old_apps, decision, user)

    get("participants", "CertificateCounter").objects.create(organiser=organiser, year=2025, last_number=2)
    Certificate = get("participants", "Certificate")
    revoked = Certificate.objects.create(
        enrolment=enrolment,
        organiser=organiser,
        number="001/PSP/2025",
        year=2025,
        sequence=1,
        issued_on=datetime.date(2025, 7, 2),
        issued_by=user,
        revoked_at=NOW,
        revoked_by=user,
        revocation_reason="Nama salah ketik",
    )
    history_of(old_apps, revoked, user)
    replacement = Certificate.objects.create(
        enrolment=enrolment,
        organiser=organiser,
        number="002/PSP/2025",
        year=2025,
        sequence=2,
        issued_on=datetime.date(2025, 9, 1),
        issued_by=user,
        replaces=revoked,
    )
    history_of(old_apps, replacement, user)

    appointment = get("participants", "Appointment").objects.create(
        participant=participant,
        position="Kepala Dinas",
        position_level="jpt_pratama",
        appointed_on=datetime.date(2026, 1, 5),
        institution=organiser,
    )
    export = get("participants", "ExportLog").objects.create(
        dataset="roster", format="csv", origin="web", filters={"program": program.pk}, row_count=1, user=user
    )
    return {
        "user": user.pk,
        "program_type": program_type.pk,
        "rules": rules.pk,
        "qualification": qualification.pk,
        "component": component.pk,
        "aspect": aspect.pk,
        "examiners": {person.pk for person in examiners},
        "attendance": attendance.pk,
        "seminar": seminar.pk,
        "seminar_score": seminar_score.pk,
        "evaluation_score": evaluation_score.pk,
        "decision": decision.pk,
        "revoked": revoked.pk,
        "replacement": replacement.pk,
        "appointment": appointment.pk,
        "export": export.pk,
    }


def assert_rows_readable(ids):
    """The rows, read through today's models, with the relations between them."""
    from lifecycle.models import (
        Appointment,
        Attendance,
        Certificate,
        CertificateCounter,
        EvaluationScore,
        GraduationDecision,
        Seminar,
        SeminarScore,
    )
    from programs.models import EvaluationComponent, ProgramType, ProgramTypeRules, SeminarAspect
    from reports.models import ExportLog

    program_type = ProgramType.objects.get(pk=ids["program_type"])
    assert isinstance(program_type.rules, ProgramTypeRules) and program_type.rules.pk == ids["rules"]
    assert [q.pk for q in program_type.qualifications.all()] == [ids["qualification"]]

    score = SeminarScore.objects.select_related("aspect", "seminar", "examiner").get(pk=ids["seminar_score"])
    assert isinstance(score.aspect, SeminarAspect)
    assert (score.aspect.pk, score.aspect.name, score.score) == (ids["aspect"], "Kejelasan masalah", 85)
    assert score.seminar.pk == ids["seminar"]
    seminar = Seminar.objects.get(pk=ids["seminar"])
    assert {person.pk for person in seminar.examiners.all()} == ids["examiners"]
    assert [s.pk for s in seminar.scores.all()] == [ids["seminar_score"]]

    evaluation_score = EvaluationScore.objects.get(pk=ids["evaluation_score"])
    assert isinstance(evaluation_score.component, EvaluationComponent)
    assert evaluation_score.component.pk == ids["component"]
    assert evaluation_score.component.program_type_id == ids["program_type"]
    assert evaluation_score.history.count() == 1

    replacement = Certificate.objects.get(pk=ids["replacement"])
    assert replacement.replaces.pk == ids["revoked"]
    assert replacement.replaces.revocation_reason == "Nama salah ketik"
    assert Certificate.objects.get(pk=ids["revoked"]).replaced_by.pk == ids["replacement"]
    assert {row.number for row in Certificate.history.all()} == {"001/PSP/2025", "002/PSP/2025"}
    assert CertificateCounter.objects.get(organiser=replacement.organiser, year=2025).last_number == 2

    attendance = Attendance.objects.get(pk=ids["attendance"])
    assert attendance.recorded_by_id == ids["user"]
    assert [c.why for c in attendance.corrections.all()] == ["Surat dokter menyusul"]
    assert attendance.history.get().reason == "Sakit"
    assert attendance.corrections.get().history.count() == 1

    decision = GraduationDecision.objects.get(pk=ids["decision"])
    assert decision.enrolment.graduation_decisions.get() == decision
    assert decision.history.get().history_user_id == ids["user"]
    assert Appointment.objects.get(pk=ids["appointment"]).participant.name == "Peserta Pindahan"
    export = ExportLog.objects.get(pk=ids["export"])
    assert (export.user_id, export.row_count) == (ids["user"], 1)


def migrate_to_the_newest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_moving_the_models_to_their_apps_loses_no_row():
    executor = MigrationExecutor(connection)
    newest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE_MOVE)
        executor.loader.build_graph()
        old_apps = executor.loader.project_state(BEFORE_MOVE).apps

        ids = fill(old_apps)
        OldContentType = old_apps.get_model("contenttypes", "ContentType")
        content_types = dict(
            OldContentType.objects.filter(app_label="participants", model__in=moved_models()).values_list(
                "model", "pk"
            )
        )
        assert set(content_types) == set(moved_models())
        tables = tables_before(old_apps)
        assert "participants_seminar_examiners" in tables  # the many-to-many tables too
        before = count_rows(tables)
        assert all(before.values()), {table: n for table, n in before.items() if not n}

        executor.migrate(newest)
        ContentType.objects.clear_cache()

        assert tables_now() == tables
        assert count_rows(tables) == before
        assert_rows_readable(ids)

        # Each moved model's content type is the same row, relabelled: permissions and log entries follow.
        for model, app_label in moved_models().items():
            now = ContentType.objects.get_for_model(current_apps.get_model(app_label, model))
            assert (now.app_label, now.pk) == (app_label, content_types[model])
        assert not ContentType.objects.filter(app_label="participants", model__in=moved_models()).exists()

        staff = User.objects.get(pk=ids["user"])
        assert staff.has_perm("lifecycle.view_attendance")
        assert staff.has_perm("programs.view_seminaraspect")
        assert not staff.has_perm("participants.view_attendance")
        assert (
            Group.objects.get(name="Staf")
            .permissions.filter(content_type__app_label="lifecycle", codename="view_certificate")
            .exists()
        )
    finally:
        migrate_to_the_newest()
