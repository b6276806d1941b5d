from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms.utils import pretty_name
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trainingtracker.pagination import EstimatedCountPaginator


class AdminSite(admin.AdminSite):
    """The project's admin site (trainingtracker.apps.AdminConfig makes it admin.site).

    No navigation sidebar (the breadcrumbs and the index lead to every list): it cost every admin page
    the list of apps and models the user may see, built and rendered each time (about 3 ms a page)."""

    enable_nav_sidebar = False
    site_header = _("trainingtracker · Administration")
    site_title = _("trainingtracker administration")
    index_title = _("Programs, participants and their training")

    def get_app_list(self, request, app_label=None):
        """Worked out when a template first reads it: the index pages do, the other pages no longer do."""
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request, app_label))


class BigTableAdminMixin:
    """For the admin lists of big tables: pages of 25 rows, counted without a full COUNT(*) on PostgreSQL
    (EstimatedCountPaginator), no second count of the unfiltered table. Django's own changelist otherwise."""

    list_per_page = 25
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def action_checkbox(self, obj):
        """ModelAdmin.action_checkbox's checkbox, the same HTML, with format_html instead of a form widget
        rendered through the template engine for each row (a third of a 25-row page's rendering here)."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


class ReadOnlyAdminMixin:
    """For records: they are listed and read in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ColumnLabelsMixin:
    """For the formsets the admin shows as a table (tabular inlines, list_editable lists): names each row's
    controls after their column. The label is shown once, in the table's header, so the inputs, selects and
    Delete checkboxes of the rows have no <label> of their own (WCAG 1.3.1 and 4.1.2)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, field in form.fields.items():
            widget = field.widget
            # The wrapper (the add/change links beside a select) keeps the attrs of the widget it was built
            # from, not those of its copy in this form, which is the one rendered.
            while isinstance(widget, RelatedFieldWidgetWrapper):
                widget = widget.widget
            if not widget.is_hidden:
                widget.attrs.setdefault("aria-label", str(field.label or pretty_name(name)))


class LabelledInlineFormSet(ColumnLabelsMixin, forms.BaseInlineFormSet):
    pass


class LabelledModelFormSet(ColumnLabelsMixin, forms.BaseModelFormSet):
    """The formset of a list_editable list (ModelAdmin.get_changelist_formset(formset=...))."""


class TabularInline(admin.TabularInline):
    """The project's tabular inline: its rows' controls are named after their columns (ColumnLabelsMixin).
    A custom formset extends LabelledInlineFormSet."""

    formset = LabelledInlineFormSet


class ReadOnlyInline(TabularInline):
    """History rows: shown, never edited or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
