from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in


class TrainingTrackerConfig(AppConfig):
    """The project itself as an app: it holds no models, only the wiring of the session limits and checks."""

    name = "trainingtracker"
    verbose_name = "trainingtracker"

    def ready(self):
        from trainingtracker import checks  # noqa: F401 (registers the system checks)
        from trainingtracker.middleware import stamp_session_start

        user_logged_in.connect(stamp_session_start, dispatch_uid="trainingtracker.stamp_session_start")


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the project's admin site (trainingtracker.admin_site.AdminSite)."""

    default = False  # INSTALLED_APPS names it; the app trainingtracker keeps TrainingTrackerConfig
    default_site = "trainingtracker.admin_site.AdminSite"
