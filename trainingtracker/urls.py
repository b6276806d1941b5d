from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from trainingtracker import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the admin, a PDF, a download).
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # Only what an intranet without outgoing e-mail can serve: no password reset by mail; an administrator
    # sets a new password in the admin.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("programs.urls")),
    path("", include("lifecycle.urls")),
    path("", include("reports.urls")),
]
