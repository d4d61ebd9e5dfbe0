"""Project-level views: the home redirect and a health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from partnerportal.decorators import staff_start_url


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each kind of user to their start page."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.membership is not None:
        return redirect("leads:deal-list")
    if request.user.is_staff:
        return redirect(staff_start_url(request.user))
    return redirect("partners:profile")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
