"""The seed's scenario through the services: one case, a 60/40 split, won, commissions."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attribution.choices import AttributionStatus, CaseStatus, CommissionKind, CommissionStatus
from attribution.compensation import (
    commission_approve,
    payout_statement_issue,
    payout_statement_mark_paid,
    payout_statement_rows,
    split_exact,
)
from attribution.models import Attribution, Commission, CommissionRule
from attribution.selectors import deal_attribution_for_partner
from attribution.services import conflict_case_resolve
from leads.choices import DealStatus
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask
from reviews.services import deal_accept, deal_convert, deal_record_won

pytestmark = pytest.mark.django_db


def _submitted(**kwargs):
    return DealFactory(status=DealStatus.SUBMITTED, **kwargs)


@pytest.fixture
def people():
    owner = StaffFactory(email="po@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    sales = StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])
    admin = StaffFactory(email="pa@vendor.test", roles=[StaffRole.PROGRAM_ADMIN])
    return owner, sales, admin


@pytest.fixture
def case_pair(partner_a, partner_b, people):
    owner = people[0]
    for partner in (partner_a, partner_b):
        partner.partner_owner = owner
        partner.save()
    now = timezone.now()
    first = _submitted(partner=partner_a, company_name="Globex Corporation", website="globex.com",
                       contact_email="hank@globex.com", submitted_at=now - timedelta(days=3))
    second = _submitted(partner=partner_b, company_name="GLOBEX Corp.", website="",
                        contact_email="h.scorpio@globex.com", submitted_at=now)
    deal_screening_run(deal_id=first.pk)
    deal_screening_run(deal_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second


def test_both_registrations_share_one_case_with_one_task_and_a_proposed_default(case_pair):
    first, second = case_pair
    case = first.conflict_case
    assert case is not None and second.conflict_case == case
    assert first.routing_paused and second.routing_paused
    tasks = ReviewTask.objects.filter(kind=TaskKind.ATTRIBUTION_CONFLICT, status=TaskStatus.OPEN)
    assert [(t.deal_id, t.conflict_case_id) for t in tasks] == [(first.pk, case.pk)]
    proposed = Attribution.objects.get(case=case, status=AttributionStatus.PROPOSED)
    assert proposed.deal == first and proposed.share == Decimal("100.00")


def test_a_split_resolution_credits_each_partner_its_own_share_only(case_pair, partner_a, partner_b, people):
    owner, sales, admin = people
    first, second = case_pair
    case = first.conflict_case
    with pytest.raises(ValidationError) as error:
        conflict_case_resolve(actor=owner, case=case, resolution="split", reason="Both worked it",
                              shares=[{"deal": first.pk, "role": "sourced", "share": "60.00"},
                                      {"deal": second.pk, "role": "influenced", "share": "39.99"}])
    assert "exactly 100.00" in str(error.value)

    conflict_case_resolve(actor=owner, case=case, resolution="split", reason="Both worked it",
                          shares=[{"deal": first.pk, "role": "sourced", "share": "60.00"},
                                  {"deal": second.pk, "role": "influenced", "share": "40.00"}])

    case.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.surviving_deal == first
    assert second.status == DealStatus.MERGED and second.merged_into == first
    assert not first.routing_paused and first.status == DealStatus.IN_REVIEW
    mine_a = list(deal_attribution_for_partner(partner=partner_a, deal=first))
    mine_b = list(deal_attribution_for_partner(partner=partner_b, deal=second))
    assert [(a.share, a.role) for a in mine_a] == [(Decimal("60.00"), "sourced")]
    assert [(a.share, a.role) for a in mine_b] == [(Decimal("40.00"), "influenced")]
    assert not ReviewTask.objects.filter(conflict_case=case, status=TaskStatus.OPEN).exists()

    CommissionRule.objects.create(name="Standard 10%", kind=CommissionKind.PERCENT,
                                  rate=Decimal("10"), effective_from=date(2020, 1, 1))
    deal_accept(actor=owner, deal=first, sales_owner=sales, reason="Qualified")
    first.refresh_from_db()
    deal_convert(actor=sales, deal=first)
    deal_record_won(actor=sales, deal=first, amount=Decimal("100000.01"))

    commissions = {c.partner_id: c for c in Commission.objects.filter(deal=first)}
    assert commissions[partner_a.pk].amount + commissions[partner_b.pk].amount == Decimal("10000.00")
    assert commissions[partner_a.pk].amount == Decimal("6000.00")
    assert all(c.status == CommissionStatus.PROPOSED for c in commissions.values())
    assert ReviewTask.objects.filter(kind=TaskKind.COMPENSATION_APPROVAL, status=TaskStatus.OPEN).count() == 2

    commission_approve(actor=owner, commission=commissions[partner_a.pk])
    statement = payout_statement_issue(actor=admin, partner=partner_a, period_start=date(2026, 1, 1),
                                       period_end=timezone.localdate(), currency="USD")
    assert statement.total == Decimal("6000.00")
    rows = list(payout_statement_rows(statement))
    assert rows[-1][9] == "6000.00"
    payout_statement_mark_paid(actor=admin, statement=statement)
    assert Commission.objects.get(pk=commissions[partner_a.pk].pk).status == CommissionStatus.PAID


@pytest.mark.parametrize(("total", "weights", "expected"), [
    ("100.00", ["60", "40"], ["60.00", "40.00"]),
    ("0.01", ["50", "50"], ["0.01", "0.00"]),
    ("10.00", ["33.33", "33.33", "33.34"], ["3.33", "3.33", "3.34"]),
    ("100.00", ["33.33", "33.33", "33.34"], ["33.33", "33.33", "33.34"]),
    ("1.00", ["1", "1", "1"], ["0.34", "0.33", "0.33"]),
])
def test_splits_add_up_to_the_total_to_the_cent(total, weights, expected):
    parts = split_exact(Decimal(total), [Decimal(w) for w in weights])
    assert parts == [Decimal(e) for e in expected]
    assert sum(parts) == Decimal(total)
