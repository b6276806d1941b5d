"""The administrators' tool for participants, enrolments, change projects, liaisons and imports.

The lifecycle and reports apps extend the Participant, Enrolment and ChangeProject admins registered here
(inlines, actions) by registering subclasses of them: a lower layer never imports an upper one.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from participants import imports
from participants.access import can_see_personal_data, scope_institutions
from participants.admin_support import PersonalDataAdminMixin, enrolment_search
from participants.forms import ImportUploadForm
from participants.models import (
    SEAT_STATUSES,
    ChangeProject,
    ChangeProjectStage,
    Enrolment,
    EnrolmentStatus,
    ImportBatch,
    ImportStatus,
    Liaison,
    Milestone,
    Participant,
    PersonalDataAccess,
    check_capacity_not_below_seats,
)
from participants.services import change_enrolment_status
from programs.admin import InstitutionAdmin as BaseInstitutionAdmin
from programs.admin import ProgramAdmin as BaseProgramAdmin
from programs.models import Institution, Program
from trainingtracker.admin_site import BigTableAdminMixin, ReadOnlyAdminMixin, TabularInline

STAGE_LABELS = dict(ChangeProjectStage.choices)


class EnrolmentOfParticipantInline(TabularInline):
    model = Enrolment
    fk_name = "participant"
    extra = 0
    autocomplete_fields = ["program"]
    fields = ["program", "status", "note"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("program")


class EnrolmentActionForm(helpers.ActionForm):
    status = forms.ChoiceField(
        label=_("new status"), choices=[("", "---------"), *EnrolmentStatus.choices], required=False
    )
    note = forms.CharField(label=_("note (graduation decisions)"), max_length=255, required=False)


@admin.action(description=_("Change the status of the selected enrolments"), permissions=["change"])
def set_status(modeladmin, request, queryset):
    status = request.POST.get("status", "")
    if status not in EnrolmentStatus.values:
        modeladmin.message_user(request, _("Choose the new status beside the action."), messages.ERROR)
        return
    changed, refused = change_enrolment_status(enrolments=queryset, status=status, user=request.user)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d enrolment now has the status %(status)s.",
            "%(count)d enrolments now have the status %(status)s.",
            changed,
        )
        % {"count": changed, "status": EnrolmentStatus(status).label},
        messages.SUCCESS,
    )
    for enrolment, message in refused:
        modeladmin.message_user(request, f"{enrolment}: {message}", messages.ERROR)


class ProgramYearFilter(admin.SimpleListFilter):
    """The program's year, applied as the list of that year's program ids: PostgreSQL then reads the
    enrolments through their program index instead of joining the whole table to the programs (issue 7).
    A year that is not a number is refused as Django refuses any bad filter value (the list with ?e=1)."""

    title = _("year")
    parameter_name = "program__year"

    def lookups(self, request, model_admin):
        years = Program.objects.order_by("year").values_list("year", flat=True).distinct()
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            year = int(self.value())
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error
        return queryset.filter(
            program_id__in=list(Program.objects.filter(year=year).values_list("pk", flat=True))
        )


class SaveOnlyChangedMixin:
    """A change form whose values equal the stored ones (the page posted back as it was rendered) writes
    nothing: no save, no history row, the same updated_at. Django's admin saves the object on every valid
    post; its inline formsets already skip the rows whose forms did not change. The values are compared
    with the stored row, not the form's initial data: the history page's revert form starts from an
    earlier version."""

    def save_model(self, request, obj, form, change):
        if change and self.is_unchanged(obj):
            return
        super().save_model(request, obj, form, change)

    def is_unchanged(self, obj):
        names = [
            field.attname
            for field in obj._meta.get_fields()
            if field.concrete and not field.many_to_many and not getattr(field, "auto_now", False)
        ]
        # Participant and Enrolment both keep their default manager as `objects`.
        stored = self.model.objects.filter(pk=obj.pk).values(*names).first()
        return stored is not None and all(stored[name] == getattr(obj, name) for name in names)


@admin.register(Participant)
class ParticipantAdmin(PersonalDataAdminMixin, SaveOnlyChangedMixin, BigTableAdminMixin, SimpleHistoryAdmin):
    list_display = ["full_name", "nip_display", "gender", "rank", "position_level", "institution", "is_demo"]
    list_filter = ["is_demo", "gender", "rank", "position_level", "institution__kind"]
    search_fields = ["name", "nip", "institution__name", "email"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    inlines = [EnrolmentOfParticipantInline]
    participant_path = ""
    masked_columns = {"nip_display": "masked_nip"}
    personal_fields = ("nip", "birth_place", "birth_date", "email", "phone")

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "nip",
                    ("front_title", "name", "back_title"),
                    "gender",
                    ("birth_place", "birth_date"),
                ]
            },
        ),
        (_("Position"), {"fields": ["rank", "position", "position_level", "institution"]}),
        (_("Contact"), {"fields": ["email", "phone"]}),
        (_("Record"), {"fields": ["is_demo"]}),
    ]

    @admin.display(description=_("name"), ordering="name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description=_("NIP"), ordering="nip")
    def nip_display(self, obj):
        return obj.nip_display or "—"


@admin.register(Enrolment)
class EnrolmentAdmin(PersonalDataAdminMixin, SaveOnlyChangedMixin, BigTableAdminMixin, SimpleHistoryAdmin):
    list_display = ["participant_name", "nip", "institution", "program", "status", "stage"]
    list_filter = ["status", "program__program_type", ProgramYearFilter, "participant__is_demo"]
    search_fields = [
        "participant__name",
        "participant__nip",
        "participant__institution__name",
        "program__title",
    ]
    list_select_related = ["participant__institution", "program", "change_project"]
    autocomplete_fields = ["participant", "program"]
    action_form = EnrolmentActionForm
    actions = [set_status]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table
    participant_path = "participant"
    masked_columns = {"nip": "masked_nip"}

    def get_search_results(self, request, queryset, search_term):
        personal = can_see_personal_data(request.user)
        return enrolment_search(queryset, search_term, personal=personal), False

    @admin.display(description=_("participant"), ordering="participant__name")
    def participant_name(self, obj):
        return obj.participant.full_name

    @admin.display(description=_("NIP"))
    def nip(self, obj):
        return obj.participant.nip_display or "—"

    @admin.display(description=_("institution"))
    def institution(self, obj):
        return obj.participant.institution

    @admin.display(description=_("change project stage"))
    def stage(self, obj):
        project = getattr(obj, "change_project", None)
        # The label straight from the choices: get_stage_display() hashes every label, a row at a time.
        return str(STAGE_LABELS.get(project.stage, project.stage)) if project else "—"

    @admin.display(description=_("demo data"), boolean=True)
    def is_demo(self, obj):
        return obj.participant.is_demo


class MilestoneInline(TabularInline):
    model = Milestone
    extra = 0
    fields = [
        "order",
        "horizon",
        "activity",
        "responsible",
        "planned_start",
        "planned_end",
        "done_on",
        "output",
    ]


@admin.action(description=_("Move the selected change projects to the next stage"), permissions=["change"])
def advance_stage(modeladmin, request, queryset):
    stages = list(ChangeProjectStage.values)
    moved = 0
    for project in queryset:
        index = stages.index(project.stage)
        if index + 1 < len(stages):
            project.stage = stages[index + 1]
            project.save(update_fields=["stage", "updated_at"])
            moved += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d change project moved on.", "%(count)d change projects moved on.", moved)
        % {"count": moved},
        messages.SUCCESS,
    )


@admin.register(ChangeProject)
class ChangeProjectAdmin(PersonalDataAdminMixin, BigTableAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "participant_name",
        "program",
        "stage",
        "mentor",
        "coach",
        "milestone_count",
        "is_demo",
    ]
    list_filter = ["stage", "enrolment__program__program_type", "enrolment__program__year"]
    search_fields = ["title", "enrolment__participant__name", "enrolment__participant__nip"]
    list_select_related = ["enrolment__participant", "enrolment__program", "mentor", "coach"]
    autocomplete_fields = ["enrolment", "mentor", "coach", "examiners"]
    inlines = [MilestoneInline]

    actions = [advance_stage]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(milestones_total=Count("milestones"))

    @admin.display(description=_("participant"), ordering="enrolment__participant__name")
    def participant_name(self, obj):
        return obj.enrolment.participant.full_name

    @admin.display(description=_("program"))
    def program(self, obj):
        return obj.enrolment.program

    @admin.display(description=_("milestones"), ordering="milestones_total")
    def milestone_count(self, obj):
        return obj.milestones_total

    @admin.display(description=_("demo data"), boolean=True)
    def is_demo(self, obj):
        return obj.enrolment.participant.is_demo


@admin.register(Milestone)
class MilestoneAdmin(PersonalDataAdminMixin, BigTableAdminMixin, SimpleHistoryAdmin):
    list_display = ["activity", "change_project", "horizon", "planned_start", "planned_end", "done_on"]
    list_filter = ["horizon", "change_project__stage"]
    search_fields = ["activity", "change_project__title", "change_project__enrolment__participant__name"]
    list_select_related = ["change_project"]
    autocomplete_fields = ["change_project"]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table
    participant_path = "change_project__enrolment__participant"


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    list_display = ["user", "institution"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "institution__name"]
    list_select_related = ["user", "institution"]
    autocomplete_fields = ["user", "institution"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(PersonalDataAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who was shown whose personal data, when (exports are in the export log). Read-only: it is a record."""

    list_display = ["created_at", "user", "kind", "participant", "unmasked", "origin"]
    list_filter = ["kind", "unmasked", "origin"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "participant"]
    readonly_fields = ["created_at", "user", "kind", "participant", "unmasked", "origin"]
    fields = readonly_fields
    show_full_result_count = False
    participant_path = "participant"


