from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from programs.models import Program
from trainingtracker.admin_lists import BigListAdminMixin, PlainActionForm

from . import imports
from .access import get_visible_participant
from .exports import EnrolmentsExporter, ExportTooLarge, HistoryExporter, PdfFontMissing
from .forms import ImportUploadForm
from .models import (
    GRADUATION_OUTCOMES,
    SEAT_STATUSES,
    Appointment,
    Attendance,
    AttendanceCorrection,
    Certificate,
    CertificateCounter,
    ChangeProject,
    ChangeProjectStage,
    Enrolment,
    EnrolmentStatus,
    EvaluationComponent,
    EvaluationScore,
    ExportLog,
    ExportOrigin,
    GraduationDecision,
    ImportBatch,
    ImportStatus,
    Liaison,
    Milestone,
    Participant,
    PersonalDataAccess,
    PersonalDataAccessKind,
    ProgramTypeRules,
    Qualification,
    Seminar,
    SeminarAspect,
    SeminarScore,
)
from .privacy import log_access, subject_archive, subject_archive_name
from .services import (
    change_enrolment_status,
    check_graduation,
    decide_graduation,
    issue_certificates,
    reissue_certificate,
    revoke_certificate,
)


class ReadOnlyAdminMixin:
    """For records: they are listed and read in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


STAGE_LABELS = dict(ChangeProjectStage.choices)


class EnrolmentInlineFormSet(forms.BaseInlineFormSet):
    """Counts the seats the whole submission takes, not only each row against what is saved already."""

    def clean(self):
        super().clean()
        program = self.instance
        if not getattr(program, "pk", None) or not hasattr(program, "capacity"):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("status")
        ]
        in_form = {form.instance.pk for form in kept if form.instance.pk}
        deleted = {form.instance.pk for form in self.deleted_forms if form.instance.pk}
        taken_elsewhere = (
            Enrolment.objects.filter(program=program)
            .holding_seats()
            .exclude(pk__in=in_form | deleted)
            .count()
        )
        taken = taken_elsewhere + sum(1 for form in kept if form.cleaned_data["status"] in SEAT_STATUSES)
        if taken > program.capacity:
            raise ValidationError(
                _("The program has %(capacity)d seats; these enrolments would take %(taken)d."),
                code="program_full",
                params={"capacity": program.capacity, "taken": taken},
            )


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    formset = EnrolmentInlineFormSet
    extra = 0
    autocomplete_fields = ["participant"]
    fields = ["participant", "status", "note"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("participant")


class EnrolmentOfParticipantInline(admin.TabularInline):
    model = Enrolment
    fk_name = "participant"
    extra = 0
    autocomplete_fields = ["program"]
    fields = ["program", "status", "note"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("program")


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
        except (ExportTooLarge, PdfFontMissing) as error:
            message = (
                str(error)
                if isinstance(error, ExportTooLarge)
                else gettext(
                    "PDF reports cannot be made on this server at the moment (a font is missing). Choose CSV or XLSX."
                )
            )
            self.message_user(request, message, messages.ERROR)
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
    archive = subject_archive(
        participant,
        url_for=lambda certificate: request.build_absolute_uri(certificate.get_verification_url()),
    )
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


@admin.register(Participant)
class ParticipantAdmin(BigListAdminMixin, ExportActionsMixin, SimpleHistoryAdmin):
    list_display = ["full_name", "nip_display", "gender", "rank", "position_level", "institution", "is_demo"]
    list_filter = ["is_demo", "gender", "rank", "position_level", "institution__kind"]
    search_fields = ["name", "nip", "institution__name", "email"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    inlines = [EnrolmentOfParticipantInline]
    actions = [export_csv, export_xlsx, export_pdf, export_subject_data]

    def get_inlines(self, request, obj):
        return [EnrolmentOfParticipantInline, AppointmentInline]

    def has_personal_data_permission(self, request):
        return request.user.has_perm("participants.view_personal_data")

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

    def selected_exporter(self, request, queryset, note):
        """The selected participants' training history."""
        return HistoryExporter(
            user=request.user,
            enrolments=Enrolment.objects.filter(participant__in=queryset.values("pk")),
            origin=ExportOrigin.ADMIN,
            note=note,
        )


