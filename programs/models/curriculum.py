"""The curriculum: agendas and subjects per program type, sessions per program."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from programs.models.core import Person, Program, ProgramType


class CurriculumRules(models.Model):
    """How a program type counts learning time. DOMAIN.md marks both values [U]: data, edited in the admin."""

    program_type = models.OneToOneField(
        ProgramType, verbose_name=_("program type"), on_delete=models.CASCADE, related_name="curriculum_rules"
    )
    minutes_per_jp = models.PositiveSmallIntegerField(
        _("minutes per JP"),
        default=45,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("Length of one jam pelajaran (JP) in minutes."),
    )
    total_jp = models.PositiveSmallIntegerField(
        _("total JP"),
        null=True,
        blank=True,
        help_text=_("JP of the whole curriculum. Leave empty when it is not known."),
    )

    class Meta:
        verbose_name = _("curriculum rules")
        verbose_name_plural = _("curriculum rules")

    def __str__(self):
        return str(self.program_type)


def curriculum_rules_of(program_type):
    """The saved rules of the type, or unsaved defaults when an administrator has not created them yet.

    Reads `program_type.curriculum_rules`, so select_related it to keep this free of queries.
    """
    try:
        return program_type.curriculum_rules
    except CurriculumRules.DoesNotExist:
        return CurriculumRules(program_type=program_type)


class Agenda(models.Model):
    """A numbered block of a program type's curriculum, for example PKN II Agenda 2 Kepemimpinan Strategis."""

    program_type = models.ForeignKey(
        ProgramType, verbose_name=_("program type"), on_delete=models.CASCADE, related_name="agendas"
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("agenda")
        verbose_name_plural = _("agendas")
        ordering = ["program_type__order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program_type", "number"], name="agenda_unique_number"),
        ]

    def __str__(self):
        return f"{self.program_type} · Agenda {self.number}: {self.name}"

    @property
    def label(self):
        return _("Agenda %(number)s: %(name)s") % {"number": self.number, "name": self.name}


class Subject(models.Model):
    """A subject (mata pelatihan) of an agenda."""

    agenda = models.ForeignKey(
        Agenda, verbose_name=_("agenda"), on_delete=models.CASCADE, related_name="subjects"
    )
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["agenda", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["agenda", "name"], name="subject_unique_name")]

    def __str__(self):
        return self.name


class LearningMode(models.TextChoices):
    # PP 11/2017 Pasal 212: klasikal is face to face; nonklasikal is e-learning, coaching, off campus.
    CLASSICAL = "classical", _("Classical")
    NON_CLASSICAL = "non_classical", _("Non-classical")


class SessionQuerySet(models.QuerySet):
    def between(self, first, last):
        """Sessions on the days first..last, both included."""
        return self.filter(date__gte=first, date__lte=last)

    def held_by(self, today):
        return self.filter(date__lte=today)

    def overlapping(self, session):
        """Sessions other than `session` on its day whose times overlap its times (both have a start and
        an end; one ending at 10:00 and the next starting at 10:00 do not overlap)."""
        return self.filter(
            date=session.date, start_time__lt=session.end_time, end_time__gt=session.start_time
        ).exclude(pk=session.pk)


