"""The pages' cached fragments (reports/pagecache.py, programs/dataversion.py): every change of the data shows at once, whoever made it
and however, and each viewer gets the fragment of their own scope and permissions."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from lifecycle.services import record_attendance
from participants import imports
from participants.models import EnrolmentStatus, Participant, PersonalDataAccess
from programs.dataversion import data_version
from tests.factories import (
    EnrolmentFactory,
    InstitutionFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
)
from tests.import_support import ANDI, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(english, personas):
    english.force_login(personas["staff"])
    return english


def figure(client, name):
    page = client.get(reverse("reports:overview")).content.decode()
    return re.search(rf'data-figure="{name}">([^<]*)<', page).group(1)


def test_a_bulk_import_moves_the_data_version_and_shows_on_the_overview(staff_client):
    InstitutionFactory(name="Dinas Kesehatan Provinsi Banten")
    program = ProgramFactory(capacity=3)
    before = figure(staff_client, "participants")
    version = data_version()

    imports.import_file(program=program, user=None, filename="a.csv", content=csv_bytes([ANDI]))

    assert (before, figure(staff_client, "participants")) == ("0", "1")
    assert data_version() > version


def test_a_refused_import_leaves_the_data_version(staff_client):
    program = ProgramFactory(capacity=3)  # the file's institution does not exist: every row is refused
    version = data_version()

    _batch, preview = imports.import_file(
        program=program, user=None, filename="a.csv", content=csv_bytes([ANDI])
    )

    assert preview.rows[0].action == "error"
    assert data_version() == version


def test_recording_attendance_in_bulk_moves_the_data_version():
    session = SessionFactory()
    enrolment = EnrolmentFactory(program=session.program)
    version = data_version()

    record_attendance(session=session, marks={enrolment.pk: ("present", "")}, recorded_by=None)

    assert data_version() > version


def test_queryset_deletes_and_m2m_changes_move_the_data_version():
    enrolment = EnrolmentFactory()
    versions = [data_version()]
    from tests.factories import ChangeProjectFactory, PersonFactory

    project = ChangeProjectFactory(enrolment=enrolment)
    versions.append(data_version())
    project.examiners.add(PersonFactory())
    versions.append(data_version())
    Participant.objects.filter(pk=enrolment.participant_id).delete()
    versions.append(data_version())

    assert versions == sorted(set(versions))  # each step moved it


def test_viewing_pages_writes_logs_but_leaves_the_data_version(client, personas):
    participant = EnrolmentFactory(participant=ParticipantFactory(institution=personas["unit_a"])).participant
    client.force_login(personas["administrator"])
    version = data_version()

    client.get(reverse("reports:participant", args=[participant.pk]))
    client.get(reverse("reports:participant", args=[participant.pk]))

    assert PersonalDataAccess.objects.filter(participant=participant).count() == 2
    assert data_version() == version


def test_renaming_a_user_moves_the_data_version_but_logging_in_does_not(client):
    user = User.objects.create_user("clerk", password="pw-clerk-2025", is_staff=True)
    version = data_version()
    answer = client.post(reverse("admin:login"), {"username": "clerk", "password": "pw-clerk-2025"})
    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert data_version() == version

    user.first_name = "Sari"
    user.save()
    renamed = data_version()
    assert renamed > version

    user.delete()  # empties the fields that named the user with an UPDATE that sends no signal
    assert data_version() > renamed


def test_participant_page_shows_a_rename_at_once_and_masks_per_viewer(client, personas):
    participant = ParticipantFactory(
        name="Budi Santoso", nip="198609262015051001", institution=personas["unit_a"]
    )
    EnrolmentFactory(participant=participant)
    url = reverse("reports:participant", args=[participant.pk])

    def seen(who):
        client.force_login(personas[who])
        page = client.get(url).content.decode()
        name = re.search(r"<h1[^>]*>([^<]+?)\s*<", page).group(1)
        nip = re.search(r'<dd class="col-sm-8 font-monospace">([^<]+?)\s*<', page).group(1)
        return name, nip

    first = [seen(who) for who in ("administrator", "staff", "administrator")]
    participant.name = "Budi Santoso Putra"
    participant.save()
    after = seen("administrator")

    assert first == [
        ("Budi Santoso", "19860926 201505 1 001"),
        ("Budi Santoso", "••••••••••••••1001"),
        ("Budi Santoso", "19860926 201505 1 001"),
    ]
    assert after == ("Budi Santoso Putra", "19860926 201505 1 001")


def test_institution_page_shows_a_new_enrolment_at_once(staff_client):
    institution = InstitutionFactory(name="Dinas Arsip")
    EnrolmentFactory(participant=ParticipantFactory(name="Ani", institution=institution))
    url = reverse("reports:institution", args=[institution.pk])

    def names():
        return re.findall(r'<a href="/participants/\d+/">([^<]+)</a>', staff_client.get(url).content.decode())

    first, cached = names(), names()
    EnrolmentFactory(participant=ParticipantFactory(name="Badu", institution=institution))

    assert (first, cached, sorted(names())) == (["Ani"], ["Ani"], ["Ani", "Badu"])


def test_program_list_shows_changes_at_once_and_the_downloads_per_permission(english, personas):
    ProgramFactory(title="PKN II Angkatan I", year=2025)
    url = reverse("reports:program_list")

    def seen(who):
        english.force_login(personas[who])
        page = english.get(url, {"year": 2025}).content.decode()
        return re.findall(r'<a href="/programs/\d+/">([^<]+)</a>', page), 'data-testid="list-exports"' in page

    viewer = personas["staff"].__class__.objects.create_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_program"))
    personas["viewer"] = viewer
    first = [seen("staff"), seen("viewer")]
    ProgramFactory(title="PKN II Angkatan II", year=2025)
    after = seen("viewer")

    assert first == [(["PKN II Angkatan I"], True), (["PKN II Angkatan I"], False)]
    assert (sorted(after[0]), after[1]) == (["PKN II Angkatan I", "PKN II Angkatan II"], False)


def test_an_enrolment_status_change_shows_on_the_overview_and_dashboard(staff_client):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    dashboard = reverse("reports:program", args=[enrolment.program.pk])
    before = (figure(staff_client, "passed"), "1 passed" in staff_client.get(dashboard).content.decode())

    enrolment.status = EnrolmentStatus.PASSED
    enrolment.save()

    after = (figure(staff_client, "passed"), "1 passed" in staff_client.get(dashboard).content.decode())
    assert (before, after) == (("0", False), ("1", True))


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_version_moves_again_after_the_commit():
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps the version in a row updated inside the transaction")
    participant = ParticipantFactory()
    before = data_version()
    with transaction.atomic():
        participant.name = "Nama Baru"
        participant.save()
        participant.save()  # a second change in the same transaction: one more move now, none after
        inside = data_version()
    after = data_version()

    assert (inside - before, after - inside) == (2, 1)


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_first_move_of_a_fresh_sequence_counts():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps the version in a row")
    participant = ParticipantFactory()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('programs_data_version', 1, false)")  # as the migration leaves it
    before = data_version()
    participant.save()  # outside a transaction: one nextval(), no second move after a commit

    assert (before, data_version()) == (0, 1)


CACHED_TEMPLATES = [
    "reports/overview.html#body",
    "reports/program_detail.html#summary",
    "reports/program_detail.html#people",
    "reports/program_detail.html#table",
    "reports/program_detail.html#lifecycle_panel",
    "reports/program_list.html#body",
    "reports/participant_detail.html#body",
    "reports/institution_detail.html#body",
]


@pytest.mark.parametrize("name", CACHED_TEMPLATES)
def test_cached_fragments_show_nothing_of_one_viewer_that_their_key_does_not_carry(name):
    """A cached fragment is served to everyone whose key matches: the viewer's scope and the permissions the
    view puts in the key. What is the viewer's alone (CSRF token, user, messages, permissions read in the
    template) must stay out of it and its includes."""
    from django.template import loader

    seen, todo, sources = set(), [name], []
    while todo:
        template = todo.pop()
        if template in seen:
            continue
        seen.add(template)
        page, _hash, partial = template.partition("#")
        source = loader.get_template(page).template.source
        if partial:  # the partial's own text, and the partials it shows
            source = re.search(
                rf"{{% partialdef {partial} %}}(.*?){{% endpartialdef {partial} %}}", source, re.DOTALL
            ).group(1)
            todo += [f"{page}#{name}" for name in re.findall(r"{%\s*partial\s+(\w+)\s*%}", source)]
        sources.append((template, source))
        todo += re.findall(r'{%\s*include\s+"([^"]+)"', source)

    personal = re.compile(
        r"csrf_token|\buser\.|{{\s*user\b|\bperms\.|\bmessages\b|request\.user|request\.session"
    )
    assert [
        (template, personal.findall(source)) for template, source in sources if personal.search(source)
    ] == []
