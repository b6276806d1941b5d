"""Report downloads, included at exports/: /exports/enrolments.xlsx?year=2025&program_type=2."""

from django.urls import path, register_converter

from . import views_exports as views


class ExportFormatConverter:
    regex = "csv|xlsx|pdf"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormatConverter, "exportformat")

app_name = "exports"
urlpatterns = [
    path("program/<int:pk>/roster.<exportformat:fmt>", views.roster, name="roster"),
    path("enrolments.<exportformat:fmt>", views.enrolments, name="enrolments"),
    path("institutions.<exportformat:fmt>", views.institutions, name="institutions"),
    path("history.<exportformat:fmt>", views.history, name="history"),
]
