import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from participants.models import CapacityError, Enrolment, EnrolmentStatus, seats_taken
from participants.services import change_enrolment_status
from tests.factories import EnrolmentFactory, ParticipantFactory, ProgramFactory


@pytest.mark.django_db
def test_enrolment_beyond_capacity_is_refused_with_the_seat_count():
    program = ProgramFactory(capacity=2)
    EnrolmentFactory.create_batch(2, program=program)

    with pytest.raises(CapacityError) as error:
        EnrolmentFactory(program=program)

    assert error.value.messages == ["The program has 2 seats; 3 would be taken."]
    assert Enrolment.objects.filter(program=program).count() == 2


@pytest.mark.django_db
def test_enrolment_full_clean_reports_a_full_program():
    program = ProgramFactory(capacity=1)
    EnrolmentFactory(program=program)
    enrolment = Enrolment(program=program, participant=ParticipantFactory())

    with pytest.raises(ValidationError) as error:
        enrolment.full_clean()

    assert error.value.messages == ["The program has 1 seats; 2 would be taken."]


@pytest.mark.django_db
def test_nominees_and_withdrawn_do_not_hold_seats():
    program = ProgramFactory(capacity=1)
    EnrolmentFactory(program=program, status=EnrolmentStatus.NOMINATED)
    EnrolmentFactory(program=program, status=EnrolmentStatus.WITHDRAWN)

    EnrolmentFactory(program=program, status=EnrolmentStatus.ACTIVE)

    assert seats_taken(program) == 1


@pytest.mark.django_db
def test_same_participant_twice_in_a_program_is_refused():
    enrolment = EnrolmentFactory()
    again = Enrolment(program=enrolment.program, participant=enrolment.participant)

    with pytest.raises(ValidationError) as error:
        again.full_clean()

    assert error.value.messages == ["This participant is already enrolled in this program."]


@pytest.mark.django_db
def test_editing_an_enrolment_in_an_overfull_program_still_saves():
    program = ProgramFactory(capacity=2)
    enrolments = EnrolmentFactory.create_batch(2, program=program)
    type(program).objects.filter(pk=program.pk).update(capacity=1)  # lowered behind the model's back

    enrolments[0].note = "moved to class B"
    enrolments[0].save()

    assert Enrolment.objects.get(pk=enrolments[0].pk).note == "moved to class B"


@pytest.mark.django_db
def test_change_enrolment_status_refuses_only_what_does_not_fit():
    program = ProgramFactory(capacity=1)
    nominees = EnrolmentFactory.create_batch(2, program=program, status=EnrolmentStatus.NOMINATED)

    changed, refused = change_enrolment_status(
        enrolments=Enrolment.objects.filter(pk__in=[e.pk for e in nominees]).order_by("pk"),
        status=EnrolmentStatus.ACTIVE,
    )

    assert changed == 1
    assert [(e.pk, message) for e, message in refused] == [
        (nominees[1].pk, "The program has 1 seats; 2 would be taken.")
    ]
    assert list(
        Enrolment.objects.filter(program=program).order_by("pk").values_list("status", flat=True)
    ) == [
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.NOMINATED,
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_threads_racing_for_the_last_seats_never_overfill_the_program():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with a database lock; the row-lock race needs PostgreSQL")
    program = ProgramFactory(capacity=3)
    participants = ParticipantFactory.create_batch(12)
    barrier = threading.Barrier(len(participants))
    outcomes = []

    def enrol(participant):
        try:
            barrier.wait()
            Enrolment.objects.create(participant=participant, program=program, status=EnrolmentStatus.ACTIVE)
            outcomes.append("enrolled")
        except CapacityError:
            outcomes.append("full")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=enrol, args=(p,)) for p in participants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["enrolled"] * 3 + ["full"] * 9
    assert Enrolment.objects.filter(program=program).count() == 3
