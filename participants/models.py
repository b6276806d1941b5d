"""Participants, their enrolments in programs and their change projects; and the training lifecycle of an
enrolment: the program type's rules, attendance, seminars, evaluation, graduation, certificates and later
appointments."""

import calendar
import datetime
import secrets
import string
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, Round
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models import Institution, Person, Program, ProgramType, Session

from .nip import describe_birth_date, format_nip, normalize_nip, parse_nip, validate_nip


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Rank(models.TextChoices):
    """Pangkat / golongan ruang of civil servants, ordered from low to high."""

    I_A = "I/a", "I/a Juru Muda"
    I_B = "I/b", "I/b Juru Muda Tingkat I"
    I_C = "I/c", "I/c Juru"
    I_D = "I/d", "I/d Juru Tingkat I"
    II_A = "II/a", "II/a Pengatur Muda"
    II_B = "II/b", "II/b Pengatur Muda Tingkat I"
    II_C = "II/c", "II/c Pengatur"
    II_D = "II/d", "II/d Pengatur Tingkat I"
    III_A = "III/a", "III/a Penata Muda"
    III_B = "III/b", "III/b Penata Muda Tingkat I"
    III_C = "III/c", "III/c Penata"
    III_D = "III/d", "III/d Penata Tingkat I"
    IV_A = "IV/a", "IV/a Pembina"
    IV_B = "IV/b", "IV/b Pembina Tingkat I"
    IV_C = "IV/c", "IV/c Pembina Utama Muda"
    IV_D = "IV/d", "IV/d Pembina Utama Madya"
    IV_E = "IV/e", "IV/e Pembina Utama"


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


class NIPField(models.CharField):
    """Stores the 18 digits; accepts spaces on input (8-6-1-3) and strips them before validation."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        return normalize_nip(value) or None

    def formfield(self, **kwargs):
        # Room for the spaced form "19860926 201505 1 001" typed or pasted by a person.
        return super().formfield(**{**kwargs, "max_length": 30})


class ParticipantQuerySet(models.QuerySet):
    def demo(self):
        return self.filter(is_demo=True)


class Participant(models.Model):
    nip = NIPField(
        _("NIP"),
        null=True,
        blank=True,
        unique=True,
        validators=[validate_nip],
        help_text=_(
            "18 digits, spaces allowed (19860926 201505 1 001). Empty for participants who are not ASN."
        ),
        error_messages={"unique": _("A participant with this NIP already exists.")},
    )
    front_title = models.CharField(
        _("front title"), max_length=40, blank=True, help_text=_("For example Dr.")
    )
    name = models.CharField(_("name"), max_length=150)
    back_title = models.CharField(
        _("back title"), max_length=60, blank=True, help_text=_("For example S.T., M.Si.")
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    rank = models.CharField(_("rank (golongan)"), max_length=5, choices=Rank.choices, blank=True)
    position = models.CharField(_("position"), max_length=255, blank=True)
    position_level = models.CharField(
        _("position level"), max_length=20, choices=PositionLevel.choices, blank=True
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="participants"
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the retention period ended and the personal data were removed."),
    )

    objects = ParticipantQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["name"]
        permissions = [
            ("view_all_institutions", _("Can see participants of every institution")),
            ("view_personal_data", _("Can see NIP, birth date, email and phone unmasked")),
            ("export_participants", _("Can export participant reports")),
            ("import_participants", _("Can import participants from spreadsheets")),
        ]
        indexes = [
            models.Index(fields=["name"], name="participant_name_idx"),
            models.Index(fields=["updated_at"], name="participant_updated_idx"),  # the overview's fingerprint
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.nip = normalize_nip(self.nip) or None  # '' would collide with the next participant without NIP
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("participants:detail", args=[self.pk])

    def clean(self):
        super().clean()
        self.nip = normalize_nip(self.nip) or None
        if not self.nip:
            return
        try:
            nip = parse_nip(self.nip)
        except ValidationError:
            return  # the field validator reports it on the nip field
        errors = {}
        if self.birth_date is None:
            self.birth_date = nip.birth_date
        elif self.birth_date != nip.birth_date:
            errors["birth_date"] = ValidationError(
                _("The date of birth does not match the NIP, which says %(date)s (digits 1-8)."),
                code="nip_birth_date_mismatch",
                params={"date": describe_birth_date(nip)},
            )
        if not self.gender:
            self.gender = nip.gender
        elif self.gender != nip.gender:
            errors["gender"] = ValidationError(
                _("The gender does not match the NIP, whose digit 15 says %(gender)s."),
                code="nip_gender_mismatch",
                params={"gender": Gender(nip.gender).label},
            )
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self):
        name = " ".join(part for part in (self.front_title, self.name) if part)
        return f"{name}, {self.back_title}" if self.back_title else name

    @property
    def nip_display(self):
        return format_nip(self.nip) if self.nip else ""

    @property
    def decoded_nip(self):
        """The decoded NIP, or None when there is none or it is not valid."""
        if not self.nip:
            return None
        try:
            return parse_nip(self.nip)
        except ValidationError:
            return None


class EnrolmentStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    REGISTERED = "registered", _("Registered")
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrew")
    DISMISSED = "dismissed", _("Dismissed")
    PASSED = "passed", _("Passed")
    PASSED_DEFERRED = "passed_deferred", _("Graduation deferred")
    FAILED = "failed", _("Did not pass")
    DID_NOT_FINISH = "did_not_finish", _("Did not finish")


# Statuses that hold one of the program's seats. Nominees are candidates; a participant who withdrew or
# was dismissed gives the seat back.
SEAT_STATUSES = frozenset(
    {
        EnrolmentStatus.REGISTERED,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.PASSED,
        EnrolmentStatus.PASSED_DEFERRED,
        EnrolmentStatus.FAILED,
        EnrolmentStatus.DID_NOT_FINISH,
    }
)


class CapacityError(ValidationError):
    pass


class ComputedScoreField(models.DecimalField):
    """Output field of computed scores: two decimals, also when SQLite's arithmetic hands back a float."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=5, decimal_places=2, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else Decimal(value).quantize(Decimal("0.01"))


