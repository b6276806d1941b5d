from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many rows an exact COUNT(*) is cheap and a planner estimate would only be less precise.
EXACT_BELOW = 20_000


class EstimatedCountPaginator(Paginator):
    """For the admin's big tables: an unfiltered list takes PostgreSQL's row estimate (pg_class.reltuples,
    kept by autovacuum) instead of counting every row; filtered lists and SQLite count exactly."""

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] >= EXACT_BELOW:
                return row[0]
        return super().count
