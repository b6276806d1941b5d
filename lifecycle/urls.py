from django.urls import path

from lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("participants/sessions/<int:pk>/attendance/", views.attendance_entry, name="attendance_entry"),
    path("participants/projects/<int:pk>/seminars/<slug:kind>/", views.seminar_entry, name="seminar_entry"),
    path(
        "participants/programs/<int:pk>/certificates/",
        views.certificate_register,
        name="certificate_register",
    ),
    path(
        "participants/programs/<int:pk>/certificates.csv",
        views.certificate_register_csv,
        name="certificate_register_csv",
    ),
    path("participants/programs/<int:pk>/certificates.zip", views.certificate_zip, name="certificate_zip"),
    path(
        "participants/programs/<int:pk>/certificates/issue/",
        views.certificate_issue,
        name="certificate_issue",
    ),
    path("participants/certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("participants/certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path(
        "participants/certificates/<int:pk>/reissue/", views.certificate_reissue, name="certificate_reissue"
    ),
    # Public: the certificate verification page, reached from the QR code (no login).
    path("verify/<slug:token>/", views.verify_certificate, name="verify"),
]
