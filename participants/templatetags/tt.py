"""Template helpers shared by the staff pages."""

from django import template
from django.utils.html import format_html

from participants import access

register = template.Library()


@register.filter
def mask(value):
    """Masks personal data for viewers without participants.view_personal_data."""
    return access.mask(value)


@register.simple_tag(takes_context=True)
def sort_link(context, key, label):
    """A column header that sorts by `key`, toggling the direction, keeping the other query parameters."""
    request = context["request"]
    current = context.get("sort", "")
    descending = current == key
    query = request.GET.copy()
    query["sort"] = f"-{key}" if descending else key
    query.pop("page", None)
    arrow = ""
    if current.lstrip("-") == key:
        arrow = " ↓" if current.startswith("-") else " ↑"
    return format_html('<a href="?{}">{}{}</a>', query.urlencode(), label, arrow)
