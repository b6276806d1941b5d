"""Attendance of sessions, and its corrections."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from participants.models import Enrolment
from programs.models import Session


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


# Attending means being there, on time or late; an excused absence is still an absence.
ATTENDED_STATUSES = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})


class Attendance(models.Model):
    """Whether a participant attended a session. Changed later only through a correction with a reason."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField(_("reason for the absence"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    history = HistoricalRecords(table_name="participants_historicalattendance")

    class Meta:
        db_table = "participants_attendance"  # made by the participants app, moved here
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "enrolment__participant__name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_unique_session"),
            models.CheckConstraint(
                condition=~Q(status=AttendanceStatus.EXCUSED) | ~Q(reason=""),
                name="attendance_excused_has_reason",
                violation_error_message=_("An excused absence needs a reason."),
            ),
        ]
        indexes = [models.Index(fields=["enrolment", "status"], name="attendance_enrolment_idx")]

    def __str__(self):
        return f"{self.session}: {self.get_status_display()}"

    def clean(self):
        super().clean()
        if self.session_id and self.enrolment_id and self.session.program_id != self.enrolment.program_id:
            raise ValidationError(
                _("The session and the enrolment belong to different programs."),
                code="attendance_program_mismatch",
            )


class AttendanceCorrection(models.Model):
    """A change to a recorded attendance: the value before and after, why, who and when."""

    attendance = models.ForeignKey(
        Attendance, verbose_name=_("attendance"), on_delete=models.CASCADE, related_name="corrections"
    )
    previous_status = models.CharField(
        _("previous attendance"), max_length=10, choices=AttendanceStatus.choices
    )
    previous_reason = models.CharField(_("previous reason for the absence"), max_length=255, blank=True)
    status = models.CharField(_("corrected attendance"), max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField(_("corrected reason for the absence"), max_length=255, blank=True)
    why = models.CharField(_("reason for the correction"), max_length=255)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    corrected_at = models.DateTimeField(_("corrected at"), default=timezone.now)

    history = HistoricalRecords(table_name="participants_historicalattendancecorrection")

    class Meta:
        db_table = "participants_attendancecorrection"  # made by the participants app, moved here
        verbose_name = _("attendance correction")
        verbose_name_plural = _("attendance corrections")
        ordering = ["attendance", "corrected_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(why=""), name="attendancecorrection_has_reason"),
        ]

    def __str__(self):
        return f"{self.get_previous_status_display()} → {self.get_status_display()}"
