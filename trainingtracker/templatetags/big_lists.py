from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from trainingtracker.admin_lists import fast_result_list

register = template.Library()


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    """{% result_list cl %} with the rows rendered by trainingtracker.admin_lists (the same HTML)."""
    return InclusionAdminNode(
        "fast_result_list",
        parser,
        token,
        func=fast_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