class EnrolmentQuerySet(models.QuerySet):
    def holding_seats(self):
        return self.filter(status__in=SEAT_STATUSES)

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


class Enrolment(models.Model):
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="enrolments"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.REGISTERED
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["program", "participant__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "program"],
                name="enrolment_unique_participant_program",
                violation_error_message=_("This participant is already enrolled in this program."),
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"], name="enrolment_program_status_idx"),
            models.Index(fields=["status"], name="enrolment_status_idx"),  # the admin's status filter
            models.Index(fields=["updated_at"], name="enrolment_updated_idx"),  # the overview's fingerprint
        ]

    def __str__(self):
        return f"{self.participant} — {self.program}"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.holds_seat:
                self._check_capacity(lock=True)
            super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.program_id and self.holds_seat:
            # Inside a transaction (the admin's change form is one) the program row is locked here, so that a
            # second administrator taking the last seat waits and then sees it taken.
            self._check_capacity(lock=transaction.get_connection().in_atomic_block)

    @property
    def holds_seat(self):
        return self.status in SEAT_STATUSES

    def _check_capacity(self, *, lock):
        programs = Program.objects.select_for_update() if lock else Program.objects
        if (
            self.pk
            and Enrolment.objects.filter(
                pk=self.pk, program_id=self.program_id, status__in=SEAT_STATUSES
            ).exists()
        ):
            # Already holds a seat in this program: editing it takes no new seat, even if the quota was lowered.
            return
        capacity = programs.values_list("capacity", flat=True).get(pk=self.program_id)
        taken = (
            Enrolment.objects.filter(program_id=self.program_id).holding_seats().exclude(pk=self.pk).count()
        )
        if taken >= capacity:
            raise CapacityError(
                _("The program is full: %(taken)d of %(capacity)d seats are taken."),
                code="program_full",
                params={"taken": taken, "capacity": capacity},
            )

    @property
    def is_demo(self):
        return self.participant.is_demo

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


