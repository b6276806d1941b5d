"""The admin's big lists (trainingtracker.admin_lists): pages of 25 rows rendered as Django renders them,
row checkboxes that still select rows for an action, filters and search as before, and no sidebar."""

import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html

from participants.admin import CertificateActionForm, EnrolmentActionForm
from participants.models import (
    Appointment,
    Attendance,
    AttendanceCorrection,
    Certificate,
    ChangeProject,
    Enrolment,
    EnrolmentStatus,
    EvaluationScore,
    ExportLog,
    GraduationDecision,
    ImportBatch,
    Milestone,
    Participant,
    Seminar,
)
from programs.models import Institution, Person, Session
from tests.factories import ChangeProjectFactory, EnrolmentFactory, ParticipantFactory, ProgramFactory
from tests.test_admin import make_graph as make_admin_graph
from tests.test_admin_lifecycle import make_graph as make_lifecycle_graph
from trainingtracker.admin_lists import (
    PLAIN_WIDGETS,
    BigListAdminMixin,
    PlainActionForm,
    PlainHiddenInput,
    PlainSelect,
    PlainTextInput,
    fast_results,
)

pytestmark = pytest.mark.django_db

BIG_LISTS = [
    Participant,
    Enrolment,
    ChangeProject,
    Milestone,
    Attendance,
    AttendanceCorrection,
    Seminar,
    EvaluationScore,
    GraduationDecision,
    Certificate,
    Appointment,
    ExportLog,
    ImportBatch,
    Session,
    Institution,
    Person,
]


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


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
    big = {
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, BigListAdminMixin)
    }

    assert big == set(BIG_LISTS)
    assert {admin.site._registry[model].list_per_page for model in BIG_LISTS} == {25}


@pytest.mark.parametrize("query", ["", "?q=", "?o=-1"], ids=["plain", "search kept in links", "sorted"])
@pytest.mark.parametrize("model", BIG_LISTS, ids=lambda m: m.__name__)
def test_big_list_rows_are_the_html_django_renders(admin_client, admin_user, model, query):
    make_everything(admin_user)

    response = admin_client.get(changelist_url(model) + query)

    cl = response.context["cl"]
    model_admin = cl.model_admin
    page = response.content.decode()
    with translation.override("id"):
        fast = [str(row[0]) for row in response.context["results"]]
        django = ["".join(items_for_result(cl, result, None)) for result in cl.result_list]
        checkboxes = [model_admin.action_checkbox(result) for result in cl.result_list]
        django_checkboxes = [ModelAdmin.action_checkbox(model_admin, result) for result in cl.result_list]
    assert len(fast) == len(cl.result_list) >= 1
    assert {len(row) for row in response.context["results"]} == {1}  # a row's cells joined: the fast rows
    assert fast == django
    assert checkboxes == django_checkboxes
    assert all(f"<tr>{row}</tr>" in page for row in fast)
    if query == "?q=":
        assert "_changelist_filters=q%3D" in fast[0]


@pytest.mark.parametrize("form_class", [PlainActionForm, EnrolmentActionForm, CertificateActionForm])
def test_plain_action_form_renders_the_html_of_django_templates(form_class):
    form = form_class(auto_id=None)
    form.fields["action"].choices = [("", "---------"), ("set_status", 'Ubah "status" & <lainnya>')]
    plain = {name: str(form[name]) for name in form.fields}
    django_widgets = {plain_class: django_class for django_class, plain_class in PLAIN_WIDGETS.items()}
    for field in form.fields.values():
        field.widget.__class__ = django_widgets[type(field.widget)]  # back to Django's own widget
    templated = {name: str(form[name]) for name in form.fields}

    assert plain == templated
    assert "&quot;status&quot; &amp; &lt;lainnya&gt;" in plain["action"]


def test_plain_select_renders_option_groups_and_selections_as_django():
    choices = [("", "---------"), ("Tahap", [("a", "A & B"), ("b", "B")]), ("c", "C")]
    select = PlainSelect(attrs={"class": "x", "data-on": True, "hidden": False}, choices=choices)
    django_select = forms.Select(attrs={"class": "x", "data-on": True, "hidden": False}, choices=choices)
    text = PlainTextInput(attrs={"maxlength": 5, "placeholder": "<nama>"})
    django_text = forms.TextInput(attrs={"maxlength": 5, "placeholder": "<nama>"})

    assert select.render("s", "a") == django_select.render("s", "a")
    assert text.render("t", 'a"b') == django_text.render("t", 'a"b')
    assert text.render("t", None) == django_text.render("t", None)
    assert PlainHiddenInput().render("h", 0) == forms.HiddenInput().render("h", 0)


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
        {"action": "set_status", "status": EnrolmentStatus.PASSED, "_selected_action": chosen},
        follow=True,
    )

    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert statuses == {
        enrolments[0].pk: "passed",
        enrolments[1].pk: "active",
        enrolments[2].pk: "passed",
    }
    assert [str(m) for m in response.context["messages"]] == ["2 pendaftaran kini berstatus Lulus."]


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


