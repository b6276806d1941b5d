from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Synthetic demo and national benchmark data (management commands seed_demo, generate_national_data).
    No models; nothing in the domain apps imports it."""

    name = "demo"
    verbose_name = "Demo data"
