"""Names must show what they store, NIP digits are the ASCII digits 0-9: in the model, the admin and the
import (issue 14, item 6)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from participants import imports
from participants.models import Participant
from programs.models import Institution, Person
from tests.factories import InstitutionFactory, ParticipantFactory, ProgramFactory
from tests.import_support import HEADER, csv_bytes

pytestmark = pytest.mark.django_db

ZERO_WIDTH_ONLY = "\u200b\u200c\u2060"
RTL_OVERRIDE = "Budi \u202eoyarP"


def errors_of(instance, field="name"):
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict.get(field)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (ZERO_WIDTH_ONLY, "A name may not contain an invisible character (U+200B)."),
        ("   \u00a0", "A name must contain at least one letter."),
        (RTL_OVERRIDE, "A name may not contain a text-direction control character (U+202E)."),
        ("Siti\u2067Rahma", "A name may not contain a text-direction control character (U+2067)."),
        ("An\u200bdi", "A name may not contain an invisible character (U+200B)."),
        ("123", "A name must contain at least one letter."),
    ],
)
def test_participant_name_without_visible_letters_or_with_hidden_characters_is_refused(name, message):
    participant = ParticipantFactory.build(name=name, institution=InstitutionFactory(), nip=None)

    assert errors_of(participant) == [message]


@pytest.mark.parametrize("name", ["Andi Wijaya", "Ni Luh Putu Ayu", "Muhammad 'Ali", "Zoë Müller", "李明"])
def test_ordinary_names_of_any_script_pass(name):
    participant = ParticipantFactory.build(name=name, institution=InstitutionFactory(), nip=None)

    participant.full_clean()


def test_person_and_institution_names_follow_the_same_rule():
    assert errors_of(Person(name=RTL_OVERRIDE)) == [
        "A name may not contain a text-direction control character (U+202E)."
    ]
    assert errors_of(Institution(name=ZERO_WIDTH_ONLY, kind="ministry")) == [
        "A name may not contain an invisible character (U+200B)."
    ]


@pytest.mark.parametrize(
    "nip",
    [
        "１９８６０９２６２０１５０５１００１",  # full-width
        "١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١",  # Arabic-Indic
        "19860926201505100١",  # one Arabic-Indic digit at the end
    ],
)
def test_nip_with_digits_of_another_script_is_refused_by_name(nip):
    participant = ParticipantFactory.build(name="Andi", institution=InstitutionFactory(), nip=nip)

    [message] = errors_of(participant, "nip")
    assert message.startswith("Write the NIP with the digits 0-9; ")
    assert message.endswith("has digits of another script (full-width or Arabic-Indic).")


def test_admin_form_refuses_a_name_with_a_right_to_left_override_and_saves_nothing(admin_client, settings):
    institution = InstitutionFactory()
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        reverse("admin:participants_participant_add"),
        {"name": RTL_OVERRIDE, "institution": institution.pk, "nip": "", "_save": "1"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "A name may not contain a text-direction control character (U+202E)."
    ]
    assert Participant.objects.count() == 0


def test_import_refuses_invisible_names_and_foreign_digits_by_row_and_column():
    InstitutionFactory(name="Dinas Kesehatan Provinsi Banten")
    program = ProgramFactory(capacity=5)
    rows = [
        ["", ZERO_WIDTH_ONLY, "", "Dinas Kesehatan Provinsi Banten", "", "", "", "", ""],
        [
            "１９８６０９２６２０１５０５１００１",
            "Andi",
            "",
            "Dinas Kesehatan Provinsi Banten",
            "",
            "",
            "",
            "",
            "",
        ],
    ]

    result = imports.preview_import(
        program=program, content=csv_bytes(rows, HEADER), filename="peserta.csv", max_bytes=10**6
    )
    errors = [(row.number, row.error_list) for row in result.rows]

    assert errors[0] == (2, [("name", "A name may not contain an invisible character (U+200B).")])
    assert errors[1][0] == 3
    [(column, message)] = errors[1][1]
    assert column == "nip"
    assert "has digits of another script" in message
    assert Participant.objects.count() == 0
