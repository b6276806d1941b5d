"""Certificates (STTP) and their gap-free number sequences."""

import secrets

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from participants.models import Enrolment
from programs.models import Institution


class CertificateCounter(models.Model):
    """The last certificate number an organiser gave in a year. Locked while a number is taken."""

    organiser = models.ForeignKey(
        Institution, verbose_name=_("organiser"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        db_table = "participants_certificatecounter"  # made by the participants app, moved here
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

    history = HistoricalRecords(table_name="participants_historicalcertificate")

    class Meta:
        db_table = "participants_certificate"  # made by the participants app, moved here
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
        """The path of the public verification page (public_verification_url makes it absolute)."""
        return reverse("lifecycle:verify", args=[self.token])

    @property
    def public_verification_url(self):
        """The address the QR code and the links carry: PUBLIC_BASE_URL, never the request's host.

        A demo certificate's address says so too (?demo=1), for whoever reads the scanned text. Reads
        enrolment.participant (select_related it). Raises ImproperlyConfigured without PUBLIC_BASE_URL.
        """
        base = settings.PUBLIC_BASE_URL
        if not base:
            raise ImproperlyConfigured(
                "PUBLIC_BASE_URL must be set for the certificates' verification links."
            )
        suffix = "?demo=1" if self.is_demo else ""
        return f"{base.rstrip('/')}{self.get_verification_url()}{suffix}"

    @property
    def is_valid(self):
        return self.revoked_at is None

    @property
    def is_demo(self):
        """A synthetic demo participant's certificate: never a real one, wherever it is shown."""
        return self.enrolment.participant.is_demo