class EnrolmentActionForm(PlainActionForm):
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


@admin.action(
    description=_("Record a graduation decision (the new status is the outcome)"), permissions=["change"]
)
def record_graduation(modeladmin, request, queryset):
    outcome = request.POST.get("status", "")
    if outcome not in GRADUATION_OUTCOMES:
        modeladmin.message_user(
            request, _("Choose the outcome as the new status beside the action."), messages.ERROR
        )
        return
    decided = 0
    for enrolment in queryset.select_related("participant", "program"):
        try:
            decide_graduation(
                enrolment=enrolment,
                outcome=outcome,
                decided_by=request.user,
                note=request.POST.get("note", ""),
            )
        except ValidationError as error:
            modeladmin.message_user(request, f"{enrolment}: {' '.join(error.messages)}", messages.ERROR)
        else:
            decided += 1
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d graduation decision recorded.", "%(count)d graduation decisions recorded.", decided
        )
        % {"count": decided},
        messages.SUCCESS,
    )


@admin.action(
    description=_("Issue certificates (STTP) to the selected passed enrolments"), permissions=["change"]
)
def issue_selected_certificates(modeladmin, request, queryset):
    if not request.user.has_perm("participants.add_certificate"):
        modeladmin.message_user(request, _("You may not issue certificates."), messages.ERROR)
        return
    try:
        issued = issue_certificates(enrolments=queryset, issued_by=request.user)
    except ValidationError as error:
        modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        return
    modeladmin.message_user(
        request,
        ngettext("%(count)d certificate issued.", "%(count)d certificates issued.", len(issued))
        % {"count": len(issued)},
        messages.SUCCESS,
    )


