from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from programs.models import (
    Agenda,
    CurriculumRules,
    EvaluationComponent,
    Institution,
    Person,
    Program,
    ProgramRole,
    ProgramStatus,
    ProgramType,
    ProgramTypeRules,
    Qualification,
    SeminarAspect,
    Session,
    Source,
    Subject,
)
from trainingtracker.admin_site import BigTableAdminMixin, LabelledModelFormSet, TabularInline


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["publisher", "dateline", "published_on", "headline"]
    list_filter = ["publisher"]
    search_fields = ["publisher", "headline", "dateline"]
    date_hierarchy = "published_on"


class CurriculumRulesInline(admin.StackedInline):
    model = CurriculumRules
    can_delete = False
    min_num = 0
    max_num = 1


class AgendaInline(TabularInline):
    model = Agenda
    extra = 0
    fields = ["number", "name"]
    show_change_link = True


# The rules of a program type ------------------------------------------------------------------------------


class ProgramTypeRulesInline(admin.StackedInline):
    model = ProgramTypeRules
    can_delete = False
    max_num = 1


class EvaluationComponentInline(TabularInline):
    model = EvaluationComponent
    extra = 0
    fields = ["order", "name", "weight"]


class QualificationInline(TabularInline):
    model = Qualification
    extra = 0
    fields = ["label", "min_score", "passes"]


class SeminarAspectInline(TabularInline):
    model = SeminarAspect
    extra = 0
    fields = ["kind", "order", "name", "weight"]


@admin.register(ProgramType)
class ProgramTypeAdmin(admin.ModelAdmin):
    list_display = ["abbreviation", "name", "target_position", "former_echelon", "product_name", "order"]
    list_editable = ["order"]
    list_filter = ["product_name"]
    search_fields = ["name", "abbreviation", "code"]

    inlines = [
        CurriculumRulesInline,
        AgendaInline,
        ProgramTypeRulesInline,
        EvaluationComponentInline,
        QualificationInline,
        SeminarAspectInline,
    ]

    def get_changelist_formset(self, request, **kwargs):
        # The list's order inputs are named after their column (LabelledModelFormSet).
        return super().get_changelist_formset(request, formset=LabelledModelFormSet, **kwargs)


class SubjectInline(TabularInline):
    model = Subject
    extra = 0
    fields = ["order", "name"]


@admin.register(Agenda)
class AgendaAdmin(admin.ModelAdmin):
    list_display = ["program_type", "number", "name", "subject_count"]
    list_filter = ["program_type"]
    search_fields = ["name", "program_type__abbreviation", "subjects__name"]
    list_select_related = ["program_type"]
    inlines = [SubjectInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(subjects_total=Count("subjects"))

    @admin.display(description=_("subjects"), ordering="subjects_total")
    def subject_count(self, obj):
        return obj.subjects_total


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "agenda", "order"]
    list_filter = ["agenda__program_type"]
    search_fields = ["name", "agenda__name"]
    list_select_related = ["agenda__program_type"]
    autocomplete_fields = ["agenda"]


@admin.register(Session)
class SessionAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = [
        "date",
        "start_time",
        "end_time",
        "program",
        "agenda_number",
        "label",
        "jp",
        "mode",
        "facilitator",
        "is_demo",
    ]
    list_filter = ["mode", "program__program_type", "program__year", "agenda__number", "is_demo"]
    search_fields = ["title", "subject__name", "agenda__name", "program__title", "facilitator__name"]
    list_select_related = ["program", "agenda", "subject", "facilitator"]
    autocomplete_fields = ["program", "agenda", "subject", "facilitator"]
    date_hierarchy = "date"
    ordering = ["-pk"]  # the primary key index: no sort of the whole table
    fields = [
        "program",
        "date",
        ("start_time", "end_time"),
        "agenda",
        "subject",
        "title",
        "jp",
        "mode",
        "facilitator",
        "place",
        "is_demo",
    ]

    @admin.display(description=_("agenda"), ordering="agenda__number")
    def agenda_number(self, obj):
        return obj.agenda.number if obj.agenda_id else "—"

    @admin.display(description=_("session"))
    def label(self, obj):
        return obj.label


@admin.register(Institution)
class InstitutionAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "code", "kind", "province", "parent", "is_demo"]
    list_filter = ["kind", "province", "is_demo"]
    search_fields = ["name", "short_name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Person)
class PersonAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ["full_name", "position", "institution", "is_demo"]
    list_filter = ["is_demo", "institution__kind"]
    search_fields = ["name", "position", "institution__name"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]

    @admin.display(description=_("name"), ordering="name")
    def full_name(self, obj):
        return obj.full_name


class ProgramStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ProgramStatus.choices

    def queryset(self, request, queryset):
        if self.value() in ProgramStatus.values:
            return queryset.with_status(self.value())
        return queryset


class ProgramRoleInline(TabularInline):
    model = ProgramRole
    extra = 0
    autocomplete_fields = ["person", "source"]
    fields = ["role", "person", "date", "place", "note", "source"]


@admin.register(ProgramRole)
class ProgramRoleAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "program", "date", "place"]
    list_filter = ["role", "program__program_type", "program__year"]
    search_fields = ["person__name", "program__title", "note"]
    list_select_related = ["person", "program"]
    autocomplete_fields = ["program", "person", "source"]


@admin.register(Program)
class ProgramAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "program_type",
        "cohort",
        "year",
        "organiser",
        "start_date",
        "end_date",
        "status_display",
    ]
    list_filter = [ProgramStatusFilter, "program_type", "year", "cancelled", "classical", "non_classical"]
    search_fields = ["title", "organiser__name", "venue"]
    list_select_related = ["program_type", "organiser"]
    autocomplete_fields = ["organiser", "source"]
    date_hierarchy = "start_date"
    readonly_fields = ["end_date", "created_at", "updated_at"]
    show_full_result_count = False
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "program_type",
                    "title",
                    "year",
                    "angkatan",
                    "class_name",
                    "organiser",
                    "venue",
                    "time_zone",
                ]
            },
        ),
        (_("Schedule"), {"fields": ["start_date", "duration_days", "end_date", "capacity", "cancelled"]}),
        (_("Learning"), {"fields": ["classical", "non_classical", "purpose"]}),
        (_("Source"), {"fields": ["source", "created_at", "updated_at"]}),
    ]

    inlines = [ProgramRoleInline]

    @admin.display(description=_("angkatan"), ordering="angkatan")
    def cohort(self, obj):
        return obj.cohort_label or "—"

    @admin.display(description=_("status"))
    def status_display(self, obj):
        return obj.status.label


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
