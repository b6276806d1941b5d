"""The admin applies the pages' and exports' rules (participants/access.py): a liaison with staff status sees
only the rows of their institution and the units below it, and a staff user without
participants.view_personal_data sees NIP, email and phone masked and no place or date of birth, in the
lists, change and history pages, search, autocomplete and export actions (issue 14, item 7)."""

import csv
import datetime
import io
import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db import connection
from django.test.utils import CaptureQueriesContext
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
from lifecycle.services import issue_certificate, record_attendance
from participants.access import mask
from participants.admin_support import PersonalDataAdminMixin
from participants.models import (
    ChangeProject,
    Enrolment,
    EnrolmentStatus,
    Milestone,
    Participant,
    PersonalDataAccess,
)
from programs.models import Institution, Program
from tests.admin_support import admin_url
from tests.factories import (
    AppointmentFactory,
    AttendanceFactory,
    ChangeProjectFactory,
    EnrolmentFactory,
    MilestoneFactory,
    ParticipantFactory,
    ProgramFactory,
    SeminarFactory,
    SessionFactory,
)
from tests.lifecycle_support import pass_by_override, score_all, signed

pytestmark = pytest.mark.django_db

OURS = {
    "name": "Rahmat Contoh",
    "nip": "198609262015051001",
    "gender": "M",
    "birth_date": datetime.date(1986, 9, 26),
    "birth_place": "Pandeglang",
    "email": "rahmat.contoh@example.go.id",
    "phone": "081234567890",
}
THEIRS = {
    "name": "Sinta Lain",
    "nip": "199001152016032002",
    "gender": "F",
    "birth_date": datetime.date(1990, 1, 15),
    "birth_place": "Lebak",
    "email": "sinta.lain@example.go.id",
    "phone": "085711112222",
}
NIP_SHOWN = "19860926 201505 1 001"
NIP_MASKED = "••••••••••••••1001"

# Every admin whose rows belong to a participant, with the lookup path to that participant; the liaison
# group may view all of them but the attendance corrections.
SCOPED = {
    Participant: "",
    Enrolment: "participant",
    ChangeProject: "enrolment__participant",
    Milestone: "change_project__enrolment__participant",
    Attendance: "enrolment__participant",
    Seminar: "change_project__enrolment__participant",
    EvaluationScore: "enrolment__participant",
    GraduationDecision: "enrolment__participant",
    Certificate: "enrolment__participant",
    Appointment: "participant",
}


def with_lifecycle(program, session, participant):
    """An enrolment of the participant with one of everything the lifecycle admin lists."""
    enrolment = EnrolmentFactory(program=program, participant=participant, status=EnrolmentStatus.ACTIVE)
    AttendanceFactory(session=session, enrolment=enrolment, status="absent")
    record_attendance(
        session=session, marks={enrolment.pk: ("present", "")}, recorded_by=None, correction_reason="x"
    )
    project = ChangeProjectFactory(enrolment=enrolment)
    MilestoneFactory(change_project=project)
    SeminarFactory(change_project=project)
    score_all(enrolment, [80, 80, 80, 80])
    pass_by_override(enrolment, reason="Seminar hasil di luar aplikasi")
    issue_certificate(enrolment=signed(enrolment), issued_by=None)
    AppointmentFactory(participant=participant)
    return enrolment


@pytest.fixture
def world(personas):
    for role in ("administrator", "staff", "liaison", "liaison_other"):
        personas[role].is_staff = True
        personas[role].save(update_fields=["is_staff"])
    program = ProgramFactory(capacity=10, title="PKN II Contoh 2025")
    session = SessionFactory(program=program)
    ours = ParticipantFactory(institution=personas["unit_a"], **OURS)
    theirs = ParticipantFactory(institution=personas["institution_b"], **THEIRS)
    return {
        **personas,
        "program": program,
        "ours": ours,
        "theirs": theirs,
        "our_enrolment": with_lifecycle(program, session, ours),
        "their_enrolment": with_lifecycle(program, session, theirs),
    }


def login(client, world, role):
    client.force_login(world[role])
    return client


def page_of(response):
    assert response.status_code == 200
    return response.content.decode()


def participant_of(obj, path):
    for step in filter(None, path.split("__")):
        obj = getattr(obj, step)
    return obj


def scoped_admins():
    registered = [model for model in apps.get_models() if admin.site.is_registered(model)]
    return [
        (model, admin.site.get_model_admin(model))
        for model in registered
        if isinstance(admin.site.get_model_admin(model), PersonalDataAdminMixin)
    ]


