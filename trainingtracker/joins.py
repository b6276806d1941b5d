"""Joining a queryset to a subquery of one's own, on a condition of one's own.

Django joins tables only along relations. join_table() adds `JOIN (<a queryset>) alias ON <condition>` to a
queryset, for tables of per-row results computed once by their own GROUP BY (participants.exports reads the
lifecycle's results so instead of through subqueries run once per row). The join is an entry of the query's
alias_map like Django's own joins, so the queryset stays a queryset: filtered, annotated, counted, streamed
with iterator() or compiled with sql_with_params(), in one statement.
"""

import functools

from django.db.models import Expression
from django.db.models.sql.constants import INNER, LOUTER


class JoinedColumn(Expression):
    """A column of a table joined by join_table(): "alias"."column"."""

    def __init__(self, alias, column, output_field=None):
        super().__init__(output_field)
        self.alias, self.column = alias, column

    @classmethod
    def of(cls, alias):
        """column(name, output_field=None) of the table joined as `alias`."""
        return functools.partial(cls, alias)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.alias!r}, {self.column!r})"

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name(self.alias)}.{compiler.quote_name(self.column)}", []

    def relabeled_clone(self, change_map):
        return self.__class__(change_map.get(self.alias, self.alias), self.column, self._output_field_or_none)

    def get_group_by_cols(self):
        return [self]


class TableJoin:
    """`LEFT OUTER JOIN` or `INNER JOIN (<query>) "alias" ON (<condition>)`: an entry of Query.alias_map.

    It takes the place of django.db.models.sql.datastructures.Join, whose contract the compiler and the
    query rely on (table_name, table_alias, join_type, parent_alias, nullable, filtered_relation, as_sql(),
    relabeled_clone(), promote(), demote()). The query is compiled as a subquery of the outer query and
    the condition as one of its expressions.
    """

    filtered_relation = None

    def __init__(self, table_name, query, condition, join_type, table_alias=None, parent_alias=None):
        self.table_name, self.table_alias, self.parent_alias = table_name, table_alias, parent_alias
        self.query, self.condition = query, condition
        self.join_type = join_type
        self.nullable = join_type == LOUTER  # Query.join() then keeps the join type

    def as_sql(self, compiler, connection):
        table_sql, table_params = compiler.compile(self.query)
        on_sql, on_params = compiler.compile(self.condition)
        alias = compiler.quote_name(self.table_alias)
        return f"{self.join_type} {table_sql} {alias} ON ({on_sql})", (*table_params, *on_params)

    def relabeled_clone(self, change_map):
        return self.__class__(
            self.table_name,
            self.query,
            self.condition.relabeled_clone(change_map),
            self.join_type,
            change_map.get(self.table_alias, self.table_alias),
            change_map.get(self.parent_alias, self.parent_alias),
        )

    # The join type is the caller's: no filter reaches this table through a relation.
    def promote(self):
        return self

    def demote(self):
        return self


def join_table(queryset, alias, table, *, on, inner=False):
    """`queryset` LEFT OUTER JOIN (with `inner`: INNER JOIN) the `table` queryset AS `alias` ON `on`.

    `on` is a condition between the queryset's fields (F(); their relations are joined first) and the
    columns of this table and of tables joined before it (JoinedColumn). `alias` must be new to the query.
    """
    queryset = queryset.all()
    query = queryset.query
    parent = query.get_initial_alias()
    condition = on.resolve_expression(query, allow_joins=True, reuse=None)
    join = TableJoin(
        alias,
        table.query.resolve_expression(query),
        condition,
        INNER if inner else LOUTER,
        parent_alias=parent,
    )
    if query.join(join) != alias:
        raise ValueError(f"{alias!r} is already a table of this query")
    return queryset
