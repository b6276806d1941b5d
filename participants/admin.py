from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    SEAT_STATUSES,
    ChangeProject,
    ChangeProjectStage,
    Enrolment,
    EnrolmentStatus,
    Liaison,
    Milestone,
    Participant,
)
from .services import change_enrolment_status


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


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["full_name", "nip_display", "gender", "rank", "position_level", "institution", "is_demo"]
    list_filter = ["is_demo", "gender", "rank", "position_level", "institution__kind"]
    search_fields = ["name", "nip", "institution__name", "email"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    inlines = [EnrolmentOfParticipantInline]
    show_full_result_count = False
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


class EnrolmentActionForm(ActionForm):
    status = forms.ChoiceField(
        label=_("new status"), choices=[("", "---------"), *EnrolmentStatus.choices], required=False
    )


@admin.action(description=_("Change the status of the selected enrolments"), permissions=["change"])
def set_status(modeladmin, request, queryset):
    status = request.POST.get("status", "")
    if status not in EnrolmentStatus.values:
        modeladmin.message_user(request, _("Choose the new status beside the action."), messages.ERROR)
        return
    changed, refused = change_enrolment_status(enrolments=queryset, status=status)
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


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["participant_name", "nip", "institution", "program", "status", "stage", "is_demo"]
    list_filter = ["status", "program__program_type", "program__year", "participant__is_demo"]
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
    show_full_result_count = False

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
        return project.get_stage_display() if project else "—"

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
class ChangeProjectAdmin(admin.ModelAdmin):
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
    show_full_result_count = False

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
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["activity", "change_project", "horizon", "planned_start", "planned_end", "done_on"]
    list_filter = ["horizon", "change_project__stage"]
    search_fields = ["activity", "change_project__title", "change_project__enrolment__participant__name"]
    list_select_related = ["change_project"]
    autocomplete_fields = ["change_project"]
    show_full_result_count = False


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    list_display = ["user", "institution"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "institution__name"]
    list_select_related = ["user", "institution"]
    autocomplete_fields = ["user", "institution"]
