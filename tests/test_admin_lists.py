"""The admin's big lists (a ModelAdmin with trainingtracker.admin_site.BigTableAdminMixin): pages of 25 rows,
row checkboxes that select the rows of an action, filters and search that narrow the rows, and no sidebar."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from lifecycle.models import (
    Appointment,
    Attendance,
    AttendanceCorrection,
    Certificate,
    EvaluationScore,
    GraduationDecision,
    Seminar,
)
from participants.models import ChangeProject, Enrolment, EnrolmentStatus, ImportBatch, Milestone, Participant
from programs.models import Institution, Person, Session
from reports.models import ExportLog
from tests.admin_support import admin_url, make_admin_graph, make_lifecycle_graph
from tests.factories import EnrolmentFactory, InstitutionFactory, ParticipantFactory, ProgramFactory
from trainingtracker.admin_site import BigTableAdminMixin

pytestmark = pytest.mark.django_db

BIG_LISTS = [
    Participant,
    Enrolment,
    ChangeProject,
    Milestone,
    ImportBatch,
    Attendance,
    AttendanceCorrection,
    Seminar,
    EvaluationScore,
    GraduationDecision,
    Certificate,
    Appointment,
    ExportLog,
    Session,
    Institution,
    Person,
]


def changelist_url(model):
    return admin_url(model, "changelist")


def make_everything(admin_user):
    """At least one row in every big list, with empty values (no NIP, no change project) and spaces."""
    make_admin_graph()
    make_lifecycle_graph()
    program = ProgramFactory()
    EnrolmentFactory(
        program=program, participant=ParticipantFactory(nip=None, name=" Sari  Dewi ", back_title="M.Si.")
    )
    ExportLog.objects.create(user=admin_user, dataset="enrolments", format="csv", origin="admin", row_count=3)
    ExportLog.objects.create(
        user=None, dataset="history", format="xlsx", origin="web", filters={"program": 1}, row_count=0
    )
    ImportBatch.objects.create(program=program, user=admin_user, filename="peserta <1>.csv", content=b"x")


def test_the_big_lists_are_the_big_tables():
    registered = [model for model in apps.get_models() if admin.site.is_registered(model)]
    big = {model for model in registered if isinstance(admin.site.get_model_admin(model), BigTableAdminMixin)}

    assert big == set(BIG_LISTS)
    assert {admin.site.get_model_admin(model).list_per_page for model in BIG_LISTS} == {25}


@pytest.mark.parametrize("model", BIG_LISTS, ids=lambda m: m.__name__)
def test_every_big_list_shows_its_rows_with_links_that_keep_the_search(admin_client, admin_user, model):
    make_everything(admin_user)

    plain = admin_client.get(changelist_url(model))
    searched = admin_client.get(changelist_url(model) + "?q=")
    sorted_back = admin_client.get(changelist_url(model) + "?o=-1")

    rows = plain.context["cl"].result_list
    assert len(rows) >= 1
    assert plain.context["cl"].result_count == model.objects.count()
    assert {obj.pk for obj in sorted_back.context["cl"].result_list} == {obj.pk for obj in rows}
    page = plain.content.decode()
    # A row checkbox each, where the list has actions (the records' lists have none).
    boxes = re.findall(r'name="_selected_action" value="(\d+)"', page)
    has_actions = plain.context["action_form"] is not None
    assert sorted(int(pk) for pk in boxes) == (sorted(obj.pk for obj in rows) if has_actions else [])
    for obj in rows:
        assert f'href="{admin_url(model, "change", obj.pk)}"' in page
        assert f'href="{admin_url(model, "change", obj.pk)}?_changelist_filters=q%3D"' in (
            searched.content.decode()
        )


def test_row_checkboxes_of_the_page_select_the_rows_of_an_action(admin_client):
    program = ProgramFactory(capacity=10)
    enrolments = EnrolmentFactory.create_batch(3, program=program, status=EnrolmentStatus.ACTIVE)
    page = admin_client.get(changelist_url(Enrolment)).content.decode()
    boxes = re.findall(
        r'<input type="checkbox" name="_selected_action" value="(\d+)" class="action-select" aria-label="[^"]+">',
        page,
    )
    assert sorted(int(pk) for pk in boxes) == sorted(e.pk for e in enrolments)
    chosen = [boxes[0], boxes[2]]  # the first and the last row (newest first)

    response = admin_client.post(
        changelist_url(Enrolment),
        {"action": "set_status", "status": EnrolmentStatus.DID_NOT_FINISH, "_selected_action": chosen},
        follow=True,
    )

    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert statuses == {
        enrolments[0].pk: "did_not_finish",
        enrolments[1].pk: "active",
        enrolments[2].pk: "did_not_finish",
    }
    assert [str(m) for m in response.context["messages"]] == [
        "2 pendaftaran kini berstatus Tidak menyelesaikan."
    ]


def test_big_list_pages_hold_25_rows_and_the_last_page_the_rest(admin_client):
    program = ProgramFactory(capacity=30)
    enrolments = EnrolmentFactory.create_batch(26, program=program)
    newest_first = [e.pk for e in reversed(enrolments)]

    first = admin_client.get(changelist_url(Enrolment))
    second = admin_client.get(changelist_url(Enrolment) + "?p=2")

    assert [e.pk for e in first.context["cl"].result_list] == newest_first[:25]
    assert [e.pk for e in second.context["cl"].result_list] == newest_first[25:]
    assert (first.context["cl"].result_count, first.context["cl"].paginator.num_pages) == (26, 2)
    assert 'href="?p=2"' in first.content.decode()
    assert first.content.decode().count('name="_selected_action"') == 25
    assert second.content.decode().count('name="_selected_action"') == 1


def test_big_list_filters_and_search_narrow_the_rows(admin_client):
    program = ProgramFactory(capacity=10)
    passed = EnrolmentFactory(
        program=program, status=EnrolmentStatus.PASSED, participant=ParticipantFactory(name="Budi Santoso")
    )
    active = EnrolmentFactory(
        program=program, status=EnrolmentStatus.ACTIVE, participant=ParticipantFactory(name="Rina Kartika")
    )

    by_status = admin_client.get(changelist_url(Enrolment) + "?status__exact=passed")
    by_name = admin_client.get(changelist_url(Enrolment), {"q": "Rina Kartika"})

    assert [e.pk for e in by_status.context["cl"].result_list] == [passed.pk]
    assert [e.pk for e in by_name.context["cl"].result_list] == [active.pk]
    change = reverse("admin:participants_enrolment_change", args=[passed.pk])
    assert f'href="{change}?_changelist_filters=status__exact%3Dpassed"' in by_status.content.decode()


def test_admin_pages_have_no_sidebar_and_the_index_pages_still_list_the_models(admin_client, client):
    changelist = admin_client.get(changelist_url(Enrolment)).content.decode()
    index = admin_client.get(reverse("admin:index")).content.decode()
    app_index = admin_client.get(reverse("admin:app_list", args=["participants"])).content.decode()
    client.force_login(User.objects.create_user("staf-tanpa-izin", is_staff=True))

    assert 'id="nav-sidebar"' not in changelist
    for model in (Enrolment, Institution, Certificate, ExportLog):
        assert f'href="{changelist_url(model)}"' in index
    assert f'href="{changelist_url(Enrolment)}"' in app_index
    assert f'href="{changelist_url(Institution)}"' not in app_index
    # A user who may see none of the app's models is told the page does not exist, as Django does.
    assert client.get(reverse("admin:app_list", args=["participants"])).status_code == 404


def test_enrolment_search_matches_each_word_in_one_field_as_django_does(admin_client):
    dinas = InstitutionFactory(name="Dinas Kesehatan Kota Serang", kind="city")
    program = ProgramFactory(title="PKN Tingkat II Angkatan XV", capacity=10)
    other = ProgramFactory(title="PKA Angkatan III", capacity=10)
    budi = EnrolmentFactory(
        program=program, participant=ParticipantFactory(name="Budi Hidayat", nip="198609262015051001")
    )
    siti = EnrolmentFactory(
        program=other, participant=ParticipantFactory(name="Siti Rahma", institution=dinas)
    )
    ani = EnrolmentFactory(program=other, participant=ParticipantFactory(name="Ani Hidayati"))

    def found(term):
        response = admin_client.get(changelist_url(Enrolment), {"q": term})
        return sorted(e.pk for e in response.context["cl"].result_list)

    assert found("hidayat") == sorted([budi.pk, ani.pk])  # any case, part of a word
    assert found("201505") == [budi.pk]  # part of the NIP
    assert found('"kesehatan kota"') == [siti.pk]  # a quoted phrase, in the institution's name
    assert found("XV") == [budi.pk]  # two letters: the program's title
    assert found("hidayat angkatan iii") == [ani.pk]  # every word, each in one field
    assert found("tidak-ada") == []
    assert found("hidayat tidak-ada") == []


def test_enrolment_year_filter_lists_that_years_programs_and_refuses_a_bad_year(admin_client):
    recent = EnrolmentFactory(program=ProgramFactory(year=2025))
    EnrolmentFactory(program=ProgramFactory(year=2024))

    listed = admin_client.get(changelist_url(Enrolment), {"program__year": "2025"})
    bad = admin_client.get(changelist_url(Enrolment), {"program__year": "dua ribu"})

    assert [e.pk for e in listed.context["cl"].result_list] == [recent.pk]
    choices = re.findall(r'<a href="\?program__year=(\d+)">(\d+)</a>', listed.content.decode())
    assert choices == [("2024", "2024"), ("2025", "2025")]
    assert (bad.status_code, bad["Location"]) == (302, changelist_url(Enrolment) + "?e=1")
