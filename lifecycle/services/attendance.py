"""Attendance of a session: recorded once, corrected with a reason and a history."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from lifecycle.models import (
    Attendance,
    AttendanceCorrection,
    AttendanceStatus,
)
from participants.models import Enrolment
from programs.dataversion import bump_data_version


def record_attendance(*, session, marks, recorded_by, correction_reason=""):
    """Record the attendance of several enrolments at one session.

    `marks` maps an enrolment id to (status, reason); an enrolment of another program is refused. A new
    mark is created; a mark that changes a recorded one is a correction and needs `correction_reason`.

    Side effects: in one transaction, creates Attendance rows, and for each changed row saves the new
    value and an AttendanceCorrection holding the earlier one. Raises ValidationError (nothing written)
    when a correction has no reason or a mark is invalid. Returns (created, corrected).
    """

    correction_reason = (correction_reason or "").strip()
    allowed = set(
        Enrolment.objects.filter(program_id=session.program_id, pk__in=marks).values_list("pk", flat=True)
    )
    existing = {
        row.enrolment_id: row for row in Attendance.objects.filter(session=session, enrolment_id__in=marks)
    }
    now = timezone.now()
    created, corrected, corrections = [], [], []
    for enrolment_id, (status, reason) in marks.items():
        reason = (reason or "").strip()
        if enrolment_id not in allowed:
            raise ValidationError(_("An enrolment of another program was marked."), code="attendance_foreign")
        if status not in AttendanceStatus.values:
            raise ValidationError(_("Unknown attendance status."), code="attendance_status")
        if status == AttendanceStatus.EXCUSED and not reason:
            raise ValidationError(_("An excused absence needs a reason."), code="attendance_excused_reason")
        if status != AttendanceStatus.EXCUSED:
            reason = reason if status == AttendanceStatus.ABSENT else ""
        row = existing.get(enrolment_id)
        if row is None:
            created.append(
                Attendance(
                    session=session,
                    enrolment_id=enrolment_id,
                    status=status,
                    reason=reason,
                    recorded_by=recorded_by,
                    recorded_at=now,
                )
            )
        elif (row.status, row.reason) != (status, reason):
            corrections.append(
                AttendanceCorrection(
                    attendance=row,
                    previous_status=row.status,
                    previous_reason=row.reason,
                    status=status,
                    reason=reason,
                    why=correction_reason,
                    corrected_by=recorded_by,
                    corrected_at=now,
                )
            )
            row.status, row.reason, row.recorded_by, row.recorded_at = status, reason, recorded_by, now
            corrected.append(row)
    if corrected and not correction_reason:
        raise ValidationError(
            _("Give a reason for correcting attendance that was already recorded."),
            code="attendance_correction_reason",
        )
    with transaction.atomic():
        # With history rows naming the recorder (bulk queries do not call save()).
        bulk_create_with_history(created, Attendance, default_user=recorded_by, default_date=now)
        bulk_update_with_history(
            corrected,
            Attendance,
            ["status", "reason", "recorded_by", "recorded_at"],
            default_user=recorded_by,
            default_date=now,
        )
        bulk_create_with_history(
            corrections, AttendanceCorrection, default_user=recorded_by, default_date=now
        )
        bump_data_version()  # bulk queries send no signals
    return len(created), len(corrected)
