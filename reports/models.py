"""The record of exports: who took which participant data out, when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models import ExportOrigin


class ExportDataset(models.TextChoices):
    ROSTER = "roster", _("Roster of a program")
    ENROLMENTS = "enrolments", _("Enrolments across programs")
    INSTITUTIONS = "institutions", _("Summary per institution")
    HISTORY = "history", _("Training history for HR operators")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"


class ExportLog(models.Model):
    """One export of participant data: who took which rows out, when (UU 27/2022 record of processing)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    dataset = models.CharField(_("dataset"), max_length=20, choices=ExportDataset.choices)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    origin = models.CharField(_("made from"), max_length=10, choices=ExportOrigin.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(
        _("rows"), null=True, blank=True, help_text=_("Empty when a streamed download was interrupted.")
    )

    class Meta:
        db_table = "participants_exportlog"  # made by the participants app, moved here
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="exportlog_created_idx")]

    def __str__(self):
        return f"{self.get_dataset_display()} ({self.format}), {self.created_at:%Y-%m-%d %H:%M}"
