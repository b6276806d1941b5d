from django.urls import path

from . import views_privacy

app_name = "privacy"
urlpatterns = [
    path("<int:pk>/data.zip", views_privacy.subject_export, name="subject_export"),
]
