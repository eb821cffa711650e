"""Database functions Django lacks, written for both SQLite and PostgreSQL."""

from django.db.models import DateField, Func, IntegerField, Value


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (``end - start``); NULL when either is NULL."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, start, end, **extra):
        super().__init__(_as_date(start), _as_date(end), **extra)

    def _compiled(self, compiler, connection):
        start_sql, start_params = compiler.compile(self.source_expressions[0])
        end_sql, end_params = compiler.compile(self.source_expressions[1])
        return start_sql, end_sql, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra_context):
        start_sql, end_sql, params = self._compiled(compiler, connection)
        # date - date is an integer number of days in PostgreSQL.
        return f"(CAST({end_sql} AS date) - CAST({start_sql} AS date))", params

    def as_sqlite(self, compiler, connection, **extra_context):
        start_sql, end_sql, params = self._compiled(compiler, connection)
        return f"CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER)", params


def _as_date(expression):
    if hasattr(expression, "resolve_expression") or isinstance(expression, str):
        return expression
    return Value(expression, output_field=DateField())
