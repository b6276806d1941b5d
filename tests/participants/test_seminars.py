import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lifecycle.models import Seminar, SeminarScore
from lifecycle.services import removed_scores, save_seminar
from programs.models import SeminarKind
from tests.factories import (
    ChangeProjectFactory,
    EnrolmentFactory,
    InstitutionFactory,
    ParticipantFactory,
    PersonFactory,
    ProgramRoleFactory,
    SeminarFactory,
)
from tests.form_support import form_data, form_with, input_values
from tests.lifecycle_support import persona
from tests.seminar_support import (
    SAVED,
    aspects,
    entry_url,
    grid_data,
    project_with_examiner,
    saved_design_seminar,
    saved_scores,
)

pytestmark = pytest.mark.django_db


def test_seminar_aspects_are_loaded_five_for_the_design_and_six_for_the_results():
    project = ChangeProjectFactory()

    design, results = (
        aspects(project.enrolment.program),
        aspects(project.enrolment.program, SeminarKind.RESULTS),
    )

    assert (len(design), sum(a.weight for a in design)) == (5, Decimal("100"))
    assert (len(results), sum(a.weight for a in results)) == (6, Decimal("100"))


def test_seminar_score_is_the_mean_of_the_examiners_weighted_scores():
    seminar = SeminarFactory()
    first, second = PersonFactory(), PersonFactory()
    design = aspects(seminar.change_project.enrolment.program)  # weights 25, 20, 20, 20, 15
    for aspect, score in zip(design, [80, 90, 70, 60, 100], strict=True):
        SeminarScore.objects.create(seminar=seminar, examiner=first, aspect=aspect, score=score)
    for aspect in design:
        SeminarScore.objects.create(seminar=seminar, examiner=second, aspect=aspect, score=70)

    seminar = Seminar.objects.prefetch_related("scores__aspect").get(pk=seminar.pk)

    # first: (2000 + 1800 + 1400 + 1200 + 1500) / 100 = 79.00; second: 70.00
    assert seminar.examiner_scores() == {first.pk: Decimal("79.00"), second.pk: Decimal("70.00")}
    assert seminar.score == Decimal("74.50")


def test_seminar_without_scores_has_no_score():
    assert SeminarFactory().score is None


def test_save_seminar_keeps_only_the_panels_scores():
    seminar = Seminar(change_project=ChangeProjectFactory(), kind="design", date=datetime.date(2025, 8, 5))
    on_panel, off_panel = PersonFactory(), PersonFactory()
    aspect = aspects(seminar.change_project.enrolment.program)[0]

    save_seminar(
        seminar=seminar,
        panel=[on_panel],
        scores={(on_panel.pk, aspect.pk): Decimal("88"), (off_panel.pk, aspect.pk): Decimal("10")},
    )

    assert list(seminar.examiners.all()) == [on_panel]
    assert list(SeminarScore.objects.values_list("examiner_id", "score")) == [(on_panel.pk, Decimal("88.00"))]


# The seminar entry page ---------------------------------------------------------------------------------


def test_seminar_entry_records_the_panel_scores_and_decision(admin_client):
    project, examiner = project_with_examiner()
    design = aspects(project.enrolment.program)

    response = admin_client.post(entry_url(project), grid_data(examiner, design, [80, 90, 70, 60, 100]))

    seminar = Seminar.objects.get()
    assert response.status_code == 302
    assert (seminar.kind, seminar.date, seminar.decision, seminar.mentor_present, seminar.coach_present) == (
        "design",
        datetime.date(2025, 8, 5),
        "accepted",
        True,
        False,
    )
    assert list(seminar.examiners.all()) == [examiner]
    assert Seminar.objects.prefetch_related("scores__aspect").get().score == Decimal("79.00")


def test_seminar_entry_edits_the_latest_seminar_of_the_kind(admin_client):
    project, examiner = project_with_examiner()
    design = aspects(project.enrolment.program)
    admin_client.post(entry_url(project), grid_data(examiner, design, [80] * 5, decision="revise"))

    admin_client.post(entry_url(project), grid_data(examiner, design, [90] * 5, decision="accepted"))

    assert list(Seminar.objects.values_list("decision", flat=True)) == ["accepted"]
    assert set(SeminarScore.objects.values_list("score", flat=True)) == {Decimal("90.00")}


def test_seminar_entry_can_record_another_seminar_of_the_kind(admin_client):
    project, examiner = project_with_examiner()
    design = aspects(project.enrolment.program)
    admin_client.post(entry_url(project), grid_data(examiner, design, [60] * 5, decision="revise"))

    admin_client.post(entry_url(project) + "?new=1", grid_data(examiner, design, [85] * 5, date="2025-08-20"))

    assert list(Seminar.objects.order_by("date").values_list("decision", flat=True)) == ["revise", "accepted"]


