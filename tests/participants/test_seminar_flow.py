"""The order of a change project's seminars, the stage they move the project to, and the links that lead
to the seminar pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lifecycle.models import Seminar
from lifecycle.services import save_seminar, seminar_stage
from participants.models import ChangeProject
from tests.admin_support import admin_url
from tests.factories import ChangeProjectFactory, SeminarFactory
from tests.form_support import form_data, form_with
from tests.lifecycle_support import STAFF, make_user, persona
from tests.seminar_support import aspects, entry_url, grid_data, project_with_examiner, saved_design_seminar

pytestmark = pytest.mark.django_db


# The order of the seminars, and the stage they move the project to ------------------------------------


def results_data(**fields):
    return {"date": "2025-09-20", "decision": "accepted", "notes": "", **fields}


def test_results_seminar_is_refused_before_the_design_seminar_is_accepted(english):
    english.force_login(persona("administrator"))
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner, decision="revise")

    response = english.post(entry_url(project, "results"), results_data())

    assert response.context["form"].errors == {
        "date": [
            "A results seminar is held only after the design seminar was accepted; this change project has "
            "no accepted design seminar yet."
        ]
    }
    assert list(Seminar.objects.values_list("kind", flat=True)) == ["design"]


def test_results_seminar_is_refused_on_or_before_the_accepted_design_seminars_date(english):
    english.force_login(persona("administrator"))
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)  # accepted on 5 August 2025

    response = english.post(entry_url(project, "results"), results_data(date="2025-08-05"))

    assert response.context["form"].errors == {
        "date": ["The results seminar must come after the accepted design seminar of Aug. 5, 2025."]
    }


def test_results_seminar_after_the_accepted_design_seminar_is_saved(admin_client):
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)

    response = admin_client.post(entry_url(project, "results"), results_data(decision=""))

    assert response.status_code == 302
    assert list(Seminar.objects.order_by("date").values_list("kind", "decision")) == [
        ("design", "accepted"),
        ("results", ""),
    ]


def test_design_seminar_a_results_seminar_relies_on_cannot_lose_its_acceptance(english):
    english.force_login(persona("administrator"))
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)
    SeminarFactory(change_project=project, kind="results", date=datetime.date(2025, 9, 20))
    form = form_with(english.get(entry_url(project)).content.decode(), "notes")

    revised = english.post(entry_url(project), form_data(form, decision="revise"))
    later = english.post(entry_url(project), form_data(form, date="2025-09-21"))

    assert revised.context["form"].errors == {
        "decision": ["The results seminar of Sept. 20, 2025 relies on this design seminar being accepted."]
    }
    assert later.context["form"].errors == {
        "date": ["The design seminar must come before the results seminar of Sept. 20, 2025."]
    }


def test_seminar_order_is_checked_in_the_admin_too():
    project = ChangeProjectFactory()
    seminar = Seminar(change_project=project, kind="results", date=datetime.date(2025, 9, 20))

    with pytest.raises(ValidationError) as refused:
        seminar.full_clean()

    assert list(refused.value.message_dict) == ["date"]


@pytest.mark.parametrize(
    ("seminars", "stage"),
    [
        ([], "design"),
        ([("design", "")], "design_seminar"),
        ([("design", "revise")], "design_seminar"),
        ([("design", "revise"), ("design", "accepted")], "implementation"),
        ([("design", "accepted"), ("results", "revise")], "results_seminar"),
        ([("design", "accepted"), ("results", "accepted")], "reported"),
    ],
)
def test_seminar_stage_follows_the_seminars_decisions(seminars, stage):
    assert seminar_stage(seminars) == stage


def test_saving_seminars_moves_the_project_through_its_stages(admin_client):
    project, examiner = project_with_examiner()
    design = aspects(project.enrolment.program)
    stages = []

    for url, data in [
        (entry_url(project), grid_data(examiner, design, [80] * 5, decision="revise")),
        (entry_url(project), grid_data(examiner, design, [80] * 5, decision="accepted")),
        (entry_url(project, "results"), results_data(decision="revise")),
        (entry_url(project, "results"), results_data(decision="accepted")),
    ]:
        assert admin_client.post(url, data).status_code == 302
        project.refresh_from_db()
        stages.append(project.stage)

    assert stages == ["design_seminar", "implementation", "results_seminar", "reported"]


def test_saving_a_seminar_leaves_a_project_continuing_after_training_where_it_is():
    project, examiner = project_with_examiner()
    project.stage = "continuing"
    project.save()
    seminar = saved_design_seminar(project, examiner)

    seminar.decision = "revise"
    save_seminar(seminar=seminar, panel=[examiner], scores={})

    project.refresh_from_db()
    assert project.stage == "continuing"


def test_saving_a_seminar_keeps_a_stage_set_ahead_by_hand():
    project, examiner = project_with_examiner()
    project.stage = "results_seminar"
    project.save()

    saved_design_seminar(project, examiner)

    project.refresh_from_db()
    assert project.stage == "results_seminar"


def test_withdrawing_an_acceptance_moves_the_project_back_to_the_seminars_stage():
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)
    results = Seminar(
        change_project=project, kind="results", date=datetime.date(2025, 9, 20), decision="accepted"
    )
    save_seminar(seminar=results, panel=[], scores={})
    project.refresh_from_db()
    before = project.stage

    results.decision = "revise"
    save_seminar(seminar=results, panel=[], scores={})

    project.refresh_from_db()
    assert (before, project.stage) == ("reported", "results_seminar")


# Where the seminar pages are reached from --------------------------------------------------------------


def seminar_links(project):
    return [entry_url(project, "design"), entry_url(project, "results")]


def links_in(html, project):
    return [url for url in seminar_links(project) if f'href="{url}"' in html]


def test_change_project_admin_links_to_its_seminar_pages(admin_client):
    project = ChangeProjectFactory()

    response = admin_client.get(admin_url(ChangeProject, "change", project.pk))

    assert links_in(response.content.decode(), project) == seminar_links(project)


def test_change_project_admin_has_no_seminar_links_without_the_seminar_permission(client):
    project = ChangeProjectFactory()
    user = make_user(
        "editor",
        perms=[
            "participants.view_changeproject",
            "participants.change_changeproject",
            "participants.view_all_institutions",
        ],
    )
    user.is_staff = True
    user.save()
    client.force_login(user)

    response = client.get(admin_url(ChangeProject, "change", project.pk))

    assert response.status_code == 200
    assert links_in(response.content.decode(), project) == []


def staff_with_and_without_the_seminar_permission():
    """Two staff viewers who differ only in lifecycle.change_seminar."""
    return {
        "with": make_user("seminar-staff", groups=[STAFF], perms=["lifecycle.change_seminar"]),
        "without": make_user("staff", groups=[STAFF]),
    }


def test_participant_page_links_to_the_seminar_pages_for_those_who_may_enter_them(client):
    project = ChangeProjectFactory()
    participant_url = reverse("reports:participant", args=[project.enrolment.participant_id])
    seen = {}

    # The permitted user first: the page's cached body must not carry their links to the other.
    for name, user in staff_with_and_without_the_seminar_permission().items():
        client.force_login(user)
        response = client.get(participant_url)
        seen[name] = (response.status_code, links_in(response.content.decode(), project))

    assert seen == {"with": (200, seminar_links(project)), "without": (200, [])}


def test_program_page_recent_seminars_link_only_for_those_who_may_enter_them(client):
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)
    program_url = reverse("reports:program", args=[project.enrolment.program_id])
    seen = {}

    for name, user in staff_with_and_without_the_seminar_permission().items():
        client.force_login(user)
        response = client.get(program_url)
        seen[name] = (response.status_code, links_in(response.content.decode(), project))

    assert seen == {"with": (200, [entry_url(project, "design")]), "without": (200, [])}


def test_seminar_accepted_in_the_admin_moves_the_project_stage(admin_client):
    project, examiner = project_with_examiner()
    seminar = saved_design_seminar(project, examiner, decision="revise")
    url = admin_url(Seminar, "change", seminar.pk)
    form = form_with(admin_client.get(url).content.decode(), "decision")

    response = admin_client.post(url, form_data(form, decision="accepted", _save="1"))

    project.refresh_from_db()
    assert response.status_code == 302
    assert project.stage == "implementation"


def test_seminar_added_on_the_change_project_admin_moves_its_stage(admin_client):
    project = ChangeProjectFactory()
    url = admin_url(ChangeProject, "change", project.pk)
    form = form_with(admin_client.get(url).content.decode(), "title")
    prefix = "seminars"

    response = admin_client.post(
        url,
        form_data(
            form,
            _save="1",
            **{
                f"{prefix}-TOTAL_FORMS": "1",
                f"{prefix}-0-kind": "design",
                f"{prefix}-0-date": "2025-08-05",
                f"{prefix}-0-decision": "accepted",
                f"{prefix}-0-change_project": str(project.pk),
            },
        ),
    )

    project.refresh_from_db()
    assert response.status_code == 302
    assert (project.stage, list(Seminar.objects.values_list("kind", "decision"))) == (
        "implementation",
        [("design", "accepted")],
    )


def test_change_project_saved_in_the_admin_keeps_a_stage_set_by_hand(admin_client):
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)  # the seminars say implementation
    url = admin_url(ChangeProject, "change", project.pk)
    form = form_with(admin_client.get(url).content.decode(), "title")

    response = admin_client.post(url, form_data(form, stage="design", _save="1"))

    project.refresh_from_db()
    assert response.status_code == 302
    assert project.stage == "design"


def test_accepted_seminar_deleted_on_the_change_project_admin_moves_the_stage_back(admin_client):
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)
    save_seminar(
        seminar=Seminar(
            change_project=project, kind="results", date=datetime.date(2025, 9, 20), decision="accepted"
        ),
        panel=[],
        scores={},
    )
    url = admin_url(ChangeProject, "change", project.pk)
    form = form_with(admin_client.get(url).content.decode(), "title")
    (results_prefix,) = [
        name.removesuffix("-kind")
        for name, value in form.fields
        if name.endswith("-kind") and value == "results"
    ]

    response = admin_client.post(url, form_data(form, _save="1", **{f"{results_prefix}-DELETE": "on"}))

    project.refresh_from_db()
    assert response.status_code == 302
    assert (project.stage, list(Seminar.objects.values_list("kind", flat=True))) == (
        "implementation",
        ["design"],
    )
