"""The admin shows a row's times in its program's time zone (WIB, WITA or WIT), as the pages and exports do.

ProgramTimeZoneAdminMixin finds the path from the admin's model to its Program by itself (the first of
PROGRAM_PATHS that the model's relations lead along). On a change page every time, read-only or edited, is
in that program's zone while the page is made; in the list, each time column is replaced by one that shows
the time in the row's program's zone with the zone's name ("2025-05-02 07:30 WITA").
"""

import functools
import zoneinfo

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from programs.models import Program, TimeZone

PROGRAM_PATHS = (
    "program",
    "enrolment__program",
    "session__program",
    "attendance__enrolment__program",
    "change_project__enrolment__program",
)


@functools.cache
def program_path_of(model):
    """The first of PROGRAM_PATHS that leads from `model` to Program, or None (worked out once a model)."""
    for path in PROGRAM_PATHS:
        current = model
        try:
            for name in path.split("__"):
                current = current._meta.get_field(name).related_model
        except FieldDoesNotExist:
            continue
        if current is Program:
            return path
    return None


def _follow(obj, path):
    for name in path.split("__"):
        obj = getattr(obj, name)
    return obj


def zoned_column(field, path):
    """A list column showing `field` (a DateTimeField) in the zone of the row's program, named."""

    @admin.display(description=field.verbose_name, ordering=field.name)
    def column(obj):
        value = getattr(obj, field.name)
        return _follow(obj, path).local_time(value) if value else "—"

    column.__name__ = f"{field.name}_in_program_zone"
    return column


class ProgramTimeZoneAdminMixin:
    """Times in the program's zone on the change page and in the list (see the module). Put it before
    ModelAdmin among the bases."""

    def program_path(self):
        return program_path_of(self.model)

    def zones_list(self, request):
        """Whether the list can show zoned times: it names what it selects (list_select_related), so the
        program joins that list and no row costs a query of its own."""
        return self.program_path() is not None and isinstance(
            super().get_list_select_related(request), list | tuple
        )

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        path = self.program_path()
        if not self.zones_list(request):
            return columns
        shown = []
        for name in columns:
            try:
                field = self.model._meta.get_field(name) if isinstance(name, str) else None
            except FieldDoesNotExist:
                field = None
            shown.append(zoned_column(field, path) if isinstance(field, models.DateTimeField) else name)
        return shown

    def get_list_select_related(self, request):
        related = super().get_list_select_related(request)
        if not self.zones_list(request):
            return related
        return [*related, self.program_path()]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        path = self.program_path()
        zone = None
        if path and object_id is not None:
            zone = (
                self.model._default_manager.filter(pk=unquote(object_id))
                .values_list(f"{path}__time_zone", flat=True)
                .first()
            )
        if zone is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(zoneinfo.ZoneInfo(zone or TimeZone.WIB)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # a TemplateResponse renders later; its times must be made in the zone
        return response
