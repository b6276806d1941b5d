"""Data protection: the access log, a participant's own data exported for them, retention and masking."""

import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from lifecycle.models import GraduationDecision
from lifecycle.services import issue_certificate, revoke_certificate
from participants.access import mask
from participants.models import Enrolment, EnrolmentStatus, ImportBatch, Participant, PersonalDataAccess
from reports.figures import overview_figures
from reports.models import ExportLog
from tests.factories import (
    AppointmentFactory,
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    EvaluationScoreFactory,
    MilestoneFactory,
    ParticipantFactory,
    ProgramFactory,
    SeminarFactory,
    SessionFactory,
)
from tests.lifecycle_support import signed

pytestmark = pytest.mark.django_db

NIP = "198609262015051001"


def accesses():
    return [
        (row.user.username, row.kind, row.participant_id, row.unmasked, row.origin)
        for row in PersonalDataAccess.objects.order_by("pk")
    ]


# The access log --------------------------------------------------------------------------------------------


def test_participant_page_records_who_saw_it_and_whether_unmasked(client, personas):
    participant = ParticipantFactory(institution=personas["unit_a"])
    for role in ["staff", "liaison"]:
        client.force_login(personas[role])
        client.get(reverse("reports:participant", args=[participant.pk]))

    assert accesses() == [
        ("staff", "page", participant.pk, False, "web"),
        ("liaison", "page", participant.pk, True, "web"),
    ]


def test_participant_page_outside_scope_records_nothing(client, personas):
    participant = ParticipantFactory(institution=personas["unit_a"])
    client.force_login(personas["liaison_other"])

    response = client.get(reverse("reports:participant", args=[participant.pk]))

    assert response.status_code == 404
    assert accesses() == []


def test_list_export_is_recorded_once_in_the_export_log(client, personas):
    EnrolmentFactory(participant=ParticipantFactory(institution=personas["unit_a"]))
    client.force_login(personas["staff"])

    response = client.get(reverse("reports:enrolments", kwargs={"fmt": "csv"}))
    b"".join(response.streaming_content)

    assert [(log.user.username, log.dataset) for log in ExportLog.objects.all()] == [("staff", "enrolments")]
    assert accesses() == []


def test_access_log_admin_is_read_only(client, personas):
    participant = ParticipantFactory(institution=personas["unit_a"])
    client.force_login(personas["staff"])
    client.get(reverse("reports:participant", args=[participant.pk]))
    client.force_login(personas["administrator"])
    row = PersonalDataAccess.objects.get()

    listing = client.get(reverse("admin:participants_personaldataaccess_changelist"))
    add = client.get(reverse("admin:participants_personaldataaccess_add"))
    delete = client.get(reverse("admin:participants_personaldataaccess_delete", args=[row.pk]))

    assert listing.status_code == 200
    assert participant.full_name in listing.content.decode()
    assert (add.status_code, delete.status_code) == (403, 403)


# A participant's own data ----------------------------------------------------------------------------------


@pytest.fixture
def full_record(personas):
    """A participant with one of everything the application holds about a person."""
    participant = ParticipantFactory(institution=personas["unit_a"], email="andi@example.go.id", phone="0812")
    program = ProgramFactory(start_date=datetime.date(2026, 2, 2))
    enrolment = EnrolmentFactory(participant=participant, program=program, status=EnrolmentStatus.PASSED)
    project = ChangeProjectFactory(enrolment=enrolment, title="Layanan daring")
    MilestoneFactory(change_project=project, activity="Survei")
    MilestoneFactory(change_project=project, activity="Uji coba")
    SeminarFactory(change_project=project)
    AttendanceFactory(enrolment=enrolment, session=SessionFactory(program=program))
    EvaluationScoreFactory(enrolment=enrolment, score=Decimal("85.50"))
    GraduationDecision.objects.create(enrolment=enrolment, outcome=EnrolmentStatus.PASSED, note="Lulus")
    certificate = issue_certificate(enrolment=signed(enrolment), issued_by=personas["administrator"])
    AppointmentFactory(participant=participant, position="Kepala Dinas")
    return participant, enrolment, certificate


