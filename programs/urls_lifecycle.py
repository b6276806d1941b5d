from django.urls import path

from . import views_lifecycle

app_name = "lifecycle_programs"
urlpatterns = [
    path("programs/<int:pk>/schedule/", views_lifecycle.schedule, name="schedule"),
]
