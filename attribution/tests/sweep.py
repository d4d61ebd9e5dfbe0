"""Objects of one deal's partner for the tenant sweep (tests/test_tenant_isolation.py):
a conflict case, a credit line, a commission, a payout statement, a dispute and its
attachment, each created on first use."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from attribution.models import (
    Attribution,
    Commission,
    ConflictCase,
    Dispute,
    DisputeAttachment,
    PayoutStatement,
)
from leads.models import Deal


def case_of(deal: Deal) -> int:
    if deal.conflict_case_id is None:
        deal.conflict_case = ConflictCase.objects.create()
        Deal.objects.filter(pk=deal.pk).update(conflict_case=deal.conflict_case)
    return deal.conflict_case_id


def attribution_of(deal: Deal) -> Attribution:
    return Attribution.objects.get_or_create(
        deal=deal, partner=deal.partner, source_deal=deal,
        defaults={"role": "sourced", "share": Decimal("100.00"), "status": "approved",
                  "dispute_until": timezone.now() + timedelta(days=30)})[0]


def commission_of(deal: Deal) -> int:
    line = attribution_of(deal)
    return Commission.objects.get_or_create(
        deal=deal, attribution=line, partner=deal.partner,
        defaults={"base_amount": Decimal("1000.00"), "share": line.share,
                  "amount": Decimal("100.00"), "currency": "USD"})[0].pk


def payout_of(deal: Deal) -> int:
    return PayoutStatement.objects.get_or_create(
        partner=deal.partner, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31),
        currency="USD", defaults={"total": Decimal("100.00"), "issued_at": timezone.now(),
                                  "issued_by": deal.created_by})[0].pk


def dispute_of(deal: Deal) -> int:
    line = attribution_of(deal)
    return Dispute.objects.get_or_create(
        attribution=line, partner=deal.partner,
        defaults={"opened_by": deal.created_by, "text": "Not fair"})[0].pk


def attachment_of(deal: Deal) -> int:
    dispute = Dispute.objects.get(pk=dispute_of(deal))
    item = dispute.attachments.first()
    if item is None:
        item = DisputeAttachment.objects.create(
            dispute=dispute, file=ContentFile(b"evidence", name="evidence.txt"),
            original_name="evidence.txt", content_type="text/plain", size=8)
    return item.pk
