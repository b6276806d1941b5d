"""The overview's counts."""

from django.db.models import Count, Max, Q

from participants.models import PASSED_STATUSES


def overview_figures(enrolments):
    """Everything the overview counts, as plain data (cacheable): figures and chart rows.

    Three queries: the distinct participants; the enrolments grouped by year and program type; and grouped
    by the participant's institution, from which the other figures, the kinds and the top institutions are
    summed (counting distinct participants in that grouping too would make PostgreSQL sort every row).
    """
    per_institution = list(
        # Grouped by the id alone, which PostgreSQL's statistics know to have a few thousand values: one hash
        # table, where grouping by the name too made it expect a group a row and sort them all on disk.
        enrolments.values_list("participant__institution")
        .annotate(
            kind=Max("participant__institution__kind"),
            name=Max("participant__institution__name"),
            n=Count("pk"),
            passed=Count("pk", filter=Q(status__in=PASSED_STATUSES)),
            demo=Count("pk", filter=Q(participant__is_demo=True)),
        )
        .order_by()
    )
    figures = {
        **enrolments.aggregate(participants=Count("participant", distinct=True)),
        "passed": sum(row[4] for row in per_institution),
        "institutions": len(per_institution),
        "demo": sum(row[5] for row in per_institution),
    }
    kinds, names = {}, {}
    for _pk, kind, name, n, *_counts in per_institution:
        kinds[kind] = kinds.get(kind, 0) + n
        names[name] = names.get(name, 0) + n
    return {
        "figures": figures,
        "per_year": list(
            enrolments.values_list("program__year", "program__program_type__abbreviation")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "by_kind": sorted(kinds.items(), key=lambda item: (-item[1], item[0])),
        "top": sorted(names.items(), key=lambda item: (-item[1], item[0]))[:10],
    }
