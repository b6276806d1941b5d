"""Validating the rows of a participant import, and saying per row what would change.

Each row is checked with the model's own rules (`parse_nip` through the NIP field's validator,
`Participant.full_clean`) against the database as it is, and becomes new, an update (matched by NIP),
unchanged, or an error naming its column. An update lists every field it changes, old value and new.

Cells: a blank cell, or a column absent from the file, changes nothing of a participant or enrolment
that exists already; a cell holding only "-" (CLEAR) empties an optional field. For a new participant
both mean empty, and a blank status means registered.

Identity: a row that would change the name, institution or date of birth stored for a participant is
written only when that change is confirmed, by the row's identity key (its NIP, or its row number for a
participant without NIP); see `RowResult.needs_confirmation`.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participants.import_columns import COLUMN_NAMES
from participants.models import (
    SEAT_STATUSES,
    CapacityError,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Participant,
    Rank,
    check_capacity,
    check_not_passed_here,
)
from participants.nip import normalize_nip
from programs.models import Institution, PositionLevel, Program, normalize_spaces

PARTICIPANT_FIELDS = [
    "nip",
    "front_title",
    "name",
    "back_title",
    "gender",
    "birth_place",
    "birth_date",
    "rank",
    "position",
    "position_level",
    "email",
    "phone",
]
# Changing one of these changes who the stored participant is; "institution" is the column of institution_id.
IDENTITY_COLUMNS = ("name", "institution", "birth_date")
CLEAR = "-"  # a cell holding only this empties the field
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
# "12 Maret 1978", "12 Mar 1978", "12-Mar-1978": Indonesian month names and their short forms (English ones
# too, as Excel set to English writes them).
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "januari jan january",
            "februari pebruari feb peb february",
            "maret mar march",
            "april apr",
            "mei may",
            "juni jun june",
            "juli jul july",
            "agustus agu agt ags aug august",
            "september sep sept",
            "oktober okt oct october",
            "november nopember nov nop",
            "desember des dec december",
        ],
        start=1,
    )
    for name in names.split()
}
NAMED_MONTH_DATE = re.compile(r"(\d{1,2})[\s./-]*([^\W\d_]+)\.?[\s./-]*(\d{4})")
# Excel counts days from 30 December 1899 (its 1900 date system); 2958465 is 31 December 9999.
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_LAST_DAY = 2_958_465
# An 18-digit NIP saved as a number keeps 15 significant digits: Excel shows 1,98609E+17 or, formatted as
# a whole number, 198609262015051000. Read as text (a CSV) neither may pass for a NIP.
ROUNDED_NIP = re.compile(r"\d[.,]\d*e\+?\d+|\d{15}000", re.IGNORECASE)
GENDERS = {
    "l": Gender.MALE,
    "laki-laki": Gender.MALE,
    "pria": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "p": Gender.FEMALE,
    "perempuan": Gender.FEMALE,
    "wanita": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}


class RowAction:
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class Change:
    """One field a row changes, as the preview shows it: the file's column, the value stored and the
    value the row writes, as text ('' for empty)."""

    column: str
    old: str
    new: str

    @property
    def identity(self):
        # Filling in an empty value (a birth date never recorded) does not change who someone is.
        return self.column in IDENTITY_COLUMNS and self.old != ""


@dataclass(slots=True)  # no __dict__ per row: a preview may hold 100,000 of them
class RowResult:
    number: int
    raw: dict  # column -> the cell as read
    action: str = RowAction.ERROR
    errors: dict = field(default_factory=dict)  # column -> [messages]
    institution: Institution | None = None
    institution_note: str = ""
    participant: Participant | None = None
    participant_changes: list = field(
        default_factory=list
    )  # model field names, institution as institution_id
    enrolment: Enrolment | None = None
    enrolment_changed: bool = False
    changes: list = field(default_factory=list)  # [Change] of an update, participant's first
    identity_key: str = ""  # what confirms an identity change: the NIP, or the row number without one
    confirmed: bool = False

    @property
    def values(self):
        """The cells as text, for the preview page. A NIP saved as a number is not shown: its last digits
        are lost, and the number would pass for someone's NIP."""
        values = {key: _text(value) for key, value in self.raw.items()}
        if "nip" in self.errors and is_rounded_nip(self.raw.get("nip")):
            values["nip"] = ""
        return values

    def add_error(self, column, message):
        self.errors.setdefault(column, []).append(str(message))

    @property
    def error_list(self):
        """[(column, message)] in the file's column order."""
        order = {name: index for index, name in enumerate([*COLUMN_NAMES, "row"])}
        return [
            (column, message)
            for column in sorted(self.errors, key=lambda name: order.get(name, len(order)))
            for message in self.errors[column]
        ]

    @property
    def identity_changes(self):
        return [change for change in self.changes if change.identity]

    @property
    def needs_confirmation(self):
        return bool(self.identity_changes) and not self.confirmed