class Session(models.Model):
    """One scheduled learning session of a program: a day, optionally a time, an agenda and subject, JP."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    agenda = models.ForeignKey(
        Agenda,
        verbose_name=_("agenda"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("What happens, when there is no subject or to be more specific (opening, closing...)."),
    )
    jp = models.PositiveSmallIntegerField(_("JP"), default=0, help_text=_("Jam pelajaran of this session."))
    mode = models.CharField(
        _("learning mode"), max_length=20, choices=LearningMode.choices, default=LearningMode.CLASSICAL
    )
    facilitator = models.ForeignKey(
        Person,
        verbose_name=_("facilitator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_sessions",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["program", "date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__isnull=True)
                | models.Q(end_time__isnull=True)
                | models.Q(end_time__gt=models.F("start_time")),
                name="session_ends_after_start",
                violation_error_message=_("The session must end after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["program", "date"], name="session_program_date_idx")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.label}"

    def clean(self):
        super().clean()
        errors = {}
        if self.subject_id and not self.agenda_id:
            self.agenda = self.subject.agenda
        if self.subject_id and self.subject.agenda_id != self.agenda_id:
            errors["subject"] = ValidationError(
                _("This subject belongs to another agenda."), code="subject_agenda_mismatch"
            )
        if self.agenda_id and self.program_id and self.agenda.program_type_id != self.program.program_type_id:
            errors["agenda"] = ValidationError(
                _("This agenda belongs to another program type."), code="agenda_type_mismatch"
            )
        if not self.subject_id and not self.title:
            errors["title"] = ValidationError(
                _("Give a title when the session has no subject."), code="session_untitled"
            )
        end = self.program.computed_end_date if self.program_id else None
        if self.date and end and not self.program.start_date <= self.date <= end:
            errors["date"] = ValidationError(
                _("The program runs from %(start)s to %(end)s."),
                code="session_outside_program",
                params={"start": self.program.start_date, "end": self.program.computed_end_date},
            )
        if not errors.get("date"):
            errors.update(self.schedule_errors())
        if errors:
            raise ValidationError(errors)

    @property
    def has_times(self):
        return bool(self.date and self.start_time and self.end_time and self.end_time > self.start_time)

    @property
    def minutes(self):
        """The session's length in minutes, or None without both times."""
        if not self.has_times:
            return None
        start, end = (t.hour * 60 + t.minute for t in (self.start_time, self.end_time))
        return end - start

    def schedule_errors(self):
        """The schedule rules by field: no overlap with another session of the program, the facilitator in
        one session at a time (in any program), and no more classical JP than the session's minutes hold."""
        errors = {}
        if not self.has_times:
            return errors
        if self.program_id:
            clash = self.first_overlapping(Session.objects.filter(program_id=self.program_id))
            if clash is not None:
                errors["start_time"] = ValidationError(
                    _("The time overlaps another session of this program: %(session)s, %(start)s–%(end)s."),
                    code="session_overlap",
                    params=clash_params(clash),
                )
        if self.facilitator_id:
            clash = self.first_overlapping(Session.objects.filter(facilitator_id=self.facilitator_id))
            if clash is not None:
                errors["facilitator"] = ValidationError(
                    _(
                        "This facilitator already has a session at that time: %(session)s, "
                        "%(start)s–%(end)s, %(program)s."
                    ),
                    code="facilitator_overlap",
                    params=clash_params(clash),
                )
        if self.mode == LearningMode.CLASSICAL and self.jp and self.program_id:
            minutes_per_jp = curriculum_rules_of(self.program.program_type).minutes_per_jp
            if self.jp * minutes_per_jp > self.minutes:
                errors["jp"] = ValidationError(
                    _(
                        "%(jp)s JP of %(per_jp)s minutes take %(needed)s minutes, but the session lasts "
                        "%(minutes)s minutes."
                    ),
                    code="session_jp_too_long",
                    params={
                        "jp": self.jp,
                        "per_jp": minutes_per_jp,
                        "needed": self.jp * minutes_per_jp,
                        "minutes": self.minutes,
                    },
                )
        return errors

    def first_overlapping(self, sessions):
        return (
            sessions.overlapping(self)
            .select_related("program", "agenda", "subject")
            .order_by("start_time", "pk")
            .first()
        )

    @property
    def label(self):
        """The subject and title, or the agenda when the session has neither."""
        parts = [part for part in (self.subject.name if self.subject_id else "", self.title) if part]
        if parts:
            return " — ".join(parts)
        return self.agenda.name if self.agenda_id else ""


def clash_params(session):
    return {
        "session": session.label,
        "start": f"{session.start_time:%H:%M}",
        "end": f"{session.end_time:%H:%M}",
        "program": session.program.title,
    }
