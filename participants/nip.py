"""NIP (Nomor Induk Pegawai), Perka BKN 22/2007: 18 digits `YYYYMMDD YYYYMM G NNN`.

Birth date, TMT CPNS (year and month), gender (1 male, 2 female) and a sequence number. Written with
spaces as 8-6-1-3. One parser serves the model, the admin, the imports and the shell.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

NIP_LENGTH = 18
_SEPARATORS = re.compile(r"\s+")


@dataclass(frozen=True)
class NIP:
    digits: str
    birth_date: datetime.date
    tmt_year: int
    tmt_month: int
    gender: str  # "M" or "F", as Participant.gender
    sequence: int

    def __str__(self):
        return format_nip(self.digits)


def normalize_nip(value):
    """The NIP without spaces; '' for empty input. Does not validate."""
    if value is None:
        return ""
    return _SEPARATORS.sub("", str(value))


def format_nip(digits):
    """'198609262015051001' -> '19860926 201505 1 001'; anything else is returned as it is."""
    if len(digits) != NIP_LENGTH or not (digits.isascii() and digits.isdigit()):
        return digits
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def parse_nip(value, *, today=None):
    """Validate and decode a NIP. Raises ValidationError whose message names the wrong part."""
    digits = normalize_nip(value)
    if digits.isdigit() and not digits.isascii():
        # str.isdigit() also accepts full-width (１) and Arabic-Indic (١) digits, which int() would read.
        raise ValidationError(
            _(
                "Write the NIP with the digits 0-9; %(value)s has digits of another script (full-width or "
                "Arabic-Indic)."
            ),
            code="nip_non_ascii_digits",
            params={"value": value},
        )
    if not (digits.isascii() and digits.isdigit()):
        raise ValidationError(
            _("A NIP may contain only digits and spaces; %(value)s has other characters."),
            code="nip_characters",
            params={"value": value},
        )
    if len(digits) != NIP_LENGTH:
        raise ValidationError(
            _("A NIP has 18 digits; this one has %(count)d."),
            code="nip_length",
            params={"count": len(digits)},
        )
    year, month, day = int(digits[0:4]), int(digits[4:6]), int(digits[6:8])
    try:
        birth_date = datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("Digits 1-8 of the NIP must be a real birth date (YYYYMMDD); %(part)s is not."),
            code="nip_birth_date",
            params={"part": digits[0:8]},
        ) from None
    today = today or datetime.date.today()
    if birth_date.year < 1900 or birth_date > today:
        raise ValidationError(
            _("Digits 1-8 of the NIP must be a past birth date; %(part)s is not."),
            code="nip_birth_date",
            params={"part": digits[0:8]},
        )
    tmt_year, tmt_month = int(digits[8:12]), int(digits[12:14])
    if not 1 <= tmt_month <= 12:
        raise ValidationError(
            _("Digits 13-14 of the NIP are the TMT CPNS month and must be 01 to 12, not %(part)s."),
            code="nip_tmt_month",
            params={"part": digits[12:14]},
        )
    if (tmt_year, tmt_month) <= (birth_date.year, birth_date.month) or tmt_year > today.year + 1:
        raise ValidationError(
            _(
                "Digits 9-12 of the NIP are the TMT CPNS year and must fall after the birth date; %(part)s does not."
            ),
            code="nip_tmt_year",
            params={"part": digits[8:12]},
        )
    gender_digit = digits[14]
    if gender_digit not in "12":
        raise ValidationError(
            _("Digit 15 of the NIP is the gender and must be 1 (male) or 2 (female), not %(part)s."),
            code="nip_gender",
            params={"part": gender_digit},
        )
    return NIP(
        digits=digits,
        birth_date=birth_date,
        tmt_year=tmt_year,
        tmt_month=tmt_month,
        gender="M" if gender_digit == "1" else "F",
        sequence=int(digits[15:]),
    )


def validate_nip(value):
    """Field validator: raise ValidationError unless `value` is a valid NIP (empty values pass)."""
    if value:
        parse_nip(value)


def describe_birth_date(nip):
    return date_format(nip.birth_date, "j F Y")