@dataclass
class ImportPreview:
    program: Program
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # messages about the whole file

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self):
        return {
            "new": self.count(RowAction.NEW),
            "updated": self.count(RowAction.UPDATE),
            "unchanged": self.count(RowAction.UNCHANGED),
            "refused": self.count(RowAction.ERROR),
        }

    @property
    def has_errors(self):
        """The file cannot be imported as it is: a problem of the whole file or a row with an error."""
        return bool(self.problems) or any(row.action == RowAction.ERROR for row in self.rows)

    @property
    def unconfirmed(self):
        """The rows that change a stored participant's identity without confirmation."""
        return [row for row in self.rows if row.action == RowAction.UPDATE and row.needs_confirmation]

    @property
    def is_valid(self):
        """Everything may be written: no error, and every identity change confirmed."""
        return not self.has_errors and not self.unconfirmed

    def unconfirmed_message(self):
        rows = [row.number for row in self.unconfirmed]
        return ngettext(
            "Row %(rows)s changes the name, institution or date of birth of a stored participant and was "
            "not confirmed. Nothing was written.",
            "Rows %(rows)s change the name, institution or date of birth of stored participants and were "
            "not confirmed. Nothing was written.",
            len(rows),
        ) % {"rows": ", ".join(str(number) for number in rows)}


def _text(value):
    """A cell as text, spaces normalised as Institution names are. Most cells are text: checked first."""
    if value.__class__ is str:
        return " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return normalize_spaces(value)


def is_rounded_nip(value):
    """A NIP cell that holds a number, or the text of one rounded by a spreadsheet."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and ROUNDED_NIP.fullmatch(normalize_nip(value)) is not None


def parse_date(value):
    """A date from a spreadsheet date cell, an Excel serial number (a date cell formatted as a number:
    28561 is 12 March 1978), or from 31/12/2025, 31-12-2025, 2025-12-31, 31 Desember 2025 or 31 Des 2025."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value <= EXCEL_LAST_DAY:
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = _text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    named = NAMED_MONTH_DATE.fullmatch(text)
    if named and named[2].lower() in MONTHS:
        try:
            return datetime.date(int(named[3]), MONTHS[named[2].lower()], int(named[1]))
        except ValueError:
            pass
    raise ValidationError(
        _("“%(value)s” is not a date; write 31/12/2025, 31-12-2025 or 2025-12-31."), params={"value": text}
    )


def shown(model, name, value):
    """A stored value as the preview shows it: a choice's label, a date as 31/12/1980, '' for empty."""
    if value is None or value == "":
        return ""
    if isinstance(value, Institution):
        return value.name
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(_labels(model, name).get(value, value))


@functools.cache
def _labels(model, name):
    """code -> label of a choice field (lazy labels: each shows in the language active when shown)."""
    return dict(model._meta.get_field(name).flatchoices)


def _choice_lookup(choices, *extra):
    """Accepted spellings (code, English and Indonesian label, lower case) -> code."""
    lookup = {}
    for language in ("en", "id"):
        with translation.override(language):
            for code, label in choices:
                lookup[str(label).lower()] = code
    for code, _label in choices:
        lookup[code.lower()] = code
    for mapping in extra:
        lookup.update(mapping)
    return lookup


