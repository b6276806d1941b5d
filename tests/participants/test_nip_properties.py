"""Property-based tests of the NIP parser: thousands of generated inputs, no unhandled exception."""

import datetime

from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from participants.nip import format_nip, parse_nip
from tests.factories import make_nip

CODES = {
    "nip_characters",
    "nip_non_ascii_digits",
    "nip_length",
    "nip_birth_date",
    "nip_tmt_month",
    "nip_tmt_year",
    "nip_gender",
}
TODAY = datetime.date(2026, 11, 29)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40))
def test_parse_nip_any_text_is_decoded_or_refused_with_a_known_reason(text):
    try:
        nip = parse_nip(text, today=TODAY)
    except ValidationError as error:
        assert error.code in CODES
        assert error.messages and all(message.strip() for message in error.messages)
    else:
        assert len(nip.digits) == 18 and nip.digits.isdigit()


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="0123456789 ", min_size=18, max_size=24))
def test_parse_nip_digit_strings_never_crash(text):
    try:
        nip = parse_nip(text, today=TODAY)
    except ValidationError as error:
        assert error.code in CODES
    else:
        assert nip.gender in ("M", "F")
        assert 1 <= nip.tmt_month <= 12


@settings(max_examples=500, deadline=None)
@given(
    birth_date=st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2000, 12, 31)),
    years_later=st.integers(min_value=18, max_value=25),
    month=st.integers(min_value=1, max_value=12),
    gender=st.sampled_from(["M", "F"]),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_parse_nip_valid_parts_round_trip(birth_date, years_later, month, gender, sequence):
    digits = make_nip(
        birth_date=birth_date,
        tmt_year=birth_date.year + years_later,
        tmt_month=month,
        gender=gender,
        sequence=sequence,
    )

    nip = parse_nip(format_nip(digits), today=TODAY)

    assert (nip.digits, nip.birth_date, nip.tmt_year, nip.tmt_month, nip.gender, nip.sequence) == (
        digits,
        birth_date,
        birth_date.year + years_later,
        month,
        gender,
        sequence,
    )
