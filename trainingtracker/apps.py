from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class TrainingTrackerConfig(AppConfig):
    """The project itself as an app: it holds no models, only the wiring of the session limits."""

    name = "trainingtracker"
    verbose_name = "trainingtracker"

    def ready(self):
        from .middleware import stamp_session_start

        user_logged_in.connect(stamp_session_start, dispatch_uid="trainingtracker.stamp_session_start")
