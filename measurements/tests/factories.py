"""A small program with known numbers for the measurement tests.

Rows are written directly (not through the services) so every date is exactly the one a
test names; each helper writes what the service would leave behind for the measure.
"""

from datetime import UTC, datetime
from decimal import Decimal

from attribution.models import Attribution, Dispute
from distribution.models import Offer, OutcomeReport, VendorLead
from leads.choices import DealSource, DealStatus, MatchKind, MatchTarget
from leads.models import Deal, DealStatusChange, DuplicateMatch
from leads.tests.factories import DealFactory
from reviews.choices import DecisionKind
from reviews.models import Decision, RejectionReason


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def submitted(partner, when: datetime, **fields) -> Deal:
    fields.setdefault("status", DealStatus.IN_REVIEW)
    deal = DealFactory(partner=partner, submitted_at=when, **fields)
    if when is not None:
        DealStatusChange.objects.create(deal=deal, partner=partner, from_status="",
                                        to_status=DealStatus.IN_REVIEW, at=when)
    return deal


def move(deal: Deal, before: str, after: str, when: datetime) -> None:
    DealStatusChange.objects.create(deal=deal, partner=deal.partner, from_status=before,
                                    to_status=after, at=when)


def decide(deal: Deal, kind: str, when: datetime, actor) -> Decision:
    """A decision and the deal's state after it (`decided_at`, the status change)."""
    # get_or_create: transactional (live-server) tests flush the reasons the migration seeded.
    code = (RejectionReason.objects.get_or_create(code="other", defaults={"label": "Other"})[0]
            if kind == DecisionKind.REJECT else None)
    decision = Decision.objects.create(deal=deal, partner=deal.partner, kind=kind, actor=actor,
                                       reason_code=code, created_at=when)
    if kind in (DecisionKind.ACCEPT, DecisionKind.REJECT):
        after = DealStatus.ACCEPTED if kind == DecisionKind.ACCEPT else DealStatus.REJECTED
        Deal.objects.filter(pk=deal.pk).update(status=after, decided_at=when)
    return decision


def match(deal: Deal, kind: str, other: Deal) -> DuplicateMatch:
    return DuplicateMatch.objects.create(
        deal=deal, kind=kind, target_type=MatchTarget.DEAL, target_deal=other,
        target_key=f"deal:{other.pk}", score=Decimal("0.950"))


def approved_line(deal: Deal, when: datetime, *, direct: bool = False) -> Attribution:
    return Attribution.objects.create(
        deal=deal, partner=None if direct else deal.partner, source_deal=None if direct else deal,
        direct=direct, role="sourced", share=Decimal("100.00"), status="approved",
        approved_at=when)


def dispute(line: Attribution, when: datetime, actor) -> Dispute:
    item = Dispute.objects.create(attribution=line, partner=line.partner, opened_by=actor,
                                  text="=HYPERLINK(\"x\")")
    Dispute.objects.filter(pk=item.pk).update(created_at=when)
    return item


def vendor_lead(actor, name: str = "Initech") -> VendorLead:
    return VendorLead.objects.create(company_name=name, created_by=actor)


def offer(lead: VendorLead, partner, when: datetime | None, *, status: str = "offered",
          override: bool = False, **fields) -> Offer:
    if status == "declined":
        fields.setdefault("decline_reason", "No capacity")
    return Offer.objects.create(
        lead=lead, partner=partner, status=status, offered_at=when, is_override=override,
        override_reason="Knows the customer" if override else "", **fields)


def offer_deal(offer_row: Offer, when: datetime, actor, **fields) -> Deal:
    """The deal an accepted offer creates (vendor source, accepted at `when`)."""
    fields.setdefault("status", DealStatus.ACCEPTED)
    deal = DealFactory(partner=offer_row.partner, source=DealSource.VENDOR,
                       vendor_lead=offer_row.lead, submitted_at=when, decided_at=when,
                       created_by=actor, **fields)
    Offer.objects.filter(pk=offer_row.pk).update(deal=deal, status="accepted")
    return deal


def report(deal: Deal, stage: str, when: datetime, actor) -> OutcomeReport:
    return OutcomeReport.objects.create(partner=deal.partner, deal=deal, stage=stage,
                                        reported_by=actor, reported_at=when,
                                        lost_reason="Budget" if stage == "lost" else "")


__all__ = ["MatchKind", "at", "submitted", "move", "decide", "match", "approved_line",
           "dispute", "vendor_lead", "offer", "offer_deal", "report"]
