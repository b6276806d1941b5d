from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("programs.urls")),
    path("participants/", include("participants.urls")),
    path("exports/", include("participants.urls_exports")),
]
