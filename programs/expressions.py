"""Database expressions shared by the models."""

from django.db import models


class AddDays(models.Func):
    """`date + days` computed by the database, deterministic so it can back a GeneratedField."""

    arity = 2
    output_field = models.DateField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # date('2025-06-23', '+106 days'); date() without 'now' is deterministic, as generated columns need.
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '+' || ",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        # date + integer is a date in PostgreSQL, and immutable.
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" + ", **extra_context
        )
