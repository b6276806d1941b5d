"""Concurrency on PostgreSQL: many threads taking the last seats of one program at once, through the
enrolment model, the admin's enrolment form and the import's confirmation, each thread on its own
database connection. The program ends exactly full, nobody is stored twice, every refusal says why."""

import datetime
import re
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from participants import imports
from participants.models import Enrolment, EnrolmentStatus, Gender, ImportStatus, Participant, seats_taken
from tests.factories import InstitutionFactory, ParticipantFactory, ProgramFactory, make_nip

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

INSTITUTION = "Dinas Kesehatan Provinsi Banten"
FULL = re.compile(r"The program has (\d+) seats; (\d+) would be taken\.")
IMPORT_FULL = re.compile(r"The program has \d+ seats; \d+ would be taken\. Nothing was written\.")
ALREADY_ENROLLED = "This participant is already enrolled in this program."


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer with one database lock; row-lock races need PostgreSQL")


def race(jobs):
    """Run every job in its own thread, released together; returns their results in job order.

    A job's exception becomes its result, so that an unexpected error fails the test's assertions
    instead of vanishing in a thread."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            with translation.override("en"):  # the language is per thread; the tests read English
                results[index] = job()
        except Exception as error:  # noqa: BLE001 (reported through the results)
            results[index] = ("exception", repr(error))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def english_admin_client(user):
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def enrol_by_model(participant, program):
    """The model's path: full_clean and save in one transaction, as a form does."""

    def job():
        enrolment = Enrolment(participant=participant, program=program, status=EnrolmentStatus.ACTIVE)
        try:
            with transaction.atomic():
                enrolment.full_clean()
                enrolment.save()
        except ValidationError as error:
            return ("refused", error.messages)
        return ("enrolled", [])

    return job


def enrol_by_admin(user, participant, program, management):
    """The admin's add form, posted by a logged-in administrator."""

    def job():
        client = english_admin_client(user)
        response = client.post(
            reverse("admin:participants_enrolment_add"),
            {
                "participant": participant.pk,
                "program": program.pk,
                "status": EnrolmentStatus.ACTIVE,
                "note": "",
                **management,
            },
        )
        if response.status_code == 302:
            return ("enrolled", [])
        assert response.status_code == 200, response.status_code
        errors = response.context["adminform"].form.non_field_errors()
        return ("refused", list(errors))

    return job


