"""Institutions, program types, programs (cohorts), the people with a role in them, and the data version."""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.expressions import AddDays
from programs.roman import to_roman
from trainingtracker.text import validate_visible_name


class Source(models.Model):
    """A published document that seeded records point to. Its facts are kept, never its sentences."""

    publisher = models.CharField(_("publisher"), max_length=200)
    dateline = models.CharField(_("dateline"), max_length=100, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    headline = models.CharField(
        _("headline (own words)"),
        max_length=300,
        help_text=_("Summarise the headline in your own words; do not copy the article."),
    )
    url = models.URLField(_("address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_on", "publisher"]
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "headline"], name="source_unique_publisher_headline"
            ),
        ]

    def __str__(self):
        when = self.published_on.isoformat() if self.published_on else "?"
        return f"{self.publisher}, {self.dateline} {when}: {self.headline}".replace(" ,", ",")


class InstitutionKind(models.TextChoices):
    # PP 11/2017 Pasal 1: central and regional agencies; "other" for police, prosecutors, state enterprises.
    MINISTRY = "ministry", _("Ministry (kementerian)")
    NON_MINISTERIAL = "non_ministerial", _("Non-ministerial agency (LPNK)")
    STATE_SECRETARIAT = "state_secretariat", _("Secretariat of a state institution")
    NON_STRUCTURAL_SECRETARIAT = (
        "non_structural_secretariat",
        _("Secretariat of a non-structural institution"),
    )
    PROVINCE = "province", _("Provincial government")
    REGENCY = "regency", _("Regency government (kabupaten)")
    CITY = "city", _("City government (kota)")
    OTHER = "other", _("Other (police, prosecutors, state enterprises, ...)")

    @classmethod
    def central(cls):
        return [cls.MINISTRY, cls.NON_MINISTERIAL, cls.STATE_SECRETARIAT, cls.NON_STRUCTURAL_SECRETARIAT]

    @classmethod
    def regional(cls):
        return [cls.PROVINCE, cls.REGENCY, cls.CITY]


class TimeZone(models.TextChoices):
    """Indonesia's three time zones (Keppres 41/1987): WIB UTC+7, WITA UTC+8, WIT UTC+9."""

    WIB = "Asia/Jakarta", _("WIB (Asia/Jakarta)")
    WITA = "Asia/Makassar", _("WITA (Asia/Makassar)")
    WIT = "Asia/Jayapura", _("WIT (Asia/Jayapura)")


# The 38 provinces and the zone of each: Kalimantan Barat and Tengah keep WIB, the rest of Kalimantan,
# Bali, Nusa Tenggara and Sulawesi are WITA, Maluku and the six Papua provinces WIT.
PROVINCE_TIME_ZONES = {
    "Aceh": TimeZone.WIB,
    "Sumatera Utara": TimeZone.WIB,
    "Sumatera Barat": TimeZone.WIB,
    "Riau": TimeZone.WIB,
    "Kepulauan Riau": TimeZone.WIB,
    "Jambi": TimeZone.WIB,
    "Bengkulu": TimeZone.WIB,
    "Sumatera Selatan": TimeZone.WIB,
    "Kepulauan Bangka Belitung": TimeZone.WIB,
    "Lampung": TimeZone.WIB,
    "Banten": TimeZone.WIB,
    "DKI Jakarta": TimeZone.WIB,
    "Jawa Barat": TimeZone.WIB,
    "Jawa Tengah": TimeZone.WIB,
    "DI Yogyakarta": TimeZone.WIB,
    "Jawa Timur": TimeZone.WIB,
    "Bali": TimeZone.WITA,
    "Nusa Tenggara Barat": TimeZone.WITA,
    "Nusa Tenggara Timur": TimeZone.WITA,
    "Kalimantan Barat": TimeZone.WIB,
    "Kalimantan Tengah": TimeZone.WIB,
    "Kalimantan Selatan": TimeZone.WITA,
    "Kalimantan Timur": TimeZone.WITA,
    "Kalimantan Utara": TimeZone.WITA,
    "Sulawesi Utara": TimeZone.WITA,
    "Gorontalo": TimeZone.WITA,
    "Sulawesi Tengah": TimeZone.WITA,
    "Sulawesi Barat": TimeZone.WITA,
    "Sulawesi Selatan": TimeZone.WITA,
    "Sulawesi Tenggara": TimeZone.WITA,
    "Maluku": TimeZone.WIT,
    "Maluku Utara": TimeZone.WIT,
    "Papua": TimeZone.WIT,
    "Papua Barat": TimeZone.WIT,
    "Papua Barat Daya": TimeZone.WIT,
    "Papua Tengah": TimeZone.WIT,
    "Papua Pegunungan": TimeZone.WIT,
    "Papua Selatan": TimeZone.WIT,
}
PROVINCES = list(PROVINCE_TIME_ZONES)


def time_zone_of_province(province):
    """The province's zone; WIB when the province is empty (central institutions sit in Jakarta)."""
    return PROVINCE_TIME_ZONES.get(province, TimeZone.WIB)


