"""The administrators' tool for the training lifecycle: attendance (read-only, entered on its page),
seminars, evaluation scores, graduation decisions, certificates and alumni appointments.

It extends the participants app's Participant, Enrolment and ChangeProject admins with the lifecycle's
inlines and actions, by registering subclasses of them.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from lifecycle.models import (
    GRADUATION_OUTCOMES,
    Appointment,
    Attendance,
    AttendanceCorrection,
    Certificate,
    CertificateCounter,
    EvaluationScore,
    GraduationDecision,
    Seminar,
    SeminarDecision,
    SeminarScore,
)
from lifecycle.services import (
    check_graduation,
    decide_graduation,
    issue_certificates,
    reissue_certificate,
    revoke_certificate,
    update_project_stage,
)
from participants import admin as participants_admin
from participants.admin_support import PersonalDataAdminMixin
from participants.models import ChangeProject, Enrolment, EnrolmentStatus, Participant
from programs.models import EvaluationComponent, SeminarKind
from trainingtracker.admin_site import BigTableAdminMixin, ReadOnlyAdminMixin, ReadOnlyInline, TabularInline


class GraduationActionForm(participants_admin.EnrolmentActionForm):
    """The enrolment list's action bar, with the override of the graduation rules for record_graduation."""

    override = forms.BooleanField(label=_("override the graduation rules"), required=False)
    override_reason = forms.CharField(label=_("reason for the override"), max_length=255, required=False)


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
    override = forms.CheckboxInput().value_from_datadict(request.POST, {}, "override")
    decided = 0
    for enrolment in queryset.select_related("participant", "program"):
        try:
            decide_graduation(
                enrolment=enrolment,
                outcome=outcome,
                decided_by=request.user,
                note=request.POST.get("note", ""),
                override=override,
                override_reason=request.POST.get("override_reason", ""),
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
        messages.SUCCESS if decided else messages.WARNING,
    )


@admin.action(description=_("Change the status of the selected enrolments"), permissions=["change"])
def set_status(modeladmin, request, queryset):
    """The participants app's set_status, except to "passed": that is a graduation decision, which
    record_graduation takes through the graduation rules (or their override) and records with its basis."""
    if request.POST.get("status", "") == EnrolmentStatus.PASSED:
        modeladmin.message_user(
            request,
            _(
                "Passed is a graduation decision: record it with the action that records one (it checks the rules)."
            ),
            messages.ERROR,
        )
        return
    participants_admin.set_status(modeladmin, request, queryset)


@admin.action(
    description=_("Issue certificates (STTP) to the selected passed enrolments"), permissions=["change"]
)
def issue_selected_certificates(modeladmin, request, queryset):
    if not request.user.has_perm("lifecycle.add_certificate"):
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


class EvaluationScoreInline(TabularInline):
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


