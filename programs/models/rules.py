"""The rules of a program type that DOMAIN.md marks [U]: evaluation components and weights, qualification
thresholds, seminar aspects, the attendance minimum, the certificate number format and signer. Data an
administrator edits, per program type."""

import string
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from programs.models.core import ProgramType


class PositionLevel(models.TextChoices):
    JPT_UTAMA = "jpt_utama", _("JPT Utama")
    JPT_MADYA = "jpt_madya", _("JPT Madya")
    JPT_PRATAMA = "jpt_pratama", _("JPT Pratama (echelon II)")
    ADMINISTRATOR = "administrator", _("Administrator (echelon III)")
    PENGAWAS = "pengawas", _("Pengawas (echelon IV)")
    PELAKSANA = "pelaksana", _("Pelaksana")
    JF_AHLI_UTAMA = "jf_ahli_utama", _("JF Ahli Utama")
    JF_AHLI_MADYA = "jf_ahli_madya", _("JF Ahli Madya")
    JF_AHLI_MUDA = "jf_ahli_muda", _("JF Ahli Muda")
    JF_AHLI_PERTAMA = "jf_ahli_pertama", _("JF Ahli Pertama")
    JF_PENYELIA = "jf_penyelia", _("JF Penyelia")
    JF_MAHIR = "jf_mahir", _("JF Mahir")
    JF_TERAMPIL = "jf_terampil", _("JF Terampil")
    JF_PEMULA = "jf_pemula", _("JF Pemula")
    NON_ASN = "non_asn", _("Not a civil servant (police, state enterprise, ...)")


# The order of the position levels, written once: a higher number is a higher position. The structural ladder
# is JPT Utama > JPT Madya > JPT Pratama > Administrator > Pengawas > Pelaksana. A functional (JF) level takes
# the rung it is treated as equal to: DOMAIN.md section 2 admits JF Ahli Utama with JPT Pratama and JF Ahli
# Madya with Administrator to PKN II, and the transfer of administrative posts to JF put Pengawas at Ahli Muda
# and Pelaksana at Ahli Pertama; the skilled JF levels (penyelia to pemula) are Pelaksana. A post outside the
# civil service has no rung and never counts as reaching a target.
POSITION_RANKS = {
    PositionLevel.JPT_UTAMA: 6,
    PositionLevel.JPT_MADYA: 5,
    PositionLevel.JPT_PRATAMA: 4,
    PositionLevel.JF_AHLI_UTAMA: 4,
    PositionLevel.ADMINISTRATOR: 3,
    PositionLevel.JF_AHLI_MADYA: 3,
    PositionLevel.PENGAWAS: 2,
    PositionLevel.JF_AHLI_MUDA: 2,
    PositionLevel.PELAKSANA: 1,
    PositionLevel.JF_AHLI_PERTAMA: 1,
    PositionLevel.JF_PENYELIA: 1,
    PositionLevel.JF_MAHIR: 1,
    PositionLevel.JF_TERAMPIL: 1,
    PositionLevel.JF_PEMULA: 1,
}


def position_rank(expression):
    """The database's POSITION_RANKS of a level column or expression (a name or an expression, OuterRef
    included): NULL for a level without a rung, so a comparison with it is never true."""
    if isinstance(expression, str):
        expression = F(expression)
    return Case(
        *[When(Exact(expression, level), then=Value(rank)) for level, rank in POSITION_RANKS.items()],
        default=None,
        output_field=models.IntegerField(),
    )


# The fields a number format may name, with sample values. {organiser} is the organiser's code
# (Institution.code), never its name: a certificate number holds no spaces.
CERTIFICATE_NUMBER_FIELDS = {
    "seq": 1,
    "year": 2025,
    "code": "PKN-2",
    "organiser": "BPSDM-BTN",
    "angkatan": "XLIII",
}


def certificate_number_has_space(number):
    return any(character.isspace() for character in number)


def certificate_number_field_names(value):
    """The field names in a number format ({seq:03d} gives seq). Raises ValueError when it cannot parse."""
    return {name for _text, name, _spec, _conv in string.Formatter().parse(value) if name is not None}


def validate_certificate_number_format(value):
    """The format must name {seq} and only the known fields, and must format without error."""
    try:
        names = certificate_number_field_names(value)
        value.format(**CERTIFICATE_NUMBER_FIELDS)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        names = None
    if names is None or not names <= set(CERTIFICATE_NUMBER_FIELDS) or "" in names:
        raise ValidationError(
            _("Use only the fields %(fields)s in braces, for example {seq:03d}/STTP/{year}."),
            code="certificate_format_invalid",
            params={"fields": ", ".join(f"{{{name}}}" for name in CERTIFICATE_NUMBER_FIELDS)},
        )
    if "seq" not in names:
        raise ValidationError(
            _("The format must contain {seq}, the running number."), code="certificate_format_without_seq"
        )
    if certificate_number_has_space(value.format(**CERTIFICATE_NUMBER_FIELDS)):
        raise ValidationError(
            _("Certificate numbers must not contain spaces; this format gives %(example)s."),
            code="certificate_format_with_space",
            params={"example": repr(value.format(**CERTIFICATE_NUMBER_FIELDS))},
        )


