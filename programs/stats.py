"""The overview's aggregates, cached until the data they count changes.

Counting 100,000 enrolments by year, type and institution costs tens of milliseconds on every view of the
overview. The result is cached under a key made of the viewer's scope and a fingerprint of the data: the
highest id and the latest update time of enrolments, participants and programs and the highest institution
id, read in one query. Each comes from an index, so checking the fingerprint costs no table scan. Any
insert or update (through the ORM, which sets updated_at, bulk_create included) changes the fingerprint; a deleted row that is not the
newest one is noticed when the entry expires (STATS_TTL).
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q

STATS_TTL = 10 * 60


def data_fingerprint():
    """One query of seven scalar subqueries, each the newest row by an index (primary keys, updated_at)."""
    from participants.models import Enrolment, Participant

    from .models import Institution, Program

    newest = [
        model.objects.order_by(f"-{field}").values_list(field)[:1].query.sql_with_params()
        for model, fields in (
            (Enrolment, ("pk", "updated_at")),
            (Participant, ("pk", "updated_at")),
            (Program, ("pk", "updated_at")),
            (Institution, ("pk",)),
        )
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"({sql})" for sql, _params in newest),
            [param for _sql, params in newest for param in params],
        )
        parts = cursor.fetchone()
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def scope_key(scope):
    if scope is None:
        return "all"
    return hashlib.sha256(",".join(map(str, sorted(scope))).encode()).hexdigest()[:16]


def cached(name, scope, compute):
    """compute() cached per scope and data fingerprint; returns (value, was_cached)."""
    key = f"stats:{name}:{scope_key(scope)}:{data_fingerprint()}"
    value = cache.get(key)
    if value is not None:
        return value, True
    value = compute()
    cache.set(key, value, STATS_TTL)
    return value, False


def overview_figures(enrolments):
    """Everything the overview counts, as plain data (cacheable): figures and chart rows."""
    passed = ["passed", "passed_deferred"]
    figures = enrolments.aggregate(
        participants=Count("participant", distinct=True),
        passed=Count("pk", filter=Q(status__in=passed)),
        institutions=Count("participant__institution", distinct=True),
        demo=Count("pk", filter=Q(participant__is_demo=True)),
    )
    return {
        "figures": figures,
        "per_year": list(
            enrolments.values_list("program__year", "program__program_type__abbreviation")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "by_kind": list(
            enrolments.values_list("participant__institution__kind").annotate(n=Count("pk")).order_by("-n")
        ),
        "top": list(
            enrolments.values_list("participant__institution__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "participant__institution__name")[:10]
        ),
    }