def management_form(user):
    """The inline formsets' management fields of the admin's enrolment add form."""
    page = english_admin_client(user).get(reverse("admin:participants_enrolment_add")).content.decode()
    return dict(re.findall(r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d*)"', page))


def test_threads_taking_the_last_seats_through_model_and_admin_fill_exactly_the_capacity():
    admin = User.objects.create_superuser("admin", password="pw-admin-123")
    program = ProgramFactory(capacity=4)
    for participant in ParticipantFactory.create_batch(2):
        Enrolment.objects.create(participant=participant, program=program, status=EnrolmentStatus.ACTIVE)
    hopefuls = ParticipantFactory.create_batch(10)
    management = management_form(admin)
    jobs = [enrol_by_model(p, program) for p in hopefuls[:5]]
    jobs += [enrol_by_admin(admin, p, program, management) for p in hopefuls[5:]]

    results = race(jobs)

    assert sorted(outcome for outcome, _ in results) == ["enrolled"] * 2 + ["refused"] * 8, results
    refusals = [messages for outcome, messages in results if outcome == "refused"]
    assert refusals == [["The program has 4 seats; 5 would be taken."]] * 8
    assert seats_taken(program) == 4
    assert Enrolment.objects.filter(program=program).count() == 4


def nip(sequence):
    return make_nip(
        birth_date=datetime.date(1980, 1, sequence),
        tmt_year=2005,
        tmt_month=1,
        gender=Gender.MALE,
        sequence=sequence,
    )


def import_csv(*nips):
    lines = ["nip,name,institution,status"]
    lines += [f"{number},Peserta {number[-3:]},{INSTITUTION},registered" for number in nips]
    return ("\n".join(lines) + "\n").encode()


def confirm_directly(batch):
    def job():
        preview = imports.confirm_batch(batch=batch)
        batch.refresh_from_db()
        return (batch.status, preview.problems)

    return job


def confirm_by_admin(user, batch):
    def job():
        response = english_admin_client(user).post(
            reverse("admin:participants_importbatch_preview", args=[batch.pk])
        )
        batch.refresh_from_db()
        if response.status_code == 302:
            return (batch.status, [])
        assert response.status_code == 200, response.status_code
        html = response.content.decode()
        assert "Nothing was written; see the problems below." in html
        return (batch.status, IMPORT_FULL.findall(html))

    return job


def test_imports_and_enrolments_racing_for_one_program_fill_it_without_duplicates():
    admin = User.objects.create_superuser("admin", password="pw-admin-123")
    institution = InstitutionFactory(name=INSTITUTION)
    program = ProgramFactory(capacity=6)
    # Four files whose people overlap (n1 and n2 are in two files each); n3 also enrols on their own.
    files = [
        import_csv(nip(1), nip(2)),
        import_csv(nip(2), nip(3)),
        import_csv(nip(4), nip(5)),
        import_csv(nip(1), nip(6)),
    ]
    batches = []
    for number, content in enumerate(files, start=1):
        batch, preview = imports.create_batch(
            program=program, user=admin, filename=f"peserta-{number}.csv", content=content
        )
        assert (batch.status, preview.problems) == (ImportStatus.PREVIEW, [])
        batches.append(batch)
    # n3 as the files name them: a file moving them to another institution would wait for a confirmation.
    n3 = ParticipantFactory(
        nip=nip(3),
        name="Peserta 003",
        birth_date=datetime.date(1980, 1, 3),
        gender=Gender.MALE,
        institution=institution,
    )
    singles = [*ParticipantFactory.create_batch(7), n3]
    jobs = [confirm_directly(batches[0]), confirm_directly(batches[1])]
    jobs += [confirm_by_admin(admin, batches[2]), confirm_by_admin(admin, batches[3])]
    jobs += [enrol_by_model(participant, program) for participant in singles]

    results = race(jobs)

    import_results, single_results = results[:4], results[4:]
    for status, problems in import_results:
        assert (status, problems) == (ImportStatus.IMPORTED, []) or (
            status == ImportStatus.REFUSED and len(problems) == 1 and IMPORT_FULL.fullmatch(problems[0])
        ), import_results
    for outcome, messages in single_results:
        assert outcome in ("enrolled", "refused"), single_results
        if outcome == "refused":
            # n3 may be refused for both reasons at once (full, and enrolled by a file meanwhile).
            assert messages
            assert set(messages) <= {"The program has 6 seats; 7 would be taken.", ALREADY_ENROLLED}
    assert [messages for _, messages in single_results[:7]].count(
        ["The program has 6 seats; 7 would be taken."]
    ) >= 1
    assert seats_taken(program) == 6
    nips = list(Participant.objects.exclude(nip=None).values_list("nip", flat=True))
    assert len(nips) == len(set(nips))
    pairs = list(Enrolment.objects.values_list("participant_id", "program_id"))
    assert len(pairs) == len(set(pairs))
    for batch, (status, _) in zip(batches, import_results, strict=True):
        if status != ImportStatus.IMPORTED:
            continue
        # An imported file's people are all enrolled, whoever enrolled them first.
        batch_nips = [line.split(",")[0] for line in bytes(batch.content).decode().splitlines()[1:]]
        enrolled = Enrolment.objects.filter(program=program, participant__nip__in=batch_nips)
        assert enrolled.count() == len(batch_nips)


def test_a_long_transaction_that_changed_data_does_not_deadlock_a_concurrent_enrolment():
    """The data version (programs/dataversion.py) must not be a lock: A changes a participant, then enrols into a
    program whose seat lock B takes first and holds while its own change moves the version."""
    program = ProgramFactory(capacity=5)
    first, second = ParticipantFactory.create_batch(2)
    a_changed = threading.Event()

    def a():
        with transaction.atomic():
            first.name = "Peserta A"
            first.save()  # moves the data version inside this transaction
            a_changed.set()
            time.sleep(0.5)  # B takes the program's row lock meanwhile
            Enrolment.objects.create(participant=first, program=program, status=EnrolmentStatus.ACTIVE)
        return "enrolled"

    def b():
        a_changed.wait(10)
        with transaction.atomic():
            Enrolment.objects.create(participant=second, program=program, status=EnrolmentStatus.ACTIVE)
        return "enrolled"

    assert race([a, b]) == ["enrolled", "enrolled"]
    assert seats_taken(program) == 2
