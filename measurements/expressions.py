"""SQL expressions the measures need beyond Django's own: seconds since the epoch, and
percentiles (PostgreSQL's `percentile_cont`, with a SQLite fallback).

On PostgreSQL a group's median and p90 come from the database in the grouped query itself.
SQLite has no ordered-set aggregates: there the grouped query returns each group's values
concatenated (`group_concat`, still one aggregate query), and `percentile_cont` below
computes the same linear interpolation as PostgreSQL over that already-aggregated list.
"""

import math

from django.contrib.postgres.fields import ArrayField
from django.db import NotSupportedError
from django.db.models import Aggregate, FloatField, Func, TextField


class EpochSeconds(Func):
    """A timestamp as seconds since 1970-01-01 UTC (float), so durations are plain numbers
    that add, subtract and sort alike on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(f"EpochSeconds is not implemented for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template="EXTRACT(EPOCH FROM %(expressions)s)::double precision",
                              **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores SQLite timestamps as UTC text; julianday() reads it, with fractions.
        return super().as_sql(compiler, connection,
                              template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
                              **extra)


class PercentilesCont(Aggregate):
    """PostgreSQL `percentile_cont(ARRAY[...]) WITHIN GROUP (ORDER BY expr)`: several
    continuous percentiles of one ordered group in a single pass (returns float[])."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(ARRAY[%(fractions)s]::double precision[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())

    def __init__(self, expression, fractions: tuple[float, ...], **extra):
        # Constants of our own, formatted as numbers (never user input in the SQL text).
        text = ", ".join(f"{float(f):.6f}" for f in fractions)
        super().__init__(expression, fractions=text, **extra)

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor != "postgresql":
            raise NotSupportedError("percentile_cont needs PostgreSQL; use GroupConcat")
        return super().as_sql(compiler, connection, **extra)


class GroupConcat(Aggregate):
    """SQLite's `group_concat(expr)`: a group's values as one comma-separated text."""

    function = "GROUP_CONCAT"
    output_field = TextField()


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over `values`: linear interpolation between the two
    nearest ranks of the sorted list; None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def parse_concat(text: str | None) -> list[float]:
    """The numbers of a `group_concat` text ('' or None is no numbers)."""
    return [float(v) for v in text.split(",") if v] if text else []
