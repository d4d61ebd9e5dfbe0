"""A partner's scorecard (/partner/scorecard/): the program's measures for its own
organization only, month by month, and how its profile scores in matching."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from measurements.forms import ScorecardFilterForm
from measurements.presentation import CSV_HEADER, csv_rows, dashboard
from measurements.selectors import measurements_read
from partnerportal.csv import csv_response
from partnerportal.decorators import partner_member_required


def _matching_card(partner):
    """The matching factors of `partner`'s profile (distribution.matching.scorecard), or
    None when it keeps no capability profile (it is then never matched)."""
    from distribution.matching import scorecard
    from partners.models import CapabilityProfile

    if not CapabilityProfile.objects.filter(partner=partner).exists():
        return None
    return scorecard(partner=partner)


@require_GET
@partner_member_required
def scorecard(request: HttpRequest) -> HttpResponse:
    """Every measure, scoped to `request.partner` by the selectors' tenant argument."""
    filters = ScorecardFilterForm(request.GET)
    if not filters.is_valid():
        return render(request, "measurements/scorecard.html", {"filters": filters}, status=400)
    context = dashboard(request.partner, scope=filters.scope())
    return render(request, "measurements/scorecard.html", {
        "filters": filters, "tables": context["tables"], "charts": context["charts"],
        "card": _matching_card(request.partner), "query": request.GET.urlencode()})


@require_GET
@partner_member_required
def scorecard_csv(request: HttpRequest) -> HttpResponse:
    """The scorecard's measures as CSV (the organization's own numbers only)."""
    filters = ScorecardFilterForm(request.GET)
    if not filters.is_valid():
        return render(request, "measurements/scorecard.html", {"filters": filters}, status=400)
    scope = filters.scope()
    results = measurements_read(request.partner, scope=scope)
    name = f"scorecard-{scope.month_from:%Y-%m}-{scope.month_to:%Y-%m}.csv"
    return csv_response(filename=name, header=CSV_HEADER, rows=csv_rows(results))
