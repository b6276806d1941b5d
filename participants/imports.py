"""Import participants and their enrolment in one program from a CSV or XLSX file.

The flow: read the file (type, size, encoding, columns: participants/spreadsheets.py), validate every
row with the model's own rules (participants/import_rows.py), show a preview in which each row is new,
an update (matched by NIP, with each field it changes, old and new), unchanged or an error, then write
everything in one transaction or nothing. A blank cell changes nothing stored; a change of a stored
participant's name, institution or date of birth is written only when confirmed. The uploaded bytes live
in an ImportBatch row with the rows as read (`ImportBatch.table`), so that the preview and the confirmation
may be served by different processes and the file is read once.

Institutions are matched by name ignoring case and spacing (`Institution.objects.matching_name`); an
unknown institution is an error of its row, never created silently.
"""

import io

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from participants.import_columns import (
    BLANK_CELLS_HELP,
    COLUMN_NAMES,
    COLUMNS,
    HEADER_HELP,
    ImportFileError,
    Table,
)
from participants.import_rows import CLEAR, Change, ImportPreview, RowAction, RowResult, Validator
from participants.models import Enrolment, ImportBatch, ImportStatus, Participant
from participants.spreadsheets import max_upload_bytes as max_upload_bytes  # for the admin and the tests
from participants.spreadsheets import read_table
from programs.dataversion import bump_data_version
from programs.models import Program
from trainingtracker.files import csv_chunks

__all__ = [  # the import's interface, for the admin, the command and the tests
    "BLANK_CELLS_HELP",
    "CLEAR",
    "COLUMNS",
    "COLUMN_NAMES",
    "BatchHandled",
    "Change",
    "ImportPreview",
    "RowAction",
    "RowResult",
    "batch_preview",
    "confirm_batch",
    "create_batch",
    "import_file",
    "max_upload_bytes",
    "preview_import",
    "preview_table",
    "read_file",
    "template_csv",
    "template_xlsx",
    "write_preview",
]


class BatchHandled(Exception):
    """The batch was already imported or refused; confirm_batch changes nothing."""


def preview_import(*, program, content, filename, max_bytes=None, confirmed=(), progress=None):
    """Read and validate a file without writing. Returns an ImportPreview whose problems say why a
    file cannot be read. `confirmed`: the identity keys (NIPs, or row numbers of rows without one) whose
    change of name, institution or date of birth is confirmed. No side effects."""
    table = read_file(content=content, filename=filename, max_bytes=max_bytes)
    return preview_table(table, program=program, confirmed=confirmed, progress=progress)


def read_file(*, content, filename, max_bytes=None):
    """The file's Table, or the ImportFileError that says why it cannot be read. No side effects."""
    try:
        return read_table(content=content, filename=filename, max_bytes=max_bytes)
    except ImportFileError as error:
        return error


def preview_table(table, *, program, confirmed=(), progress=None, keep_objects=True):
    """Validate a Table read by `read_file` (or the ImportFileError it gave) against the database as it
    is now. Without `keep_objects` the rows cannot be written (Validator.validate). No side effects."""
    if isinstance(table, ImportFileError):
        return ImportPreview(program=program, problems=table.messages)
    return Validator(program, confirmed=confirmed).validate(
        table, progress=progress, keep_objects=keep_objects
    )


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
    valid, identity changes still to confirm) or refused, and the counts of the preview. Writes no
    participant.
    """
    table = read_file(content=content, filename=filename, max_bytes=max_bytes)
    preview = preview_table(table, program=program, progress=progress, keep_objects=False)
    batch = ImportBatch(program=program, user=user, filename=filename[:255], content=content)
    _keep(batch, table)
    _record(batch, preview)
    if preview.has_errors:
        batch.status = ImportStatus.REFUSED
        batch.finished_at = timezone.now()
    batch.save()
    return batch, preview


def batch_preview(batch, *, confirmed=(), progress=None, keep_objects=False):
    """The preview of a stored batch: its rows as read when it was uploaded (`ImportBatch.table`; the file
    itself is not read again), validated again against the database as it is now. No side effects."""
    if batch.table is None:  # stored before the rows were kept: read from the file
        table = read_file(content=bytes(batch.content), filename=batch.filename)
    elif "problems" in batch.table:
        table = ImportFileError(*batch.table["problems"])
    else:
        table = Table.from_json(batch.table)
    return preview_table(
        table, program=batch.program, confirmed=confirmed, progress=progress, keep_objects=keep_objects
    )


def _keep(batch, table):
    """Stores the rows as read (or why the file cannot be read) with the batch, for its later previews."""
    if isinstance(table, ImportFileError):
        batch.table = {"problems": table.messages}
    else:
        batch.table = table.to_json()


def confirm_batch(*, batch, confirmed=(), progress=None):
    """Validate the stored file again and write it all, or nothing. Returns the preview.

    `confirmed`: the identity keys of the rows whose change of a stored participant's name, institution
    or date of birth the user confirmed.

    Side effects: in one transaction, locks the program's row (as Enrolment.save does, so that no
    other enrolment takes a seat meanwhile), validates, and when every row is valid, every identity
    change confirmed and the seats suffice, writes the participants and enrolments; the batch becomes
    imported, or refused with the counts of this run when a row has an error. While an identity change
    is unconfirmed (`preview.unconfirmed`) nothing is written and the batch keeps waiting. Raises
    BatchHandled, changing nothing, when the batch is no longer waiting for confirmation (checked under
    the batch's row lock).
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
            preview = batch_preview(batch, confirmed=confirmed, progress=progress, keep_objects=True)
            if not preview.has_errors and preview.unconfirmed:
                return preview  # nothing written; the batch waits for the confirmations
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


def import_file(*, program, user, filename, content, confirmed=(), progress=None):
    """Read, validate and write a file in one pass, for the command line. Returns (batch, preview).

    Side effects: in one transaction, locks the program's row, validates every row, writes the
    participants and enrolments when all are valid, every identity change is `confirmed` (as in
    preview_import) and the seats suffice, and records an ImportBatch (imported or refused) either way.
    """
    try:
        with transaction.atomic():
            program = Program.objects.select_for_update().get(pk=program.pk)
            table = read_file(content=content, filename=filename)
            preview = preview_table(table, program=program, confirmed=confirmed, progress=progress)
            batch = ImportBatch(program=program, user=user, filename=filename[:255], content=content)
            _keep(batch, table)
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
    batch.confirmed_rows = [row.number for row in preview.rows if row.identity_changes and row.confirmed]
    if preview.unconfirmed and batch.status == ImportStatus.REFUSED:
        batch.problems.append(preview.unconfirmed_message())


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
    help_sheet.set_column(2, 2, 50)
    help_sheet.write_row(
        0, 0, [_("Column"), _("What to write"), _("Also accepted as the column's name")], bold
    )
    for index, column in enumerate(COLUMNS, start=1):
        required = _(" (required)") if column.required else ""
        help_sheet.write_row(index, 0, [column.name, f"{column.help}{required}", ", ".join(column.aliases)])
    help_sheet.write(len(COLUMNS) + 2, 1, str(BLANK_CELLS_HELP))
    help_sheet.write(len(COLUMNS) + 3, 1, str(HEADER_HELP))
    workbook.close()
    return output.getvalue()