class GraduationDecisionInline(ReadOnlyInline):
    model = GraduationDecision
    fields = [
        "decided_at",
        "outcome",
        "final_score",
        "qualification",
        "attendance_rate",
        "note",
        "overridden_rules",
        "override_reason",
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


class AttendanceCorrectionInline(ReadOnlyInline):
    model = AttendanceCorrection
    show_change_link = False
    fields = ["corrected_at", "previous_status", "previous_reason", "status", "reason", "why", "corrected_by"]
    readonly_fields = fields


@admin.register(Attendance)
class AttendanceAdmin(PersonalDataAdminMixin, ReadOnlyAdminMixin, BigTableAdminMixin, SimpleHistoryAdmin):
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
class AttendanceCorrectionAdmin(
    PersonalDataAdminMixin, ReadOnlyAdminMixin, BigTableAdminMixin, SimpleHistoryAdmin
):
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
    participant_path = "attendance__enrolment__participant"


class SeminarScoreInline(TabularInline):
    model = SeminarScore
    extra = 0
    autocomplete_fields = ["examiner", "aspect"]
    fields = ["examiner", "aspect", "score"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("examiner", "aspect")


class SeminarInline(TabularInline):
    model = Seminar
    extra = 0
    fields = ["kind", "date", "decision", "mentor_present", "coach_present"]
    show_change_link = True


@admin.register(Seminar)
class SeminarAdmin(PersonalDataAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
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
    participant_path = "change_project__enrolment__participant"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("scores__aspect")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        update_project_stage(
            project=form.instance.change_project,
            acceptance_withdrawn=form.initial.get("decision") == SeminarDecision.ACCEPTED
            and form.instance.decision != SeminarDecision.ACCEPTED,
        )

    @admin.display(description=_("participant"), ordering="change_project__enrolment__participant__name")
    def participant_name(self, obj):
        return obj.change_project.enrolment.participant.full_name

    @admin.display(description=_("score"))
    def score(self, obj):
        return obj.score if obj.score is not None else "—"


@admin.register(EvaluationScore)
class EvaluationScoreAdmin(PersonalDataAdminMixin, BigTableAdminMixin, SimpleHistoryAdmin):
    list_display = ["participant_name", "program", "component", "score", "entered_by", "updated_at"]
    list_filter = ["component__program_type", "component", "enrolment__program__year"]
    search_fields = ["enrolment__participant__name", "enrolment__participant__nip", "component__name"]
    list_select_related = ["enrolment__participant", "enrolment__program", "component", "entered_by"]
    autocomplete_fields = ["enrolment", "component"]
    readonly_fields = ["entered_by", "updated_at"]
    ordering = ["-pk"]  # the primary key index: no sort of the whole table

    def save_model(self, request, obj, form, change):
        if form.has_changed():  # saved again unchanged, the score is still the one who entered it
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("participant"), ordering="enrolment__participant__name")
    def participant_name(self, obj):
        return obj.enrolment.participant.full_name

    @admin.display(description=_("program"))
    def program(self, obj):
        return obj.enrolment.program


class GraduationDecisionForm(forms.ModelForm):
    override = forms.BooleanField(
        label=_("override the graduation rules"),
        required=False,
        help_text=_("Only for a decision the rules refuse; give the reason below. Both are kept and shown."),
    )

    class Meta:
        model = GraduationDecision
        fields = ["enrolment", "outcome", "note", "override", "override_reason"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("enrolment") and cleaned.get("outcome"):
            check_graduation(
                enrolment=cleaned["enrolment"],
                outcome=cleaned["outcome"],
                note=cleaned.get("note"),
                override=cleaned.get("override", False),
                override_reason=cleaned.get("override_reason"),
            )
        return cleaned


class OverrideFilter(admin.SimpleListFilter):
    title = _("decided by override")
    parameter_name = "override"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overrides()
        if self.value() == "no":
            return queryset.filter(overridden_rules="")
        return queryset


@admin.register(GraduationDecision)
class GraduationDecisionAdmin(PersonalDataAdminMixin, BigTableAdminMixin, SimpleHistoryAdmin):
    """Append-only: a new decision is added (it becomes the current one); earlier ones stay as they were."""

    form = GraduationDecisionForm
    list_display = [
        "participant_name",
        "program",
        "outcome",
        "final_score",
        "qualification",
        "attendance_rate",
        "overridden",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["outcome", OverrideFilter, "enrolment__program__program_type", "enrolment__program__year"]
    search_fields = ["enrolment__participant__name", "enrolment__participant__nip", "note", "override_reason"]
    list_select_related = ["enrolment__participant", "enrolment__program", "decided_by"]
    autocomplete_fields = ["enrolment"]
    date_hierarchy = "decided_at"
    ordering = ["-pk"]  # the primary key index: no sort of the whole table

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["enrolment", "outcome", "note", "override", "override_reason"]
        return [
            "enrolment",
            "outcome",
            "final_score",
            "qualification",
            "attendance_rate",
            "change_project_stage",
            "results_seminar_decision",
            "note",
            "overridden_rules",
            "override_reason",
            "decided_by",
            "decided_at",
        ]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        decision = decide_graduation(
            enrolment=obj.enrolment,
            outcome=obj.outcome,
            decided_by=request.user,
            note=obj.note,
            override=form.cleaned_data["override"],
            override_reason=obj.override_reason,
        )
        obj.pk, obj.decided_at, obj.decided_by = decision.pk, decision.decided_at, decision.decided_by

    @admin.display(description=_("participant"), ordering="enrolment__participant__name")
    def participant_name(self, obj):
        return obj.enrolment.participant.full_name

    @admin.display(description=_("program"))
    def program(self, obj):
        return obj.enrolment.program

    @admin.display(description=_("override"), boolean=True)
    def overridden(self, obj):
        return obj.is_override


@admin.register(CertificateCounter)
class CertificateCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: numbers are taken by issuing certificates, never set by hand (the sequence has no gaps)."""

    list_display = ["organiser", "year", "last_number"]
    list_filter = ["year"]
    search_fields = ["organiser__name"]
    list_select_related = ["organiser"]


class CertificateActionForm(helpers.ActionForm):
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
class CertificateAdmin(PersonalDataAdminMixin, BigTableAdminMixin, SimpleHistoryAdmin):
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


class AppointmentInline(TabularInline):
    model = Appointment
    extra = 0
    autocomplete_fields = ["institution"]
    fields = ["appointed_on", "position", "position_level", "institution", "note"]


@admin.register(Appointment)
class AppointmentAdmin(PersonalDataAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "position", "position_level", "institution", "appointed_on"]
    list_filter = ["position_level", "participant__is_demo"]
    search_fields = ["participant__name", "participant__nip", "position", "institution__name"]
    list_select_related = ["participant", "institution"]
    autocomplete_fields = ["participant", "institution"]
    date_hierarchy = "appointed_on"
    ordering = ["-pk"]  # the primary key index: no sort of the whole table
    participant_path = "participant"


# The participants app's admins, with the lifecycle's parts -------------------------------------------------

for model in (Participant, Enrolment, ChangeProject):
    admin.site.unregister(model)


@admin.register(Participant)
class ParticipantAdmin(participants_admin.ParticipantAdmin):
    inlines = [*participants_admin.ParticipantAdmin.inlines, AppointmentInline]


@admin.register(Enrolment)
class EnrolmentAdmin(participants_admin.EnrolmentAdmin):
    action_form = GraduationActionForm
    actions = [
        set_status if action is participants_admin.set_status else action
        for action in participants_admin.EnrolmentAdmin.actions
    ] + [record_graduation, issue_selected_certificates]
    inlines = [EvaluationScoreInline, GraduationDecisionInline, CertificateInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is EvaluationScore:
            for score_form in formset.forms:
                if score_form.has_changed():
                    score_form.instance.entered_by = request.user
        super().save_formset(request, form, formset, change)


@admin.register(ChangeProject)
class ChangeProjectAdmin(participants_admin.ChangeProjectAdmin):
    inlines = [*participants_admin.ChangeProjectAdmin.inlines, SeminarInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and request.user.has_perm("lifecycle.change_seminar"):
            fields.append("seminar_pages")
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Only a change of the seminars moves the stage: a stage the administrator set by hand is theirs.
        changed = [
            (seminar_form, seminar_form in formset.deleted_forms)
            for formset in formsets
            if formset.model is Seminar
            for seminar_form in formset.forms
            if seminar_form.has_changed()
        ]
        if changed:
            # An accepted seminar deleted or no longer accepted withdraws the acceptance.
            withdrawn = any(
                seminar_form.initial.get("decision") == SeminarDecision.ACCEPTED
                and (deleted or seminar_form.instance.decision != SeminarDecision.ACCEPTED)
                for seminar_form, deleted in changed
            )
            update_project_stage(project=form.instance, acceptance_withdrawn=withdrawn)

    @admin.display(description=_("seminar pages"))
    def seminar_pages(self, obj):
        """Links to the staff pages where the design and results seminars are entered with their scores."""
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse("lifecycle:seminar_entry", args=[obj.pk, kind]), label)
                for kind, label in SeminarKind.choices
            ),
        )
