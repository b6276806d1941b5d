from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in


class TrainingTrackerConfig(AppConfig):
    """The project itself as an app: the users' preferences, the wiring of the session limits, the language
    applied at login, and the checks."""

    name = "trainingtracker"
    verbose_name = "trainingtracker"

    def ready(self):
        from trainingtracker import checks  # noqa: F401 (registers the system checks)
        from trainingtracker.middleware import apply_preferred_language, stamp_session_start

        user_logged_in.connect(stamp_session_start, dispatch_uid="trainingtracker.stamp_session_start")
        user_logged_in.connect(apply_preferred_language, dispatch_uid="trainingtracker.preferred_language")


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the project's admin site (trainingtracker.admin_site.AdminSite)."""

    default = False  # INSTALLED_APPS names it; the app trainingtracker keeps TrainingTrackerConfig
    default_site = "trainingtracker.admin_site.AdminSite"