def test_seminar_entry_refuses_scores_of_an_examiner_not_on_the_panel(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    project, examiner = project_with_examiner()
    design = aspects(project.enrolment.program)

    response = admin_client.post(entry_url(project), grid_data(examiner, design, [80] * 5, panel=False))

    assert response.context["form"].errors == {
        f"panel_{examiner.pk}": ["Tick the examiner as on the panel, or remove the scores."]
    }
    assert Seminar.objects.count() == 0


def test_seminar_entry_refuses_a_partial_score_row(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    project, examiner = project_with_examiner()
    design = aspects(project.enrolment.program)

    response = admin_client.post(entry_url(project), grid_data(examiner, design, [80, "", "", "", ""]))

    assert response.context["form"].errors == {
        f"panel_{examiner.pk}": ["Give a score for every aspect, or none yet."]
    }


@pytest.mark.parametrize("score", ["101", "-1", "abc"])
def test_seminar_entry_refuses_a_score_out_of_range(admin_client, score):
    project, examiner = project_with_examiner()
    design = aspects(project.enrolment.program)

    response = admin_client.post(entry_url(project), grid_data(examiner, design, [score, 80, 80, 80, 80]))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [f"score_{examiner.pk}_{design[0].pk}"]


def test_seminar_entry_of_an_unknown_kind_is_404(admin_client):
    project, _examiner = project_with_examiner()

    assert admin_client.get(entry_url(project, "final")).status_code == 404


def test_seminar_entry_sends_anonymous_users_to_the_login_page(client):
    project, _examiner = project_with_examiner()

    response = client.get(entry_url(project))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["outsider", "staff"])
def test_seminar_entry_is_refused_without_the_change_permission(client, name):
    project, _examiner = project_with_examiner()
    client.force_login(persona(name))

    assert client.get(entry_url(project)).status_code == 403


def test_seminar_entry_is_open_to_administrators(client):
    project, examiner = project_with_examiner()
    client.force_login(persona("administrator"))

    response = client.get(entry_url(project, "results"))

    assert response.status_code == 200
    assert examiner.full_name in response.content.decode()


def test_seminar_entry_of_another_institution_is_404_for_a_liaison(client):
    project, _examiner = project_with_examiner()
    client.force_login(
        persona("liaison", institution=InstitutionFactory(), perms=["lifecycle.change_seminar"])
    )

    assert client.get(entry_url(project)).status_code == 404


def test_seminar_entry_of_their_institution_is_open_to_a_liaison_with_the_permission(client):
    home = InstitutionFactory()
    project = ChangeProjectFactory(
        enrolment=EnrolmentFactory(participant=ParticipantFactory(institution=home))
    )
    client.force_login(persona("liaison", institution=home, perms=["lifecycle.change_seminar"]))

    assert client.get(entry_url(project)).status_code == 200


# session, user, permissions (2), the project, the latest seminar with its examiners, scores and their
# aspects (4), the candidate examiners, the aspects.
SEMINAR_QUERIES = 11


def test_seminar_entry_queries_do_not_grow_with_examiners(client, django_assert_num_queries):
    project, examiner = project_with_examiner()
    design = aspects(project.enrolment.program)
    client.force_login(persona("administrator"))
    save_seminar(
        seminar=Seminar(change_project=project, kind="design", date=datetime.date(2025, 8, 5)),
        panel=[examiner],
        scores={(examiner.pk, a.pk): Decimal("80") for a in design},
    )
    with django_assert_num_queries(SEMINAR_QUERIES):
        client.get(entry_url(project))

    more = [PersonFactory() for _ in range(3)]
    for person in more:
        ProgramRoleFactory(program=project.enrolment.program, person=person, role="examiner")
    seminar = Seminar.objects.get()
    save_seminar(
        seminar=seminar,
        panel=[examiner, *more],
        scores={(p.pk, a.pk): Decimal("80") for p in [examiner, *more] for a in design},
    )
    with django_assert_num_queries(SEMINAR_QUERIES):
        response = client.get(entry_url(project))

    assert len(response.context["form"].grid) == 4


# Scores round-trip through the page, and are never dropped silently ------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_seminar_entry_saved_again_with_a_note_keeps_every_score(admin_client, settings, language):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)
    design = aspects(project.enrolment.program)

    form = form_with(admin_client.get(entry_url(project)).content.decode(), "notes")
    response = admin_client.post(entry_url(project), form_data(form, notes="Tambah catatan."))

    assert input_values(form, "score_") == {
        f"score_{examiner.pk}_{a.pk}": value
        for a, value in zip(design, ["94.00", "87.50", "80.25", "75.00", "100.00"], strict=True)
    }
    assert response.status_code == 302
    assert saved_scores() == SAVED
    assert Seminar.objects.get().notes == "Tambah catatan."


def test_seminar_entry_refuses_to_drop_the_scores_of_an_examiner_unticked_from_the_panel(english):
    english.force_login(persona("administrator"))
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)
    form = form_with(english.get(entry_url(project)).content.decode(), "notes")

    response = english.post(entry_url(project), form_data(form, **{f"panel_{examiner.pk}": None}))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        f"panel_{examiner.pk}": [
            "Saving would remove the saved scores of Prof. Penguji. Tick “Remove the saved scores of "
            "Prof. Penguji” to confirm, or put the examiner and the scores back."
        ]
    }
    assert f'name="remove_{examiner.pk}"' in response.content.decode()
    assert saved_scores() == SAVED
    assert list(Seminar.objects.get().examiners.all()) == [examiner]


