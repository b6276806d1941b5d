"""Participants, their enrolments in programs and their change projects."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from programs.models import Institution, Person, Program

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

    objects = ParticipantQuerySet.as_manager()

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
        indexes = [models.Index(fields=["name"], name="participant_name_idx")]

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


class EnrolmentQuerySet(models.QuerySet):
    def holding_seats(self):
        return self.filter(status__in=SEAT_STATUSES)


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
        indexes = [models.Index(fields=["program", "status"], name="enrolment_program_status_idx")]

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


class ChangeProjectStage(models.TextChoices):
    DESIGN = "design", _("Design")
    DESIGN_SEMINAR = "design_seminar", _("Design seminar")
    IMPLEMENTATION = "implementation", _("Implementation")
    RESULTS_SEMINAR = "results_seminar", _("Results seminar")
    REPORTED = "reported", _("Reported")
    CONTINUING = "continuing", _("Continuing after training")


STAGE_ORDER = list(ChangeProjectStage.values)


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


class Horizon(models.TextChoices):
    SHORT = "short", _("Short term")
    MEDIUM = "medium", _("Medium term")
    LONG = "long", _("Long term")


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
