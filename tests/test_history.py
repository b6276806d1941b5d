"""Audit history: who changed what and when, through the admin, imports and bulk actions; revert."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants import imports
from participants.models import Enrolment, EnrolmentStatus, Participant
from tests.factories import EnrolmentFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def admin_form_data(response):
    """The POST data of an admin form page as shown: the main form's values and each inline's rows."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(len(formset.initial_forms))
        data[f"{formset.prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{formset.prefix}-MAX_NUM_FORMS"] = "1000"
        for form in formset.initial_forms:
            add(form)
    return data


def history_of(participant_id):
    """(type, username) of each history row of a participant, oldest first."""
    rows = Participant.history.filter(id=participant_id).order_by("history_date", "history_id")
    return [(row.history_type, row.history_user.username if row.history_user else None) for row in rows]


def test_admin_create_change_delete_of_participant_are_recorded_with_user_and_fields(client, personas):
    administrator = personas["administrator"]
    client.force_login(administrator)
    add_page = client.get(reverse("admin:participants_participant_add"))
    data = admin_form_data(add_page)
    data.update(
        name="Rina Kartika", institution=str(personas["institution_a"].pk), email="rina@example.go.id"
    )

    client.post(reverse("admin:participants_participant_add"), data)
    participant = Participant.objects.get(name="Rina Kartika")
    change_url = reverse("admin:participants_participant_change", args=[participant.pk])
    data = admin_form_data(client.get(change_url))
    data.update(name="Rina Kartika Sari", phone="0812 1111")
    client.post(change_url, data)
    client.post(reverse("admin:participants_participant_delete", args=[participant.pk]), {"post": "yes"})

    assert history_of(participant.pk) == [
        ("+", "administrator"),
        ("~", "administrator"),
        ("-", "administrator"),
    ]
    created, changed, _deleted = Participant.history.filter(id=participant.pk).order_by("history_date")
    delta = changed.diff_against(created)
    assert sorted(delta.changed_fields) == ["name", "phone"]
    assert {c.field: (c.old, c.new) for c in delta.changes} == {
        "name": ("Rina Kartika", "Rina Kartika Sari"),
        "phone": ("", "0812 1111"),
    }


def import_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["nip", "name", "institution", "email", "status"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_import_records_history_of_each_participant_and_enrolment_with_the_importer(personas):
    program = ProgramFactory(capacity=10)
    institution = personas["institution_a"].name
    rows = [
        ["198609262015051001", "Andi Wijaya", institution, "andi@example.go.id", "registered"],
        ["199001012015032002", "Siti Rahma", institution, "", "active"],
    ]
    imports.import_file(
        program=program, user=personas["administrator"], filename="a.csv", content=import_csv(rows)
    )
    rows[0][3] = "andi.w@example.go.id"
    rows[1][4] = "registered"

    _batch, preview = imports.import_file(
        program=program, user=personas["staff"], filename="b.csv", content=import_csv(rows)
    )

    assert preview.is_valid
    andi, siti = Participant.objects.order_by("name")
    assert history_of(andi.pk) == [("+", "administrator"), ("~", "staff")]
    assert history_of(siti.pk) == [("+", "administrator")]
    assert Participant.history.filter(id=andi.pk).latest("history_date").email == "andi.w@example.go.id"
    enrolment_history = [
        (row.participant_id, row.history_type, row.status, row.history_user.username)
        for row in Enrolment.history.order_by("participant__name", "history_date", "history_id")
    ]
    assert enrolment_history == [
        (andi.pk, "+", "registered", "administrator"),
        (siti.pk, "+", "active", "administrator"),
        (siti.pk, "~", "registered", "staff"),
    ]


def test_admin_status_action_records_the_user_on_each_enrolment(client, personas):
    program = ProgramFactory(capacity=5)
    enrolments = EnrolmentFactory.create_batch(2, program=program, status=EnrolmentStatus.REGISTERED)
    client.force_login(personas["administrator"])

    client.post(
        reverse("admin:participants_enrolment_changelist"),
        {
            "action": "set_status",
            "status": EnrolmentStatus.ACTIVE,
            "_selected_action": [str(e.pk) for e in enrolments],
        },
    )

    latest = [
        (row.history_type, row.status, row.history_user.username)
        for row in (
            Enrolment.history.filter(id=e.pk).order_by("-history_date", "-history_id").first()
            for e in enrolments
        )
    ]
    assert latest == [("~", "active", "administrator"), ("~", "active", "administrator")]


def test_revert_from_admin_history_restores_the_earlier_value(client, personas):
    participant = ParticipantFactory(name="Budi Santoso", institution=personas["institution_a"])
    earlier = participant.history.get()
    participant.name = "Budi Santosa"
    participant.save()
    client.force_login(personas["administrator"])
    revert_url = reverse(
        "admin:participants_participant_simple_history", args=[participant.pk, earlier.history_id]
    )

    client.post(revert_url, admin_form_data(client.get(revert_url)))

    participant.refresh_from_db()
    assert participant.name == "Budi Santoso"
    assert history_of(participant.pk) == [("+", None), ("~", None), ("~", "administrator")]


def history_page_queries(client, participant):
    url = reverse("admin:participants_participant_history", args=[participant.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_admin_history_page_costs_the_same_queries_with_one_or_five_changes(client, personas):
    client.force_login(personas["administrator"])
    one = ParticipantFactory(institution=personas["institution_a"])
    five = ParticipantFactory(institution=personas["institution_a"])
    for number in range(4):
        five.phone = f"0812 000{number}"
        five._history_user = personas["administrator"]
        five.save()

    history_page_queries(client, one)  # the first request fills per-process caches (content types)
    small, _response = history_page_queries(client, one)
    large, response = history_page_queries(client, five)

    assert (small, large) == (7, 7)
    page = response.content.decode()
    assert page.count("administrator") >= 4
    assert "0812 0002" in page and "0812 0003" in page  # what changed, from and to


@pytest.mark.parametrize("role", ["staff", "liaison", "outsider"])
def test_admin_history_page_sends_non_administrators_to_the_admin_login(client, personas, role):
    participant = ParticipantFactory(institution=personas["institution_a"])
    client.force_login(personas[role])

    response = client.get(reverse("admin:participants_participant_history", args=[participant.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_program_history_records_admin_change(client, personas):
    program = ProgramFactory(venue="Jakarta", start_date=datetime.date(2026, 3, 2))
    client.force_login(personas["administrator"])
    url = reverse("admin:programs_program_change", args=[program.pk])
    data = admin_form_data(client.get(url))
    data["venue"] = "Bandung"

    client.post(url, data)

    rows = list(program.history.order_by("history_date", "history_id"))
    assert [(row.history_type, row.venue) for row in rows] == [("+", "Jakarta"), ("~", "Bandung")]
    assert rows[-1].history_user == personas["administrator"]
