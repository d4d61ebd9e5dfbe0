"""Staff pages for vendor leads: the "Vendor leads" queue beside the review queue (leads by
state, offers awaiting approval, offers near or past their SLA, overrides), a lead with its
recommendation, match and offer history (approve with one click, or offer another
candidate with a reason), the new-lead form and CSV imports with progress.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.choices import ImportStatus
from distribution import imports, selectors, services
from distribution.choices import OfferStatus, VendorLeadStatus
from distribution.forms import OfferOverrideForm, VendorLeadForm, VendorLeadImportForm
from distribution.models import Offer
from partnerportal.decorators import staff_required
from partnerportal.exceptions import ApplicationError
from partnerportal.forms import add_service_error
from partnerportal.htmx import render_page_or_partial
from partners.choices import REVIEWER_ROLES

LIST_LIMIT = 100


@require_GET
@staff_required
def vendor_lead_queue(request: HttpRequest) -> HttpResponse:
    """Leads by state, offers awaiting approval, offers near or past SLA, overrides."""
    status = request.GET.get("status", "")
    status = status if status in VendorLeadStatus.values else ""
    context = {
        "status": status,
        "statuses": VendorLeadStatus.choices,
        "counts": selectors.vendor_lead_status_counts(),
        "leads": selectors.vendor_lead_list(status=status)[:LIST_LIMIT],
        "awaiting": selectors.offers_awaiting_approval(),
        "near_sla": selectors.offers_near_sla(),
        "overrides": selectors.override_counts(),
        "recent_overrides": selectors.recent_overrides(),
    }
    return render(request, "reviews/vendor_lead_queue.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(roles=REVIEWER_ROLES)
def vendor_lead_new(request: HttpRequest) -> HttpResponse:
    """Type a vendor lead; the worker prepares it (match, duplicate check, top 3)."""
    form = VendorLeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.vendor_lead_create(
                actor=request.user, data=form.model_fields(), terms=form.cleaned_data["terms"],
                products=form.cleaned_data["products"])
        except (ValidationError, ApplicationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(ref)s created; matching runs now.") % {
                "ref": lead.reference})
            return redirect(lead)
    return render(request, "reviews/vendor_lead_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, lead, override_form=None) -> dict:
    rec = selectors.recommendation_latest(lead=lead)
    offers = list(selectors.lead_offers(lead=lead))
    pending = next((o for o in offers if o.status == OfferStatus.PENDING_APPROVAL), None)
    candidates = rec.candidates if rec else []
    can_offer = lead.status == VendorLeadStatus.READY and bool(candidates)
    return {
        "lead": lead, "rec": rec, "offers": offers, "pending": pending,
        "in_progress": lead.status == VendorLeadStatus.NEW,
        "override_form": override_form or (OfferOverrideForm(candidates=candidates)
                                           if can_offer else None),
    }


@require_GET
@staff_required
def vendor_lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead with its contact, held match, recommendation (factors and evidence) and offers."""
    lead = selectors.vendor_lead_get(pk=pk)
    return render_page_or_partial(request, "reviews/vendor_lead_detail.html",
                                  "reviews/vendor_lead_status.html",
                                  _detail_context(request, lead))


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def vendor_lead_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer the lead to a chosen candidate (another than the top one needs a reason)."""
    lead = selectors.vendor_lead_get(pk=pk)
    rec = selectors.recommendation_latest(lead=lead)
    form = OfferOverrideForm(request.POST, candidates=rec.candidates if rec else [])
    if form.is_valid():
        try:
            offer = services.offer_make(actor=request.user, lead=lead,
                                        partner_id=form.cleaned_data["partner"],
                                        override_reason=form.cleaned_data["override_reason"])
        except (ValidationError, ApplicationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Offered to %(p)s.") % {"p": offer.partner.name})
            return redirect(lead)
    return render(request, "reviews/vendor_lead_detail.html",
                  _detail_context(request, lead, override_form=form), status=400)


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def vendor_lead_offer_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the offer awaiting approval goes to its (top) partner."""
    offer = get_object_or_404(Offer.objects.select_related("lead", "partner"), pk=pk)
    try:
        services.offer_approve(actor=request.user, offer=offer)
        messages.success(request, _("Offered to %(p)s.") % {"p": offer.partner.name})
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(offer.lead)


@require_http_methods(["GET", "POST"])
@staff_required
def vendor_lead_import_list(request: HttpRequest) -> HttpResponse:
    """Recent vendor-lead imports and the upload form (partner owners, program admins)."""
    form = VendorLeadImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = imports.vendor_lead_import_create(actor=request.user,
                                                     uploaded_file=form.cleaned_data["file"])
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            return redirect("reviews:vendor-lead-import-detail", pk=item.pk)
    return render(request, "reviews/vendor_lead_import_list.html", {
        "form": form, "imports": selectors.vendor_lead_import_list()[:50],
        "columns": imports.COLUMNS}, status=400 if form.errors else 200)


@require_GET
@staff_required
def vendor_lead_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import's progress and bad rows; htmx polls the progress fragment."""
    item = selectors.vendor_lead_import_get(pk=pk)
    context = {"item": item,
               "in_progress": item.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)}
    return render_page_or_partial(request, "reviews/vendor_lead_import_detail.html",
                                  "reviews/vendor_lead_import_progress.html", context)
