"""Sales handoff: "My handoffs" and one handed-over deal, where its sales owner converts it
to a CRM opportunity and records it won or lost.

Any staff user with a second factor may look; only the deal's sales owner may act (the
services check it too, so a POST by anyone else answers 403 before any input is read).
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from distribution import selectors as distribution_selectors
from leads import selectors as lead_selectors
from leads.choices import DealStatus
from leads.models import Deal
from partnerportal.decorators import staff_required
from partnerportal.exceptions import InvalidTransition
from partnerportal.forms import add_service_error
from reviews.forms import HandoffConvertForm, HandoffLostForm, HandoffWonForm
from reviews.services import deal_convert, deal_record_lost, deal_record_won

PAGE_SIZE = 50


@require_GET
@staff_required
def handoff_list(request: HttpRequest) -> HttpResponse:
    """The deals handed to me: open handoff tasks first, due soonest."""
    deals = lead_selectors.staff_handoff_list(sales_owner=request.user)
    page = Paginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/handoff_list.html", {"page": page, "now": timezone.now()})


def _convert(request: HttpRequest, deal: Deal, data: dict) -> str:
    deal = deal_convert(actor=request.user, deal=deal, opportunity=data["opportunity"],
                        opportunity_name=data["opportunity_name"])
    return _("%(ref)s converted to the opportunity %(opp)s.") % {
        "ref": deal.reference, "opp": deal.opportunity.external_id}


def _won(request: HttpRequest, deal: Deal, data: dict) -> str:
    deal = deal_record_won(actor=request.user, deal=deal, amount=data["amount"])
    return _("%(ref)s recorded as won.") % {"ref": deal.reference}


def _lost(request: HttpRequest, deal: Deal, data: dict) -> str:
    deal = deal_record_lost(actor=request.user, deal=deal, reason=data["reason"])
    return _("%(ref)s recorded as lost.") % {"ref": deal.reference}


# The `action` a POST names: its form, and the service call it makes.
ACTIONS: dict[str, tuple[type[forms.Form], Callable[[HttpRequest, Deal, dict], str]]] = {
    "convert": (HandoffConvertForm, _convert),
    "won": (HandoffWonForm, _won),
    "lost": (HandoffLostForm, _lost),
}


@require_http_methods(["GET", "POST"])
@staff_required
def handoff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One handed-over deal; its sales owner converts it and records the result."""
    deal = lead_selectors.staff_handoff_get(pk=pk)
    bound = {name: form_class() for name, (form_class, _call) in ACTIONS.items()}
    status = 200
    if request.method == "POST":
        if deal.sales_owner_id != request.user.pk:
            raise PermissionDenied(_("Only the deal's sales owner may record this."))
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            messages.error(request, _("Choose what to record: convert, won or lost."))
            return redirect("reviews:handoff-detail", pk=deal.pk)
        form_class, call = ACTIONS[action]
        form = bound[action] = form_class(request.POST)
        if form.is_valid():
            try:
                messages.success(request, call(request, deal, form.cleaned_data))
                return redirect("reviews:handoff-detail", pk=deal.pk)
            except InvalidTransition as error:
                messages.error(request, error.message)
                return redirect("reviews:handoff-detail", pk=deal.pk)
            except ValidationError as error:
                add_service_error(form, error)
        status = 400
    return render(request, "reviews/handoff_detail.html", {
        "deal": deal, "forms": bound, "is_sales_owner": deal.sales_owner_id == request.user.pk,
        "handoff_task": next(iter(deal.open_handoff_tasks), None),
        "outcome_comparison": distribution_selectors.deal_outcome_comparison(deal=deal),
        "can_convert": deal.status == DealStatus.ACCEPTED and not deal.routing_paused,
        "can_close": deal.status == DealStatus.CONVERTED,
    }, status=status)
