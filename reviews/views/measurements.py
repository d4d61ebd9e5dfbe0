"""Staff measurement dashboard (/staff/measurements/): the program's measures by partner,
tier and month, with their definitions, charts and a CSV export.

The measures themselves live in `measurements.selectors` (one selector each); this module
only reads the filters and renders. Open to every vendor staff user with a second factor.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from measurements.forms import MeasurementFilterForm
from measurements.presentation import CSV_HEADER, csv_rows, dashboard
from measurements.selectors import measurements_read
from partnerportal.csv import csv_response
from partnerportal.decorators import staff_required


@require_GET
@staff_required
def measurements_dashboard(request: HttpRequest) -> HttpResponse:
    """The measures for the chosen months, partner and tier; bad filters are named beside
    their field (400) and nothing is read."""
    filters = MeasurementFilterForm(request.GET)
    if not filters.is_valid():
        return render(request, "reviews/measurements.html", {"filters": filters}, status=400)
    context = dashboard(filters.chosen_partner(), scope=filters.scope())
    return render(request, "reviews/measurements.html", {
        "filters": filters, "tables": context["tables"], "charts": context["charts"],
        "query": request.GET.urlencode()})


@require_GET
@staff_required
def measurements_csv(request: HttpRequest) -> HttpResponse:
    """The same measures as CSV (one line per group and quantity) through the shared
    formula-safe writer."""
    filters = MeasurementFilterForm(request.GET)
    if not filters.is_valid():
        return render(request, "reviews/measurements.html", {"filters": filters}, status=400)
    scope = filters.scope()
    results = measurements_read(filters.chosen_partner(), scope=scope)
    name = f"measurements-{scope.month_from:%Y-%m}-{scope.month_to:%Y-%m}.csv"
    return csv_response(filename=name, header=CSV_HEADER, rows=csv_rows(results))
