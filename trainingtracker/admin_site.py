from django.contrib import admin
from django.utils.functional import SimpleLazyObject


class AdminSite(admin.AdminSite):
    """The project's admin site (trainingtracker.apps.AdminConfig makes it admin.site).

    No navigation sidebar (the breadcrumbs and the index lead to every list): it cost every admin page
    the list of apps and models the user may see, built and rendered each time (about 3 ms a page)."""

    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        """Worked out when a template first reads it: the index pages do, the other pages no longer do."""
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request, app_label))
