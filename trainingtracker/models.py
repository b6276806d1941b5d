"""What the project keeps about a user beyond Django's User: the language they chose."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def language_choices():
    return settings.LANGUAGES


class UserPreference(models.Model):
    """A user's own settings, applied at login on any computer."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(_("language"), max_length=10, choices=language_choices)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return f"{self.user}: {self.language}"