class EvaluationScoreInline(admin.TabularInline):
    model = EvaluationScore
    extra = 0
    fields = ["component", "score"]

    def get_formset(self, request, obj=None, **kwargs):
        self._enrolment = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        enrolment = getattr(self, "_enrolment", None)
        if db_field.name == "component" and enrolment is not None:
            kwargs["queryset"] = EvaluationComponent.objects.filter(
                program_type=enrolment.program.program_type_id
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    """History rows: shown, never edited or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class GraduationDecisionInline(ReadOnlyInline):
    model = GraduationDecision
    fields = [
        "decided_at",
        "outcome",
        "final_score",
        "qualification",
        "attendance_rate",
        "note",
        "decided_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by")


class CertificateInline(ReadOnlyInline):
    model = Certificate
    fk_name = "enrolment"
    fields = ["number", "issued_on", "qualification", "revoked_at", "revocation_reason"]
    readonly_fields = fields


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


# A word matching more participants than this, or shorter than a trigram, is searched as Django does.
SEARCH_ID_LIMIT = 5_000


def enrolment_search(queryset, search_term):
    """Django's admin search over the participant's name, NIP and institution and the program's title (each
    word in one of them; a quoted phrase is one word), read through indexes: the participants and programs a
    word matches are looked up first (trigram indexes on PostgreSQL, participants/migrations/0009), then the
    enrolments by their participant and program indexes: two queries a word. A word of one or two letters,
    or one matching more than SEARCH_ID_LIMIT participants, joins the tables in the list's query as Django's
    own search does (a list of ids that long costs more to send and plan than the join)."""
    for word in smart_split(search_term):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        if not word:
            continue
        joined = (
            Q(participant__name__icontains=word)
            | Q(participant__nip__icontains=word)
            | Q(participant__institution__name__icontains=word)
            | Q(program__title__icontains=word)
        )
        if len(word) < 3:
            queryset = queryset.filter(joined)
            continue
        found = Participant.objects.order_by().values_list("pk", flat=True)
        participants = list(
            found.filter(name__icontains=word)
            .union(found.filter(nip__icontains=word), found.filter(institution__name__icontains=word))
            .order_by()[: SEARCH_ID_LIMIT + 1]  # order_by(): the model's ordering names an unselected column
        )
        if len(participants) > SEARCH_ID_LIMIT:
            queryset = queryset.filter(joined)
            continue
        programs = list(Program.objects.filter(title__icontains=word).values_list("pk", flat=True))
        if not participants and not programs:
            return queryset.none()
        queryset = queryset.filter(Q(participant_id__in=participants) | Q(program_id__in=programs))
    return queryset


@admin.register(Enrolment)
class EnrolmentAdmin(BigListAdminMixin, ExportActionsMixin, SimpleHistoryAdmin):
    list_display = ["participant_name", "nip", "institution", "program", "status", "stage", "is_demo"]
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
    actions = [
        set_status,
        record_graduation,
        issue_selected_certificates,
        export_csv,
        export_xlsx,
        export_pdf,
    ]
    inlines = [EvaluationScoreInline, GraduationDecisionInline, CertificateInline]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table

    def get_search_results(self, request, queryset, search_term):
        return enrolment_search(queryset, search_term), False

    def selected_exporter(self, request, queryset, note):
        return EnrolmentsExporter(
            user=request.user,
            enrolments=Enrolment.objects.filter(pk__in=queryset.values("pk")),
            origin=ExportOrigin.ADMIN,
            note=note,
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is EvaluationScore:
            for score_form in formset.forms:
                if score_form.has_changed():
                    score_form.instance.entered_by = request.user
        super().save_formset(request, form, formset, change)

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


class MilestoneInline(admin.TabularInline):
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
class ChangeProjectAdmin(BigListAdminMixin, SimpleHistoryAdmin):
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

    def get_inlines(self, request, obj):
        return [MilestoneInline, SeminarInline]

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
class MilestoneAdmin(BigListAdminMixin, SimpleHistoryAdmin):
    list_display = ["activity", "change_project", "horizon", "planned_start", "planned_end", "done_on"]
    list_filter = ["horizon", "change_project__stage"]
    search_fields = ["activity", "change_project__title", "change_project__enrolment__participant__name"]
    list_select_related = ["change_project"]
    autocomplete_fields = ["change_project"]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    list_display = ["user", "institution"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "institution__name"]
    list_select_related = ["user", "institution"]
    autocomplete_fields = ["user", "institution"]


# The training lifecycle ----------------------------------------------------------------------------------


class ProgramTypeRulesInline(admin.StackedInline):
    model = ProgramTypeRules
    can_delete = False
    max_num = 1


class EvaluationComponentInline(admin.TabularInline):
    model = EvaluationComponent
    extra = 0
    fields = ["order", "name", "weight"]


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0
    fields = ["label", "min_score", "passes"]


class SeminarAspectInline(admin.TabularInline):
    model = SeminarAspect
    extra = 0
    fields = ["kind", "order", "name", "weight"]


# Shown on the program type's page in the programs admin, beside its curriculum.
PROGRAM_TYPE_INLINES = [
    ProgramTypeRulesInline,
    EvaluationComponentInline,
    QualificationInline,
    SeminarAspectInline,
]


@admin.register(ProgramTypeRules)
class ProgramTypeRulesAdmin(admin.ModelAdmin):
    list_display = [
        "program_type",
        "minimum_attendance",
        "target_position_level",
        "certificate_number_format",
        "signer_name",
        "signer_position",
    ]
    list_filter = ["target_position_level"]
    search_fields = ["program_type__name", "program_type__abbreviation", "signer_name"]
    list_select_related = ["program_type"]


@admin.register(EvaluationComponent)
class EvaluationComponentAdmin(admin.ModelAdmin):
    list_display = ["name", "program_type", "weight", "order"]
    list_filter = ["program_type"]
    search_fields = ["name", "program_type__abbreviation"]
    list_select_related = ["program_type"]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["label", "program_type", "min_score", "passes"]
    list_filter = ["program_type", "passes"]
    search_fields = ["label", "program_type__abbreviation"]
    list_select_related = ["program_type"]


@admin.register(SeminarAspect)
class SeminarAspectAdmin(admin.ModelAdmin):
    list_display = ["name", "program_type", "kind", "weight", "order"]
    list_filter = ["program_type", "kind"]
    search_fields = ["name", "program_type__abbreviation"]
    list_select_related = ["program_type"]


class AttendanceCorrectionInline(ReadOnlyInline):
    model = AttendanceCorrection
    show_change_link = False
    fields = ["corrected_at", "previous_status", "previous_reason", "status", "reason", "why", "corrected_by"]
    readonly_fields = fields


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdminMixin, BigListAdminMixin, SimpleHistoryAdmin):
    """Read-only: attendance is recorded and corrected (with a reason) on the session's attendance page."""

    list_display = ["session", "participant_name", "status", "reason", "recorded_at", "recorded_by"]
    list_filter = ["status", "session__mode", "session__program__program_type", "session__program__year"]
    search_fields = [
        "enrolment__participant__name",
        "enrolment__participant__nip",
        "session__title",
        "reason",
    ]
    list_select_related = ["session__subject", "session__agenda", "enrolment__participant", "recorded_by"]
    autocomplete_fields = ["session", "enrolment"]
    date_hierarchy = "session__date"
    inlines = [AttendanceCorrectionInline]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table

    @admin.display(description=_("participant"), ordering="enrolment__participant__name")
    def participant_name(self, obj):
        return obj.enrolment.participant.full_name