class InstitutionQuerySet(models.QuerySet):
    def matching_name(self, name):
        """Institutions whose name equals `name` ignoring case and runs of spaces."""
        return self.filter(name__iexact=normalize_spaces(name))


def normalize_spaces(value):
    return " ".join(str(value).split())


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=255, validators=[validate_visible_name])
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    code = models.CharField(
        _("code"),
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9.-]+\Z",
                _("Use only letters, digits, '-' and '.', without spaces."),
                code="institution_code_invalid",
            )
        ],
        help_text=_(
            "Short, without spaces, for example BPSDM-BTN. An organiser's certificate numbers carry it "
            "as {organiser}."
        ),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=InstitutionKind.choices)
    province = models.CharField(_("province"), max_length=40, blank=True, choices=[(p, p) for p in PROVINCES])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="institution_unique_name_ci"),
            models.UniqueConstraint(
                fields=["code"],
                condition=~models.Q(code=""),
                name="institution_unique_code",
                violation_error_message=_("Another institution already has this code."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalize_spaces(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("reports:institution", args=[self.pk])

    @property
    def is_central(self):
        return self.kind in InstitutionKind.central()


class ProgramType(models.Model):
    """PKN Tingkat I and II, PKA, PKP (PP 11/2017 Pasal 217). Loaded by a data migration, editable."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    abbreviation = models.CharField(_("abbreviation"), max_length=20)
    target_position = models.CharField(_("target position level"), max_length=60)
    former_echelon = models.CharField(_("former echelon"), max_length=10, blank=True)
    product_name = models.CharField(
        _("workplace product"),
        max_length=60,
        help_text=_("Proyek Perubahan in PKN I/II, Aksi Perubahan in PKA/PKP."),
    )
    run_by = models.CharField(_("run by"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("program type")
        verbose_name_plural = _("program types")
        ordering = ["order", "name"]

    def __str__(self):
        return self.abbreviation


# The years a program may fall in (its year and its start date's).
PROGRAM_YEARS = (1990, 2100)


class ProgramStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("In progress")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class ProgramQuerySet(models.QuerySet):
    def cancelled(self):
        return self.filter(cancelled=True)

    def planned(self, today=None):
        return self.filter(cancelled=False, start_date__gt=today or timezone.localdate())

    def ongoing(self, today=None):
        today = today or timezone.localdate()
        return self.filter(cancelled=False, start_date__lte=today, end_date__gte=today)

    def finished(self, today=None):
        return self.filter(cancelled=False, end_date__lt=today or timezone.localdate())

    def with_status(self, status, today=None):
        if status == ProgramStatus.CANCELLED:
            return self.cancelled()
        return getattr(self, str(status))(today=today)


class Program(models.Model):
    """One cohort (angkatan) of a program type, optionally one class of it."""

    program_type = models.ForeignKey(
        ProgramType, verbose_name=_("program type"), on_delete=models.PROTECT, related_name="programs"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(PROGRAM_YEARS[0]), MaxValueValidator(PROGRAM_YEARS[1])]
    )
    angkatan = models.PositiveSmallIntegerField(
        _("angkatan (cohort number)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3999)],
        help_text=_("Shown as a Roman numeral. Leave empty when the source does not state it."),
    )
    class_name = models.CharField(_("class"), max_length=20, blank=True, help_text=_("For example F."))
    title = models.CharField(_("title"), max_length=255)
    organiser = models.ForeignKey(
        Institution, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="organised_programs"
    )
    venue = models.CharField(_("venue"), max_length=255)
    time_zone = models.CharField(
        _("time zone"),
        max_length=20,
        choices=TimeZone.choices,
        blank=True,
        help_text=_(
            "Times of the program are shown in this zone. Empty: the zone of the organiser's province."
        ),
    )
    start_date = models.DateField(_("start date"))
    duration_days = models.PositiveSmallIntegerField(
        _("duration (days)"), validators=[MinValueValidator(1)], help_text=_("The start date is day 1.")
    )
    end_date = models.GeneratedField(
        verbose_name=_("end date"),
        expression=AddDays(models.F("start_date"), models.F("duration_days") - 1),
        output_field=models.DateField(),
        db_persist=True,
    )
    capacity = models.PositiveSmallIntegerField(_("capacity (quota)"), validators=[MinValueValidator(1)])
    classical = models.BooleanField(_("classical learning"), default=True)
    non_classical = models.BooleanField(_("non-classical learning"), default=True)
    purpose = models.TextField(_("purpose"), blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProgramQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["end_date"])

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-start_date", "program_type__order"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_days__gte=1), name="program_duration_positive"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="program_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(classical=True) | models.Q(non_classical=True),
                name="program_has_learning_mode",
                violation_error_message=_("Choose classical learning, non-classical learning or both."),
            ),
            models.UniqueConstraint(
                fields=["program_type", "organiser", "year", "angkatan", "class_name"],
                name="program_unique_cohort",
                violation_error_message=_(
                    "This organiser already has this angkatan and class for that program type and year."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["year", "program_type"], name="program_year_type_idx"),
            models.Index(fields=["start_date"], name="program_start_idx"),
            models.Index(fields=["end_date"], name="program_end_idx"),
            models.Index(fields=["updated_at"], name="program_updated_idx"),  # the overview's fingerprint
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.time_zone and self.organiser_id:
            self.time_zone = time_zone_of_province(self.organiser.province)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("reports:program", args=[self.pk])

    def clean(self):
        super().clean()
        first, last = PROGRAM_YEARS
        if self.start_date and not first <= self.start_date.year <= last:
            # Also keeps the end date (start + duration) within what a date can hold: 9999-12-01 + 107 days
            # would overflow.
            raise ValidationError(
                {
                    "start_date": ValidationError(
                        _("The start date must fall in the years %(first)s to %(last)s."),
                        code="program_start_out_of_range",
                        params={"first": first, "last": last},
                    )
                }
            )
        if self.year and self.start_date and self.year != self.start_date.year:
            raise ValidationError(
                {
                    "year": ValidationError(
                        _("The year must be the year of the start date, %(year)s."),
                        code="program_year_not_start_year",
                        params={"year": self.start_date.year},
                    )
                }
            )

    @property
    def zone(self):
        """The program's time zone as a tzinfo, for timezone.localtime() and {% timezone %}."""
        return zoneinfo.ZoneInfo(self.time_zone or TimeZone.WIB)

    @property
    def zone_abbreviation(self):
        """WIB, WITA or WIT."""
        return TimeZone(self.time_zone or TimeZone.WIB).name

    def local_time(self, value):
        """An aware datetime as "2025-05-02 06:30 WIB" in the program's zone; '' for None."""
        if value is None:
            return ""
        return timezone.localtime(value, self.zone).strftime("%Y-%m-%d %H:%M %Z")

    @property
    def angkatan_roman(self):
        return to_roman(self.angkatan) if self.angkatan else ""

    @property
    def cohort_label(self):
        """'Angkatan XLIII Kelas F', or '' when the angkatan is unknown."""
        parts = []
        if self.angkatan:
            parts.append(f"Angkatan {self.angkatan_roman}")
        if self.class_name:
            parts.append(f"Kelas {self.class_name}")
        return " ".join(parts)

    @property
    def computed_end_date(self):
        """The last day; valid before the row is saved (end_date is filled by the database)."""
        if self.start_date is None or not self.duration_days:
            return None
        return self.start_date + datetime.timedelta(days=self.duration_days - 1)

    def status_on(self, today):
        if self.cancelled:
            return ProgramStatus.CANCELLED
        if today < self.start_date:
            return ProgramStatus.PLANNED
        if today > self.computed_end_date:
            return ProgramStatus.FINISHED
        return ProgramStatus.ONGOING

    @property
    def status(self):
        return self.status_on(timezone.localdate())

    def day_number(self, today=None):
        """Day N of duration_days while the program runs, else None."""
        today = today or timezone.localdate()
        if self.status_on(today) != ProgramStatus.ONGOING:
            return None
        return (today - self.start_date).days + 1

    @property
    def learning_modes(self):
        modes = []
        if self.classical:
            modes.append(_("classical"))
        if self.non_classical:
            modes.append(_("non-classical"))
        return modes


class Person(models.Model):
    """Someone with a role in a program who is not a participant: an official, coach, mentor or examiner."""

    front_title = models.CharField(_("front title"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=150, validators=[validate_visible_name])
    back_title = models.CharField(_("back title"), max_length=60, blank=True)
    position = models.CharField(_("position"), max_length=255, blank=True)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    email = models.EmailField(_("email"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people (officials, coaches, mentors, examiners)")
        ordering = ["name"]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        name = " ".join(part for part in (self.front_title, self.name) if part)
        return f"{name}, {self.back_title}" if self.back_title else name


class RoleKind(models.TextChoices):
    OPENED = "opened", _("Opened the program")
    ORGANISER_HEAD = "organiser_head", _("Head of the organiser")
    LAN_REPRESENTATIVE = "lan_representative", _("LAN-RI representative")
    SPEAKER = "speaker", _("Speaker")
    COACH = "coach", _("Coach (widyaiswara)")
    MENTOR = "mentor", _("Mentor")
    EXAMINER = "examiner", _("Examiner")
    OTHER = "other", _("Other")


class ProgramRole(models.Model):
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="roles"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=32, choices=RoleKind.choices)
    date = models.DateField(_("date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("program role")
        verbose_name_plural = _("program roles")
        ordering = ["program", "role", "date"]
        constraints = [
            models.UniqueConstraint(fields=["program", "person", "role"], name="programrole_unique"),
        ]

    def __str__(self):
        return f"{self.person}: {self.get_role_display()}"


class DataVersion(models.Model):
    """One row whose counter goes up with every save and delete of the training data, on SQLite; PostgreSQL
    keeps the same version in a sequence (programs/dataversion.py, which explains why).

    The cached page fragments carry it in their keys, so a change made by any process, through the admin,
    a page or a command, shows on the next request everywhere.
    """

    counter = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data version")

    def __str__(self):
        return str(self.counter)
