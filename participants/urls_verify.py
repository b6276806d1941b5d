"""The public certificate verification page: no login, reached from the QR code on the certificate."""

from django.urls import path

from . import views_lifecycle

app_name = "verify"
urlpatterns = [
    path("<slug:token>/", views_lifecycle.verify_certificate, name="certificate"),
]