@admin.register(AttendanceCorrection)
class AttendanceCorrectionAdmin(ReadOnlyAdminMixin, BigListAdminMixin, SimpleHistoryAdmin):
    list_display = ["attendance", "previous_status", "status", "why", "corrected_by", "corrected_at"]
    list_filter = ["status", "previous_status"]
    search_fields = ["attendance__enrolment__participant__name", "why"]
    list_select_related = [
        "attendance__session__subject",
        "attendance__session__agenda",
        "corrected_by",
    ]
    autocomplete_fields = ["attendance"]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table


class SeminarScoreInline(admin.TabularInline):
    model = SeminarScore
    extra = 0
    autocomplete_fields = ["examiner", "aspect"]
    fields = ["examiner", "aspect", "score"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("examiner", "aspect")


class SeminarInline(admin.TabularInline):
    model = Seminar
    extra = 0
    fields = ["kind", "date", "decision", "mentor_present", "coach_present"]
    show_change_link = True


@admin.register(Seminar)
class SeminarAdmin(BigListAdminMixin, admin.ModelAdmin):
    list_display = [
        "change_project",
        "participant_name",
        "kind",
        "date",
        "score",
        "decision",
        "mentor_present",
        "coach_present",
    ]
    list_filter = [
        "kind",
        "decision",
        "change_project__enrolment__program__program_type",
        "change_project__enrolment__program__year",
    ]
    search_fields = ["change_project__title", "change_project__enrolment__participant__name", "notes"]
    list_select_related = ["change_project__enrolment__participant"]
    autocomplete_fields = ["change_project", "examiners"]
    date_hierarchy = "date"
    inlines = [SeminarScoreInline]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("scores__aspect")

    @admin.display(description=_("participant"), ordering="change_project__enrolment__participant__name")
    def participant_name(self, obj):
        return obj.change_project.enrolment.participant.full_name

    @admin.display(description=_("score"))
    def score(self, obj):
        return obj.score if obj.score is not None else "—"


@admin.register(EvaluationScore)
class EvaluationScoreAdmin(BigListAdminMixin, SimpleHistoryAdmin):
    list_display = ["participant_name", "program", "component", "score", "entered_by", "updated_at"]
    list_filter = ["component__program_type", "component", "enrolment__program__year"]
    search_fields = ["enrolment__participant__name", "enrolment__participant__nip", "component__name"]
    list_select_related = ["enrolment__participant", "enrolment__program", "component", "entered_by"]
    autocomplete_fields = ["enrolment", "component"]
    readonly_fields = ["entered_by", "updated_at"]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("participant"), ordering="enrolment__participant__name")
    def participant_name(self, obj):
        return obj.enrolment.participant.full_name

    @admin.display(description=_("program"))
    def program(self, obj):
        return obj.enrolment.program


