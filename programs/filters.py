"""The program list's filters, shared by the page and by the exports that follow it."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models import Institution, Program, ProgramStatus, ProgramType


class ProgramFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    program_type = django_filters.ModelChoiceFilter(
        label=_("Program type"), queryset=ProgramType.objects.all(), empty_label=_("All types")
    )
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ProgramStatus.choices, method="filter_status", empty_label=_("Any status")
    )
    organiser = django_filters.ModelChoiceFilter(
        label=_("Organiser"),
        queryset=Institution.objects.filter(organised_programs__isnull=False).distinct(),
        empty_label=_("All organisers"),
    )
    venue = django_filters.CharFilter(label=_("Venue"), lookup_expr="icontains")
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=[("start_date", "start"), ("title", "title"), ("year", "year"), ("capacity", "capacity")],
        field_labels={
            "start": _("Start date"),
            "title": _("Title"),
            "year": _("Year"),
            "capacity": _("Capacity"),
        },
    )

    class Meta:
        model = Program
        fields = ["q", "program_type", "year", "status", "organiser", "venue"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(organiser__name__icontains=value) | Q(venue__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value) if value else queryset
