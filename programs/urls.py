from django.urls import path

from programs import views

app_name = "programs"
urlpatterns = [
    path("programs/<int:pk>/schedule/", views.schedule, name="schedule"),
]
