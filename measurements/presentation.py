"""The measures laid out for pages, charts and CSV: one table per measure with its
definition, the rows' cells formatted by the column's kind, and the CSV rows.

Works on the selectors' aggregated rows only (one per group), never on records.
"""

from collections.abc import Iterator
from dataclasses import replace

from django.utils import numberformat
from django.utils.formats import date_format, get_format

from measurements.selectors import (
    BY_MONTH,
    BY_PARTNER,
    BY_TIER,
    HOURS,
    PER_100,
    RATE,
    MeasureResult,
    Scope,
    chart_series,
    measure_read,
    measurements_read,
    rollup,
)

CSV_HEADER = ["measure", "month", "partner", "tier", "quantity", "value", "numerator",
              "denominator", "date"]


class _Numbers:
    """Localized number formatting with the separators looked up once per page (Django's
    number_format looks them up again for every cell)."""

    def __init__(self) -> None:
        self.decimal = get_format("DECIMAL_SEPARATOR")
        self.grouping = get_format("NUMBER_GROUPING")
        self.thousands = get_format("THOUSAND_SEPARATOR")

    def __call__(self, value, decimal_pos: int | None = None) -> str:
        if self.grouping != 3:
            return numberformat.format(value, self.decimal, decimal_pos, self.grouping,
                                       self.thousands, force_grouping=True)
        text = f"{value:,.{decimal_pos}f}" if decimal_pos is not None else f"{value:,}"
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)


def cell(value, kind: str, numbers: _Numbers | None = None) -> str:
    numbers = numbers or _Numbers()
    if value is None:
        return "—"
    if kind == RATE:
        return numbers(value * 100, 1) + " %"
    if kind in (PER_100, HOURS):
        return numbers(value, 1)
    return numbers(value)


def tables(results: list[MeasureResult], scope: Scope) -> list[dict]:
    """Per measure: its definition, column labels and rows of formatted cells."""
    out, months, numbers = [], {}, _Numbers()
    for result in results:
        columns = result.measure.columns
        out.append({
            "key": result.measure.key, "title": result.measure.title,
            "numerator": result.numerator, "denominator": result.measure.denominator,
            "date": result.measure.date,
            "show_partner": scope.by == BY_PARTNER,
            "show_tier": scope.by in (BY_PARTNER, BY_TIER),
            "columns": [c.label for c in columns],
            "rows": [{"month": months.get(row.month) or months.setdefault(
                          row.month, date_format(row.month, "YEAR_MONTH_FORMAT")),
                      "partner": row.partner, "tier": row.tier,
                      "cells": [cell(row.values.get(c.key), c.kind, numbers) for c in columns]}
                     for row in result.rows],
        })
    return out


def dashboard(partner, *, scope: Scope) -> dict:
    """Tables for the scope's grouping and month-by-month charts. The charts' month totals
    are rolled up from the tables' groups; only medians (not additive) are read again by
    month."""
    results = measurements_read(partner, scope=scope)
    if scope.by == BY_MONTH:
        monthly = results
    else:
        by_month = replace(scope, by=BY_MONTH)
        monthly = [rollup(r) if r.measure.additive
                   else measure_read(r.measure, partner, scope=by_month) for r in results]
    return {"tables": tables(results, scope), "charts": chart_series(monthly, scope),
            "results": results}


def csv_rows(results: list[MeasureResult]) -> Iterator[list]:
    """One line per group and quantity (long format), numbers left as numbers."""
    for result in results:
        m = result.measure
        definition = [str(result.numerator), str(m.denominator), str(m.date)]
        for row in result.rows:
            month = row.month.strftime("%Y-%m")
            for column in m.columns:
                yield [m.key, month, row.partner, row.tier, column.key,
                       row.values.get(column.key), *definition]


def api_payload(results: list[MeasureResult], scope: Scope) -> dict:
    """The API's answer: each measure's definition and its rows (values by column key)."""
    return {
        "month_from": scope.month_from.strftime("%Y-%m"),
        "month_to": scope.month_to.strftime("%Y-%m"), "by": scope.by,
        "measures": [{
            "key": r.measure.key, "title": str(r.measure.title),
            "numerator": str(r.numerator), "denominator": str(r.measure.denominator),
            "date": str(r.measure.date),
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind}
                        for c in r.measure.columns],
            "rows": [{"month": row.month.strftime("%Y-%m"),
                      "partner": ({"id": row.partner_id, "name": row.partner}
                                  if row.partner_id else None),
                      "tier": {"id": row.tier_id, "name": row.tier} if row.tier_id else None,
                      "values": row.values} for row in r.rows],
        } for r in results],
    }

