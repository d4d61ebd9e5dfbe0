"""Commission rules, commissions and payout statements: exact money in several currencies,
rule specificity and effective dates, approvals and adjustments by a partner owner, and
statements that never change once issued."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from attribution.choices import AttributionStatus, CommissionKind, CommissionStatus, PayoutStatus
from attribution.compensation import (
    PAYOUT_CSV_HEADER,
    commission_approve,
    commission_rule_for,
    commissions_correct,
    commissions_propose,
    payout_statement_issue,
    payout_statement_mark_paid,
    payout_statement_rows,
    split_exact,
)
from attribution.models import Attribution, Commission, CommissionRule
from audit.models import AuditEvent
from leads.choices import DealSource, DealStatus
from leads.tests.factories import DealFactory, ProductFactory
from partnerportal.csv import csv_lines
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.tests.factories import PartnerFactory, TierFactory
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask

pytestmark = pytest.mark.django_db

D = Decimal
START = date(2020, 1, 1)


def _rule(name="Rule", **kwargs) -> CommissionRule:
    kwargs.setdefault("kind", CommissionKind.PERCENT)
    if kwargs["kind"] == CommissionKind.PERCENT:
        kwargs.setdefault("rate", D("10"))
    kwargs.setdefault("effective_from", START)
    return CommissionRule.objects.create(name=name, **kwargs)


def _won(partners_shares, amount, *, currency="USD", people=None, **deal_kwargs):
    """A won deal of the first partner with approved credit lines (partner, share)."""
    owner = partners_shares[0][0]
    deal = DealFactory(partner=owner, status=DealStatus.WON, won_amount=D(amount), currency=currency,
                       closed_at=timezone.now(), **deal_kwargs)
    for partner, share in partners_shares:
        Attribution.objects.create(deal=deal, partner=partner, source_deal=deal, role="sourced",
                                   share=D(share), status=AttributionStatus.APPROVED)
    return deal


def _amounts(commissions) -> list[Decimal]:
    return [c.amount for c in sorted(commissions, key=lambda c: c.attribution_id)]


# --- Rules -------------------------------------------------------------------------------


def test_the_most_specific_rule_applies(partner_a):
    gold = TierFactory(name="Gold", rank=30)
    partner_a.tier = gold
    partner_a.save()
    product = ProductFactory(sku="ANALYTICS")
    deal = DealFactory(partner=partner_a, source=DealSource.REFERRAL)
    deal.products.add(product)
    _rule("any")
    _rule("other tier", tier=TierFactory(name="Bronze", rank=10))
    _rule("source", source=DealSource.REFERRAL)
    assert commission_rule_for(partner=partner_a, deal=deal, on=date(2026, 1, 1)).name == "source"
    _rule("product", product=product)
    assert commission_rule_for(partner=partner_a, deal=deal, on=date(2026, 1, 1)).name == "product"
    _rule("tier", tier=gold)
    assert commission_rule_for(partner=partner_a, deal=deal, on=date(2026, 1, 1)).name == "tier"
    _rule("tier and product", tier=gold, product=product)
    assert commission_rule_for(partner=partner_a, deal=deal, on=date(2026, 1, 1)).name == "tier and product"


def test_only_rules_in_force_on_the_day_apply_and_the_latest_start_wins(partner_a):
    deal = DealFactory(partner=partner_a)
    _rule("old", effective_from=date(2020, 1, 1), effective_to=date(2025, 12, 31))
    _rule("new", effective_from=date(2026, 1, 1))
    _rule("future", effective_from=date(2027, 1, 1))
    _rule("newer but ended", effective_from=date(2025, 6, 1), effective_to=date(2025, 12, 31))

    def rule_on(day):
        return getattr(commission_rule_for(partner=partner_a, deal=deal, on=day), "name", None)

    assert rule_on(date(2019, 12, 31)) is None
    assert rule_on(date(2025, 5, 31)) == "old"
    assert rule_on(date(2025, 12, 31)) == "newer but ended"
    assert rule_on(date(2026, 1, 1)) == "new"
    assert rule_on(date(2027, 1, 1)) == "future"


def test_a_rule_change_never_rewrites_past_commissions(partner_a, partner_b, people):
    rule = _rule("Standard", rate=D("10"))
    with freeze_time("2026-03-10 12:00"):
        deal = _won([(partner_a, "60.00"), (partner_b, "40.00")], "100000.01")
        proposed = commissions_propose(deal=deal)
    assert _amounts(proposed) == [D("6000.00"), D("4000.00")]
    snapshot = proposed[0].rule_snapshot

    with freeze_time("2026-04-01 12:00"):
        # The admin ends the rule and starts a richer one; later, shares change.
        rule.effective_to = date(2026, 3, 31)
        rule.save()
        _rule("Richer", rate=D("20"), effective_from=date(2026, 4, 1))
        Attribution.objects.filter(deal=deal).update(status=AttributionStatus.SUPERSEDED)
        for partner, share in ((partner_a, "50.00"), (partner_b, "50.00")):
            Attribution.objects.create(deal=deal, partner=partner, source_deal=deal, role="sourced",
                                       share=D(share), status=AttributionStatus.FINAL)
        corrections = commissions_correct(deal=deal, actor=people.owner)

    for commission in proposed:
        commission.refresh_from_db()
    assert _amounts(proposed) == [D("6000.00"), D("4000.00")]
    assert proposed[0].rule_snapshot == snapshot and snapshot["rate"] == "10.0000"
    # The correction carries only the change of shares, at the rule of the day it was won.
    assert {c.partner_id: c.amount for c in corrections} == {partner_a.pk: D("-1000.00"),
                                                             partner_b.pk: D("1000.00")}


# --- Kinds, caps, currencies, awkward amounts ----------------------------------------------


@pytest.mark.parametrize(("rule", "amount", "shares", "expected"), [
    ({"rate": D("10")}, "1234.57", ["100.00"], ["123.46"]),  # 123.457 rounds half up
    ({"rate": D("10")}, "1234.45", ["100.00"], ["123.45"]),  # 123.445 rounds half up
    ({"rate": D("2.5")}, "0.20", ["100.00"], ["0.01"]),  # 0.005 rounds half up
    ({"rate": D("10")}, "0.01", ["100.00"], ["0.00"]),
    ({"rate": D("100")}, "0.01", ["50.00", "50.00"], ["0.01", "0.00"]),
    ({"rate": D("12.3456")}, "1000000.00", ["60.00", "40.00"], ["74073.60", "49382.40"]),
    ({"kind": CommissionKind.FLAT, "amount": D("500.00")}, "1.00", ["100.00"], ["500.00"]),
    ({"kind": CommissionKind.FLAT, "amount": D("500.00")}, "1.00", ["60.00", "40.00"], ["300.00", "200.00"]),
    ({"kind": CommissionKind.FLAT, "amount": D("100.00")}, "1.00",
     ["33.33", "33.33", "33.34"], ["33.33", "33.33", "33.34"]),
    ({"rate": D("10"), "cap": D("5000.00")}, "1000000.00", ["100.00"], ["5000.00"]),
    ({"rate": D("10"), "cap": D("5000.00")}, "1000000.00", ["60.00", "40.00"], ["3000.00", "2000.00"]),
    ({"rate": D("10"), "cap": D("5000.00")}, "49999.99", ["100.00"], ["5000.00"]),
    ({"rate": D("10")}, "100.00", ["33.33", "33.33", "33.34"], ["3.33", "3.33", "3.34"]),
    ({"rate": D("10")}, "0.10", ["33.33", "33.33", "33.34"], ["0.00", "0.00", "0.01"]),
    ({"rate": D("10")}, "999999999999.99", ["33.33", "33.33", "33.34"],
     ["33330000000.00", "33330000000.00", "33340000000.00"]),  # of 100,000,000,000.00
    ({"rate": D("100")}, "999999999999.99", ["100.00"], ["999999999999.99"]),
])
def test_commissions_are_exact_to_the_cent(partner_a, partner_b, rule, amount, shares, expected):
    _rule(**rule)
    partners = [partner_a, partner_b, PartnerFactory(name="Charlie Partners")]
    deal = _won(list(zip(partners, shares, strict=False)), amount)

    commissions = commissions_propose(deal=deal)

    assert _amounts(commissions) == [D(e) for e in expected]
    assert all(c.status == CommissionStatus.PROPOSED for c in commissions)
    # The base parts of the amount won add up to it exactly, as do the commissions to the
    # one commission their group earns.
    assert sum(c.base_amount for c in commissions) == D(amount) * sum(D(s) for s in shares) / 100


def test_a_split_with_direct_sales_pays_only_the_partner_part(partner_a):
    _rule(rate=D("10"))
    deal = _won([(partner_a, "70.00")], "1000.00")
    Attribution.objects.create(deal=deal, direct=True, role="influenced", share=D("30.00"),
                               status=AttributionStatus.APPROVED)

    [commission] = commissions_propose(deal=deal)

    assert (commission.base_amount, commission.amount) == (D("700.00"), D("70.00"))


@pytest.mark.parametrize("currency", ["EUR", "GBP", "JPY"])
def test_commissions_keep_the_deal_currency(partner_a, currency):
    _rule(rate=D("7.5"))
    deal = _won([(partner_a, "100.00")], "1999.99", currency=currency)

    [commission] = commissions_propose(deal=deal)

    assert (commission.currency, commission.amount) == (currency, D("150.00"))


def test_a_flat_rule_in_another_currency_pays_nothing_until_set_by_hand(partner_a):
    _rule(kind=CommissionKind.FLAT, amount=D("500.00"), currency="USD")
    deal = _won([(partner_a, "100.00")], "1000.00", currency="EUR")

    [commission] = commissions_propose(deal=deal)

    assert commission.amount == D("0.00") and "set the amount" in commission.explanation


def test_no_rule_proposes_zero_for_the_owner_to_set(partner_a):
    [commission] = commissions_propose(deal=_won([(partner_a, "100.00")], "1000.00"))
    assert commission.amount == D("0.00") and commission.rule is None


def test_split_exact_never_loses_a_cent():
    for total in ("0.01", "0.02", "1.00", "10.01", "999999999999.99"):
        for weights in (["1"], ["1", "2"], ["33.33", "33.33", "33.34"], ["0.01", "99.99"], ["1"] * 7):
            parts = split_exact(D(total), [D(w) for w in weights])
            assert sum(parts) == D(total)
            assert all(p == p.quantize(D("0.01")) and p >= 0 for p in parts)


# --- Approval -------------------------------------------------------------------------------


def test_proposals_wait_for_a_partner_owner_one_task_each(partner_a, partner_b, people):
    _rule()
    deal = _won([(partner_a, "60.00"), (partner_b, "40.00")], "100.00")

    commissions = commissions_propose(deal=deal)

    tasks = ReviewTask.objects.filter(kind=TaskKind.COMPENSATION_APPROVAL, status=TaskStatus.OPEN)
    assert sorted(t.commission_id for t in tasks) == sorted(c.pk for c in commissions)
    assert all(t.assignee == people.owner for t in tasks)
    with pytest.raises(NotAllowed):
        commission_approve(actor=people.sales, commission=commissions[0])
    approved = commission_approve(actor=people.owner, commission=commissions[0])
    assert approved.status == CommissionStatus.APPROVED and approved.approved_by == people.owner
    assert ReviewTask.objects.get(commission=commissions[0]).status == TaskStatus.DONE
    with pytest.raises(InvalidTransition):
        commission_approve(actor=people.owner, commission=commissions[0])


def test_an_adjustment_needs_a_reason_and_whole_cents(partner_a, people):
    _rule()
    [commission] = commissions_propose(deal=_won([(partner_a, "100.00")], "1000.00"))

    with pytest.raises(ValidationError) as error:
        commission_approve(actor=people.owner, commission=commission, amount=D("120.00"))
    assert "reason" in error.value.message_dict
    for bad in (D("120.001"), D("-1.00")):
        with pytest.raises(ValidationError) as error:
            commission_approve(actor=people.owner, commission=commission, amount=bad, reason="Bonus")
        assert "amount" in error.value.message_dict
    assert Commission.objects.get(pk=commission.pk).status == CommissionStatus.PROPOSED

    adjusted = commission_approve(actor=people.owner, commission=commission, amount=D("120.00"),
                                  reason="Launch bonus agreed in writing")

    assert (adjusted.amount, adjusted.adjustment_reason) == (D("120.00"), "Launch bonus agreed in writing")
    event = AuditEvent.objects.get(action="commission.approve")
    assert (event.before["amount"], event.after["amount"]) == ("100.00", "120.00")
    # Approving at the proposed amount needs no reason.
    same = commissions_propose(deal=_won([(partner_a, "100.00")], "10.00"))[0]
    assert commission_approve(actor=people.owner, commission=same, amount=same.amount).adjustment_reason == ""


# --- Payout statements ------------------------------------------------------------------------


def _approved(partner, amount, people, currency="USD") -> Commission:
    commission = commissions_propose(deal=_won([(partner, "100.00")], amount, currency=currency))[0]
    return commission_approve(actor=people.owner, commission=commission)


def test_statements_are_per_currency_and_only_program_admins_issue_and_pay(partner_a, people):
    _rule(rate=D("10"))
    usd = [_approved(partner_a, "1000.00", people), _approved(partner_a, "333.33", people)]
    eur = _approved(partner_a, "50.05", people, currency="EUR")
    proposed = commissions_propose(deal=_won([(partner_a, "100.00")], "999.00"))[0]
    today = timezone.localdate()

    with pytest.raises(NotAllowed):
        payout_statement_issue(actor=people.owner, partner=partner_a, period_start=date(2026, 1, 1),
                               period_end=today, currency="USD")
    statement = payout_statement_issue(actor=people.admin, partner=partner_a, period_start=date(2026, 1, 1),
                                       period_end=today, currency="usd")
    euro = payout_statement_issue(actor=people.admin, partner=partner_a, period_start=date(2026, 1, 1),
                                  period_end=today, currency="EUR")

    assert (statement.currency, statement.total) == ("USD", D("133.33"))
    assert set(statement.commissions.all()) == set(usd)
    assert (euro.total, list(euro.commissions.all())) == (D("5.01"), [eur])
    assert Commission.objects.get(pk=proposed.pk).statement is None
    with pytest.raises(InvalidTransition):
        payout_statement_issue(actor=people.admin, partner=partner_a, period_start=date(2026, 1, 1),
                               period_end=today, currency="USD")
    with pytest.raises(NotAllowed):
        payout_statement_mark_paid(actor=people.owner, statement=statement)
    payout_statement_mark_paid(actor=people.admin, statement=statement)
    assert set(Commission.objects.filter(status=CommissionStatus.PAID)) == set(usd)
    assert Commission.objects.get(pk=eur.pk).status == CommissionStatus.APPROVED
    with pytest.raises(InvalidTransition):
        payout_statement_mark_paid(actor=people.admin, statement=statement)
    statement.refresh_from_db()
    assert statement.status == PayoutStatus.PAID and statement.paid_by == people.admin


def test_an_issued_statement_never_changes_a_later_correction_goes_on_the_next(partner_a, partner_b, people):
    _rule(rate=D("10"))
    deal = _won([(partner_a, "60.00"), (partner_b, "40.00")], "100000.01")
    for commission in commissions_propose(deal=deal):
        commission_approve(actor=people.owner, commission=commission)
    first = payout_statement_issue(actor=people.admin, partner=partner_a, period_start=date(2026, 1, 1),
                                   period_end=date(2026, 1, 31) if timezone.localdate() <= date(2026, 1, 31)
                                   else timezone.localdate(), currency="USD")
    lines_before = list(first.commissions.values_list("pk", "amount"))
    assert first.total == D("6000.00")

    Attribution.objects.filter(deal=deal).update(status=AttributionStatus.SUPERSEDED)
    for partner, share in ((partner_a, "50.00"), (partner_b, "50.00")):
        Attribution.objects.create(deal=deal, partner=partner, source_deal=deal, role="sourced",
                                   share=D(share), status=AttributionStatus.FINAL)
    correction = {c.partner_id: c for c in commissions_correct(deal=deal, actor=people.owner)}[partner_a.pk]
    commission_approve(actor=people.owner, commission=correction)

    first.refresh_from_db()
    assert first.total == D("6000.00") and list(first.commissions.values_list("pk", "amount")) == lines_before
    tomorrow = timezone.localdate() + timedelta(days=1)
    second = payout_statement_issue(actor=people.admin, partner=partner_a, period_start=tomorrow,
                                    period_end=tomorrow, currency="USD")
    assert list(second.commissions.all()) == [correction] and second.total == D("-1000.00")


def test_the_statement_csv_matches_the_statement_to_the_cent(partner_a, people):
    _rule(rate=D("10"))
    lines = [_approved(partner_a, amount, people) for amount in ("1000.05", "0.15", "333.33")]
    statement = payout_statement_issue(actor=people.admin, partner=partner_a, period_start=date(2026, 1, 1),
                                       period_end=timezone.localdate(), currency="USD")

    rows = list(payout_statement_rows(statement))
    text = "".join(csv_lines(PAYOUT_CSV_HEADER, rows))

    amounts = [D(row[PAYOUT_CSV_HEADER.index("amount")]) for row in rows[:-1]]
    assert sorted(amounts) == sorted(c.amount for c in lines) == [D("0.02"), D("33.33"), D("100.01")]
    assert sum(amounts) == statement.total == D(rows[-1][9]) == D("133.36")
    assert text.startswith("\ufeffstatement,partner,") and "'" not in text


def test_a_negative_correction_stays_a_number_in_the_csv(partner_a, people):
    _rule(rate=D("10"))
    original = _approved(partner_a, "1000.00", people)
    correction = Commission.objects.create(
        deal=original.deal, attribution=original.attribution, partner=partner_a, base_amount=D("0"),
        share=D("100.00"), amount=D("-12.50"), currency="USD", correction_of=original)
    commission_approve(actor=people.owner, commission=correction)
    with freeze_time(datetime.now() + timedelta(seconds=1)):
        statement = payout_statement_issue(actor=people.admin, partner=partner_a,
                                           period_start=date(2026, 1, 1), period_end=timezone.localdate(),
                                           currency="USD")

    text = "".join(csv_lines(PAYOUT_CSV_HEADER, payout_statement_rows(statement)))

    assert ",-12.50," in text and "'-12.50" not in text
    assert statement.total == D("87.50")
