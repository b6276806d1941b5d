from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Up to this many rows a list is counted exactly; beyond it the count is bounded (see below).
EXACT_BELOW = 20_000
# An unfiltered list of a table PostgreSQL estimates at this many rows or more is not counted: autovacuum
# analyses a table again once a tenth of its rows changed, so its estimate is not off by half.
TRUSTED_ESTIMATE = 2 * EXACT_BELOW


class EstimatedCountPaginator(Paginator):
    """For the admin's big tables: never a full COUNT(*) over a big table on PostgreSQL.

    One query, whatever the data size: it counts at most EXACT_BELOW rows of the list (in the list's own
    order, so PostgreSQL walks the index that orders it and stops there) and reads the table's row estimate
    (pg_class.reltuples, kept by autovacuum). Below EXACT_BELOW the count is exact. Beyond it an unfiltered
    list takes the estimate, and a filtered list says EXACT_BELOW (its first EXACT_BELOW rows can be paged
    through; a narrower filter shows the rest). An unfiltered list of a table the estimate puts at
    TRUSTED_ESTIMATE rows or more is not counted at all (the count would end at EXACT_BELOW anyway): the
    same query runs the count only in the branch of a CASE that needs it. SQLite counts exactly."""

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        bounded = queryset.values("pk")[:EXACT_BELOW]
        try:
            sql, params = bounded.query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing, such as an empty list of ids
            return 0
        estimate_sql = "(SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass)"
        table = queryset.model._meta.db_table
        unfiltered = not queryset.query.where
        with connection.cursor() as cursor:
            if unfiltered:
                cursor.execute(
                    f"SELECT CASE WHEN {estimate_sql} >= %s THEN NULL "  # noqa: S608 (Django's own SQL)
                    f"ELSE (SELECT COUNT(*) FROM ({sql}) AS bounded) END, {estimate_sql}",
                    [table, TRUSTED_ESTIMATE, *params, table],
                )
            else:
                cursor.execute(
                    f"SELECT (SELECT COUNT(*) FROM ({sql}) AS bounded), {estimate_sql}",  # noqa: S608 (as above)
                    [*params, table],
                )
            counted, estimate = cursor.fetchone()
        if counted is None:
            return estimate
        if counted < EXACT_BELOW:
            return counted
        if unfiltered and estimate:
            return max(estimate, EXACT_BELOW)
        return EXACT_BELOW