def test_every_admin_of_rows_of_a_participant_uses_the_personal_data_mixin():
    expected = {*SCOPED, AttendanceCorrection, PersonalDataAccess, Institution}
    scoped = {model for model, _model_admin in scoped_admins()}

    assert scoped == expected
    for model, path in SCOPED.items():
        assert admin.site.get_model_admin(model).participant_path == path


def test_no_scoped_admin_filters_by_a_list_of_participants_or_institutions():
    """A filter over a relation lists every row of the related table (not narrowed to the user's scope):
    such a filter on a participant or an institution would need a scoped SimpleListFilter."""
    listed = []
    for model, model_admin in scoped_admins():
        for entry in model_admin.list_filter:
            path = entry[0] if isinstance(entry, (list, tuple)) else entry
            if isinstance(path, str) and get_fields_from_path(model, path)[-1].related_model in (
                Participant,
                Institution,
            ):
                listed.append((model.__name__, path))

    assert listed == []


# Lists --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("administrator", NIP_SHOWN, NIP_MASKED),
        ("liaison", NIP_SHOWN, NIP_MASKED),  # the liaison group may see personal data
        ("staff", NIP_MASKED, NIP_SHOWN),
    ],
)
@pytest.mark.parametrize("model", [Participant, Enrolment], ids=lambda m: m.__name__)
def test_admin_list_shows_the_nip_masked_without_view_personal_data(
    client, world, role, shown, hidden, model
):
    page = page_of(login(client, world, role).get(admin_url(model, "changelist")))

    assert shown in page
    assert hidden not in page
    assert OURS["nip"] not in page


def sorted_names(client, order):
    response = client.get(admin_url(Participant, "changelist"), {"o": order})  # 2: the NIP column
    return [participant.name for participant in response.context["cl"].result_list]


def test_admin_list_of_participants_is_not_sorted_by_nip_without_view_personal_data(client, world):
    login(client, world, "administrator")
    by_nip = (sorted_names(client, "2"), sorted_names(client, "-2"))
    login(client, world, "staff")

    assert by_nip == ([OURS["name"], THEIRS["name"]], [THEIRS["name"], OURS["name"]])
    assert sorted_names(client, "2") == sorted_names(client, "-2")  # the masked column does not sort


@pytest.mark.parametrize("model", [*SCOPED, Institution], ids=lambda m: m.__name__)
def test_admin_list_shows_a_liaison_only_their_institution_and_its_units(client, world, model):
    response = login(client, world, "liaison").get(admin_url(model, "changelist"))
    everyone = login(client, world, "administrator").get(admin_url(model, "changelist"))

    rows = list(response.context["cl"].result_list)
    if model is Institution:
        assert sorted(row.name for row in rows) == sorted([world["institution_a"].name, world["unit_a"].name])
        assert world["institution_b"] in everyone.context["cl"].result_list
        return
    path = SCOPED[model]
    assert {participant_of(row, path).pk for row in rows} == {world["ours"].pk}
    assert len(rows) == model.objects.filter(**{f"{path}__pk" if path else "pk": world["ours"].pk}).count()
    assert {participant_of(row, path).pk for row in everyone.context["cl"].result_list} == {
        world["ours"].pk,
        world["theirs"].pk,
    }


def test_admin_list_shows_a_liaison_without_link_nothing(client, world):
    from tests.conftest import make_user

    client.force_login(make_user("unlinked", groups=["Penghubung instansi"], is_staff=True))

    response = client.get(admin_url(Enrolment, "changelist"))

    assert list(response.context["cl"].result_list) == []


def test_admin_program_page_links_to_its_enrolments_which_a_liaison_sees_only_their_own(client, world):
    program = world["program"]
    page = page_of(login(client, world, "liaison").get(admin_url(Program, "change", program.pk)))
    listing = admin_url(Enrolment, "changelist") + f"?program__id__exact={program.pk}"
    enrolments = page_of(client.get(listing))
    full = page_of(login(client, world, "administrator").get(listing))

    assert f'href="{listing}"' in page
    assert THEIRS["name"] not in page
    assert OURS["name"] in enrolments
    assert THEIRS["name"] not in enrolments
    assert THEIRS["name"] in full


# An administrator's list (tests/test_admin.py) and four more: the user's permissions through their groups
# and their own (2), the liaison link and the institutions below it (2).
LIAISON_LIST_QUERIES = {Participant: 8, Enrolment: 10}


