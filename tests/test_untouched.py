"""A value the user did not touch is never changed: the admin change forms of participants and enrolments,
posted back as rendered, write nothing and add no history row (the import's side is in
tests/participants/test_imports.py)."""

import datetime
from html.parser import HTMLParser

import pytest

from participants.models import Enrolment, EnrolmentStatus, Participant
from tests.admin_support import admin_url
from tests.factories import EnrolmentFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with id `form_id`, as a browser sends them: text
    inputs and text areas with their value, checked boxes, the selected options."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = []
        self.select = None
        self.option = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
            else:
                self.data.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.append((self.select, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # The browser drops the one newline that follows <textarea>.
            name, value = self.textarea
            self.data.append((name, value.removeprefix("\n").replace("\n", "\r\n")))
            self.textarea = None


def rendered_form(client, url, form_id):
    page = client.get(url)
    assert page.status_code == 200
    parser = FormFields(form_id)
    parser.feed(page.content.decode())
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data


def history_count(model, pk):
    return model.history.filter(id=pk).count()


def test_participant_change_form_posted_unchanged_writes_nothing(admin_client):
    participant = ParticipantFactory(
        birth_place="Serang", email="andi@example.go.id", phone="0812 1111 2222", back_title="S.T."
    )
    EnrolmentFactory(participant=participant, program=ProgramFactory(capacity=5), note="catatan")
    url = admin_url(Participant, "change", participant.pk)
    data = rendered_form(admin_client, url, "participant_form")
    before = Participant.objects.filter(pk=participant.pk).values().get()
    histories = (history_count(Participant, participant.pk), Enrolment.history.count())

    response = admin_client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302
    assert Participant.objects.filter(pk=participant.pk).values().get() == before
    assert (history_count(Participant, participant.pk), Enrolment.history.count()) == histories


def test_participant_change_form_with_one_field_changed_records_only_that_field(admin_client):
    participant = ParticipantFactory(birth_place="Serang", phone="0812 1111 2222")
    url = admin_url(Participant, "change", participant.pk)
    data = rendered_form(admin_client, url, "participant_form")
    before = Participant.objects.filter(pk=participant.pk).values().get()

    admin_client.post(url, {**data, "phone": "0813 3333 4444", "_save": "Save"})

    after = Participant.objects.filter(pk=participant.pk).values().get()
    assert {key for key in before if before[key] != after[key]} == {"phone", "updated_at"}
    latest, earlier = Participant.history.filter(id=participant.pk).order_by("-history_id")[:2]
    assert [change.field for change in latest.diff_against(earlier).changes] == ["phone"]


def test_enrolment_change_form_posted_unchanged_writes_nothing(admin_client):
    enrolment = EnrolmentFactory(
        program=ProgramFactory(capacity=5, start_date=datetime.date(2025, 6, 23)),
        status=EnrolmentStatus.ACTIVE,
        note="pindahan dari angkatan I",
    )
    url = admin_url(Enrolment, "change", enrolment.pk)
    data = rendered_form(admin_client, url, "enrolment_form")
    before = Enrolment.objects.filter(pk=enrolment.pk).values().get()
    histories = (history_count(Enrolment, enrolment.pk), Participant.history.count())

    response = admin_client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302
    assert Enrolment.objects.filter(pk=enrolment.pk).values().get() == before
    assert (history_count(Enrolment, enrolment.pk), Participant.history.count()) == histories


def test_program_change_form_posted_unchanged_writes_no_enrolment(admin_client):
    program = ProgramFactory(capacity=5)
    enrolments = EnrolmentFactory.create_batch(2, program=program, status=EnrolmentStatus.ACTIVE)
    url = admin_url(type(program), "change", program.pk)
    data = rendered_form(admin_client, url, "program_form")
    before = list(Enrolment.objects.filter(program=program).order_by("pk").values())
    histories = Enrolment.history.count()

    response = admin_client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302
    assert list(Enrolment.objects.filter(program=program).order_by("pk").values()) == before
    assert Enrolment.history.count() == histories
    assert len(before) == len(enrolments) == 2
