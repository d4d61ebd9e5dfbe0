"""Fixtures for attribution tests: vendor people, a screened conflict pair, a resolved and
won split with approved commissions."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from attribution.choices import CommissionKind
from attribution.compensation import commission_approve
from attribution.models import Commission, CommissionRule, ConflictCase
from attribution.services import conflict_case_resolve
from leads.choices import DealStatus
from leads.models import Deal
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.services import deal_accept, deal_convert, deal_record_won


@dataclass
class People:
    owner: object  # partner owner: resolves cases and disputes, approves commissions
    sales: object  # sales owner: converts and records won
    admin: object  # program admin: issues statements and marks them paid


@pytest.fixture
def people(partner_a, partner_b) -> People:
    owner = StaffFactory(email="po@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    for partner in (partner_a, partner_b):
        partner.partner_owner = owner
        partner.save()
    return People(owner=owner,
                  sales=StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER]),
                  admin=StaffFactory(email="pa@vendor.test", roles=[StaffRole.PROGRAM_ADMIN]))


def submitted(**kwargs) -> Deal:
    return DealFactory(status=DealStatus.SUBMITTED, **kwargs)


def screened(*deals: Deal) -> list[Deal]:
    """Screen the deals in the given order (the tasks step joins cases); fresh copies."""
    for deal in deals:
        deal_screening_run(deal_id=deal.pk)
    return [Deal.objects.get(pk=deal.pk) for deal in deals]


@pytest.fixture
def conflict_pair(partner_a, partner_b, admin_a, admin_b, people) -> tuple[Deal, Deal]:
    """Partner A registered Globex three days before partner B did; both screened."""
    now = timezone.now()
    first = submitted(partner=partner_a, created_by=admin_a, company_name="Globex Corporation",
                      website="globex.com", contact_email="hank@globex.com",
                      submitted_at=now - timedelta(days=3))
    second = submitted(partner=partner_b, created_by=admin_b, company_name="GLOBEX Corp.", website="",
                       contact_email="h.scorpio@globex.com", submitted_at=now)
    return tuple(screened(first, second))


SPLIT_60_40 = "60/40"


def resolve_split(case: ConflictCase, owner, first: Deal, second: Deal,
                  shares: tuple[str, str] = ("60.00", "40.00")) -> None:
    conflict_case_resolve(actor=owner, case=case, resolution="split", reason="Both worked the account",
                          shares=[{"deal": first.pk, "role": "sourced", "share": shares[0]},
                                  {"deal": second.pk, "role": "influenced", "share": shares[1]}])


def win(deal: Deal, people: People, amount: Decimal) -> Deal:
    deal.refresh_from_db()
    deal_accept(actor=people.owner, deal=deal, sales_owner=people.sales, reason="Qualified")
    deal.refresh_from_db()
    deal_convert(actor=people.sales, deal=deal)
    deal.refresh_from_db()
    return deal_record_won(actor=people.sales, deal=deal, amount=amount)


@pytest.fixture
def standard_rule(db) -> CommissionRule:
    return CommissionRule.objects.create(name="Standard 10%", kind=CommissionKind.PERCENT,
                                         rate=Decimal("10"), effective_from=date(2020, 1, 1))


@pytest.fixture
def won_split(conflict_pair, people, standard_rule) -> tuple[Deal, Deal]:
    """The pair resolved 60/40 (A sourced, B influenced), won for 100,000.01 USD, both
    commissions approved."""
    first, second = conflict_pair
    resolve_split(first.conflict_case, people.owner, first, second)
    win(first, people, Decimal("100000.01"))
    for commission in Commission.objects.filter(deal=first):
        commission_approve(actor=people.owner, commission=commission)
    return Deal.objects.get(pk=first.pk), Deal.objects.get(pk=second.pk)
