"""Evaluation scores, the results of an enrolment (final score, qualification, attendance rate) and the
graduation decisions."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lifecycle.models.attendance import ATTENDED_STATUSES, Attendance
from lifecycle.models.certificates import Certificate
from lifecycle.models.seminars import SeminarDecision
from participants.models import ChangeProjectStage, Enrolment, EnrolmentQuerySet, EnrolmentStatus
from programs.models import EvaluationComponent, Qualification


class ComputedScoreField(models.DecimalField):
    """Output field of computed scores: two decimals, also when SQLite's arithmetic hands back a float."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=5, decimal_places=2, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else Decimal(value).quantize(Decimal("0.01"))


class EnrolmentResultQuerySet(EnrolmentQuerySet):
    def with_attendance(self):
        """Annotate attendance_recorded and attendance_attended (present or late); see attendance_rate."""
        # order_by(): the models' default ordering would add joins and break the grouping per enrolment.
        records = Attendance.objects.filter(enrolment=OuterRef("pk")).order_by().values("enrolment")
        return self.annotate(
            attendance_recorded=Coalesce(Subquery(records.annotate(n=Count("pk")).values("n")[:1]), 0),
            attendance_attended=Coalesce(
                Subquery(records.filter(status__in=ATTENDED_STATUSES).annotate(n=Count("pk")).values("n")),
                0,
            ),
        )

    def with_results(self):
        """Annotate final_score, qualification and qualification_passes from the scores and thresholds.

        final_score is the weighted mean of the component scores (weights of the program type, two
        decimals), None until every component of the type has a score. qualification is the label of the
        highest threshold the final score reaches, None below the lowest. Nothing is stored: edited
        weights or thresholds change the result at once.
        """
        scores = (
            EvaluationScore.objects.filter(
                enrolment=OuterRef("pk"), component__program_type=OuterRef("program__program_type")
            )
            .order_by()
            .values("enrolment")
        )
        components = (
            EvaluationComponent.objects.filter(program_type=OuterRef("program__program_type"))
            .order_by()
            .values("program_type")
        )
        floats = models.FloatField()
        queryset = self.annotate(
            score_weighted_sum=Subquery(
                scores.annotate(total=Sum(F("score") * F("component__weight"))).values("total")[:1],
                output_field=floats,
            ),
            score_count=Subquery(scores.annotate(n=Count("pk")).values("n")[:1]),
            component_weights=Subquery(
                components.annotate(total=Sum("weight")).values("total")[:1], output_field=floats
            ),
            component_count=Subquery(components.annotate(n=Count("pk")).values("n")[:1]),
        ).annotate(
            final_score=models.Case(
                models.When(
                    component_count__gt=0,
                    score_count=F("component_count"),
                    component_weights__gt=0,
                    # Floats so that SQLite does not divide integers; rounded to the two decimals shown.
                    then=Cast(
                        Round(Cast("score_weighted_sum", floats) / Cast("component_weights", floats), 2),
                        ComputedScoreField(),
                    ),
                ),
                default=None,
                output_field=ComputedScoreField(),
            )
        )
        reached = Qualification.objects.filter(
            program_type=OuterRef("program__program_type"), min_score__lte=OuterRef("final_score")
        ).order_by("-min_score")
        return queryset.annotate(
            qualification=Subquery(reached.values("label")[:1]),
            qualification_passes=Subquery(reached.values("passes")[:1]),
        )

    def best(self, limit=None):
        """The enrolments with a final score, best first (ties by name); needs with_results()."""
        ranked = self.exclude(final_score=None).order_by("-final_score", "participant__name", "pk")
        return ranked[:limit] if limit else ranked

    def with_certificate(self):
        """Annotate certificate_number: the number of the enrolment's valid certificate, or None."""
        valid = Certificate.objects.filter(enrolment=OuterRef("pk"), revoked_at=None)
        return self.annotate(certificate_number=Subquery(valid.values("number")[:1]))


