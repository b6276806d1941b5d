import datetime

import pytest
from django.core.exceptions import ValidationError

from participants.models import Gender, Participant
from participants.nip import format_nip, parse_nip
from tests.factories import InstitutionFactory

GOOD = "19860926 201505 1 001"


def messages_of(error):
    return error.value.messages


def test_parse_nip_decodes_every_part():
    nip = parse_nip(GOOD)

    assert nip.digits == "198609262015051001"
    assert nip.birth_date == datetime.date(1986, 9, 26)
    assert (nip.tmt_year, nip.tmt_month) == (2015, 5)
    assert nip.gender == Gender.MALE
    assert nip.sequence == 1
    assert str(nip) == GOOD


def test_parse_nip_accepts_any_spacing():
    assert parse_nip("  198609262015051001 ").digits == parse_nip("19860926  201505 1  001").digits


def test_parse_nip_17_digits_is_refused_with_the_count():
    with pytest.raises(ValidationError) as error:
        parse_nip("19860926 201505 1 01")
    assert messages_of(error) == ["A NIP has 18 digits; this one has 17."]


def test_parse_nip_letters_are_refused():
    with pytest.raises(ValidationError) as error:
        parse_nip("19860926 201505 1 0O1")
    assert error.value.code == "nip_characters"


def test_parse_nip_month_13_is_refused_naming_the_tmt_month():
    with pytest.raises(ValidationError) as error:
        parse_nip("19860926 201513 1 001")
    assert messages_of(error) == [
        "Digits 13-14 of the NIP are the TMT CPNS month and must be 01 to 12, not 13."
    ]


def test_parse_nip_30_february_is_refused_naming_the_birth_date():
    with pytest.raises(ValidationError) as error:
        parse_nip("19860230 201505 1 001")
    assert messages_of(error) == [
        "Digits 1-8 of the NIP must be a real birth date (YYYYMMDD); 19860230 is not."
    ]


def test_parse_nip_gender_3_is_refused_naming_the_gender_digit():
    with pytest.raises(ValidationError) as error:
        parse_nip("19860926 201505 3 001")
    assert messages_of(error) == [
        "Digit 15 of the NIP is the gender and must be 1 (male) or 2 (female), not 3."
    ]


def test_parse_nip_tmt_before_birth_is_refused():
    with pytest.raises(ValidationError) as error:
        parse_nip("19860926 198001 1 001")
    assert error.value.code == "nip_tmt_year"


def test_format_nip_groups_8_6_1_3():
    assert format_nip("198609262015051001") == GOOD
    assert format_nip("123") == "123"


@pytest.mark.django_db
def test_participant_full_clean_normalises_and_fills_birth_date_and_gender():
    participant = Participant(nip=GOOD, name="Budi", institution=InstitutionFactory())

    participant.full_clean()

    assert participant.nip == "198609262015051001"
    assert participant.birth_date == datetime.date(1986, 9, 26)
    assert participant.gender == Gender.MALE


@pytest.mark.django_db
def test_participant_birth_date_disagreeing_with_nip_is_refused_on_that_field():
    participant = Participant(
        nip=GOOD, name="Budi", birth_date=datetime.date(1986, 9, 27), institution=InstitutionFactory()
    )

    with pytest.raises(ValidationError) as error:
        participant.full_clean()

    assert error.value.message_dict == {
        "birth_date": ["The date of birth does not match the NIP, which says 26 September 1986 (digits 1-8)."]
    }


@pytest.mark.django_db
def test_participant_gender_disagreeing_with_nip_is_refused_on_that_field():
    participant = Participant(nip=GOOD, name="Siti", gender=Gender.FEMALE, institution=InstitutionFactory())

    with pytest.raises(ValidationError) as error:
        participant.full_clean()

    assert error.value.message_dict == {
        "gender": ["The gender does not match the NIP, whose digit 15 says Male."]
    }


@pytest.mark.django_db
def test_participant_invalid_nip_is_reported_on_the_nip_field_only():
    participant = Participant(nip="19860926 201513 1 001", name="Budi", institution=InstitutionFactory())

    with pytest.raises(ValidationError) as error:
        participant.full_clean()

    assert list(error.value.message_dict) == ["nip"]


@pytest.mark.django_db
def test_participant_without_nip_is_valid_and_stored_as_null():
    participant = Participant(nip="  ", name="AKBP Joko", institution=InstitutionFactory())
    participant.full_clean()
    participant.save()
    other = Participant(nip="", name="Kompol Sari", institution=participant.institution)
    other.full_clean()
    other.save()

    assert list(Participant.objects.filter(nip=None).values_list("name", flat=True)) == [
        "AKBP Joko",
        "Kompol Sari",
    ]


@pytest.mark.django_db
def test_participant_duplicate_nip_is_refused():
    institution = InstitutionFactory()
    Participant.objects.create(nip="198609262015051001", name="Budi", institution=institution)
    duplicate = Participant(nip=GOOD, name="Budi Lain", institution=institution)

    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()

    assert error.value.message_dict == {"nip": ["A participant with this NIP already exists."]}