def liaison_list_queries(client, model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", [Participant, Enrolment], ids=lambda m: m.__name__)
def test_admin_list_of_a_liaison_costs_the_same_queries_with_one_or_three_rows(client, world, model):
    login(client, world, "liaison")
    one = liaison_list_queries(client, model)
    for _ in range(2):
        EnrolmentFactory(
            program=world["program"], participant=ParticipantFactory(institution=world["institution_a"])
        )

    three = liaison_list_queries(client, model)

    assert len(client.get(admin_url(model, "changelist")).context["cl"].result_list) == 3
    # The scope: the liaison link and the institutions below it, two queries more than an administrator's.
    assert (model.__name__, one, three) == (model.__name__, *[LIAISON_LIST_QUERIES[model]] * 2)


# Change and history pages --------------------------------------------------------------------------------


def objects_of(enrolment, model, path):
    return model.objects.filter(**{f"{path}__pk" if path else "pk": enrolment.participant_id}).order_by("pk")


@pytest.mark.parametrize("model", list(SCOPED), ids=lambda m: m.__name__)
def test_admin_change_page_outside_a_liaisons_scope_is_not_found(client, world, model):
    path = SCOPED[model]
    ours = objects_of(world["our_enrolment"], model, path).first()
    theirs = objects_of(world["their_enrolment"], model, path).first()
    login(client, world, "liaison")

    assert client.get(admin_url(model, "change", ours.pk)).status_code == 200
    assert client.get(admin_url(model, "change", theirs.pk)).status_code == 404
    assert client.get(admin_url(model, "history", theirs.pk)).status_code == 404
    assert client.get(admin_url(model, "change", 987654)).status_code == 404  # missing: the same answer


def test_admin_institution_page_outside_a_liaisons_scope_is_not_found(client, world):
    login(client, world, "liaison")

    assert client.get(admin_url(Institution, "change", world["unit_a"].pk)).status_code == 200
    assert client.get(admin_url(Institution, "change", world["institution_b"].pk)).status_code == 404


def test_admin_history_entry_outside_a_liaisons_scope_is_not_found(client, world):
    theirs = world["theirs"]
    version = theirs.history.latest("history_date").history_id
    url = reverse("admin:participants_participant_simple_history", args=[theirs.pk, version])

    assert login(client, world, "administrator").get(url).status_code == 200
    assert login(client, world, "liaison").get(url).status_code == 404


@pytest.mark.parametrize("role", ["administrator", "liaison"])
def test_admin_participant_page_shows_personal_data_with_the_permission(client, world, role):
    page = page_of(login(client, world, role).get(admin_url(Participant, "change", world["ours"].pk)))

    for value in (NIP_SHOWN, OURS["email"], OURS["phone"], OURS["birth_place"], "1986"):
        assert value in page


def test_admin_participant_page_masks_personal_data_without_the_permission(client, world):
    page = page_of(login(client, world, "staff").get(admin_url(Participant, "change", world["ours"].pk)))

    assert OURS["name"] in page
    assert NIP_MASKED in page
    assert "••••••••7890" in page  # the phone's last four digits, as the exports show it
    for value in (OURS["nip"], NIP_SHOWN, OURS["email"], OURS["phone"], OURS["birth_place"], "1986"):
        assert value not in page
    assert page.count("disamarkan") == 2  # place and date of birth


def changed_phone(world):
    participant = world["ours"]
    participant.phone = "081298765432"
    participant._history_user = world["administrator"]
    participant.save()
    return participant


def test_admin_history_page_masks_the_changes_of_personal_data_without_the_permission(client, world):
    participant = changed_phone(world)
    url = admin_url(Participant, "history", participant.pk)

    masked = page_of(login(client, world, "staff").get(url))
    full = page_of(login(client, world, "administrator").get(url))

    assert "081234567890" in full and "081298765432" in full
    assert "081234567890" not in masked and "081298765432" not in masked
    assert "••••••••7890" in masked and "••••••••5432" in masked


def test_admin_history_entry_masks_personal_data_without_the_permission(client, world):
    participant = world["ours"]
    version = participant.history.earliest("history_date").history_id
    url = reverse("admin:participants_participant_simple_history", args=[participant.pk, version])

    masked = page_of(login(client, world, "staff").get(url))
    full = page_of(login(client, world, "administrator").get(url))

    assert NIP_MASKED in masked and OURS["email"] not in masked and "1986" not in masked
    assert OURS["nip"] in full and OURS["email"] in full


# Search and autocomplete -----------------------------------------------------------------------------------


def found(client, model, term):
    response = client.get(admin_url(model, "changelist"), {"q": term})
    return sorted(str(row) for row in response.context["cl"].result_list)


@pytest.mark.parametrize(
    "model", [Participant, Enrolment, Certificate, Appointment], ids=lambda m: m.__name__
)
def test_admin_search_by_nip_needs_view_personal_data(client, world, model):
    login(client, world, "administrator")
    by_nip = found(client, model, OURS["nip"])
    by_part = found(client, model, "201505")
    login(client, world, "staff")

    assert len(by_nip) == len(by_part) == 1
    assert found(client, model, OURS["nip"]) == []  # not even the full NIP confirms who holds it
    assert found(client, model, "201505") == []
    assert len(found(client, model, "Rahmat")) == 1  # by name as before


def test_admin_search_by_email_needs_view_personal_data(client, world):
    assert found(login(client, world, "administrator"), Participant, "rahmat.contoh@") == [OURS["name"]]
    assert found(login(client, world, "staff"), Participant, "rahmat.contoh@") == []


def test_admin_search_of_a_liaison_finds_only_their_participants(client, world):
    login(client, world, "liaison")

    assert found(client, Participant, "a") == [OURS["name"]]
    assert found(client, Participant, THEIRS["nip"]) == []
    assert found(client, Enrolment, "PKN II Contoh") == [str(world["our_enrolment"])]


def autocomplete(client, model, field, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": term,
        },
    )
    assert response.status_code == 200
    return sorted(result["text"] for result in json.loads(response.content)["results"])


