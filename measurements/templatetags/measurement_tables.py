"""The body of a measure's table, built in one pass: a page by partner and month holds a
few thousand cells, and a template loop per cell would cost more than the queries."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def measure_rows(table: dict) -> SafeString:
    """<tr> rows of `table` (from measurements.presentation.tables), every value escaped."""
    lead = ["month"] + (["partner"] if table["show_partner"] else []) + (
        ["tier"] if table["show_tier"] else [])
    lines = []
    for row in table["rows"]:
        labels = "".join(f"<td>{escape(str(row[key]))}</td>" for key in lead)
        numbers = "".join(f'<td class="text-end">{escape(value)}</td>'
                          for value in row["cells"])
        lines.append(f"<tr>{labels}{numbers}</tr>")
    return mark_safe("\n".join(lines))  # noqa: S308 (every value went through escape above)
