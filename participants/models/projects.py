"""Change projects (proyek perubahan / aksi perubahan) and their milestones."""

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from participants.models.enrolments import Enrolment
from programs.models import Person


class ChangeProjectStage(models.TextChoices):
    DESIGN = "design", _("Design")
    DESIGN_SEMINAR = "design_seminar", _("Design seminar")
    IMPLEMENTATION = "implementation", _("Implementation")
    RESULTS_SEMINAR = "results_seminar", _("Results seminar")
    REPORTED = "reported", _("Reported")
    CONTINUING = "continuing", _("Continuing after training")


STAGE_ORDER = list(ChangeProjectStage.values)


class ChangeProjectQuerySet(models.QuerySet):
    def with_progress(self, today=None):
        """Annotate milestones_total, milestones_done and milestones_overdue (see Milestone.objects.overdue)."""
        today = today or timezone.localdate()
        return self.annotate(
            milestones_total=Count("milestones", distinct=True),
            milestones_done=Count("milestones", filter=Q(milestones__done_on__isnull=False), distinct=True),
            milestones_overdue=Count(
                "milestones",
                filter=Q(milestones__done_on=None, milestones__planned_end__lt=today),
                distinct=True,
            ),
        )


class ChangeProject(models.Model):
    """The participant's proyek perubahan (PKN I/II) or aksi perubahan (PKA/PKP): one per enrolment."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="change_project"
    )
    title = models.CharField(_("title"), max_length=300)
    problem = models.TextField(_("problem (burning platform)"), blank=True)
    description = models.TextField(_("description"), blank=True)
    goal_short = models.TextField(_("short-term goal"), blank=True)
    goal_medium = models.TextField(_("medium-term goal"), blank=True)
    goal_long = models.TextField(_("long-term goal"), blank=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=ChangeProjectStage.choices, default=ChangeProjectStage.DESIGN
    )
    mentor = models.ForeignKey(
        Person,
        verbose_name=_("mentor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentored_projects",
        help_text=_("The participant's direct superior, the project sponsor."),
    )
    coach = models.ForeignKey(
        Person,
        verbose_name=_("coach"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coached_projects",
        help_text=_("The widyaiswara assigned by the organiser."),
    )
    examiners = models.ManyToManyField(
        Person, verbose_name=_("examiners"), blank=True, related_name="examined_projects"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ChangeProjectQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("change project")
        verbose_name_plural = _("change projects")
        ordering = ["enrolment__program", "title"]
        indexes = [models.Index(fields=["stage"], name="changeproject_stage_idx")]

    def __str__(self):
        return self.title

    @property
    def stage_number(self):
        """1 for design ... 6 for continuing after training."""
        return STAGE_ORDER.index(self.stage) + 1

    @property
    def progress(self):
        """Percent of the milestones done (whole number), None without milestones; needs with_progress()."""
        if not self.milestones_total:
            return None
        return round(100 * self.milestones_done / self.milestones_total)


class Horizon(models.TextChoices):
    SHORT = "short", _("Short term")
    MEDIUM = "medium", _("Medium term")
    LONG = "long", _("Long term")


class MilestoneStatus(models.TextChoices):
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")
    IN_PROGRESS = "in_progress", _("In progress")
    PLANNED = "planned", _("Planned")


class MilestoneQuerySet(models.QuerySet):
    def done(self):
        return self.exclude(done_on=None)

    def overdue(self, today=None):
        """Not done although the planned end has passed."""
        return self.filter(done_on=None, planned_end__lt=today or timezone.localdate())


class Milestone(models.Model):
    change_project = models.ForeignKey(
        ChangeProject, verbose_name=_("change project"), on_delete=models.CASCADE, related_name="milestones"
    )
    horizon = models.CharField(_("horizon"), max_length=10, choices=Horizon.choices, default=Horizon.SHORT)
    activity = models.CharField(_("activity"), max_length=255)
    responsible = models.CharField(_("who"), max_length=150, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    output = models.CharField(_("output"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = MilestoneQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["change_project", "order", "planned_start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_end__gte=models.F("planned_start")),
                name="milestone_end_after_start",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
        ]

    def __str__(self):
        return self.activity

    @property
    def is_done(self):
        return self.done_on is not None

    def status_on(self, today):
        if self.done_on is not None:
            return MilestoneStatus.DONE
        if self.planned_end and self.planned_end < today:
            return MilestoneStatus.OVERDUE
        if self.planned_start and self.planned_start <= today:
            return MilestoneStatus.IN_PROGRESS
        return MilestoneStatus.PLANNED