def test_big_list_filters_and_search_narrow_the_rows(admin_client):
    program = ProgramFactory(capacity=10)
    passed = EnrolmentFactory(program=program, status=EnrolmentStatus.PASSED)
    active = EnrolmentFactory(program=program, status=EnrolmentStatus.ACTIVE)

    by_status = admin_client.get(changelist_url(Enrolment) + "?status__exact=passed")
    by_name = admin_client.get(changelist_url(Enrolment) + f"?q={active.participant.name}")

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
    assert f'href="{changelist_url(Enrolment)}"' in index
    assert f'href="{changelist_url(Institution)}"' in index
    assert f'href="{changelist_url(Enrolment)}"' in app_index
    assert f'href="{changelist_url(Institution)}"' not in app_index
    # A user who may see none of the app's models is told the page does not exist, as before.
    assert client.get(reverse("admin:app_list", args=["participants"])).status_code == 404


class TrickyEnrolmentAdmin(BigListAdminMixin, ModelAdmin):
    """Every kind of column items_for_result knows, for the renderer's comparison with Django's."""

    list_select_related = ["participant", "program", "change_project"]
    list_display = [
        "participant__name",  # a field through a relation
        "change_project__stage",  # choices through a relation, missing for some rows
        "status",  # choices
        "created_at",  # a date and time
        "program",  # a foreign key
        "__str__",
        "holds_seat",  # a model property
        "joined",  # a method giving a date
        "flagged",  # a boolean method giving None or a boolean
        "project",  # raises ObjectDoesNotExist without a change project
        "note_or_nothing",  # its own empty value
        "padded",  # text with spaces around it
        "html",  # marked safe
    ]

    @admin.display(description="joined")
    def joined(self, obj):
        return obj.created_at.date()

    @admin.display(description="flagged", boolean=True)
    def flagged(self, obj):
        return None if obj.status == EnrolmentStatus.ACTIVE else obj.status == EnrolmentStatus.PASSED

    @admin.display(description="project", empty_value="(not used when the row is missing)")
    def project(self, obj):
        return obj.change_project.title

    @admin.display(description="note", empty_value="(none)")
    def note_or_nothing(self, obj):
        return obj.note

    @admin.display(description="padded")
    def padded(self, obj):
        return f"  {obj.participant.name} & co  "

    @admin.display(description="html")
    def html(self, obj):
        return format_html("<b>{}</b>", obj.status)


@pytest.mark.parametrize(
    "links", [None, [], ["status", "joined"]], ids=["no links", "first column links", "two link columns"]
)
@pytest.mark.parametrize(
    "query", ["", "?status__exact=active", "?_popup=1"], ids=["plain", "filtered", "popup"]
)
def test_fast_rows_match_django_for_every_kind_of_column(rf, admin_user, links, query):
    program = ProgramFactory(capacity=10)
    EnrolmentFactory(program=program, status=EnrolmentStatus.ACTIVE, note="")
    EnrolmentFactory(program=program, status=EnrolmentStatus.PASSED, note="<catatan>")
    ChangeProjectFactory(enrolment=EnrolmentFactory(program=program, status=EnrolmentStatus.ACTIVE, note="x"))
    model_admin = TrickyEnrolmentAdmin(Enrolment, admin.site)
    model_admin.list_display_links = links
    request = rf.get("/admin/participants/enrolment/" + query)
    request.user = admin_user

    with translation.override("id"):
        cl = model_admin.get_changelist_instance(request)
        fast = [str(row[0]) if len(row) == 1 else "".join(row) for row in fast_results(cl)]
        django = ["".join(items_for_result(cl, result, None)) for result in cl.result_list]

    assert len(django) == (2 if "status" in query else 3)
    assert fast == django


def test_enrolment_search_matches_each_word_in_one_field_as_django_did(admin_client):
    from programs.models import Institution as InstitutionModel

    dinas = InstitutionModel.objects.create(name="Dinas Kesehatan Kota Serang", kind="city")
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
