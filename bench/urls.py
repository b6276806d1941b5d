"""The project's URLs plus the benchmark's trivial page (bench/settings.py; not in production)."""

from django.shortcuts import render
from django.urls import path

from participants.access import staff_view
from trainingtracker.urls import urlpatterns as project_urlpatterns


@staff_view("programs.view_program")
def baseline(request):
    """The reference of every ratio: the same login check and base template, nothing else."""
    return render(request, "bench/baseline.html")


urlpatterns = [path("bench/baseline/", baseline, name="bench-baseline"), *project_urlpatterns]
