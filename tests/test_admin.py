"""Every admin page renders for an administrator, and changelists cost the same queries at any size."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import ChangeProject, Enrolment, EnrolmentStatus, Milestone, Participant
from programs.models import Institution, Person, Program, ProgramRole, ProgramType, Source
from tests.admin_support import admin_url, make_admin_graph
from tests.factories import EnrolmentFactory, ProgramFactory

pytestmark = pytest.mark.django_db

MODELS = [
    Source,
    ProgramType,
    Institution,
    Person,
    ProgramRole,
    Program,
    Participant,
    Enrolment,
    ChangeProject,
    Milestone,
]


def changelist_queries(client, model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_lists_the_rows(admin_client, model):
    project = make_admin_graph()
    shown = {
        Source: str(project.enrolment.program.source.headline),
        ProgramType: "PKN Tingkat II",
        Institution: project.enrolment.participant.institution.name,
        Person: project.mentor.name,
        ProgramRole: project.enrolment.program.roles.get().person.name,
        Program: project.enrolment.program.title,
        Participant: project.enrolment.participant.name,
        Enrolment: project.enrolment.participant.name,
        ChangeProject: project.title,
        Milestone: project.milestones.get().activity,
    }[model]

    _count, response = changelist_queries(admin_client, model)

    assert shown in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_queries_do_not_grow_with_rows(admin_client, model):
    make_admin_graph()
    one, _response = changelist_queries(admin_client, model)
    make_admin_graph()
    make_admin_graph()
    three, _response = changelist_queries(admin_client, model)

    assert (model.__name__, one) == (model.__name__, three)
    assert one == EXPECTED_CHANGELIST_QUERIES[model.__name__]


# session, user, the rows, and per changelist: count for pagination, filters' lookups, date hierarchy.
EXPECTED_CHANGELIST_QUERIES = {
    "Source": 8,
    "ProgramType": 6,
    "Institution": 4,
    "Person": 4,
    "ProgramRole": 7,
    "Program": 8,
    "Participant": 4,
    "Enrolment": 6,
    "ChangeProject": 6,
    "Milestone": 4,
}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_add_page_renders_its_form(admin_client, model):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == 200
    assert 'name="_save"' in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_change_page_shows_the_object(admin_client, model):
    make_admin_graph()
    obj = model.objects.order_by("pk").last()

    response = admin_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert (
        str(obj) in response.content.decode() or str(obj).replace("&", "&amp;") in response.content.decode()
    )


def test_admin_pages_are_refused_to_an_outsider(client):
    User.objects.create_user("outsider", password="pw-outsider-123")
    client.force_login(User.objects.get(username="outsider"))

    response = client.get(admin_url(Participant, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_set_status_action_changes_selected_enrolments(admin_client):
    program = ProgramFactory(capacity=5)
    enrolments = EnrolmentFactory.create_batch(2, program=program, status=EnrolmentStatus.ACTIVE)

    response = admin_client.post(
        admin_url(Enrolment, "changelist"),
        {
            "action": "set_status",
            "status": EnrolmentStatus.DID_NOT_FINISH,  # passed is a graduation decision
            "_selected_action": [e.pk for e in enrolments],
        },
        follow=True,
    )

    assert list(Enrolment.objects.order_by("pk").values_list("status", flat=True)) == [
        "did_not_finish",
        "did_not_finish",
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "2 pendaftaran kini berstatus Tidak menyelesaikan."
    ]


def test_admin_program_page_counts_its_enrolments_and_links_to_them_instead_of_an_inline(admin_client):
    program = ProgramFactory(capacity=30)
    EnrolmentFactory(program=program, status="active")
    EnrolmentFactory(program=program, status="nominated")

    response = admin_client.get(admin_url(Program, "change", program.pk))

    page = response.content.decode()
    listing = reverse("admin:participants_enrolment_changelist") + f"?program__id__exact={program.pk}"
    adding = reverse("admin:participants_enrolment_add") + f"?program={program.pk}"
    assert "2 pendaftaran, 1 dari 30 kursi terisi" in page
    assert f'<a href="{listing}">Kelola pendaftaran program ini</a>' in page
    assert f'<a href="{adding}">Daftarkan peserta</a>' in page
    assert [inline.formset.prefix for inline in response.context["inline_admin_formsets"]] == ["roles"]


def test_admin_user_and_group_pages_render(admin_client):
    Group.objects.create(name="Tim Evaluasi")

    response = admin_client.get(reverse("admin:auth_group_changelist"))

    assert "Tim Evaluasi" in response.content.decode()


def test_admin_table_controls_are_named_after_their_column(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    project = make_admin_graph()
    ProgramType.objects.filter(pk=project.enrolment.program.program_type_id).update(order=1)

    change_form = admin_client.get(admin_url(ChangeProject, "change", project.pk)).content.decode()
    changelist = admin_client.get(admin_url(ProgramType, "changelist")).content.decode()

    assert (
        '<select name="milestones-0-horizon" aria-label="Horizon" id="id_milestones-0-horizon">'
        in change_form
    )
    assert (
        '<input type="checkbox" name="milestones-0-DELETE" aria-label="Delete" id="id_milestones-0-DELETE">'
        in change_form
    )
    assert 'name="form-0-order" value="1" class="vIntegerField" min="0" aria-label="Order"' in changelist