class ProgramTypeRules(models.Model):
    """The rules of a program type that DOMAIN.md marks [U]: kept as data an administrator edits."""

    program_type = models.OneToOneField(
        ProgramType, verbose_name=_("program type"), on_delete=models.CASCADE, related_name="rules"
    )
    minimum_attendance = models.DecimalField(
        _("minimum attendance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("90"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Share of the recorded sessions a participant must attend (present or late)."),
    )
    target_position_level = models.CharField(
        _("target position level"),
        max_length=20,
        choices=PositionLevel.choices,
        blank=True,
        help_text=_(
            "Alumni appointed to this level or a higher one count as appointed to the target position."
        ),
    )
    certificate_number_format = models.CharField(
        _("certificate number format"),
        max_length=120,
        default="{seq:03d}/STTP/{code}/{organiser}/{year}",
        validators=[validate_certificate_number_format],
        help_text=_(
            "Fields: {seq} running number per organiser and year ({seq:03d} pads it to three digits), "
            "{year}, {code} (of the program type), {organiser} (the organiser's code), {angkatan}. "
            "No spaces."
        ),
    )
    signer_name = models.CharField(
        _("signer's name"),
        max_length=150,
        blank=True,
        help_text=_("Empty: the head of the organiser named in the program's roles."),
    )
    signer_position = models.CharField(
        _("signer's position"),
        max_length=200,
        blank=True,
        help_text=_("Empty: the position of that head."),
    )
    signing_place = models.CharField(
        _("place of signing"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the last part of the program's venue (its town)."),
    )

    class Meta:
        db_table = "participants_programtyperules"  # made by the participants app, moved here
        verbose_name = _("training rules")
        verbose_name_plural = _("training rules")

    def __str__(self):
        return str(self.program_type)

    def attendance_below_minimum(self, rate):
        """Whether an attendance rate (percent by JP) falls short of the minimum; None (nothing recorded
        yet) is not below it. Graduation treats None as unmet on its own (lifecycle.services.graduation)."""
        return rate is not None and rate < self.minimum_attendance

    def uses_organiser_code(self):
        try:
            return "organiser" in certificate_number_field_names(self.certificate_number_format)
        except ValueError:
            return False  # the format itself is reported as not valid

    def format_certificate_number(self, *, sequence, program):
        """The number of the `sequence`th certificate of the program's organiser and year.

        Raises ValueError, KeyError or IndexError when the saved format cannot number (an edit that skipped
        validation, or a field no longer offered such as {type}).
        """
        return self.certificate_number_format.format(
            seq=sequence,
            year=program.year,
            code=program.program_type.code.upper(),
            organiser=program.organiser.code,
            angkatan=program.angkatan_roman,
        )


def rules_of(program_type):
    """The saved rules of the type, or unsaved defaults; select_related("rules") keeps it free of queries."""
    try:
        return program_type.rules
    except ProgramTypeRules.DoesNotExist:
        return ProgramTypeRules(program_type=program_type)


class EvaluationComponent(models.Model):
    """A part of the final score (for PKA: academic, field study, change action, attitude and behaviour)."""

    program_type = models.ForeignKey(
        ProgramType,
        verbose_name=_("program type"),
        on_delete=models.CASCADE,
        related_name="evaluation_components",
    )
    name = models.CharField(_("name"), max_length=120)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Relative weight; the final score divides by the sum of the weights."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        db_table = "participants_evaluationcomponent"  # made by the participants app, moved here
        verbose_name = _("evaluation component")
        verbose_name_plural = _("evaluation components")
        ordering = ["program_type__order", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program_type", "name"], name="evaluationcomponent_unique_name"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="evaluationcomponent_weight_positive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight.normalize():f})"


class Qualification(models.Model):
    """A qualification label and the lowest final score that reaches it."""

    program_type = models.ForeignKey(
        ProgramType, verbose_name=_("program type"), on_delete=models.CASCADE, related_name="qualifications"
    )
    label = models.CharField(_("label"), max_length=60)
    min_score = models.DecimalField(
        _("lowest final score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    passes = models.BooleanField(
        _("passing"), default=True, help_text=_("Whether this qualification is enough to pass.")
    )

    class Meta:
        db_table = "participants_qualification"  # made by the participants app, moved here
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["program_type__order", "-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["program_type", "min_score"], name="qualification_unique_min"),
            models.UniqueConstraint(fields=["program_type", "label"], name="qualification_unique_label"),
        ]

    def __str__(self):
        return f"{self.label} (≥ {self.min_score})"


class SeminarKind(models.TextChoices):
    DESIGN = "design", _("Design seminar")
    RESULTS = "results", _("Results seminar")


class SeminarAspect(models.Model):
    """An aspect the examiners score at a seminar: the design on 5 aspects, the implementation on 6."""

    program_type = models.ForeignKey(
        ProgramType, verbose_name=_("program type"), on_delete=models.CASCADE, related_name="seminar_aspects"
    )
    kind = models.CharField(_("seminar"), max_length=10, choices=SeminarKind.choices)
    name = models.CharField(_("name"), max_length=150)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        db_table = "participants_seminaraspect"  # made by the participants app, moved here
        verbose_name = _("seminar aspect")
        verbose_name_plural = _("seminar aspects")
        ordering = ["program_type__order", "kind", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_type", "kind", "name"], name="seminaraspect_unique_name"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="seminaraspect_weight_positive"),
        ]

    def __str__(self):
        return self.name
