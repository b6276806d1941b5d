"""Later appointments of alumni."""

import calendar
import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from programs.models import Institution, PositionLevel


class Appointment(models.Model):
    """A later appointment of a participant (an alumnus), for example to a JPT Pratama position."""

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="appointments"
    )
    position = models.CharField(_("position"), max_length=255)
    position_level = models.CharField(_("position level"), max_length=20, choices=PositionLevel.choices)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    appointed_on = models.DateField(_("appointed on"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "participants_appointment"  # made by the participants app, moved here
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["participant", "-appointed_on"]
        indexes = [models.Index(fields=["position_level", "appointed_on"], name="appointment_level_date_idx")]

    def __str__(self):
        return f"{self.position} ({self.appointed_on:%Y-%m-%d})"

    @property
    def is_demo(self):
        return self.participant.is_demo


def add_months(day, months):
    """The same day `months` calendar months later, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
