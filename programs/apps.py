from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from programs.dataversion import bump_data_version, bump_for_user, tracked_models

        # Every change of the training data moves the data version that the cached fragments carry.
        for model in tracked_models(include_auto_created=True):
            if model._meta.model_name.startswith("historical"):
                continue  # written together with the row it records, which already counts
            if model._meta.auto_created:
                m2m_changed.connect(bump_data_version, sender=model, dispatch_uid=f"data-version-m2m-{model}")
            else:
                post_save.connect(bump_data_version, sender=model, dispatch_uid=f"data-version-save-{model}")
                post_delete.connect(bump_data_version, sender=model, dispatch_uid=f"data-version-del-{model}")
        post_save.connect(bump_for_user, sender=get_user_model(), dispatch_uid="data-version-save-user")
        post_delete.connect(bump_for_user, sender=get_user_model(), dispatch_uid="data-version-del-user")
