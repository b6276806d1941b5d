"""The admin's big lists (issue 7): smaller pages, and rows rendered without Django's per-cell overhead.

Django's changelist renders each cell through lookup_field, format_html and a template loop, and each
row's action checkbox through the form template engine: about 0.2 ms a row. BigListAdminMixin keeps the
same HTML (tests compare it with Django's own, cell for cell) and works each column out once per page
instead of once per cell: what it shows, its class, whether it links to the object.
"""

import contextlib
import datetime
import html
import secrets

from django import forms
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _boolean_icon,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    get_fields_from_path,
)
from django.contrib.admin.views.main import ALL_VAR, ChangeList
from django.core.cache import caches
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.csp import CONTEXT_KEY as CSP_NONCE
from django.utils.functional import Promise
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import gettext

from programs.stats import cache_key, is_tracked

from .pagination import EstimatedCountPaginator

# Stands for the primary key in a change URL worked out once per page (integer primary keys only).
PK_PLACEHOLDER = "PK-PLACEHOLDER"
# Django's own text of the row checkbox, translated in the admin's catalogue (a variable, not a literal in
# gettext(), so that makemessages does not copy it into the project's catalogue).
CHECKBOX_LABEL = "Select this object for an action - {}"


def escape_cell(value):
    """conditional_escape without its lazy-argument wrapper (the same result)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class Column:
    """One column of the list, worked out once per page as Django's items_for_result does for every cell."""

    def __init__(self, cl, index, field_name, *, link, tag, icons):
        model_admin = cl.model_admin
        self.icons = icons
        # What a cell shows when reading its value raises ObjectDoesNotExist (a missing related row).
        self.missing = model_admin.get_empty_value_display()
        self.empty_value_display = self.missing
        self.missing_classes = self.classes = f"field-{_coerce_field_name(field_name, index)}"
        self.link = link
        self.tag = tag
        self.field = None
        self.attr = None
        self.getter = None
        self.model_attr = None
        try:
            self.field = _get_non_gfk_field(cl.model._meta, field_name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if callable(field_name):
                self.attr = self.getter = field_name
            elif hasattr(model_admin, field_name) and field_name != "__str__":
                self.attr = self.getter = getattr(model_admin, field_name)
            else:
                # A model attribute or a path through relations: read per row as Django does.
                self.model_attr = field_name
                if hasattr(model_admin, "model") and hasattr(model_admin.model, field_name):
                    self.attr = getattr(model_admin.model, field_name)
        else:
            self.getter = field_name
        self.empty_value_display = getattr(self.attr, "empty_value_display", self.empty_value_display)
        if self.field is None:
            terminal = None
            if isinstance(field_name, str) and LOOKUP_SEP in field_name:
                with contextlib.suppress(FieldDoesNotExist):
                    terminal = get_fields_from_path(cl.model, field_name)[-1]
            if terminal is not None and not terminal.auto_created:
                # A field reached through relations: shown as the field shows it.
                self.field = terminal
        self.boolean = False
        if self.field is None or self.field.auto_created:
            if field_name == "action_checkbox":
                self.classes = "action-checkbox"
            self.boolean = getattr(self.attr, "boolean", False)
            if isinstance(self.attr, property) and hasattr(self.attr, "fget"):
                self.boolean = getattr(self.attr.fget, "boolean", False)
        elif isinstance(self.field, (models.DateField, models.TimeField, models.ForeignKey)):
            self.classes += " nowrap"
        self.by_field = self.field is not None and not self.field.auto_created
        self.is_relation = self.by_field and isinstance(self.field.remote_field, models.ManyToOneRel)
        # display_for_field's field with choices (not a password): its labels, looked up once per page.
        self.choices = None
        if self.by_field and getattr(self.field, "flatchoices", None) and self.field.name != "password":
            try:
                self.choices = dict(self.field.flatchoices)
            except TypeError:  # list-like choices: display_for_field makes them hashable per cell
                self.choices = None
        # display_for_field's plain boolean field (no choices, not a password): one of the three icons.
        self.boolean_field = (
            self.by_field
            and isinstance(self.field, models.BooleanField)
            and not getattr(self.field, "flatchoices", None)
            and self.field.name != "password"
        )

    def value(self, obj):
        if self.model_attr is None:
            if isinstance(self.getter, str):
                return getattr(obj, self.getter)
            return self.getter(obj)
        sentinel = object()
        attr = getattr(obj, self.model_attr, sentinel)
        if callable(attr):
            return attr()
        if attr is sentinel:
            attr = obj
            for part in self.model_attr.split(LOOKUP_SEP):
                attr = getattr(attr, part, sentinel)
                if attr is sentinel:
                    return None
        return attr

    def shown(self, obj):
        """The cell's content and classes, as items_for_result makes them."""
        try:
            value = self.value(obj)
        except ObjectDoesNotExist:
            return self.missing, self.missing_classes
        if not self.by_field:
            if self.boolean and (value is True or value is False or value is None):
                shown = self.icons[value]
            elif type(value) is str and not self.boolean:
                shown = value.strip() or self.empty_value_display  # display_for_value, shorter
            elif isinstance(value, models.Model) and not self.boolean:
                shown = str(value)  # display_for_value: not empty, so its text
            else:
                shown = display_for_value(value, self.empty_value_display, self.boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                return shown, self.classes + " nowrap"
            return shown, self.classes
        if self.is_relation:
            return (self.empty_value_display if value is None else value), self.classes
        if self.choices is not None:
            try:
                return self.choices.get(value, self.empty_value_display), self.classes
            except TypeError:  # an unhashable value: display_for_field knows what to do
                pass
        elif self.boolean_field and (value is True or value is False):
            return self.icons[value], self.classes
        return display_for_field(
            value, self.field, self.empty_value_display, avoid_link=self.link
        ), self.classes


class RowRenderer:
    """Renders a page of rows of a changelist without list_editable (that keeps Django's own code)."""

    def __init__(self, cl):
        self.cl = cl
        icons = {value: _boolean_icon(value) for value in (True, False, None)}
        self.columns = []
        first = True
        for index, field_name in enumerate(cl.list_display):
            if cl.list_display_links is None:
                link = False
            elif first and not cl.list_display_links:
                link = True
            else:
                link = field_name in cl.list_display_links
            tag = "td"
            if link:
                tag = "th" if first else "td"
                first = False
            self.columns.append(Column(cl, index, field_name, link=link, tag=tag, icons=icons))
        self.url_pattern = self.change_url_pattern() if any(c.link for c in self.columns) else None

    def change_url_pattern(self):
        """The change URL with its filters kept, the primary key left as PK_PLACEHOLDER; None if none."""
        cl = self.cl
        integer_pk = isinstance(cl.opts.pk, (models.AutoField, models.BigAutoField, models.IntegerField))
        if type(cl).url_for_result is not ChangeList.url_for_result or not integer_pk:
            return None
        try:
            url = reverse(
                f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
                args=(PK_PLACEHOLDER,),
                current_app=cl.model_admin.admin_site.name,
            )
        except NoReverseMatch:
            return ""
        return add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)

    def change_url(self, obj):
        if self.url_pattern is None:
            try:
                url = self.cl.url_for_result(obj)
            except NoReverseMatch:
                return None
            return add_preserved_filters(
                {"preserved_filters": self.cl.preserved_filters, "opts": self.cl.opts}, url
            )
        if not self.url_pattern:
            return None
        return self.url_pattern.replace(PK_PLACEHOLDER, str(getattr(obj, self.cl.pk_attname)))

    def row(self, obj):
        cells = []
        for column in self.columns:
            shown, classes = column.shown(obj)
            content = escape_cell(shown)
            if column.link:
                url = self.change_url(obj)
                if url is not None:
                    content = f'<a href="{html.escape(url)}">{content}</a>'
            cells.append(f'<{column.tag} class="{classes}">{content}</{column.tag}>')
        return SafeString("".join(cells))


def fast_results(cl):
    """What admin_list.results gives the template: one item a row, the row's cells already joined."""
    if cl.formset or cl.is_popup:
        yield from results(cl)
        return
    renderer = RowRenderer(cl)
    for result in cl.result_list:
        yield ResultList(None, [renderer.row(result)])


def escape_text(value):
    """{{ value }} and {{ value|stringformat:'s' }} in an autoescaped template."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value))


def render_attrs(attrs):
    """Django's django/forms/widgets/attrs.html."""
    return "".join(
        f" {escape_text(name)}" if value is True else f' {escape_text(name)}="{escape_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainInputMixin:
    """Renders input.html (text.html, hidden.html) in Python, the same HTML, for pages that render many."""

    def _render(self, template_name, context, renderer=None):
        if (
            template_name != forms.TextInput.template_name
            and template_name != forms.HiddenInput.template_name
        ):
            return super()._render(template_name, context, renderer)
        widget = context["widget"]
        value = "" if widget["value"] is None else f' value="{escape_text(widget["value"])}"'
        return SafeString(
            f'<input type="{escape_text(widget["type"])}" name="{escape_text(widget["name"])}"{value}'
            f"{render_attrs(widget['attrs'])}>"
        )


class PlainTextInput(PlainInputMixin, forms.TextInput):
    pass


class PlainHiddenInput(PlainInputMixin, forms.HiddenInput):
    pass


class PlainSelect(forms.Select):
    """Renders select.html and select_option.html in Python, the same HTML (their whitespace too)."""

    def _render(self, template_name, context, renderer=None):
        if (
            template_name != forms.Select.template_name
            or self.option_template_name != forms.Select.option_template_name
        ):
            return super()._render(template_name, context, renderer)
        widget = context["widget"]
        parts = [f'<select name="{escape_text(widget["name"])}"{render_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escape_text(group_name)}">')
            parts.extend(
                f'\n  <option value="{escape_text(option["value"])}"{render_attrs(option["attrs"])}>'
                f"{escape_text(option['label'])}</option>\n"
                for option in group_choices
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return SafeString("".join(parts))


PLAIN_WIDGETS = {
    forms.Select: PlainSelect,
    forms.TextInput: PlainTextInput,
    forms.HiddenInput: PlainHiddenInput,
}


class PlainActionForm(helpers.ActionForm):
    """The admin's action form (the action, its options), its widgets rendered in Python, the same HTML:
    through the form templates they took 2 to 3 ms of every changelist page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # this form's own copies of the fields and widgets
            plain = PLAIN_WIDGETS.get(type(field.widget))
            if plain is not None:
                field.widget.__class__ = plain


# What the cached changelist holds instead of the request's own CSRF token and CSP nonce: drawn anew by each
# process (the cache is the process's own), so that no text a user sends or stores can be one of them.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
NONCE_PLACEHOLDER = f"nonce-{secrets.token_hex(16)}"


def fill_request_tokens(request, html):
    """The cached page with this request's CSRF token and CSP nonce (as Django's tags render them)."""
    return html.replace(CSRF_PLACEHOLDER, get_token(request)).replace(
        NONCE_PLACEHOLDER, str(getattr(request, "_csp_nonce", ""))
    )


class BigListAdminMixin:
    """For the admin lists of big tables: pages of 25 rows, counted without a full COUNT(*), rendered fast.

    The page's size keeps a page light whatever the table's size; the filters, the search and the actions
    work as before (the checkbox of a row is the one Django renders, built without the form templates).

    A list of a model whose every change moves the data version (programs.stats) is kept in the
    "admin_lists" cache like the staff pages' fragments in "pages", until the data changes: its key carries the user, what they may
    do and see, the address with its filters, the language, the time zone and the date. What belongs to
    the request is not kept: the page is rendered with placeholders for the CSRF token and the CSP nonce,
    filled anew for every request, and a request with messages waiting to be shown is not served from the
    cache, nor is its page kept. The permission to see the list is checked on every request.
    """

    list_per_page = 25
    action_form = PlainActionForm
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    change_list_template = "admin/big_change_list.html"

    def changelist_cache_key(self, request, extra_context):
        """The list's key in the "pages" cache, or None when this request's page is not kept."""
        storage = getattr(request, "_messages", None)
        if (
            request.method != "GET"
            or extra_context
            or self.list_editable
            or ALL_VAR in request.GET  # every row on one page: too big to keep
            or not is_tracked(self.model)
            or (storage is not None and len(storage))  # messages waiting: shown on this page
        ):
            return None
        user = request.user
        may = "superuser" if user.is_active and user.is_superuser else sorted(user.get_all_permissions())
        vary = (
            request.get_full_path(),
            user.pk,
            user.get_username(),
            user.get_short_name(),
            user.has_usable_password(),
            may,
            timezone.get_current_timezone_name(),
            timezone.localdate().isoformat(),
        )
        return cache_key(request, f"admin-list:{self.opts.label_lower}", vary)

    def changelist_view(self, request, extra_context=None):
        key = self.changelist_cache_key(request, extra_context)
        if key is None:
            return super().changelist_view(request, extra_context)
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        cache = caches["admin_lists"]
        html = cache.get(key)
        if html is not None:
            return HttpResponse(fill_request_tokens(request, html))
        placeholders = {"csrf_token": CSRF_PLACEHOLDER}
        if getattr(request, "_csp_nonce", None) is not None:  # ContentSecurityPolicyMiddleware's
            placeholders[CSP_NONCE] = NONCE_PLACEHOLDER
        response = super().changelist_view(request, placeholders)
        if type(response) is not TemplateResponse or response.status_code != 200:
            return response  # a redirect (wrong filters) or an error page: not kept

        def keep(response):
            html = response.content.decode(response.charset)
            cache.set(key, html)
            response.content = fill_request_tokens(request, html)

        response.add_post_render_callback(keep)
        return response

    def action_checkbox(self, obj):
        """Django's row checkbox (the same HTML), without a trip through the form template engine."""
        # As format_html: the object escaped, the translated text as it is.
        label = gettext(CHECKBOX_LABEL).format(html.escape(str(obj)))
        return SafeString(
            f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}" value="{html.escape(str(obj.pk))}"'
            f' class="action-select" aria-label="{label}">'
        )


def fast_result_list(cl):
    """admin_list.result_list with the rows of fast_results."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": list(fast_results(cl)),
    }
