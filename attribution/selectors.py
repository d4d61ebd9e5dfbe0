"""Read queries for conflict cases and attribution. Partner reads take `partner` first."""

from django.db.models import Q

from attribution.choices import AttributionStatus, CaseStatus
from attribution.models import Attribution, ConflictCase
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
