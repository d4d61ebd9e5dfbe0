"""Partner pages for vendor leads: my offers, an offer with "why you" (accept or decline),
and outcome reports on a deal (a fragment the partner's deal page loads)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from distribution import selectors, services
from distribution.choices import OfferStatus
from distribution.forms import OfferDeclineForm, OutcomeReportForm
from partnerportal.decorators import partner_member_required
from partnerportal.exceptions import ApplicationError
from partnerportal.forms import add_service_error


@require_GET
@partner_member_required
def offer_list(request: HttpRequest) -> HttpResponse:
    """Leads offered to my organization, and my reporting record."""
    return render(request, "distribution/offer_list.html", {
        "offers": selectors.offer_list(partner=request.partner),
        "compliance": selectors.compliance(partner=request.partner),
    })


def _detail(request: HttpRequest, offer, decline_form=None, status: int = 200) -> HttpResponse:
    answerable = offer.status == OfferStatus.OFFERED and offer.due_at > timezone.now()
    return render(request, "distribution/offer_detail.html", {
        "offer": offer, "lead": offer.lead, "why": offer.explanation or {},
        # The contact's personal details only once this organization accepted.
        "show_contact": offer.status == OfferStatus.ACCEPTED,
        "answerable": answerable,
        "decline_form": decline_form or (OfferDeclineForm() if answerable else None),
    }, status=status)


@require_GET
@partner_member_required
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead's summary, need and next steps, why we were chosen, accept or decline."""
    return _detail(request, selectors.offer_get(partner=request.partner, pk=pk))


@require_POST
@partner_member_required
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get(partner=request.partner, pk=pk)
    try:
        offer = services.offer_accept(partner=request.partner, actor=request.user, offer=offer)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(offer)
    messages.success(request, _("Accepted: %(ref)s is yours. Contact the customer and report "
                                "back.") % {"ref": offer.deal.reference})
    return redirect(offer.deal)


@require_POST
@partner_member_required
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get(partner=request.partner, pk=pk)
    form = OfferDeclineForm(request.POST)
    if form.is_valid():
        try:
            services.offer_decline(partner=request.partner, actor=request.user, offer=offer,
                                   reason=form.cleaned_data["reason"])
        except (ValidationError, ApplicationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Declined. Thank you for the reason."))
            return redirect("distribution:offer-list")
    return _detail(request, offer, decline_form=form, status=400)


@require_http_methods(["GET", "POST"])
@partner_member_required
def deal_outcomes(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal's outcome reports and the form to add one (htmx fragment or full page)."""
    deal = selectors.reportable_deal_get(partner=request.partner, pk=pk)
    form = OutcomeReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.outcome_report(partner=request.partner, actor=request.user, deal=deal,
                                        **form.cleaned_data)
            except (ValidationError, ApplicationError) as error:
                add_service_error(form, error)
            else:
                if not request.htmx:
                    messages.success(request, _("Outcome reported."))
                    return redirect(deal)
                form = OutcomeReportForm()
        status = 400 if form.errors else 200
    context = {"deal": deal, "form": form if selectors.deal_is_reportable(deal) else None,
               "reports": selectors.outcome_report_list(partner=request.partner, deal=deal)}
    template = ("distribution/partials/outcomes.html" if request.htmx
                else "distribution/deal_outcomes.html")
    return render(request, template, context, status=status)
