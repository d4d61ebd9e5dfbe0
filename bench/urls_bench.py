"""Bench-only URLs (bench/pages.py): the product's URLs plus a bare reference page. Never
part of the product's URL configuration."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import path

from leads.models import Deal
from partnerportal.urls import urlpatterns as product_urlpatterns

BARE_ROWS = 1000


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    """What plain Django serves: 25 of 1,000 rows, their count and a small template (no
    context processors), behind the same middleware and login as every page."""
    rows = Deal.objects.filter(pk__lte=BARE_ROWS).order_by("-pk")
    context = {"user": request.user, "count": rows.count(),
               "rows": rows.only("pk", "company_name", "status", "created_at")[:25]}
    return HttpResponse(render_to_string("bench/bare.html", context))


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *product_urlpatterns]