class Validator:
    """Validates the rows of a table against the database as it is, with a fixed number of queries per
    1,000 rows (NIP look-ups are batched) plus one per distinct institution name.

    `confirmed`: the identity keys (NIPs, spaces allowed, or row numbers) whose change of name,
    institution or date of birth the user confirmed.
    """

    def __init__(self, program, *, confirmed=()):
        self.program = program
        self.confirmed = {normalize_nip(key) for key in confirmed}
        self.statuses = _choice_lookup(EnrolmentStatus.choices)
        self.levels = _choice_lookup(PositionLevel.choices)
        self.ranks = {code.lower(): code for code in Rank.values} | _choice_lookup(Rank.choices)
        self.institutions = {}

    def institution(self, name):
        key = normalize_spaces(name).lower()
        if key not in self.institutions:
            self.institutions[key] = Institution.objects.matching_name(name).first()
        return self.institutions[key]

    def validate(self, table, *, progress=None, keep_objects=True):
        """The ImportPreview of the table's rows. Without `keep_objects` (a preview only shown, never
        written) each row's Participant and Enrolment are let go once the row is judged: with 100,000 rows
        they are most of the memory a preview takes."""
        preview = ImportPreview(program=self.program)
        existing_by_nip = self._participants_by_nip(table)
        enrolments = {
            enrolment.participant_id: enrolment
            for enrolment in Enrolment.objects.filter(program=self.program).only(
                "pk", "participant_id", "program_id", "status", "note"
            )
        }
        without_nip = {
            (participant.name.lower(), participant.institution_id): participant
            for participant in Participant.objects.filter(
                enrolments__program=self.program, nip=None
            ).select_related("institution")
        }
        seen = {}
        self.holders, self.excluding = 0, []  # the seats the rows take, and the enrolments they change
        for index, (number, values) in enumerate(table.rows, start=1):
            row = RowResult(number=number, raw=values)
            self._validate_row(row, values, existing_by_nip, without_nip, enrolments, seen)
            self._count_seat(row)
            if not keep_objects:
                row.participant = row.enrolment = None
            preview.rows.append(row)
            if progress and index % 1000 == 0:
                progress(index, len(table.rows))
        self._check_capacity(preview)
        return preview

    def _participants_by_nip(self, table):
        nips = set()
        for _number, values in table.rows:
            value = values.get("nip")
            if isinstance(value, str):
                nips.add(normalize_nip(value))
        nips.discard("")
        found = {}
        nips = sorted(nips)
        for start in range(0, len(nips), 500):
            # The institution is joined: the preview names the one a row moves a participant from.
            for participant in Participant.objects.filter(nip__in=nips[start : start + 500]).select_related(
                "institution"
            ):
                found[participant.nip] = participant
        return found

    def _given(self, row, values):
        """{field: value} of the participant's cells that say something: a blank cell (or a column the
        file lacks: `values` holds the file's columns only) is left out, a CLEAR cell gives the empty
        value."""
        given = {}
        for name in ("front_title", "name", "back_title", "birth_place", "position", "email", "phone"):
            text = _text(values.get(name))
            if text:
                given[name] = "" if text == CLEAR else text
        lookups = {"gender": GENDERS, "rank": self.ranks, "position_level": self.levels}
        for name, lookup in lookups.items():
            text = _text(values.get(name))
            if not text:
                continue
            if text == CLEAR:
                given[name] = ""
            elif text.lower() in lookup:
                given[name] = lookup[text.lower()]
            else:
                row.add_error(name, _("“%(value)s” is not a known value of this column.") % {"value": text})
        value = values.get("birth_date")
        text = _text(value)
        if text == CLEAR:
            given["birth_date"] = None
        elif text:
            try:
                given["birth_date"] = parse_date(value)
            except ValidationError as error:
                row.add_error("birth_date", error.messages[0])
        return given

    def _validate_row(self, row, values, existing_by_nip, without_nip, enrolments, seen):
        raw_nip = values.get("nip")
        if is_rounded_nip(raw_nip):
            row.add_error(
                "nip",
                _(
                    "The NIP is stored as a number, which spreadsheets round after 15 digits; format the column as text."
                ),
            )
            nip = ""
        else:
            nip = normalize_nip(raw_nip)
            if nip in seen:
                row.add_error("nip", _("The same NIP is also on row %(row)d.") % {"row": seen[nip]})
            elif nip:
                seen[nip] = row.number
        given = self._given(row, values)
        participant = existing_by_nip.get(nip) if nip else None

        institution_name = _text(values.get("institution"))
        if institution_name:
            row.institution = self.institution(institution_name)
            if row.institution is None:
                row.add_error(
                    "institution",
                    _("No institution is named “%(name)s”; correct the name or add the institution first.")
                    % {"name": institution_name},
                )
            elif row.institution.name != institution_name:
                row.institution_note = _("matched “%(name)s”") % {"name": row.institution.name}
        elif participant is None:  # a stored participant keeps theirs
            row.add_error("institution", _("The institution is required."))

        status = None  # a new enrolment is registered; a stored one keeps its status
        text = _text(values.get("status"))
        if text:
            status = self.statuses.get(text.lower())
            if status is None:
                row.add_error("status", _("“%(value)s” is not an enrolment status.") % {"value": text})
        note = _text(values.get("note"))
        note = None if not note else "" if note == CLEAR else note

        # The participant: matched by NIP, or for participants without one by name and institution among
        # this program's enrolments, so that a second import of the same file finds them again.
        if not nip and row.institution is not None:
            person = (given.get("name", "").lower(), row.institution.pk)
            participant = without_nip.get(person)
            if person in seen:
                row.add_error(
                    "name",
                    _("The same person (name and institution, no NIP) is also on row %(row)d.")
                    % {"row": seen[person]},
                )
            seen[person] = row.number
        is_new = participant is None
        if is_new:
            participant = Participant(nip=nip or None)
        row.identity_key = nip or str(row.number)
        row.confirmed = row.identity_key in self.confirmed
        before = {name: getattr(participant, name) for name in PARTICIPANT_FIELDS}
        before_institution = participant.institution if participant.institution_id else None
        for name, value in given.items():
            setattr(participant, name, value)
        if row.institution is not None:
            participant.institution = row.institution
        try:
            # The model's own rules, as the admin's form applies them; uniqueness of the NIP is settled by
            # matching on it, and the institution was just looked up.
            participant.full_clean(exclude=["institution"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    row.add_error(name if name in COLUMN_NAMES else "row", message)
        row.participant = participant
        if not is_new:
            # clean() fills gender and birth date from the NIP; a stored participant's field that the
            # row leaves blank is not the row's to change. The object is shared between rows: an error
            # undoes everything.
            for name, value in before.items():
                if row.errors or name not in given:
                    setattr(participant, name, value)
            if row.errors:
                participant.institution = before_institution
        if row.errors:
            row.action = RowAction.ERROR
            return
        if not is_new:
            self._list_changes(row, participant, given, before, before_institution)
        self._enrol(row, participant, None if is_new else enrolments.get(participant.pk), status, note)
        if is_new:
            row.action = RowAction.NEW
        elif row.changes:
            row.action = RowAction.UPDATE
            row.changes.sort(key=lambda change: COLUMN_NAMES.index(change.column))
        else:
            row.action = RowAction.UNCHANGED

    def _list_changes(self, row, participant, given, before, before_institution):
        """Sets the stored participant's fields the row changes, and how the preview shows them."""
        row.participant_changes = [name for name in given if getattr(participant, name) != before[name]]
        row.changes = [
            Change(
                name,
                shown(Participant, name, before[name]),
                shown(Participant, name, getattr(participant, name)),
            )
            for name in row.participant_changes
        ]
        if participant.institution != before_institution:
            row.participant_changes.append("institution_id")
            row.changes.append(
                Change(
                    "institution",
                    shown(Participant, "institution", before_institution),
                    participant.institution.name,
                )
            )

    def _enrol(self, row, participant, enrolment, status, note):
        """Sets the row's enrolment in the program: a new one, or the stored one with the row's status and
        note where the row gives them."""
        try:
            check_not_passed_here(enrolment.status if enrolment else None, status)
        except ValidationError as error:
            row.add_error("status", error.messages[0])
        if enrolment is None:
            enrolment = Enrolment(
                program=self.program, status=status or EnrolmentStatus.REGISTERED, note=note or ""
            )
            row.enrolment_changed = True
            if participant.pk is not None:  # a stored participant's update lists the new enrolment
                row.changes.append(Change("status", "", shown(Enrolment, "status", enrolment.status)))
                if enrolment.note:
                    row.changes.append(Change("note", "", enrolment.note))
        else:
            for name, value in (("status", status), ("note", note)):
                if value is not None and getattr(enrolment, name) != value:
                    row.changes.append(
                        Change(
                            name,
                            shown(Enrolment, name, getattr(enrolment, name)),
                            shown(Enrolment, name, value),
                        )
                    )
                    setattr(enrolment, name, value)
                    row.enrolment_changed = True
        row.enrolment = enrolment

    def _count_seat(self, row):
        if row.action not in (RowAction.ERROR, RowAction.UNCHANGED) and row.enrolment_changed:
            self.holders += row.enrolment.status in SEAT_STATUSES
            if row.enrolment.pk is not None:
                self.excluding.append(row.enrolment.pk)

    def _check_capacity(self, preview):
        try:
            check_capacity(self.program.pk, holders=self.holders, excluding=self.excluding)
        except CapacityError as error:
            preview.problems.append(" ".join([*error.messages, _("Nothing was written.")]))
