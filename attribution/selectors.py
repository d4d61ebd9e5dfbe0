"""Read queries for conflict cases and attribution. Partner reads take `partner` first."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from attribution.choices import AttributionStatus, CaseStatus
from attribution.models import (
    Attribution,
    Commission,
    ConflictCase,
    Dispute,
    DisputeAttachment,
    PayoutStatement,
)
from leads.models import Deal


def conflict_case_list(*, status: str | None = CaseStatus.OPEN):
    """Cases for staff, newest first, with their members loaded."""
    cases = ConflictCase.objects.prefetch_related("deals__partner").order_by("-created_at", "-id")
    return cases.filter(status=status) if status else cases


def deal_attribution_for_partner(*, partner, deal: Deal):
    """A partner's own approved credit lines on `deal` (or on the survivor its merged
    registration points to); never another party's share, nothing while undecided."""
    target = deal.merged_into_id or deal.pk
    return (Attribution.objects.for_partner(partner).current()
            .filter(Q(deal_id=target) | Q(source_deal=deal))
            .exclude(status=AttributionStatus.PROPOSED).order_by("id"))


# --- A partner's own pages (every query scoped with for_partner) ----------------------------


def attribution_list(*, partner):
    """The partner's own decided credit lines (approved, disputed, final), newest first,
    each with the partner's own registration; never a proposed or superseded line."""
    return (Attribution.objects.for_partner(partner)
            .filter(status__in=[AttributionStatus.APPROVED, AttributionStatus.DISPUTED,
                                AttributionStatus.FINAL])
            .select_related("source_deal", "deal").order_by("-approved_at", "-id"))


def attribution_get(*, partner, pk: int) -> Attribution:
    """One of the partner's own decided credit lines; another tenant's id is a 404."""
    return get_object_or_404(attribution_list(partner=partner), pk=pk)


def dispute_list(*, partner):
    """The partner's own disputes with their line, registration and attachments."""
    return (Dispute.objects.for_partner(partner)
            .select_related("attribution__source_deal", "attribution__deal")
            .prefetch_related("attachments").order_by("-created_at", "-id"))


def dispute_attachment_get(*, partner, pk: int):
    """An attachment of one of the partner's own disputes; another tenant's id is a 404."""
    return get_object_or_404(DisputeAttachment.objects.for_partner(partner), pk=pk)


def commission_list(*, partner, status: str | None = None):
    """The partner's own commissions (proposed, approved, paid), newest first."""
    items = (Commission.objects.for_partner(partner)
             .select_related("attribution__source_deal", "deal", "statement")
             .order_by("-created_at", "-id"))
    return items.filter(status=status) if status else items


def payout_statement_list(*, partner):
    """The partner's own payout statements, latest period first."""
    return PayoutStatement.objects.for_partner(partner).order_by("-period_end", "-id")


def payout_statement_get(*, partner, pk: int):
    """One of the partner's own statements; another tenant's id is a 404."""
    return get_object_or_404(payout_statement_list(partner=partner).select_related("partner"), pk=pk)
