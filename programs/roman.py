"""Roman numerals for angkatan numbers ("Angkatan XLIII")."""

_NUMERALS = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
]


def to_roman(number):
    if not 1 <= number <= 3999:
        raise ValueError(f"{number} has no Roman numeral between I and MMMCMXCIX")
    out = []
    for value, numeral in _NUMERALS:
        count, number = divmod(number, value)
        out.append(numeral * count)
    return "".join(out)


def from_roman(text):
    """The number a Roman numeral stands for; ValueError when it is not a canonical numeral."""
    text = str(text).strip().upper()
    total, index = 0, 0
    for value, numeral in _NUMERALS:
        while text.startswith(numeral, index):
            total += value
            index += len(numeral)
    if not text or index != len(text) or to_roman(total) != text:
        raise ValueError(f"{text!r} is not a Roman numeral")
    return total