def test_admin_autocomplete_of_participants_keeps_to_the_scope_and_the_masking(client, world):
    login(client, world, "liaison")
    liaison = autocomplete(client, Enrolment, "participant", "a")
    liaison_institutions = autocomplete(client, Participant, "institution", "Contoh")
    login(client, world, "staff")
    staff_by_nip = autocomplete(client, Enrolment, "participant", OURS["nip"])
    staff_by_name = autocomplete(client, Enrolment, "participant", "Rahmat")
    login(client, world, "administrator")

    assert liaison == [OURS["name"]]
    assert liaison_institutions == sorted([world["institution_a"].name, world["unit_a"].name])
    assert staff_by_nip == []
    assert staff_by_name == [OURS["name"]]
    assert autocomplete(client, Enrolment, "participant", OURS["nip"]) == [OURS["name"]]
    assert world["institution_b"].name in autocomplete(client, Participant, "institution", "Contoh")


def test_admin_autocomplete_of_enrolments_keeps_to_the_scope_and_the_masking(client, world):
    login(client, world, "liaison")
    liaison = autocomplete(client, Certificate, "enrolment", "PKN")
    login(client, world, "staff")

    assert liaison == [str(world["our_enrolment"])]
    assert autocomplete(client, Certificate, "enrolment", OURS["nip"]) == []
    assert autocomplete(client, Certificate, "enrolment", "Rahmat") == [str(world["our_enrolment"])]


# Export actions -------------------------------------------------------------------------------------------


def exported(client, model, selected):
    client.cookies["django_language"] = "en"
    response = client.post(
        admin_url(model, "changelist"),
        {"action": "export_csv", "_selected_action": [obj.pk for obj in selected]},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    table, about = rows[: rows.index([])], dict(rows[rows.index([]) + 1 :])
    header = table[0]
    return [dict(zip(header, row, strict=True)) for row in table[1:]], about


@pytest.mark.parametrize(("role", "nip"), [("administrator", NIP_SHOWN), ("staff", NIP_MASKED)])
def test_admin_enrolments_export_masks_the_nip_without_view_personal_data(client, world, role, nip):
    rows, about = exported(
        login(client, world, role), Enrolment, [world["our_enrolment"], world["their_enrolment"]]
    )

    assert sorted((row["Name"], row["NIP"]) for row in rows) == [
        (OURS["name"], nip),
        (THEIRS["name"], "19900115 201603 2 002" if role == "administrator" else mask(THEIRS["nip"])),
    ]
    assert about["Filters"] == "2 rows selected in the administration"


def test_admin_enrolments_export_of_a_liaison_holds_only_their_institution(client, world):
    rows, about = exported(
        login(client, world, "liaison"), Enrolment, [world["our_enrolment"], world["their_enrolment"]]
    )

    assert [(row["Name"], row["NIP"]) for row in rows] == [(OURS["name"], NIP_SHOWN)]
    assert about["Filters"] == "1 row selected in the administration"


@pytest.mark.parametrize(
    ("role", "nip"), [("administrator", NIP_SHOWN), ("staff", NIP_MASKED), ("liaison", NIP_SHOWN)]
)
def test_admin_participants_export_follows_the_role(client, world, role, nip):
    rows, about = exported(login(client, world, role), Participant, [world["ours"], world["theirs"]])

    expected = 1 if role == "liaison" else 2
    assert {row["NIP"] for row in rows if row["Name"].startswith(OURS["name"])} == {nip}
    assert len({row["Name"] for row in rows}) == expected
    assert about["Filters"].startswith(f"{expected} row")
