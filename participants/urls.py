from django.urls import path

from . import views

app_name = "participants"
urlpatterns = [
    path("<int:pk>/", views.participant_detail, name="detail"),
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
]
