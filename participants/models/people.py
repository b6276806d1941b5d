"""Participants (civil servants, identified by their NIP) and the liaisons who speak for an institution."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from participants.nip import describe_birth_date, format_nip, normalize_nip, parse_nip, validate_nip
from programs.models import Institution, PositionLevel
from trainingtracker.text import validate_visible_name


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
    name = models.CharField(_("name"), max_length=150, validators=[validate_visible_name])
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
        return reverse("reports:participant", args=[self.pk])

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
