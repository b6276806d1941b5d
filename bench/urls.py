"""The project's URLs plus the benchmark's trivial page (bench/settings.py; not in production)."""

from django.contrib import admin
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path

from trainingtracker.decorators import staff_view
from trainingtracker.urls import urlpatterns as project_urlpatterns


@staff_view("programs.view_program")
def baseline(request):
    """The reference of every ratio: the same login check and base template, nothing else."""
    return render(request, "bench/baseline.html")


def admin_baseline(request):
    """The reference of the admin's pages: the admin's login check and base template, nothing else."""
    return TemplateResponse(
        request, "admin/base_site.html", {**admin.site.each_context(request), "title": "Baseline"}
    )


urlpatterns = [
    path("bench/baseline/", baseline, name="bench-baseline"),
    path("bench/admin-baseline/", admin.site.admin_view(admin_baseline), name="bench-admin-baseline"),
    *project_urlpatterns,
]