class GraduationDecisionForm(forms.ModelForm):
    class Meta:
        model = GraduationDecision
        fields = ["enrolment", "outcome", "note"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("enrolment") and cleaned.get("outcome"):
            check_graduation(
                enrolment=cleaned["enrolment"], outcome=cleaned["outcome"], note=cleaned.get("note")
            )
        return cleaned


@admin.register(GraduationDecision)
class GraduationDecisionAdmin(BigListAdminMixin, SimpleHistoryAdmin):
    """Append-only: a new decision is added (it becomes the current one); earlier ones stay as they were."""

    form = GraduationDecisionForm
    list_display = [
        "participant_name",
        "program",
        "outcome",
        "final_score",
        "qualification",
        "attendance_rate",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["outcome", "enrolment__program__program_type", "enrolment__program__year"]
    search_fields = ["enrolment__participant__name", "enrolment__participant__nip", "note"]
    list_select_related = ["enrolment__participant", "enrolment__program", "decided_by"]
    autocomplete_fields = ["enrolment"]
    date_hierarchy = "decided_at"
    ordering = ["-pk"]  # the primary key index: no sort of the whole table

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["enrolment", "outcome", "note"]
        return [
            "enrolment",
            "outcome",
            "final_score",
            "qualification",
            "attendance_rate",
            "change_project_stage",
            "results_seminar_decision",
            "note",
            "decided_by",
            "decided_at",
        ]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        decision = decide_graduation(
            enrolment=obj.enrolment, outcome=obj.outcome, decided_by=request.user, note=obj.note
        )
        obj.pk, obj.decided_at, obj.decided_by = decision.pk, decision.decided_at, decision.decided_by

    @admin.display(description=_("participant"), ordering="enrolment__participant__name")
    def participant_name(self, obj):
        return obj.enrolment.participant.full_name

    @admin.display(description=_("program"))
    def program(self, obj):
        return obj.enrolment.program


@admin.register(CertificateCounter)
class CertificateCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: numbers are taken by issuing certificates, never set by hand (the sequence has no gaps)."""

    list_display = ["organiser", "year", "last_number"]
    list_filter = ["year"]
    search_fields = ["organiser__name"]
    list_select_related = ["organiser"]


class CertificateActionForm(PlainActionForm):
    reason = forms.CharField(label=_("reason"), max_length=255, required=False)


def _change_certificates(modeladmin, request, queryset, *, reissue):
    reason = request.POST.get("reason", "").strip()
    if not reason:
        modeladmin.message_user(request, _("Give the reason beside the action."), messages.ERROR)
        return
    changed = 0
    for certificate in queryset.select_related("enrolment"):
        try:
            if reissue:
                reissue_certificate(certificate=certificate, reason=reason, issued_by=request.user)
            else:
                revoke_certificate(certificate=certificate, reason=reason, revoked_by=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, f"{certificate}: {' '.join(error.messages)}", messages.ERROR)
        else:
            changed += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d certificate changed.", "%(count)d certificates changed.", changed)
        % {"count": changed},
        messages.SUCCESS,
    )


@admin.action(description=_("Revoke the selected certificates"), permissions=["change"])
def revoke_certificates(modeladmin, request, queryset):
    _change_certificates(modeladmin, request, queryset, reissue=False)


@admin.action(
    description=_("Reissue the selected certificates (revoke and issue anew)"), permissions=["change"]
)
def reissue_certificates(modeladmin, request, queryset):
    _change_certificates(modeladmin, request, queryset, reissue=True)


@admin.register(Certificate)
class CertificateAdmin(BigListAdminMixin, SimpleHistoryAdmin):
    """Issued through the services (gap-free numbers); here they are read, revoked or reissued."""

    list_display = [
        "number",
        "participant_name",
        "program",
        "issued_on",
        "qualification",
        "is_valid",
        "revoked_at",
    ]
    list_filter = [
        ("revoked_at", admin.EmptyFieldListFilter),
        "year",
        "enrolment__program__program_type",
    ]
    search_fields = ["number", "enrolment__participant__name", "enrolment__participant__nip"]
    list_select_related = ["enrolment__participant", "enrolment__program"]
    autocomplete_fields = ["enrolment"]
    date_hierarchy = "issued_on"
    action_form = CertificateActionForm
    actions = [revoke_certificates, reissue_certificates]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table
    exclude = ["token"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Certificate._meta.fields if field.name != "token"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("participant"), ordering="enrolment__participant__name")
    def participant_name(self, obj):
        return obj.enrolment.participant.full_name

    @admin.display(description=_("program"))
    def program(self, obj):
        return obj.enrolment.program

    @admin.display(description=_("valid"), boolean=True)
    def is_valid(self, obj):
        return obj.is_valid


class AppointmentInline(admin.TabularInline):
    model = Appointment
    extra = 0
    autocomplete_fields = ["institution"]
    fields = ["appointed_on", "position", "position_level", "institution", "note"]


@admin.register(Appointment)
class AppointmentAdmin(BigListAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "position", "position_level", "institution", "appointed_on"]
    list_filter = ["position_level", "participant__is_demo"]
    search_fields = ["participant__name", "participant__nip", "position", "institution__name"]
    list_select_related = ["participant", "institution"]
    autocomplete_fields = ["participant", "institution"]
    date_hierarchy = "appointed_on"
    ordering = ["-pk"]  # the primary key index: no sort of the whole table


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, BigListAdminMixin, admin.ModelAdmin):
    """Who exported which participant data, when and with which filters. Read-only: it is a record."""

    list_display = ["created_at", "user", "dataset", "format", "origin", "row_count", "filters"]
    list_filter = ["dataset", "format", "origin"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    readonly_fields = ["created_at", "user", "dataset", "format", "origin", "filters", "row_count"]
    fields = readonly_fields
    ordering = ["-pk"]  # the primary key index: no sort of the whole table


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who was shown whose personal data, when (exports are in the export log). Read-only: it is a record."""

    list_display = ["created_at", "user", "kind", "participant", "unmasked", "origin"]
    list_filter = ["kind", "unmasked", "origin"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "participant"]
    readonly_fields = ["created_at", "user", "kind", "participant", "unmasked", "origin"]
    fields = readonly_fields
    show_full_result_count = False


ROW_ACTION_LABELS = {
    imports.RowAction.NEW: _("new"),
    imports.RowAction.UPDATE: _("update"),
    imports.RowAction.UNCHANGED: _("unchanged"),
    imports.RowAction.ERROR: _("error"),
}
PREVIEW_ROWS_SHOWN = 1000


@admin.register(ImportBatch)
class ImportBatchAdmin(BigListAdminMixin, admin.ModelAdmin):
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
    ]
    fields = readonly_fields
    ordering = ["-pk"]  # the primary key index: no sort of the whole table
    change_list_template = "admin/participants/importbatch/change_list.html"

    def get_queryset(self, request):
        # The file's bytes stay in the database until a preview or confirmation needs them.
        return super().get_queryset(request).defer("content")

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
            media=self.media + form.media,
        )
        return TemplateResponse(request, "admin/participants/importbatch/upload.html", context)

    def preview_view(self, request, pk):
        self._check_import_permission(request)
        batch = get_object_or_404(ImportBatch.objects.select_related("program", "user"), pk=pk)
        if request.method == "POST":
            if batch.status != ImportStatus.PREVIEW:
                self.message_user(request, gettext("This file was already handled."), messages.WARNING)
                return redirect(reverse("admin:participants_importbatch_preview", args=[batch.pk]))
            try:
                preview = imports.confirm_batch(batch=batch)
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
            self.message_user(
                request, gettext("Nothing was written; see the problems below."), messages.ERROR
            )
        elif batch.status == ImportStatus.IMPORTED:
            preview = None
        else:
            preview = imports.batch_preview(batch)
        rows = []
        if preview is not None:
            # Every refused row first, then the others, up to a page a browser can still show.
            ordered = sorted(preview.rows, key=lambda row: row.action != imports.RowAction.ERROR)
            rows = [(row, ROW_ACTION_LABELS[row.action]) for row in ordered[:PREVIEW_ROWS_SHOWN]]
        context = self._context(
            request,
            gettext("Import preview: %(file)s") % {"file": batch.filename},
            batch=batch,
            preview=preview,
            counts=preview.counts if preview is not None else None,
            rows=rows,
            hidden_rows=max(len(preview.rows) - PREVIEW_ROWS_SHOWN, 0) if preview is not None else 0,
            can_confirm=batch.status == ImportStatus.PREVIEW and preview is not None and preview.is_valid,
        )
        return TemplateResponse(request, "admin/participants/importbatch/preview.html", context)