def read_archive(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return archive.namelist(), json.loads(archive.read("data.json"))


def test_subject_export_holds_everything_about_the_participant(client, personas, full_record):
    participant, enrolment, certificate = full_record
    client.force_login(personas["liaison"])

    response = client.get(reverse("reports:subject_export", args=[participant.pk]))

    names, data = read_archive(response.content)
    assert response["Content-Disposition"] == (
        f'attachment; filename="data-{participant.name.lower().replace(" ", "-")}-{participant.pk}.zip"'
    )
    assert names == [
        "data.json",
        f"certificates/STTP-{certificate.year}-0001-{participant.name.lower().replace(' ', '-')}.pdf",
    ]
    person = data["participant"]
    assert (person["nip"], person["name"], person["email"], person["phone"], person["birth_date"]) == (
        participant.nip,
        participant.name,
        "andi@example.go.id",
        "0812",
        participant.birth_date.isoformat(),
    )
    [exported] = data["enrolments"]
    assert (exported["id"], exported["status"], exported["program"]["title"]) == (
        enrolment.pk,
        "passed",
        enrolment.program.title,
    )
    assert exported["change_project"]["title"] == "Layanan daring"
    assert [m["activity"] for m in exported["change_project"]["milestones"]] == ["Survei", "Uji coba"]
    assert [s["kind"] for s in exported["change_project"]["seminars"]] == ["design"]
    assert [a["status"] for a in exported["attendance"]] == ["present"]
    assert [s["score"] for s in exported["evaluation_scores"]] == ["85.50"]
    assert [(d["outcome"], d["note"]) for d in exported["graduation_decisions"]] == [("passed", "Lulus")]
    assert [(c["number"], c["valid"]) for c in exported["certificates"]] == [(certificate.number, True)]
    assert [a["position"] for a in data["appointments"]] == ["Kepala Dinas"]
    assert [(h["history_type"], h["name"]) for h in data["history"]["participant"]] == [
        ("+", participant.name)
    ]
    assert [h["history_user"] for h in data["history"]["certificates"]] == ["administrator"]
    assert len(data["history"]["milestones"]) == 2
    assert accesses() == [("liaison", "subject_export", participant.pk, True, "web")]


def test_subject_export_admin_action_downloads_the_selected_participant(client, personas, full_record):
    participant, _enrolment, _certificate = full_record
    client.force_login(personas["administrator"])

    response = client.post(
        reverse("admin:participants_participant_changelist"),
        {"action": "export_subject_data", "_selected_action": [str(participant.pk)]},
    )

    _names, data = read_archive(response.content)
    assert data["participant"]["id"] == participant.pk
    assert accesses() == [("administrator", "subject_export", participant.pk, True, "admin")]


FONT_MISSING = "PDF reports cannot be made on this server at the moment (a font is missing)."


def test_subject_export_without_the_pdf_font_answers_503_and_records_nothing(
    english, personas, full_record, without_pdf_font
):
    participant, _enrolment, _certificate = full_record
    english.force_login(personas["liaison"])

    response = english.get(reverse("reports:subject_export", args=[participant.pk]))

    assert response.status_code == 503
    assert FONT_MISSING in response.content.decode()
    assert accesses() == []


def test_subject_export_admin_action_without_the_pdf_font_says_why(
    english, personas, full_record, without_pdf_font
):
    participant, _enrolment, _certificate = full_record
    english.force_login(personas["administrator"])

    response = english.post(
        reverse("admin:participants_participant_changelist"),
        {"action": "export_subject_data", "_selected_action": [str(participant.pk)]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]][0].startswith(FONT_MISSING)
    assert accesses() == []


def test_subject_export_admin_action_refuses_two_participants(client, english, personas):
    first, second = ParticipantFactory.create_batch(2, institution=personas["unit_a"])
    client.force_login(personas["administrator"])

    response = client.post(
        reverse("admin:participants_participant_changelist"),
        {"action": "export_subject_data", "_selected_action": [str(first.pk), str(second.pk)]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["Select exactly one participant."]
    assert accesses() == []


def test_subject_export_is_refused_without_personal_data_permission(client, personas):
    participant = ParticipantFactory(institution=personas["unit_a"])
    client.force_login(personas["staff"])

    response = client.get(reverse("reports:subject_export", args=[participant.pk]))

    assert response.status_code == 403
    assert accesses() == []


# Retention -------------------------------------------------------------------------------------------------


@pytest.fixture
def old_and_recent(personas):
    """An alumnus of a program that ended in 2014 (certificate revoked and reissued), one with a 2014 and a
    2025 program, and an import batch of the old program."""
    old_program = ProgramFactory(start_date=datetime.date(2014, 3, 3), year=2014)
    recent_program = ProgramFactory(start_date=datetime.date(2025, 3, 3), year=2025)
    old = ParticipantFactory(
        nip=NIP,
        gender="M",
        birth_date=datetime.date(1986, 9, 26),
        name="Andi Wijaya",
        front_title="Dr.",
        back_title="S.T.",
        birth_place="Serang",
        email="andi@example.go.id",
        phone="0812 3456",
        institution=personas["unit_a"],
    )
    old.position = "Kepala Bidang Umum"
    old.save()
    enrolment = EnrolmentFactory(participant=old, program=old_program, status=EnrolmentStatus.PASSED)
    certificate = issue_certificate(enrolment=signed(enrolment), issued_by=personas["administrator"])
    both = ParticipantFactory(institution=personas["institution_b"])
    EnrolmentFactory(participant=both, program=old_program, status=EnrolmentStatus.PASSED)
    EnrolmentFactory(participant=both, program=recent_program, status=EnrolmentStatus.ACTIVE)
    ImportBatch.objects.create(
        program=old_program,
        filename="old.csv",
        content=f"{NIP},Andi Wijaya".encode(),
        table={"header": ["nip", "name"], "rows": [[2, NIP, "Andi Wijaya"]]},
    )
    return old, both, certificate


def run_anonymise(*args):
    out = io.StringIO()
    call_command("anonymise_expired", *args, stdout=out)
    return out.getvalue()


def test_anonymise_expired_clears_identity_and_keeps_the_rest(personas, old_and_recent, time_machine_today):
    time_machine_today(datetime.date(2026, 11, 29))
    old, both, _certificate = old_and_recent
    figures = overview_figures(Enrolment.objects.all())

    output = run_anonymise("--years", "10")

    old.refresh_from_db()
    assert output == (
        "Anonymised 1 participant(s) whose programs all ended before 2016-11-29; emptied 1 stored import "
        "file(s); deleted the history of 0 participant(s) deleted before then.\n"
    )
    assert (old.name, old.front_title, old.back_title, old.nip, old.birth_date, old.birth_place) == (
        f"Anonymised participant {old.pk}",
        "",
        "",
        None,
        None,
        "",
    )
    assert (old.email, old.phone) == ("", "")
    assert (old.gender, old.rank, old.position, old.position_level, old.institution_id) == (
        "M",
        "IV/a",
        "Kepala Bidang Umum",
        "administrator",
        personas["unit_a"].pk,
    )
    assert old.enrolments.get().status == "passed"
    assert overview_figures(Enrolment.objects.all()) == figures
    assert Participant.objects.get(pk=both.pk).nip == both.nip


def test_anonymise_expired_leaves_no_old_name_or_nip_in_history(old_and_recent, time_machine_today):
    time_machine_today(datetime.date(2026, 11, 29))
    old, _both, _certificate = old_and_recent

    run_anonymise("--years", "10")

    rows = list(Participant.history.filter(id=old.pk).values())
    assert len(rows) == 1
    assert [(row["history_type"], row["history_change_reason"]) for row in rows] == [
        ("~", "Anonymised after the retention period")
    ]
    stored = repr(rows) + repr(list(Participant.objects.filter(pk=old.pk).values()))
    for secret in ["Andi", "Wijaya", NIP, "1986-09-26", "Serang", "andi@example.go.id", "0812 3456"]:
        assert secret not in stored


def test_anonymise_expired_empties_old_import_files(old_and_recent, time_machine_today):
    # Ten years after the 2025 program: both participants are past the retention period.
    time_machine_today(datetime.date(2036, 3, 31))

    output = run_anonymise("--years", "10")

    assert output == (
        "Anonymised 2 participant(s) whose programs all ended before 2026-03-31; emptied 1 stored import "
        "file(s); deleted the history of 0 participant(s) deleted before then.\n"
    )
    assert [(bytes(batch.content), batch.table) for batch in ImportBatch.objects.all()] == [(b"", None)]


def test_anonymise_expired_deletes_the_history_of_long_deleted_participants(personas, time_machine_today):
    time_machine_today(datetime.date(2026, 11, 29))
    gone, recent = ParticipantFactory.create_batch(2, institution=personas["unit_a"])
    gone_pk, recent_pk = gone.pk, recent.pk
    gone.delete()
    recent.delete()
    Participant.history.filter(id=gone_pk).update(
        history_date=datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    )

    output = run_anonymise("--years", "10")

    assert output.endswith("; deleted the history of 1 participant(s) deleted before then.\n")
    assert sorted(Participant.history.values_list("id", "history_type")) == [
        (recent_pk, "+"),
        (recent_pk, "-"),
    ]


def test_anonymise_expired_twice_changes_nothing_the_second_time(old_and_recent, time_machine_today):
    time_machine_today(datetime.date(2026, 11, 29))
    run_anonymise("--years", "10")

    output = run_anonymise("--years", "10")

    assert output.startswith("Anonymised 0 participant(s)")
    assert Participant.history.filter(id=old_and_recent[0].pk).count() == 1


def test_anonymise_expired_dry_run_changes_nothing(old_and_recent, time_machine_today):
    time_machine_today(datetime.date(2026, 11, 29))

    output = run_anonymise("--years", "10", "--dry-run")

    assert output == (
        "Would anonymise 1 participant(s) whose programs all ended before 2016-11-29; would empty 1 stored "
        "import file(s); would delete the history of 0 participant(s) deleted before then.\n"
    )
    assert Participant.objects.get(pk=old_and_recent[0].pk).nip == NIP


def test_anonymise_expired_default_years_come_from_the_setting(old_and_recent, time_machine_today, settings):
    time_machine_today(datetime.date(2026, 11, 29))
    settings.RETENTION_YEARS = 20

    output = run_anonymise("--dry-run")

    assert output.startswith("Would anonymise 0 participant(s) whose programs all ended before 2006-11-29;")


def test_verification_still_answers_after_anonymising(client, english, old_and_recent, time_machine_today):
    time_machine_today(datetime.date(2026, 11, 29))
    old, _both, certificate = old_and_recent
    run_anonymise("--years", "10")

    response = client.get(reverse("lifecycle:verify", args=[certificate.token]))

    page = response.content.decode()
    assert response.context["name"] == f"Anonymised participant {old.pk}"
    assert response.context["valid"] is True
    assert response.context["year"] == 2014
    assert "Valid certificate" in page
    assert "Andi" not in page


def test_verification_of_a_revoked_certificate_after_anonymising(client, old_and_recent, time_machine_today):
    time_machine_today(datetime.date(2026, 11, 29))
    _old, _both, certificate = old_and_recent
    revoke_certificate(certificate=certificate, reason="Salah nama", revoked_by=None)
    run_anonymise("--years", "10")

    response = client.get(reverse("lifecycle:verify", args=[certificate.token]))

    assert response.context["valid"] is False


# Masking ---------------------------------------------------------------------------------------------------


@pytest.fixture
def enrolled(personas):
    participant = ParticipantFactory(
        nip=NIP,
        gender="M",
        birth_date=datetime.date(1986, 9, 26),
        institution=personas["unit_a"],
        email="andi@example.go.id",
        phone="0812 3456",
    )
    program = ProgramFactory()
    enrolment = EnrolmentFactory(participant=participant, program=program, status=EnrolmentStatus.PASSED)
    return participant, program, enrolment


SECRETS = [NIP, "19860926 201505 1 001", "andi@example.go.id", "0812 3456", "26 September 1986", "1986-09-26"]


def shown_secrets(response):
    page = response.content.decode()
    return [secret for secret in SECRETS if secret in page]


@pytest.mark.parametrize(
    "which",
    ["participant", "institution", "program", "certificate_register"],
)
def test_page_masks_personal_data_for_staff_and_shows_it_to_liaison(
    client, english, personas, enrolled, which
):
    participant, program, enrolment = enrolled
    issue_certificate(enrolment=signed(enrolment), issued_by=personas["administrator"])
    url = {
        "participant": reverse("reports:participant", args=[participant.pk]),
        "institution": reverse("reports:institution", args=[personas["unit_a"].pk]),
        "program": reverse("reports:program", args=[program.pk]),
        "certificate_register": reverse("lifecycle:certificate_register", args=[program.pk]),
    }[which]
    client.force_login(personas["staff"])
    masked = client.get(url)
    client.force_login(personas["liaison"])
    unmasked = client.get(url)

    assert shown_secrets(masked) == []
    assert mask(NIP) in masked.content.decode()
    assert "19860926 201505 1 001" in unmasked.content.decode()


def test_attendance_and_seminar_entry_show_no_nip_or_birth_date(client, personas, enrolled):
    _participant, program, enrolment = enrolled
    project = ChangeProjectFactory(enrolment=enrolment)
    session = SessionFactory(program=program)
    client.force_login(personas["administrator"])

    attendance = client.get(reverse("lifecycle:attendance_entry", args=[session.pk]))
    seminar = client.get(reverse("lifecycle:seminar_entry", kwargs={"pk": project.pk, "kind": "design"}))

    assert (attendance.status_code, seminar.status_code) == (200, 200)
    assert (shown_secrets(attendance), shown_secrets(seminar)) == ([], [])


def test_program_lifecycle_panel_shows_no_nip_or_birth_date(client, personas, enrolled):
    _participant, program, _enrolment = enrolled
    client.force_login(personas["staff"])

    response = client.get(reverse("programs:schedule", args=[program.pk]))

    assert response.status_code == 200
    assert shown_secrets(response) == []
