"""Evaluation scores, the results of an enrolment (attendance rate, final score, qualification, certificate)
and the graduation decisions.

The rules of the results are written once, here, as methods of EnrolmentResultQuerySet; the pages, the
exports, the services and the tests read them through these methods.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldError, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, F, FilteredRelation, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, NullIf, Round
from django.db.models.lookups import Exact, GreaterThan
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_cte import CTE, with_cte
from simple_history.models import HistoricalRecords

from lifecycle.models.attendance import ATTENDED_STATUSES
from lifecycle.models.seminars import SeminarDecision
from participants.models import ChangeProjectStage, Enrolment, EnrolmentQuerySet, EnrolmentStatus
from programs.models import EvaluationComponent, ProgramType, Qualification


class ComputedScoreField(models.DecimalField):
    """Output field of computed scores: two decimals, also when SQLite's arithmetic hands back a float."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=5, decimal_places=2, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else Decimal(value).quantize(Decimal("0.01"))


class PercentField(models.DecimalField):
    """Output field of computed percentages: one decimal, also when SQLite hands back 100.0 as 100."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=4, decimal_places=1, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else Decimal(value).quantize(Decimal("0.1"))


# The rules ------------------------------------------------------------------------------------------------


def attendance_figures(prefix="attendance__"):
    """Aggregates over attendance records reached through `prefix` (from an enrolment: "attendance__"):
    sessions_recorded, sessions_attended (present or late, ATTENDED_STATUSES), and the JP
    (programs.Session.jp) of each, jp_recorded and jp_attended, 0 without records."""
    attended = Q(**{f"{prefix}status__in": ATTENDED_STATUSES})
    jp = f"{prefix}session__jp"
    return {
        "sessions_recorded": Count(f"{prefix}pk"),
        "sessions_attended": Count(f"{prefix}pk", filter=attended),
        "jp_recorded": Coalesce(Sum(jp), 0),
        "jp_attended": Coalesce(Sum(jp, filter=attended), 0),
    }


def attendance_rate(jp_attended, jp_recorded):
    """The attendance rule: the JP of the sessions attended in percent of the JP of the recorded sessions,
    one decimal, rounded half to even (as Decimal.quantize does); NULL when no JP is recorded (no record,
    or only sessions of 0 JP). An expression of two integer expressions, for one enrolment, a set of them
    or a group alike.

    The tie is decided on integers (tenths of a percent and the remainder), because PostgreSQL's ROUND
    rounds half away from zero and SQLite's works on floats.
    """
    recorded = NullIf(jp_recorded, 0)
    tenths = jp_attended * 1000 / recorded  # integer division on both databases
    remainder = jp_attended * 1000 - tenths * recorded
    rounded = tenths + models.Case(
        models.When(GreaterThan(remainder * 2, recorded), then=Value(1)),
        models.When(Exact(remainder * 2, recorded) & Exact(tenths - tenths / 2 * 2, 1), then=Value(1)),
        default=Value(0),
    )
    return Cast(Cast(rounded, models.FloatField()) / Value(10.0), PercentField())


def final_score(scored, weighted_sum, weights, components):
    """The final score rule: the weighted mean of the component scores (weights of the program type), two
    decimals; NULL until every component of the type has a score (`scored` equals `components`, the
    type's component count) or when the weights add up to 0."""
    floats = models.FloatField()
    return models.Case(
        models.When(
            Exact(scored, components) & GreaterThan(weights, 0),
            # Floats so that SQLite does not divide integers; rounded to the two decimals shown.
            then=Cast(Round(Cast(weighted_sum, floats) / Cast(weights, floats), 2), ComputedScoreField()),
        ),
        default=None,
        output_field=ComputedScoreField(),
    )


def reached_qualification(program_type, score):
    """The qualification rule: the thresholds of `program_type` that `score` reaches, the highest first
    (Qualification: label, passes). None reached below the lowest threshold or without a score."""
    return Qualification.objects.filter(program_type=program_type, min_score__lte=score).order_by(
        "-min_score"
    )


# The annotations of EnrolmentResultQuerySet and the columns of the lifecycle tables behind them.
ATTENDANCE_COLUMNS = {
    "attendance_rate": "lifecycle_attendance_rate",
    "attendance_recorded": "lifecycle_sessions_recorded",
    "attendance_attended": "lifecycle_sessions_attended",
    "attendance_jp_recorded": "lifecycle_jp_recorded",
    "attendance_jp_attended": "lifecycle_jp_attended",
}
RESULT_COLUMNS = {
    "final_score": "lifecycle_final_score",
    "qualification": "lifecycle_qualification",
    "qualification_passes": "lifecycle_qualification_passes",
}
CERTIFICATE_COLUMNS = {"certificate_number": "lifecycle_certificate_number"}


class EnrolmentResultQuerySet(EnrolmentQuerySet):
    """Enrolments with their results. with_attendance(), with_results() and with_certificate() annotate
    them; the first of them called joins the lifecycle tables (see lifecycle()), the others reuse them."""

    def with_attendance(self):
        """Annotate attendance_rate (the rule of attendance_rate(), Decimal or None), attendance_recorded and
        attendance_attended (sessions recorded, and attended: present or late), attendance_jp_recorded and
        attendance_jp_attended (their JP; 0 without records)."""
        return self.lifecycle_columns(ATTENDANCE_COLUMNS)

    def with_results(self):
        """Annotate final_score (final_score(): Decimal or None), qualification (the label of the highest
        threshold reached, None below the lowest) and qualification_passes (that threshold's passes, None
        without a qualification). Nothing is stored: edited weights or thresholds change them at once."""
        return self.lifecycle_columns(RESULT_COLUMNS)

    def with_certificate(self):
        """Annotate certificate_number: the number of the enrolment's valid certificate, or None."""
        return self.lifecycle_columns(CERTIFICATE_COLUMNS)

    def best(self, limit=None):
        """The enrolments that passed (status "passed") with a final score, best first, ties by name then
        pk; with_results() annotated."""
        ranked = (
            self.with_results()
            .filter(status=EnrolmentStatus.PASSED)
            .exclude(final_score=None)
            .order_by("-final_score", "participant__name", "pk")
        )
        return ranked[:limit] if limit else ranked

    def overall_attendance_rate(self):
        """The attendance rate of these enrolments together, by the rule of attendance_rate() over all their
        records (JP attended in percent of JP recorded): Decimal or None. One query."""
        figures = attendance_figures()
        return (
            self.model.objects.filter(pk__in=self.order_by().values("pk"))
            .order_by()
            .aggregate(rate=attendance_rate(figures["jp_attended"], figures["jp_recorded"]))["rate"]
        )

    def attendance_rates(self, by):
        """The attendance rate of these enrolments grouped by the field `by` (e.g. "participant__institution"),
        by the rule of attendance_rate(): a values queryset of key (the field's value) and rate, one row per
        value (rate None when nothing is recorded). For a Subquery: .filter(key=OuterRef(...))."""
        figures = attendance_figures()
        return (
            self.order_by()
            .values(key=F(by))
            .annotate(rate=attendance_rate(figures["jp_attended"], figures["jp_recorded"]))
        )

    # The lifecycle tables ---------------------------------------------------------------------------------

    def lifecycle_columns(self, columns):
        """Annotate `columns` ({annotation: lifecycle column}) from the lifecycle tables, joining them first
        when they are not yet joined."""
        references = {name: F(column) for name, column in columns.items()}
        try:
            return self.annotate(**references)
        except FieldError:  # not joined yet: the columns are unknown
            return self.lifecycle().annotate(**references)

    def lifecycle(self):
        """These enrolments joined to their results, for the with_*() methods. Columns (as alias()):
        lifecycle_* of ATTENDANCE_COLUMNS, RESULT_COLUMNS and CERTIFICATE_COLUMNS.

        The rules are computed once per enrolment, in tables (common table expressions, django-cte) that
        hold one row for every enrolment of this queryset, so that an INNER join keeps every row; their
        filters are this queryset's, so that a page reads only its own enrolments' records:
        - lifecycle_types: the component count of each program type;
        - lifecycle_finals: final_score() of each enrolment with scores, from its scores grouped per
          enrolment (only those on the components of its program's type count);
        - lifecycle_scores: those with their qualification (reached_qualification(), through the
          thresholds' index), then the enrolments without any score (no final score, no qualification);
        - lifecycle_results: each enrolment's row of lifecycle_scores with its attendance records and their
          sessions, grouped per enrolment: attendance_figures() and attendance_rate().
        The queryset joins lifecycle_results alone; the valid certificate is a relation, joined as one (a
        LEFT JOIN; at most one per enrolment).

        Measured at 100,000 enrolments (the enrolments export's query on PostgreSQL, as an export reads it:
        one process, the fastest of four or five runs on a shared machine): 0.89 to 1.09 s with
        trainingtracker/joins.py's hand-made joins, 1.10 to 1.29 s with these tables, 0.99 s with them
        without reading the sessions' JP (the rate by sessions did not); with four scores per enrolment
        1.84 s and 1.96 s. The attendance as a subquery run once per row took a second more than without
        it; the qualification as a subquery of the queryset, 0.1 to 0.2 s more (run twice per row where a
        spreadsheet cell neutralises it); two grouped tables joined side by side to the queryset made
        PostgreSQL misjudge the rows of the second join on a program's page and read its table once per
        enrolment (34 ms instead of 7).
        """
        enrolments = self.order_by()
        types = CTE(
            ProgramType.objects.order_by().values("pk").annotate(components=Count("evaluation_components")),
            name="lifecycle_types",
        )
        # The scores of these enrolments grouped per enrolment (only those on the components of its program's
        # type count), then the enrolments without any score: a row for each.
        own_type = Q(component__program_type=F("enrolment__program__program_type"))
        finals = CTE(
            types.join(
                EvaluationScore.objects.filter(enrolment__in=enrolments.values("pk")).order_by(),
                enrolment__program__program_type=types.col.pk,
            )
            .values(key=F("enrolment"))
            .annotate(
                type=Max("enrolment__program__program_type"),  # the enrolment's: one per group
                final=final_score(
                    Count("pk", filter=own_type),
                    Sum(F("score") * F("component__weight"), filter=own_type),
                    Sum("component__weight", filter=own_type),
                    Max(types.col.components),
                ),
            ),
            name="lifecycle_finals",
        )
        reached = reached_qualification(OuterRef("type"), OuterRef("final"))
        scored = (
            finals.queryset()
            .order_by()
            .values("key", "final")
            .annotate(
                qualification=Subquery(reached.values("label")[:1]),
                passes=Cast(Subquery(reached.values("passes")[:1]), models.IntegerField()),
            )
        )
        unscored = enrolments.exclude(
            Exists(EvaluationScore.objects.filter(enrolment=OuterRef("pk")))
        ).values(
            key=F("pk"),
            final=Value(None, ComputedScoreField()),
            qualification=Value(None, models.CharField()),
            passes=Value(None, models.IntegerField()),
        )
        scores = CTE(scored.union(unscored, all=True).order_by(), name="lifecycle_scores")
        results = CTE(
            scores.join(enrolments, pk=scores.col.key)
            .values("pk")
            .annotate(
                **attendance_figures(),
                # One row of lifecycle_scores per enrolment: its values.
                final=Max(scores.col.final),
                qualification=Max(scores.col.qualification),
                passes=Max(scores.col.passes),
            )
            .annotate(rate=attendance_rate(F("jp_attended"), F("jp_recorded"))),
            name="lifecycle_results",
        )
        return with_cte(types, finals, scores, results, select=results.join(self, pk=results.col.pk)).alias(
            lifecycle_valid_certificate=FilteredRelation(
                "certificates", condition=Q(certificates__revoked_at=None)
            ),
            lifecycle_attendance_rate=results.col.rate,
            lifecycle_sessions_recorded=results.col.sessions_recorded,
            lifecycle_sessions_attended=results.col.sessions_attended,
            lifecycle_jp_recorded=results.col.jp_recorded,
            lifecycle_jp_attended=results.col.jp_attended,
            lifecycle_final_score=results.col.final,
            lifecycle_qualification=results.col.qualification,
            # passes travels as 0 or 1: MAX() takes no boolean.
            lifecycle_qualification_passes=Cast(results.col.passes, models.BooleanField()),
            lifecycle_certificate_number=F("lifecycle_valid_certificate__number"),
        )


class EnrolmentResult(Enrolment):
    """An enrolment seen with its training results: the lifecycle's reads of enrolments (attendance rate,
    final score, qualification, certificate) as QuerySet methods, one definition for pages, exports and
    services. A proxy: the same table and rows as participants.Enrolment."""

    objects = EnrolmentResultQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("enrolment result")
        verbose_name_plural = _("enrolment results")

    @cached_property
    def attendance_rate(self):
        """The with_attendance() annotation; without it, read by the same rule (one query)."""
        return (
            type(self)
            .objects.filter(pk=self.pk)
            .with_attendance()
            .values_list("attendance_rate", flat=True)
            .get()
        )


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

    def overrides(self):
        """Only the decisions recorded against the graduation rules (an override, with its reason)."""
        return self.exclude(overridden_rules="")


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
    # A decision the graduation rules refuse is recorded only as an override: the rules it failed, as they
    # were worded then (one per line), and the reason the decider gave.
    overridden_rules = models.TextField(_("overridden rules"), blank=True)
    override_reason = models.TextField(_("reason for the override"), blank=True)
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
        constraints = [
            models.CheckConstraint(
                condition=Q(overridden_rules="") | ~Q(override_reason=""), name="graduation_override_reason"
            ),
        ]

    def __str__(self):
        return f"{self.enrolment}: {self.get_outcome_display()}"

    @property
    def is_override(self):
        """Whether the decision was recorded against the graduation rules (see overridden_rules)."""
        return bool(self.overridden_rules)

    @property
    def overridden_rule_list(self):
        """The rules the decision overrode, one message each."""
        return self.overridden_rules.splitlines()