def test_seminar_entry_removes_the_scores_of_an_unticked_examiner_once_confirmed(admin_client):
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)
    form = form_with(admin_client.get(entry_url(project)).content.decode(), "notes")

    response = admin_client.post(
        entry_url(project), form_data(form, **{f"panel_{examiner.pk}": None, f"remove_{examiner.pk}": "on"})
    )

    assert response.status_code == 302
    assert saved_scores() == []
    assert list(Seminar.objects.get().examiners.all()) == []


def test_seminar_entry_refuses_to_drop_scores_whose_boxes_were_emptied(english):
    english.force_login(persona("administrator"))
    project, examiner = project_with_examiner()
    saved_design_seminar(project, examiner)
    form = form_with(english.get(entry_url(project)).content.decode(), "notes")
    emptied = dict.fromkeys(input_values(form, "score_"), "")

    refused = english.post(entry_url(project), form_data(form, **emptied))
    confirmed = english.post(
        entry_url(project), form_data(form, **emptied, **{f"remove_{examiner.pk}": "on"})
    )

    assert list(refused.context["form"].errors) == [f"panel_{examiner.pk}"]
    assert "Prof. Penguji" in refused.context["form"].errors[f"panel_{examiner.pk}"][0]
    assert confirmed.status_code == 302
    assert saved_scores() == []
    assert list(Seminar.objects.get().examiners.all()) == [examiner]


def test_seminar_entry_shows_and_keeps_the_scores_of_an_examiner_entered_in_the_admin(admin_client):
    project, examiner = project_with_examiner()
    seminar = saved_design_seminar(project, examiner)
    outside = PersonFactory(name="Dr. Luar Panel")
    SeminarScore.objects.create(
        seminar=seminar,
        examiner=outside,
        aspect=aspects(project.enrolment.program)[0],
        score=Decimal("66.60"),
    )
    form = form_with(admin_client.get(entry_url(project)).content.decode(), "notes")

    refused = admin_client.post(entry_url(project), form_data(form, notes="x"))

    assert f"panel_{outside.pk}" in refused.context["form"].errors
    assert sorted(SeminarScore.objects.values_list("score", flat=True)) == sorted([*SAVED, Decimal("66.60")])


def test_save_seminar_refuses_to_remove_scores_without_confirmation():
    project, examiner = project_with_examiner()
    seminar = saved_design_seminar(project, examiner)

    with pytest.raises(ValidationError) as refused:
        save_seminar(seminar=seminar, panel=[], scores={})

    assert [(e.code, e.params["examiner"]) for e in refused.value.error_list] == [
        ("seminar_scores_removed", "Prof. Penguji")
    ]
    assert saved_scores() == SAVED


def test_save_seminar_keeps_the_scores_whose_boxes_were_not_shown():
    project, examiner = project_with_examiner()
    seminar = saved_design_seminar(project, examiner)
    first = aspects(project.enrolment.program)[0]

    save_seminar(seminar=seminar, panel=[examiner], scores={(examiner.pk, first.pk): Decimal("50")})

    assert saved_scores() == [Decimal("50.00"), *SAVED[1:]]


def test_removed_scores_names_the_examiners_off_the_panel_and_the_emptied_boxes():
    saved = {(1, 10): Decimal(80), (1, 11): Decimal(80), (2, 10): Decimal(70), (3, 10): Decimal(60)}

    removed = removed_scores(saved=saved, panel_ids={1, 3}, scores={(1, 10): None, (1, 11): Decimal(80)})

    assert removed == {1: [10], 2: [10]}
