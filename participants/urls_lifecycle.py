from django.urls import path

from . import views_lifecycle as views

app_name = "lifecycle"
urlpatterns = [
    path("sessions/<int:pk>/attendance/", views.attendance_entry, name="attendance_entry"),
    path("projects/<int:pk>/seminars/<slug:kind>/", views.seminar_entry, name="seminar_entry"),
    path("programs/<int:pk>/certificates/", views.certificate_register, name="certificate_register"),
    path(
        "programs/<int:pk>/certificates.csv", views.certificate_register_csv, name="certificate_register_csv"
    ),
    path("programs/<int:pk>/certificates.zip", views.certificate_zip, name="certificate_zip"),
    path("programs/<int:pk>/certificates/issue/", views.certificate_issue, name="certificate_issue"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/reissue/", views.certificate_reissue, name="certificate_reissue"),
]