class EnrolmentResult(Enrolment):
    """An enrolment seen with its training results: the lifecycle's reads of enrolments (attendance rate,
    final score, qualification, certificate) as QuerySet methods, one definition for pages, exports and
    services. A proxy: the same table and rows as participants.Enrolment."""

    objects = EnrolmentResultQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("enrolment result")
        verbose_name_plural = _("enrolment results")

    @property
    def attendance_rate(self):
        """Percent of the recorded sessions attended (present or late), one decimal; None before any record.

        Uses the with_attendance() annotations when present, else counts with two queries.
        """
        if not hasattr(self, "attendance_recorded"):
            records = self.attendance.all()
            self.attendance_recorded = records.count()
            self.attendance_attended = records.filter(status__in=ATTENDED_STATUSES).count()
        return attendance_percent(self.attendance_attended, self.attendance_recorded)


def attendance_percent(attended, recorded):
    if not recorded:
        return None
    return (Decimal(100) * attended / recorded).quantize(Decimal("0.1"))


class EvaluationScore(models.Model):
    """A participant's score on one evaluation component of the program type."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="scores"
    )
    component = models.ForeignKey(
        EvaluationComponent, verbose_name=_("component"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(table_name="participants_historicalevaluationscore")

    class Meta:
        db_table = "participants_evaluationscore"  # made by the participants app, moved here
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        ordering = ["enrolment", "component__order"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "component"], name="evaluationscore_unique"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="evaluationscore_range"),
        ]

    def __str__(self):
        return f"{self.component.name}: {self.score}"

    def clean(self):
        super().clean()
        if (
            self.enrolment_id
            and self.component_id
            and self.component.program_type_id != self.enrolment.program.program_type_id
        ):
            raise ValidationError(
                {"component": _("This component belongs to another program type.")},
                code="component_type_mismatch",
            )


# The outcomes a graduation decision records; they are Enrolment statuses so that the status can follow.
GRADUATION_OUTCOMES = [
    EnrolmentStatus.PASSED,
    EnrolmentStatus.PASSED_DEFERRED,
    EnrolmentStatus.FAILED,
    EnrolmentStatus.WITHDRAWN,
    EnrolmentStatus.DISMISSED,
    EnrolmentStatus.DID_NOT_FINISH,
]


class GraduationDecisionQuerySet(models.QuerySet):
    def current(self):
        """Only the latest decision of each enrolment."""
        newer = self.model.objects.filter(enrolment=OuterRef("enrolment")).filter(
            Q(decided_at__gt=OuterRef("decided_at"))
            | Q(decided_at=OuterRef("decided_at"), pk__gt=OuterRef("pk"))
        )
        return self.exclude(models.Exists(newer))


class GraduationDecision(models.Model):
    """A recorded outcome of an enrolment and its basis. Append-only: the latest row is the current one."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="graduation_decisions"
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=[(status.value, status.label) for status in GRADUATION_OUTCOMES]
    )
    # The basis as it stood when deciding: later score or attendance edits do not rewrite the history.
    final_score = models.DecimalField(_("final score"), max_digits=5, decimal_places=2, null=True, blank=True)
    qualification = models.CharField(_("qualification"), max_length=60, blank=True)
    attendance_rate = models.DecimalField(
        _("attendance rate (%)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    change_project_stage = models.CharField(
        _("change project stage"), max_length=20, choices=ChangeProjectStage.choices, blank=True
    )
    results_seminar_decision = models.CharField(
        _("results seminar decision"), max_length=10, choices=SeminarDecision.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    objects = GraduationDecisionQuerySet.as_manager()

    history = HistoricalRecords(table_name="participants_historicalgraduationdecision")

    class Meta:
        db_table = "participants_graduationdecision"  # made by the participants app, moved here
        verbose_name = _("graduation decision")
        verbose_name_plural = _("graduation decisions")
        ordering = ["enrolment", "decided_at", "pk"]
        indexes = [models.Index(fields=["enrolment", "decided_at"], name="graduation_enrolment_idx")]

    def __str__(self):
        return f"{self.enrolment}: {self.get_outcome_display()}"
