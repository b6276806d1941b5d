"""System checks of the project's own settings (manage.py check --deploy)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_public_base_url(app_configs, **kwargs):
    """The certificates' QR codes and verification links need the public address, over HTTPS."""
    base = settings.PUBLIC_BASE_URL
    if not base:
        return [
            Error(
                "PUBLIC_BASE_URL is not set: certificates cannot carry a verification address.",
                hint="Set PUBLIC_BASE_URL to the address the public reaches, e.g. https://pelatihan.example.go.id.",
                id="trainingtracker.E001",
            )
        ]
    if not base.startswith("https://"):
        return [
            Warning(
                f"PUBLIC_BASE_URL {base!r} is not an https:// address.",
                hint="The QR codes printed on certificates should lead to an HTTPS page.",
                id="trainingtracker.W001",
            )
        ]
    return []