ROW_ACTION_LABELS = {
    imports.RowAction.NEW: _("new"),
    imports.RowAction.UPDATE: _("update"),
    imports.RowAction.UNCHANGED: _("unchanged"),
    imports.RowAction.ERROR: _("error"),
}
PREVIEW_ROWS_SHOWN = 1000


@admin.register(ImportBatch)
class ImportBatchAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """The record of participant imports, and the upload, preview and confirmation pages."""

    list_display = [
        "created_at",
        "filename",
        "program",
        "user",
        "status",
        "row_count",
        "new_count",
        "updated_count",
        "unchanged_count",
        "refused_count",
    ]
    list_filter = ["status"]
    search_fields = ["filename", "program__title", "user__username"]
    list_select_related = ["program", "user"]
    readonly_fields = [
        "program",
        "user",
        "created_at",
        "finished_at",
        "filename",
        "file_size",
        "status",
        "row_count",
        "new_count",
        "updated_count",
        "unchanged_count",
        "refused_count",
        "problems",
        "confirmed_rows",
    ]
    fields = readonly_fields
    ordering = ["-pk"]  # the primary key index: no sort of the whole table
    change_list_template = "admin/participants/importbatch/change_list.html"

    def get_queryset(self, request):
        # The file's bytes and rows stay in the database until a preview or confirmation needs them.
        return super().get_queryset(request).defer("content", "table")

    @admin.display(description=_("file size"))
    def file_size(self, obj):
        return f"{len(obj.content or b'') / 1024:.1f} KB"

    def has_import_permission(self, request):
        return request.user.has_perm("participants.import_participants")

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.has_import_permission(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self.has_import_permission(request)

    def has_add_permission(self, request):
        return False  # through the upload page

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name=f"{info}_upload"),
            path("template.<str:fmt>", view(self.template_view), name=f"{info}_template"),
            path("<int:pk>/preview/", view(self.preview_view), name=f"{info}_preview"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def _check_import_permission(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied

    def _context(self, request, title, **context):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context}

    def template_view(self, request, fmt):
        self._check_import_permission(request)
        if fmt == "csv":
            response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            response = HttpResponse(
                imports.template_xlsx(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="participants-template.{fmt}"'
        return response

    def upload_view(self, request):
        self._check_import_permission(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            batch, _preview = imports.create_batch(
                program=form.cleaned_data["program"],
                user=request.user,
                filename=upload.name,
                content=upload.read(),
                max_bytes=imports.max_upload_bytes(),
            )
            return redirect(reverse("admin:participants_importbatch_preview", args=[batch.pk]))
        context = self._context(
            request,
            gettext("Import participants"),
            form=form,
            columns=imports.COLUMNS,
            blank_cells_help=imports.BLANK_CELLS_HELP,
            media=self.media + form.media,
        )
        return TemplateResponse(request, "admin/participants/importbatch/upload.html", context)

    def preview_view(self, request, pk):
        self._check_import_permission(request)
        # The rows as read (batch.table) serve the preview; the file's bytes are not needed.
        batch = get_object_or_404(
            ImportBatch.objects.select_related("program", "user").defer("content"), pk=pk
        )
        if request.method == "POST":
            if batch.status != ImportStatus.PREVIEW:
                self.message_user(request, gettext("This file was already handled."), messages.WARNING)
                return redirect(reverse("admin:participants_importbatch_preview", args=[batch.pk]))
            try:
                preview = imports.confirm_batch(batch=batch, confirmed=request.POST.getlist("confirm"))
            except imports.BatchHandled:
                self.message_user(request, gettext("This file was already handled."), messages.WARNING)
                return redirect(reverse("admin:participants_importbatch_preview", args=[batch.pk]))
            if batch.status == ImportStatus.IMPORTED:
                self.message_user(
                    request,
                    gettext("Imported %(file)s: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.")
                    % {
                        "file": batch.filename,
                        "new": batch.new_count,
                        "updated": batch.updated_count,
                        "unchanged": batch.unchanged_count,
                    },
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:participants_importbatch_change", args=[batch.pk]))
            if batch.status == ImportStatus.PREVIEW:  # identity changes left unticked
                self.message_user(request, preview.unconfirmed_message(), messages.ERROR)
            else:
                self.message_user(
                    request, gettext("Nothing was written; see the problems below."), messages.ERROR
                )
        elif batch.status == ImportStatus.IMPORTED:
            preview = None
        else:
            preview = imports.batch_preview(batch)
        rows = []
        if preview is not None:
            # Every refused row first, then those whose identity change needs a tick, then the others, up
            # to a page a browser can still show.
            ordered = sorted(
                preview.rows,
                key=lambda row: (row.action != imports.RowAction.ERROR, not row.identity_changes),
            )
            rows = [(row, ROW_ACTION_LABELS[row.action]) for row in ordered[:PREVIEW_ROWS_SHOWN]]
        context = self._context(
            request,
            gettext("Import preview: %(file)s") % {"file": batch.filename},
            batch=batch,
            preview=preview,
            counts=preview.counts if preview is not None else None,
            rows=rows,
            hidden_rows=max(len(preview.rows) - PREVIEW_ROWS_SHOWN, 0) if preview is not None else 0,
            can_confirm=batch.status == ImportStatus.PREVIEW
            and preview is not None
            and not preview.has_errors,
        )
        return TemplateResponse(request, "admin/participants/importbatch/preview.html", context)


admin.site.unregister(Institution)


@admin.register(Institution)
class InstitutionAdmin(PersonalDataAdminMixin, BaseInstitutionAdmin):
    """The programs app's admin, narrowed to the user's institutions (a liaison: theirs and those below)."""

    def scope_queryset(self, queryset, user):
        return scope_institutions(queryset, user)


admin.site.unregister(Program)


class ProgramForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        check_capacity_not_below_seats(self.instance)
        return cleaned


@admin.register(Program)
class ProgramAdmin(BaseProgramAdmin):
    """The programs app's admin with the seats: how many are taken, and a link to the program's enrolments.

    The enrolments are managed on their own list, filtered to the program (paged, searchable, with the
    status actions), not as an inline: a cohort of 52, or 500, rows would make the program's page
    thousands of pixels tall and slow to open."""

    form = ProgramForm

    list_display = [*BaseProgramAdmin.list_display, "seats"]
    readonly_fields = [*BaseProgramAdmin.readonly_fields, "enrolments"]
    fieldsets = [
        *BaseProgramAdmin.fieldsets[:2],
        (_("Participants"), {"fields": ["enrolments"]}),
        *BaseProgramAdmin.fieldsets[2:],
    ]

    @admin.display(description=_("enrolments"))
    def enrolments(self, obj):
        if obj.pk is None:
            return _("Save the program first; then enrol its participants.")
        # The program's figures, as its list's seats column shows them; the linked list keeps the user's scope.
        counts = Enrolment.objects.filter(program=obj).aggregate(
            total=Count("pk"), seats=Count("pk", filter=Q(status__in=SEAT_STATUSES))
        )
        listing = reverse("admin:participants_enrolment_changelist") + f"?program__id__exact={obj.pk}"
        adding = reverse("admin:participants_enrolment_add") + f"?program={obj.pk}"
        return format_html(
            '{} · <a href="{}">{}</a> · <a href="{}">{}</a>',
            ngettext(
                "%(total)d enrolment, %(seats)d of %(capacity)d seats taken",
                "%(total)d enrolments, %(seats)d of %(capacity)d seats taken",
                counts["total"],
            )
            % {**counts, "capacity": obj.capacity},
            listing,
            _("Manage the enrolments of this program"),
            adding,
            _("Enrol a participant"),
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(seats_filled=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES)))
        )

    @admin.display(description=_("seats"), ordering="seats_filled")
    def seats(self, obj):
        return f"{obj.seats_filled} / {obj.capacity}"
