from django.urls import path, register_converter

from reports import views, views_exports, views_people, views_subject


class ExportFormatConverter:
    regex = "csv|xlsx|pdf"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormatConverter, "exportformat")

app_name = "reports"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("programs/", views.program_list, name="program_list"),
    path("programs/compare/", views.compare, name="compare"),
    path("programs/<int:pk>/", views.program_detail, name="program"),
    path("participants/<int:pk>/", views_people.participant_detail, name="participant"),
    path("participants/<int:pk>/data.zip", views_subject.subject_export, name="subject_export"),
    path("participants/institutions/", views_people.institution_list, name="institutions"),
    path("participants/institutions/<int:pk>/", views_people.institution_detail, name="institution"),
    # Report downloads: /exports/enrolments.xlsx?year=2025&program_type=2.
    path("exports/program/<int:pk>/roster.<exportformat:fmt>", views_exports.roster, name="roster"),
    path("exports/enrolments.<exportformat:fmt>", views_exports.enrolments, name="enrolments"),
    path("exports/institutions.<exportformat:fmt>", views_exports.institutions, name="institutions_export"),
    path("exports/history.<exportformat:fmt>", views_exports.history, name="history"),
]
