"""Import participants and their enrolment in one program from a CSV or XLSX file.

The flow: read the file (type, size, encoding, columns: participants/spreadsheets.py), validate every
row with the model's own rules (`parse_nip` through the NIP field's validator, `Participant.full_clean`),
show a preview in which each row is new, an update (matched by NIP), unchanged or an error, then write
everything in one transaction or nothing. The uploaded bytes live in an ImportBatch row, so the preview
and the confirmation may be served by different processes.

Institutions are matched by name ignoring case and spacing (`Institution.objects.matching_name`); an
unknown institution is an error of its row, never created silently.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from participants.models import (
    SEAT_STATUSES,
    CapacityError,
    Enrolment,
    EnrolmentStatus,
    Gender,
    ImportBatch,
    ImportStatus,
    Participant,
    Rank,
    check_capacity,
)
from participants.nip import normalize_nip
from participants.spreadsheets import COLUMN_NAMES, COLUMNS, ImportFileError, read_table
from participants.spreadsheets import max_upload_bytes as max_upload_bytes  # for the admin and the tests
from programs.dataversion import bump_data_version
from programs.models import Institution, PositionLevel, Program, normalize_spaces
from trainingtracker.files import csv_chunks

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
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
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


class BatchHandled(Exception):
    """The batch was already imported or refused; confirm_batch changes nothing."""


# Validating -------------------------------------------------------------------------------------------


class RowAction:
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass
class RowResult:
    number: int
    raw: dict  # column -> the cell as read
    action: str = RowAction.ERROR
    errors: dict = field(default_factory=dict)  # column -> [messages]
    institution: Institution | None = None
    institution_note: str = ""
    participant: Participant | None = None
    participant_changes: list = field(default_factory=list)
    enrolment: Enrolment | None = None
    enrolment_changed: bool = False
    previous_status: str = ""

    @property
    def values(self):
        """The cells as text, for the preview page."""
        return {key: _text(value) for key, value in self.raw.items()}

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
    def is_valid(self):
        return not self.problems and not any(row.action == RowAction.ERROR for row in self.rows)


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


def parse_date(value):
    """A date from a spreadsheet date cell or from 31/12/2025, 31-12-2025 or 2025-12-31."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date; write 31/12/2025, 31-12-2025 or 2025-12-31."), params={"value": text}
    )


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
    1,000 rows (NIP look-ups are batched) plus one per distinct institution name."""

    def __init__(self, program):
        self.program = program
        self.statuses = _choice_lookup(EnrolmentStatus.choices)
        self.levels = _choice_lookup(PositionLevel.choices)
        self.ranks = {code.lower(): code for code in Rank.values} | _choice_lookup(Rank.choices)
        self.institutions = {}

    def institution(self, name):
        key = normalize_spaces(name).lower()
        if key not in self.institutions:
            self.institutions[key] = Institution.objects.matching_name(name).first()
        return self.institutions[key]

    def validate(self, table, *, progress=None):
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
            for participant in Participant.objects.filter(enrolments__program=self.program, nip=None)
        }
        seen = {}
        for index, (number, values) in enumerate(table.rows, start=1):
            row = RowResult(number=number, raw=values)
            self._validate_row(row, values, table.header, existing_by_nip, without_nip, enrolments, seen)
            preview.rows.append(row)
            if progress and index % 1000 == 0:
                progress(index, len(table.rows))
        self._check_capacity(preview, enrolments)
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
            for participant in Participant.objects.filter(nip__in=nips[start : start + 500]):
                found[participant.nip] = participant
        return found

    def _validate_row(self, row, values, header, existing_by_nip, without_nip, enrolments, seen):
        present = [name for name in PARTICIPANT_FIELDS if name in header]
        cleaned = {}
        raw_nip = values.get("nip")
        if isinstance(raw_nip, int | float):
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
        cleaned["nip"] = nip or None
        for name in ("front_title", "name", "back_title", "birth_place", "position", "email", "phone"):
            if name in header:
                cleaned[name] = _text(values.get(name))
        lookups = {"gender": GENDERS, "rank": self.ranks, "position_level": self.levels}
        for name, lookup in lookups.items():
            if name not in header:
                continue
            text = _text(values.get(name))
            if text and text.lower() not in lookup:
                row.add_error(name, _("“%(value)s” is not a known value of this column.") % {"value": text})
            cleaned[name] = lookup.get(text.lower(), "")
        if "birth_date" in header:
            value = values.get("birth_date")
            cleaned["birth_date"] = None
            if _text(value):
                try:
                    cleaned["birth_date"] = parse_date(value)
                except ValidationError as error:
                    row.add_error("birth_date", error.messages[0])

        institution_name = _text(values.get("institution"))
        if not institution_name:
            row.add_error("institution", _("The institution is required."))
        else:
            row.institution = self.institution(institution_name)
            if row.institution is None:
                row.add_error(
                    "institution",
                    _("No institution is named “%(name)s”; correct the name or add the institution first.")
                    % {"name": institution_name},
                )
            elif row.institution.name != institution_name:
                row.institution_note = _("matched “%(name)s”") % {"name": row.institution.name}

        status = EnrolmentStatus.REGISTERED
        if "status" in header and _text(values.get("status")):
            text = _text(values.get("status"))
            status = self.statuses.get(text.lower())
            if status is None:
                row.add_error("status", _("“%(value)s” is not an enrolment status.") % {"value": text})
        note = _text(values.get("note")) if "note" in header else None

        # The participant: matched by NIP, or for participants without one by name and institution among
        # this program's enrolments, so that a second import of the same file finds them again.
        participant = existing_by_nip.get(nip) if nip else None
        if not nip and row.institution is not None:
            person = (cleaned.get("name", "").lower(), row.institution.pk)
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
            participant = Participant()
        before = {name: getattr(participant, name) for name in [*present, "institution_id"]}
        for name in present:
            setattr(participant, name, cleaned[name])
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
        if row.errors:
            if not is_new:
                for name, value in before.items():  # the object is shared between rows: undo
                    setattr(participant, name, value)
            row.action = RowAction.ERROR
            return
        row.participant_changes = [
            name for name in [*present, "institution_id"] if getattr(participant, name) != before[name]
        ]
        enrolment = None if is_new else enrolments.get(participant.pk)
        if enrolment is None:
            enrolment = Enrolment(program=self.program, status=status, note=note or "")
            row.enrolment_changed = True
        else:
            row.enrolment_changed = enrolment.status != status or (
                note is not None and enrolment.note != note
            )
            row.previous_status = enrolment.status
            enrolment.status = status
            if note is not None:
                enrolment.note = note
        row.enrolment = enrolment
        if is_new:
            row.action = RowAction.NEW
        elif row.participant_changes or row.enrolment_changed:
            row.action = RowAction.UPDATE
        else:
            row.action = RowAction.UNCHANGED

    def _check_capacity(self, preview, enrolments):
        changed = [
            row.enrolment
            for row in preview.rows
            if row.action not in (RowAction.ERROR, RowAction.UNCHANGED) and row.enrolment_changed
        ]
        try:
            check_capacity(
                self.program.pk,
                holders=sum(1 for enrolment in changed if enrolment.status in SEAT_STATUSES),
                excluding=[enrolment.pk for enrolment in changed if enrolment.pk is not None],
            )
        except CapacityError as error:
            preview.problems.append(" ".join([*error.messages, _("Nothing was written.")]))


def preview_import(*, program, content, filename, max_bytes=None, progress=None):
    """Read and validate a file without writing. Returns an ImportPreview whose problems say why a
    file cannot be read. No side effects."""
    try:
        table = read_table(content=content, filename=filename, max_bytes=max_bytes)
    except ImportFileError as error:
        return ImportPreview(program=program, problems=error.messages)
    return Validator(program).validate(table, progress=progress)


def write_preview(preview, *, user=None):
    """Write a valid preview. Call inside a transaction that holds the program's row lock.

    Side effects: creates the new Participants and Enrolments and updates the changed ones with bulk
    queries (model save() is not called; the capacity rule it enforces was checked for the whole file),
    and one history row per written participant and enrolment with `user` as the one who changed it.
    """
    now = timezone.now()
    new_participants = [row.participant for row in preview.rows if row.action == RowAction.NEW]
    bulk_create_with_history(
        new_participants, Participant, batch_size=1000, default_user=user, default_date=now
    )
    changed = [row for row in preview.rows if row.action == RowAction.UPDATE and row.participant_changes]
    fields = sorted({name.removesuffix("_id") for row in changed for name in row.participant_changes})
    if changed:
        for row in changed:
            row.participant.updated_at = now
        bulk_update_with_history(
            [row.participant for row in changed],
            Participant,
            [*fields, "updated_at"],
            batch_size=1000,
            default_user=user,
            default_date=now,
        )
    new_enrolments, changed_enrolments = [], []
    for row in preview.rows:
        if row.action in (RowAction.ERROR, RowAction.UNCHANGED) or not row.enrolment_changed:
            continue
        row.enrolment.participant = row.participant
        if row.enrolment.pk is None:
            new_enrolments.append(row.enrolment)
        else:
            row.enrolment.updated_at = now
            changed_enrolments.append(row.enrolment)
    bulk_create_with_history(new_enrolments, Enrolment, batch_size=1000, default_user=user, default_date=now)
    bulk_update_with_history(
        changed_enrolments,
        Enrolment,
        ["status", "note", "updated_at"],
        batch_size=1000,
        default_user=user,
        default_date=now,
    )
    bump_data_version()  # bulk queries send no signals


# The stored batch --------------------------------------------------------------------------------------


def create_batch(*, program, user, filename, content, max_bytes=None, progress=None):
    """Store an upload and validate it. Returns (batch, preview).

    Side effects: creates an ImportBatch holding the file's bytes, with status preview (every row
    valid) or refused, and the counts of the preview. Writes no participant.
    """
    preview = preview_import(
        program=program, content=content, filename=filename, max_bytes=max_bytes, progress=progress
    )
    batch = ImportBatch(program=program, user=user, filename=filename[:255], content=content)
    _record(batch, preview)
    if not preview.is_valid:
        batch.status = ImportStatus.REFUSED
        batch.finished_at = timezone.now()
    batch.save()
    return batch, preview


def batch_preview(batch, *, progress=None):
    """The preview of a stored batch, validated again against the database as it is now."""
    return preview_import(
        program=batch.program, content=bytes(batch.content), filename=batch.filename, progress=progress
    )


def confirm_batch(*, batch, progress=None):
    """Validate the stored file again and write it all, or nothing. Returns the preview.

    Side effects: in one transaction, locks the program's row (as Enrolment.save does, so that no
    other enrolment takes a seat meanwhile), validates, and when every row is valid and the seats
    suffice, writes the participants and enrolments; the batch becomes imported or refused with the
    counts of this run. Raises BatchHandled, changing nothing, when the batch is no longer waiting
    for confirmation (checked under the batch's row lock).
    """
    try:
        with transaction.atomic():
            # A second confirmation of the same batch (a double click, another administrator) waits
            # here and then finds it handled.
            status = ImportBatch.objects.select_for_update().values_list("status", flat=True).get(pk=batch.pk)
            if status != ImportStatus.PREVIEW:
                raise BatchHandled
            program = Program.objects.select_for_update().get(pk=batch.program_id)
            batch.program = program
            preview = batch_preview(batch, progress=progress)
            if preview.is_valid:
                write_preview(preview, user=batch.user)
                batch.status = ImportStatus.IMPORTED
            else:
                batch.status = ImportStatus.REFUSED
            _record(batch, preview)
            batch.finished_at = timezone.now()
            batch.save()
    except IntegrityError:
        # Another import or an administrator saved the same NIP or enrolment between the checks and
        # the write; the transaction is undone, and the next attempt sees their row.
        preview = ImportPreview(
            program=batch.program,
            problems=[
                _(
                    "The data changed while importing (another user saved the same participant). Nothing was written; try again."
                )
            ],
        )
    return preview


def import_file(*, program, user, filename, content, progress=None):
    """Read, validate and write a file in one pass, for the command line. Returns (batch, preview).

    Side effects: in one transaction, locks the program's row, validates every row, writes the
    participants and enrolments when all are valid and the seats suffice, and records an ImportBatch
    (imported or refused) either way.
    """
    try:
        with transaction.atomic():
            program = Program.objects.select_for_update().get(pk=program.pk)
            preview = preview_import(program=program, content=content, filename=filename, progress=progress)
            batch = ImportBatch(program=program, user=user, filename=filename[:255], content=content)
            if preview.is_valid:
                write_preview(preview, user=user)
                batch.status = ImportStatus.IMPORTED
            else:
                batch.status = ImportStatus.REFUSED
            _record(batch, preview)
            batch.finished_at = timezone.now()
            batch.save()
    except IntegrityError:
        preview = ImportPreview(
            program=program,
            problems=[
                _(
                    "The data changed while importing (another user saved the same participant). Nothing was written; try again."
                )
            ],
        )
        batch = ImportBatch.objects.create(
            program=program,
            user=user,
            filename=filename[:255],
            content=content,
            status=ImportStatus.REFUSED,
            finished_at=timezone.now(),
            problems=preview.problems,
        )
    return batch, preview


def _record(batch, preview):
    counts = preview.counts
    batch.row_count = len(preview.rows)
    batch.new_count = counts["new"]
    batch.updated_count = counts["updated"]
    batch.unchanged_count = counts["unchanged"]
    batch.refused_count = counts["refused"]
    batch.problems = [str(problem) for problem in preview.problems]


# The template -----------------------------------------------------------------------------------------


def template_csv():
    return b"".join(csv_chunks([COLUMN_NAMES]))


def template_xlsx():
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"strings_to_numbers": False, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet(_("Participants")[:31])
    for index, name in enumerate(COLUMN_NAMES):
        # The NIP column is text: 18 digits as a number lose the last three.
        sheet.set_column(
            index,
            index,
            24 if name in ("nip", "name", "institution", "position") else 14,
            text if name == "nip" else None,
        )
    sheet.write_row(0, 0, COLUMN_NAMES, bold)
    sheet.freeze_panes(1, 0)
    help_sheet = workbook.add_worksheet(_("Columns")[:31])
    help_sheet.set_column(0, 0, 18)
    help_sheet.set_column(1, 1, 90)
    help_sheet.write_row(0, 0, [_("Column"), _("What to write")], bold)
    for index, column in enumerate(COLUMNS, start=1):
        required = _(" (required)") if column.required else ""
        help_sheet.write_row(index, 0, [column.name, f"{column.help}{required}"])
    workbook.close()
    return output.getvalue()
