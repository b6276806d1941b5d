"""Design and results seminars of change projects, with the examiners' scores."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from participants.models import ChangeProject
from programs.models import Person, SeminarAspect, SeminarKind


class SeminarDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REVISE = "revise", _("To be revised")
    REJECTED = "rejected", _("Rejected")


class Seminar(models.Model):
    """A design or results seminar of a change project: the panel, who attended, scores and the decision."""

    change_project = models.ForeignKey(
        ChangeProject, verbose_name=_("change project"), on_delete=models.CASCADE, related_name="seminars"
    )
    kind = models.CharField(_("seminar"), max_length=10, choices=SeminarKind.choices)
    date = models.DateField(_("date"))
    examiners = models.ManyToManyField(
        Person, verbose_name=_("panel (examiners)"), blank=True, related_name="seminar_panels"
    )
    mentor_present = models.BooleanField(_("mentor present"), default=False)
    coach_present = models.BooleanField(_("coach present"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=SeminarDecision.choices, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "participants_seminar"  # made by the participants app, moved here
        verbose_name = _("seminar")
        verbose_name_plural = _("seminars")
        ordering = ["change_project", "kind", "date", "pk"]
        indexes = [models.Index(fields=["kind", "date"], name="seminar_kind_date_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}: {self.change_project}"

    def clean(self):
        """The order of a change project's seminars: a results seminar is held only after a design seminar
        of the same project was accepted on an earlier date. Checked from both sides: saving a results
        seminar, and changing a design seminar that an existing results seminar relies on."""
        super().clean()
        if not self.change_project_id or self.date is None:
            return
        others = Seminar.objects.filter(change_project=self.change_project_id).exclude(pk=self.pk)
        accepted = others.filter(kind=SeminarKind.DESIGN, decision=SeminarDecision.ACCEPTED)
        field, message = None, None
        if self.kind == SeminarKind.RESULTS and not accepted.filter(date__lt=self.date).exists():
            first_accepted = accepted.order_by("date").values_list("date", flat=True).first()
            field = "date"
            message = _(
                "A results seminar is held only after the design seminar was accepted; this change project "
                "has no accepted design seminar yet."
            )
            if first_accepted is not None:
                message = _("The results seminar must come after the accepted design seminar of %(date)s.")
                message %= {"date": date_format(first_accepted)}
        elif self.kind == SeminarKind.DESIGN:
            results = others.filter(kind=SeminarKind.RESULTS).order_by("date").values_list("date", flat=True)
            first_results = results.first()
            if first_results is None or accepted.filter(date__lt=first_results).exists():
                return
            if self.decision != SeminarDecision.ACCEPTED:
                field = "decision"
                message = _("The results seminar of %(date)s relies on this design seminar being accepted.")
            elif self.date >= first_results:
                field = "date"
                message = _("The design seminar must come before the results seminar of %(date)s.")
            if field:
                message %= {"date": date_format(first_results)}
        if field:
            raise ValidationError({field: ValidationError(message, code="seminar_order")})

    def examiner_scores(self):
        """{examiner id: weighted score} from the prefetched scores (select_related aspect)."""
        totals = {}
        for score in self.scores.all():
            weighted, weights = totals.get(score.examiner_id, (Decimal(0), Decimal(0)))
            totals[score.examiner_id] = (
                weighted + score.score * score.aspect.weight,
                weights + score.aspect.weight,
            )
        return {
            examiner: (weighted / weights).quantize(Decimal("0.01"))
            for examiner, (weighted, weights) in totals.items()
            if weights
        }

    @property
    def score(self):
        """The mean of the examiners' weighted scores, two decimals; None before any score."""
        per_examiner = list(self.examiner_scores().values())
        if not per_examiner:
            return None
        return (sum(per_examiner) / len(per_examiner)).quantize(Decimal("0.01"))


class SeminarScore(models.Model):
    seminar = models.ForeignKey(
        Seminar, verbose_name=_("seminar"), on_delete=models.CASCADE, related_name="scores"
    )
    examiner = models.ForeignKey(
        Person, verbose_name=_("examiner"), on_delete=models.PROTECT, related_name="+"
    )
    aspect = models.ForeignKey(
        SeminarAspect, verbose_name=_("aspect"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        db_table = "participants_seminarscore"  # made by the participants app, moved here
        verbose_name = _("seminar score")
        verbose_name_plural = _("seminar scores")
        ordering = ["seminar", "examiner__name", "aspect__order"]
        constraints = [
            models.UniqueConstraint(fields=["seminar", "examiner", "aspect"], name="seminarscore_unique"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="seminarscore_range"),
        ]

    def __str__(self):
        return f"{self.aspect}: {self.score}"
