"""Records of what was done with participants' data: imports, and who was shown whose personal data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models.people import Participant
from programs.models import Program


class ExportOrigin(models.TextChoices):
    WEB = "web", _("Web page")
    ADMIN = "admin", _("Admin action")
    COMMAND = "command", _("Management command")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Waiting for confirmation")
    REFUSED = "refused", _("Refused")
    IMPORTED = "imported", _("Imported")


class ImportBatch(models.Model):
    """An uploaded participant file and what became of it.

    The file's bytes and its rows as read are kept in the database so that the preview and the
    confirmation can be served by different processes or servers without reading the file again.
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
    # Read once at upload: every later preview and the confirmation validate these rows, not the file.
    table = models.JSONField(
        _("rows as read"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The file's header and rows as read at upload, or why it could not be read."),
    )
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
    confirmed_rows = models.JSONField(
        _("identity changes confirmed"),
        default=list,
        blank=True,
        help_text=_(
            "The rows of the file whose change of a stored participant's name, institution or date of birth "
            "was confirmed (row numbers, not NIPs: the record outlives the file)."
        ),
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