class Liaison(models.Model):
    """Links a user to the institution they speak for (for example a ministry's HR officer).

    A user without the view_all_institutions permission sees only the participants of this
    institution and of the institutions below it; without a link, none.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="liaison"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="liaisons"
    )

    class Meta:
        verbose_name = _("institution liaison")
        verbose_name_plural = _("institution liaisons")

    def __str__(self):
        return f"{self.user} → {self.institution}"


# The training lifecycle: rules per program type, attendance, seminars, evaluation, graduation,
# certificates and alumni appointments ---------------------------------------------------------------------

CERTIFICATE_NUMBER_FIELDS = {
    "seq": 1,
    "year": 2025,
    "type": "PKN Tingkat II",
    "code": "PKN-2",
    "organiser": "BPSDM Provinsi Banten",
    "angkatan": "XLIII",
}


def validate_certificate_number_format(value):
    """The format must name {seq} and only the known fields, and must format without error."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(value) if name is not None}
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
        help_text=_("Alumni appointed to this level count as appointed to the target position."),
    )
    certificate_number_format = models.CharField(
        _("certificate number format"),
        max_length=120,
        default="{seq:03d}/STTP/{code}/{organiser}/{year}",
        validators=[validate_certificate_number_format],
        help_text=_(
            "Fields: {seq} running number per organiser and year ({seq:03d} pads it to three digits), "
            "{year}, {type}, {code}, {organiser}, {angkatan}."
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
        verbose_name = _("training rules")
        verbose_name_plural = _("training rules")

    def __str__(self):
        return str(self.program_type)

    def format_certificate_number(self, *, sequence, program):
        organiser = program.organiser
        return self.certificate_number_format.format(
            seq=sequence,
            year=program.year,
            type=program.program_type.abbreviation,
            code=program.program_type.code.upper(),
            organiser=organiser.short_name or organiser.name,
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

    history = HistoricalRecords()

    class Meta:
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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance correction")
        verbose_name_plural = _("attendance corrections")
        ordering = ["attendance", "corrected_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(why=""), name="attendancecorrection_has_reason"),
        ]

    def __str__(self):
        return f"{self.get_previous_status_display()} → {self.get_status_display()}"


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
        verbose_name = _("seminar")
        verbose_name_plural = _("seminars")
        ordering = ["change_project", "kind", "date", "pk"]
        indexes = [models.Index(fields=["kind", "date"], name="seminar_kind_date_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}: {self.change_project}"

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
        verbose_name = _("seminar score")
        verbose_name_plural = _("seminar scores")
        ordering = ["seminar", "examiner__name", "aspect__order"]
        constraints = [
            models.UniqueConstraint(fields=["seminar", "examiner", "aspect"], name="seminarscore_unique"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="seminarscore_range"),
        ]

    def __str__(self):
        return f"{self.aspect}: {self.score}"


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

    history = HistoricalRecords()

    class Meta:
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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("graduation decision")
        verbose_name_plural = _("graduation decisions")
        ordering = ["enrolment", "decided_at", "pk"]
        indexes = [models.Index(fields=["enrolment", "decided_at"], name="graduation_enrolment_idx")]

    def __str__(self):
        return f"{self.enrolment}: {self.get_outcome_display()}"


class CertificateCounter(models.Model):
    """The last certificate number an organiser gave in a year. Locked while a number is taken."""

    organiser = models.ForeignKey(
        Institution, verbose_name=_("organiser"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("certificate counter")
        verbose_name_plural = _("certificate counters")
        ordering = ["organiser", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organiser", "year"], name="certificatecounter_unique"),
        ]

    def __str__(self):
        return f"{self.organiser} {self.year}: {self.last_number}"


def new_certificate_token():
    # 32 URL-safe characters, 192 random bits: the verification address cannot be guessed or enumerated.
    return secrets.token_urlsafe(24)


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at=None)

    def revoked(self):
        return self.exclude(revoked_at=None)


class Certificate(models.Model):
    """An STTP (Surat Tanda Tamat Pelatihan) of a passed enrolment.

    The number comes from a gap-free sequence per organiser and year; a revoked certificate keeps its
    number, and a reissue takes the next one. The result (qualification, final score) and the signature
    are kept as issued: later edits of scores or rules do not change a signed document.
    """

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(_("number"), max_length=150, unique=True)
    organiser = models.ForeignKey(
        Institution, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("running number"))
    issued_on = models.DateField(_("issued on"))
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=200, blank=True)
    signing_place = models.CharField(_("place of signing"), max_length=100, blank=True)
    qualification = models.CharField(_("qualification"), max_length=60, blank=True)
    final_score = models.DecimalField(_("final score"), max_digits=5, decimal_places=2, null=True, blank=True)
    token = models.CharField(
        _("verification token"), max_length=64, unique=True, default=new_certificate_token
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revocation_reason = models.CharField(_("reason for the revocation"), max_length=255, blank=True)

    objects = CertificateQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certificate (STTP)")
        verbose_name_plural = _("certificates (STTP)")
        ordering = ["organiser", "year", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["organiser", "year", "sequence"], name="certificate_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(revoked_at=None),
                name="certificate_one_valid_per_enrolment",
                violation_error_message=_("This enrolment already has a valid certificate."),
            ),
            models.CheckConstraint(
                condition=Q(revoked_at=None) | ~Q(revocation_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("lifecycle:certificate_pdf", args=[self.pk])

    def get_verification_url(self):
        """The path of the public verification page (make it absolute with the request)."""
        return reverse("verify:certificate", args=[self.token])

    @property
    def is_valid(self):
        return self.revoked_at is None


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


class ExportDataset(models.TextChoices):
    ROSTER = "roster", _("Roster of a program")
    ENROLMENTS = "enrolments", _("Enrolments across programs")
    INSTITUTIONS = "institutions", _("Summary per institution")
    HISTORY = "history", _("Training history for HR operators")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"


class ExportOrigin(models.TextChoices):
    WEB = "web", _("Web page")
    ADMIN = "admin", _("Admin action")
    COMMAND = "command", _("Management command")


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
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="exportlog_created_idx")]

    def __str__(self):
        return f"{self.get_dataset_display()} ({self.format}), {self.created_at:%Y-%m-%d %H:%M}"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Waiting for confirmation")
    REFUSED = "refused", _("Refused")
    IMPORTED = "imported", _("Imported")


class ImportBatch(models.Model):
    """An uploaded participant file and what became of it.

    The file's bytes are kept in the database so that the preview and the confirmation can be served
    by different processes or servers.
    """

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="import_batches"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file content"))
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    problems = models.JSONField(
        _("problems"), default=list, blank=True, help_text=_("Messages about the whole file.")
    )

    class Meta:
        verbose_name = _("participant import")
        verbose_name_plural = _("participant imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} → {self.program}"


class PersonalDataAccessKind(models.TextChoices):
    PAGE = "page", _("Participant page")
    SUBJECT_EXPORT = "subject_export", _("Participant's own data exported for them")


class PersonalDataAccess(models.Model):
    """One showing of a participant's personal data to a user (UU 27/2022 record of processing).

    List exports are recorded in ExportLog, not here: together the two tables say who saw or took out
    whose data, and when. No name or NIP is copied here, so anonymising a participant leaves nothing behind.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PersonalDataAccessKind.choices)
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unmasked = models.BooleanField(
        _("unmasked"), default=False, help_text=_("NIP, birth date, email and phone were shown in full.")
    )
    origin = models.CharField(_("made from"), max_length=10, choices=ExportOrigin.choices, default="web")

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="personaldataaccess_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.created_at:%Y-%m-%d %H:%M}"
