"""Reads for vendor leads, offers and outcome reports. Partner reads take `partner` first
and are scoped with `for_partner()`; another organization's id raises Http404."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from distribution import matching
from distribution.choices import OfferStatus, VendorLeadStatus
from distribution.models import (
    Offer,
    OutcomeReport,
    Recommendation,
    VendorLead,
    VendorLeadImport,
)
from distribution.services import REPORTABLE_DEAL_STATUSES
from leads.models import Deal
from partners.models import PartnerOrganization

# An offer whose answer is due within this many hours is "near SLA" on the staff queue.
NEAR_SLA_HOURS = 4


# --- staff ------------------------------------------------------------------------------


def vendor_lead_list(*, status: str = "") -> QuerySet[VendorLead]:
    """Vendor leads, newest first, optionally of one status, with their creator loaded."""
    leads = VendorLead.objects.select_related("created_by").order_by("-created_at", "-id")
    return leads.filter(status=status) if status else leads


def vendor_lead_status_counts() -> dict[str, int]:
    """How many leads are in each status (one aggregate query)."""
    rows = VendorLead.objects.values("status").annotate(n=Count("id")).order_by()
    counts = {s: 0 for s in VendorLeadStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def vendor_lead_get(*, pk: int) -> VendorLead:
    lead = (VendorLead.objects.select_related("created_by", "held_deal", "held_account")
            .prefetch_related("terms", "products").filter(pk=pk).first())
    if lead is None:
        raise Http404
    return lead


def recommendation_latest(*, lead: VendorLead) -> Recommendation | None:
    return (Recommendation.objects.select_related("weights").filter(lead=lead)
            .order_by("-computed_at", "-id").first())


def lead_offers(*, lead: VendorLead) -> QuerySet[Offer]:
    """The lead's offer history, oldest first."""
    return (Offer.objects.filter(lead=lead)
            .select_related("partner", "approved_by", "responded_by", "deal")
            .order_by("created_at", "id"))


def offers_awaiting_approval() -> QuerySet[Offer]:
    return (Offer.objects.filter(status=OfferStatus.PENDING_APPROVAL)
            .select_related("lead", "partner").order_by("created_at", "id"))


def offers_near_sla(*, now: datetime | None = None) -> QuerySet[Offer]:
    """Offered leads whose answer is due within NEAR_SLA_HOURS or already late."""
    now = now or timezone.now()
    return (Offer.objects.filter(status=OfferStatus.OFFERED,
                                 due_at__lte=now + timedelta(hours=NEAR_SLA_HOURS))
            .select_related("lead", "partner").order_by("due_at", "id"))


def override_counts() -> dict[str, int]:
    """Offers made overriding the recommendation, and all offers sent (one query)."""
    return Offer.objects.exclude(offered_at=None).aggregate(
        sent=Count("id"), overrides=Count("id", filter=Q(is_override=True)))


def recent_overrides(*, limit: int = 20) -> QuerySet[Offer]:
    return (Offer.objects.filter(is_override=True).exclude(offered_at=None)
            .select_related("lead", "partner", "approved_by").order_by("-offered_at")[:limit])


def vendor_lead_import_list() -> QuerySet[VendorLeadImport]:
    return VendorLeadImport.objects.select_related("created_by").order_by("-created_at", "-id")


def vendor_lead_import_get(*, pk: int) -> VendorLeadImport:
    item = VendorLeadImport.objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


# --- partner ----------------------------------------------------------------------------


def offer_list(*, partner: PartnerOrganization) -> QuerySet[Offer]:
    """Offers made to `partner` (sent ones only: an offer awaiting approval is staff's)."""
    return (Offer.objects.for_partner(partner).exclude(offered_at=None)
            .select_related("lead", "deal").order_by("-offered_at", "-id"))


def offer_get(*, partner: PartnerOrganization, pk: int) -> Offer:
    """One offer made to `partner`; any other id (or one not sent yet) raises Http404."""
    offer = (Offer.objects.for_partner(partner).exclude(offered_at=None)
             .select_related("lead", "deal").prefetch_related("lead__terms")
             .filter(pk=pk).first())
    if offer is None:
        raise Http404
    return offer


def reportable_deal_get(*, partner: PartnerOrganization, pk: int) -> Deal:
    """One of `partner`'s deals (Http404 otherwise). Whether it takes reports is the
    service's rule (`REPORTABLE_DEAL_STATUSES`)."""
    deal = Deal.objects.for_partner(partner).select_related("sales_owner").filter(pk=pk).first()
    if deal is None:
        raise Http404
    return deal


def deal_is_reportable(deal: Deal) -> bool:
    return deal.status in REPORTABLE_DEAL_STATUSES


def outcome_report_list(*, partner: PartnerOrganization, deal: Deal) -> QuerySet[OutcomeReport]:
    return (OutcomeReport.objects.for_partner(partner).filter(deal=deal)
            .select_related("reported_by").order_by("-reported_at", "-id"))


def staff_outcome_reports(*, deal: Deal) -> QuerySet[OutcomeReport]:
    """A deal's outcome reports for the staff deal page (beside the sales owner's record)."""
    return (OutcomeReport.objects.filter(deal=deal).select_related("reported_by")
            .order_by("-reported_at", "-id"))


def compliance(*, partner: PartnerOrganization) -> dict:
    """The partner's reporting record and its overdue deals ("Want leads? Report back.")."""
    figures = matching.reporting_compliance(partner=partner)
    overdue = list(matching.reports_overdue(partner=partner).order_by("decided_at")[:20])
    return {**figures, "overdue_deals": overdue}


def deal_outcome_comparison(*, deal: Deal) -> dict | None:
    """The partner's outcome reports beside the sales owner's record, for the staff deal
    and handoff pages: the reports (newest first, one query) and what sales recorded
    (status, conversion, won amount or lost reason). The reports are the partner's word;
    they never change the record. None for a deal that was never accepted and has none."""
    reports = list(staff_outcome_reports(deal=deal))
    if not reports and deal.status not in REPORTABLE_DEAL_STATUSES:
        return None
    return {
        "reports": reports,
        "sales": {"status": deal.status, "status_label": deal.get_status_display(),
                  "converted_at": deal.converted_at, "closed_at": deal.closed_at,
                  "won_amount": deal.won_amount if deal.status == "won" else None,
                  "lost_reason": deal.lost_reason if deal.status == "lost" else "",
                  "currency": deal.currency},
    }
