"""The export log, and the exports as admin actions on the participants and enrolments lists (extending
the lifecycle app's admins of them)."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lifecycle import admin as lifecycle_admin
from lifecycle.documents import PDF_FONT_MISSING_MESSAGE
from lifecycle.models import EnrolmentResult
from participants.access import get_visible_participant
from participants.models import Enrolment, ExportOrigin, Participant, PersonalDataAccessKind
from participants.privacy import log_access
from reports.exports import EnrolmentsExporter, ExportTooLarge, HistoryExporter
from reports.models import ExportLog
from reports.subject import subject_archive, subject_archive_name
from trainingtracker.admin_site import BigTableAdminMixin, ReadOnlyAdminMixin
from trainingtracker.files import PdfFontMissing


class ExportActionsMixin:
    """Export the selected rows with the report exporters; needs participants.export_participants."""

    def has_export_permission(self, request):
        return request.user.has_perm("participants.export_participants")

    def export_selected(self, request, queryset, fmt):
        count = queryset.count()
        note = ngettext(
            "%(count)d row selected in the administration",
            "%(count)d rows selected in the administration",
            count,
        ) % {"count": count}
        exporter = self.selected_exporter(request, queryset, note)
        try:
            return exporter.response(fmt)
        except ExportTooLarge as error:
            self.message_user(request, str(error), messages.ERROR)
        except PdfFontMissing:
            self.message_user(request, PDF_FONT_MISSING_MESSAGE, messages.ERROR)
        return None


@admin.action(description=_("Export the selected rows as CSV"), permissions=["export"])
def export_csv(modeladmin, request, queryset):
    return modeladmin.export_selected(request, queryset, "csv")


@admin.action(description=_("Export the selected rows as XLSX"), permissions=["export"])
def export_xlsx(modeladmin, request, queryset):
    return modeladmin.export_selected(request, queryset, "xlsx")


@admin.action(description=_("Export the selected rows as PDF"), permissions=["export"])
def export_pdf(modeladmin, request, queryset):
    return modeladmin.export_selected(request, queryset, "pdf")


@admin.action(
    description=_("Export all data held about the selected participant (ZIP)"), permissions=["personal_data"]
)
def export_subject_data(modeladmin, request, queryset):
    """A participant's own data for them (UU 27/2022 Pasal 32): one participant at a time."""
    pks = list(queryset.values_list("pk", flat=True)[:2])
    if len(pks) != 1:
        modeladmin.message_user(request, _("Select exactly one participant."), messages.ERROR)
        return None
    participant = get_visible_participant(
        request.user, pks[0], Participant.objects.select_related("institution")
    )
    try:
        archive = subject_archive(
            participant,
            url_for=lambda certificate: certificate.public_verification_url,
        )
    except PdfFontMissing:  # the archive holds the certificates' PDFs
        modeladmin.message_user(request, PDF_FONT_MISSING_MESSAGE, messages.ERROR)
        return None
    log_access(
        user=request.user,
        kind=PersonalDataAccessKind.SUBJECT_EXPORT,
        participant=participant,
        unmasked=True,
        origin=ExportOrigin.ADMIN,
    )
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{subject_archive_name(participant)}"'
    return response


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    """Who exported which participant data, when and with which filters. Read-only: it is a record."""

    list_display = ["created_at", "user", "dataset", "format", "origin", "row_count", "filters"]
    list_filter = ["dataset", "format", "origin"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    readonly_fields = ["created_at", "user", "dataset", "format", "origin", "filters", "row_count"]
    fields = readonly_fields
    ordering = ["-pk"]  # the primary key index: no sort of the whole table


for model in (Participant, Enrolment):
    admin.site.unregister(model)


@admin.register(Participant)
class ParticipantAdmin(ExportActionsMixin, lifecycle_admin.ParticipantAdmin):
    actions = [export_csv, export_xlsx, export_pdf, export_subject_data]

    def has_personal_data_permission(self, request):
        return request.user.has_perm("participants.view_personal_data")

    def selected_exporter(self, request, queryset, note):
        """The selected participants' training history."""
        return HistoryExporter(
            user=request.user,
            enrolments=EnrolmentResult.objects.filter(participant__in=queryset.values("pk")),
            origin=ExportOrigin.ADMIN,
            note=note,
        )


@admin.register(Enrolment)
class EnrolmentAdmin(ExportActionsMixin, lifecycle_admin.EnrolmentAdmin):
    actions = [*lifecycle_admin.EnrolmentAdmin.actions, export_csv, export_xlsx, export_pdf]

    def selected_exporter(self, request, queryset, note):
        return EnrolmentsExporter(
            user=request.user,
            enrolments=EnrolmentResult.objects.filter(pk__in=queryset.values("pk")),
            origin=ExportOrigin.ADMIN,
            note=note,
        )
