from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Up to this many rows a list is counted exactly; beyond it the count is bounded (see below).
EXACT_BELOW = 20_000


class EstimatedCountPaginator(Paginator):
    """For the admin's big tables: never a full COUNT(*) over a big table on PostgreSQL.

    One query, whatever the data size: it counts at most EXACT_BELOW rows of the list (in the list's own
    order, so PostgreSQL walks the index that orders it and stops there) and reads the table's row estimate
    (pg_class.reltuples, kept by autovacuum). Below EXACT_BELOW the count is exact. Beyond it an unfiltered
    list takes the estimate, and a filtered list says EXACT_BELOW (its first EXACT_BELOW rows can be paged
    through; a narrower filter shows the rest). SQLite counts exactly."""

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        bounded = queryset.values("pk")[:EXACT_BELOW]
        sql, params = bounded.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT COUNT(*) FROM ({sql}) AS bounded), "  # noqa: S608 (Django's own SQL)
                "(SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass)",
                [*params, queryset.model._meta.db_table],
            )
            counted, estimate = cursor.fetchone()
        if counted < EXACT_BELOW:
            return counted
        if not queryset.query.where and estimate:
            return max(estimate, EXACT_BELOW)
        return EXACT_BELOW
