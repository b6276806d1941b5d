"""Text a person types that must stay readable: names must show letters and may not hide characters.

A name made only of invisible characters (zero-width spaces, joiners) looks empty in every list yet is not,
and a right-to-left override (U+202E) shows "Budi" while it stores "iduB" reversed, so a forged name
could pass a visual check. Both are refused; ordinary letters of any script pass.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Unicode categories of characters that show nothing: controls (Cc) and formats (Cf: zero-width space,
# joiners, direction marks, overrides and isolates).
INVISIBLE_CATEGORIES = {"Cc", "Cf"}
DIRECTION_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def validate_visible_name(value):
    """Field validator: refuse direction controls, other invisible characters and names without a letter."""
    for character in value:
        if character in DIRECTION_CONTROLS:
            raise ValidationError(
                _("A name may not contain a text-direction control character (U+%(code)04X)."),
                code="name_direction_control",
                params={"code": ord(character)},
            )
    for character in value:
        if unicodedata.category(character) in INVISIBLE_CATEGORIES:
            raise ValidationError(
                _("A name may not contain an invisible character (U+%(code)04X)."),
                code="name_invisible",
                params={"code": ord(character)},
            )
    if not any(character.isalpha() for character in value):
        raise ValidationError(_("A name must contain at least one letter."), code="name_without_letter")
