"""Each measure's numerator, denominator and month on a small program with known numbers,
and the grouping by partner, tier and month."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.choices import DealStatus, MatchKind
from measurements import selectors
from measurements.selectors import BY_MONTH, BY_PARTNER, BY_TIER, PARTNER, Scope
from measurements.tests import factories as f
from partners.tests.factories import PartnerFactory, TierFactory
from reviews.choices import DecisionKind

pytestmark = pytest.mark.django_db

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
AUTUMN = Scope(month_from=OCT, month_to=NOV)


def _table(rows, *names):
    """{(month, partner name): {name: value}} of the rows, for exact comparisons."""
    return {(r.month, r.partner or r.tier or "all"): {n: r.values[n] for n in names}
            for r in rows}


def test_accepted_and_rejected_are_decisions_of_that_kind_in_the_decision_month(
        partner_a, partner_b, staff):
    for month, kind in [(10, "accept"), (11, "accept"), (11, "accept"), (11, "reject")]:
        f.decide(f.submitted(partner_a, f.at(month, 1)), kind, f.at(month, 3), staff)
    f.decide(f.submitted(partner_b, f.at(10, 30)), "reject", f.at(11, 2), staff)
    # Asking for information is not a decision on acceptance; nor is a decision in December.
    f.decide(f.submitted(partner_b, f.at(11, 1)), DecisionKind.NEEDS_INFO, f.at(11, 2), staff)
    f.decide(f.submitted(partner_a, f.at(11, 20)), "accept", f.at(12, 1), staff)

    rows = selectors.decisions_after_review(scope=AUTUMN)

    assert _table(rows, "accepted", "rejected", "rate") == {
        (OCT, "Alpha Partners"): {"accepted": 1, "rejected": 0, "rate": 1.0},
        (NOV, "Alpha Partners"): {"accepted": 2, "rejected": 1, "rate": 0.6667},
        (NOV, "Bravo Partners"): {"accepted": 0, "rejected": 1, "rate": 0.0},
    }


def test_duplicate_rate_counts_same_and_cross_partner_matches_over_submissions(
        partner_a, partner_b, staff):
    other = f.submitted(partner_b, f.at(10, 1))
    same, cross, direct, clean = (f.submitted(partner_a, f.at(11, d)) for d in (2, 3, 4, 5))
    f.match(same, MatchKind.SAME_PARTNER, clean)
    f.match(cross, MatchKind.CROSS_PARTNER, other)
    f.match(cross, MatchKind.SAME_PARTNER, clean)  # two matches: still one registration
    f.match(direct, MatchKind.DIRECT_SALES, other)
    f.submitted(partner_a, None, status=DealStatus.DRAFT)  # never submitted
    lead_offer = f.offer(f.vendor_lead(staff), partner_a, f.at(11, 6), status="accepted")
    f.offer_deal(lead_offer, f.at(11, 6), staff)  # a vendor lead's deal is no submission

    rows = selectors.duplicate_rate(partner_a, scope=AUTUMN)

    assert _table(rows, "duplicates", "submitted", "rate") == {
        (NOV, "Alpha Partners"): {"duplicates": 2, "submitted": 4, "rate": 0.5}}


def test_partner_audience_counts_own_resubmissions_only(partner_a, partner_b):
    other = f.submitted(partner_b, f.at(10, 1))
    cross, same, clean = (f.submitted(partner_a, f.at(11, d)) for d in (2, 3, 4))
    f.match(cross, MatchKind.CROSS_PARTNER, other)
    f.match(same, MatchKind.SAME_PARTNER, clean)

    staff_view = selectors.duplicate_rate(partner_a, scope=AUTUMN)
    partner_view = selectors.duplicate_rate(partner_a, scope=Scope(OCT, NOV, audience=PARTNER))

    assert staff_view[0].values["duplicates"] == 2
    assert partner_view[0].values == {"duplicates": 1, "submitted": 3, "rate": 0.3333}


def test_disputes_are_counted_when_opened_and_per_100_approved_partner_lines(
        partner_a, staff):
    deals = [f.submitted(partner_a, f.at(11, 1)) for _ in range(4)]
    lines = [f.approved_line(d, f.at(11, 10)) for d in deals]
    f.approved_line(deals[0], f.at(11, 10), direct=True)  # direct sales: nobody disputes it
    f.approved_line(f.submitted(partner_a, f.at(9, 1)), f.at(10, 5))
    f.dispute(lines[0], f.at(11, 12), staff)

    rows = selectors.attribution_disputes(scope=AUTUMN)

    assert _table(rows, "disputes", "attributions", "per_100") == {
        (OCT, "Alpha Partners"): {"disputes": 0, "attributions": 1, "per_100": 0.0},
        (NOV, "Alpha Partners"): {"disputes": 1, "attributions": 4, "per_100": 25.0},
    }


def test_conversion_is_converted_over_accepted_deals_in_the_acceptance_month(
        partner_a, staff):
    from crm.tests.factories import AccountFactory

    account = AccountFactory()
    opportunity = account.opportunities.create(external_id="OPP-1", name="Expansion",
                                               stage="proposal")
    with_opportunity, only_converted_at, plain = (
        f.submitted(partner_a, f.at(10, 20)) for _ in range(3))
    for deal in (with_opportunity, only_converted_at, plain):
        f.decide(deal, "accept", f.at(11, 2), staff)
    with_opportunity.__class__.objects.filter(pk=with_opportunity.pk).update(
        opportunity=opportunity, converted_at=f.at(12, 1))
    only_converted_at.__class__.objects.filter(pk=only_converted_at.pk).update(
        converted_at=f.at(11, 20))
    # A vendor lead's deal is accepted by the partner through the offer (no decision).
    lead_offer = f.offer(f.vendor_lead(staff), partner_a, f.at(10, 30), status="accepted")
    f.offer_deal(lead_offer, f.at(11, 1), staff, opportunity=opportunity)
    f.decide(f.submitted(partner_a, f.at(11, 1)), "reject", f.at(11, 3), staff)

    rows = selectors.opportunity_conversion(scope=AUTUMN)

    assert _table(rows, "converted", "accepted", "rate") == {
        (NOV, "Alpha Partners"): {"converted": 3, "accepted": 4, "rate": 0.75}}


def test_decision_time_median_and_p90_with_and_without_needs_info(partner_a, staff):
    # 48 h in all, 24 h of them waiting in needs_info.
    first = f.submitted(partner_a, f.at(11, 1))
    f.move(first, "in_review", "needs_info", f.at(11, 1, 12))
    f.move(first, "needs_info", "in_review", f.at(11, 2, 12))
    f.decide(first, "accept", f.at(11, 3), staff)
    # 10 h, never in needs_info.
    f.decide(f.submitted(partner_a, f.at(11, 1)), "reject", f.at(11, 1, 10), staff)
    # 30 h, decided straight from needs_info after 4 h there (the change leaves needs_info
    # at the decision itself).
    third = f.submitted(partner_a, f.at(11, 1))
    f.move(third, "in_review", "needs_info", f.at(11, 2, 2))
    f.move(third, "needs_info", "accepted", f.at(11, 2, 6))
    f.decide(third, "accept", f.at(11, 2, 6), staff)
    # In October: 20 h, still in needs_info (no change leaving it) when decided: 5 h there.
    fourth = f.submitted(partner_a, f.at(10, 1))
    f.move(fourth, "in_review", "needs_info", f.at(10, 1, 15))
    f.decide(fourth, "reject", f.at(10, 1, 20), staff)
    f.move(fourth, "rejected", "needs_info", f.at(10, 5))  # after the decision: ignored

    rows = selectors.decision_time(scope=AUTUMN)

    # Gross [10, 30, 48]: median 30, p90 30 + 0.8 × 18 = 44.4. Net [10, 24, 26]: median 24,
    # p90 24 + 0.8 × 2 = 25.6 (PostgreSQL's percentile_cont interpolation).
    assert _table(rows, "decisions", "median", "p90", "median_net", "p90_net") == {
        (OCT, "Alpha Partners"): {"decisions": 1, "median": 20.0, "p90": 20.0,
                                  "median_net": 15.0, "p90_net": 15.0},
        (NOV, "Alpha Partners"): {"decisions": 3, "median": 30.0, "p90": 44.4,
                                  "median_net": 24.0, "p90_net": 25.6},
    }


def test_funnel_counts_offers_in_the_offer_month(partner_a, partner_b, staff):
    first_lead, second_lead = f.vendor_lead(staff, "Initech"), f.vendor_lead(staff, "Umbrella")
    f.offer(first_lead, partner_a, f.at(11, 5), status="declined")
    taken = f.offer(first_lead, partner_b, f.at(11, 6), status="accepted")
    deal = f.offer_deal(taken, f.at(11, 7), staff)
    f.report(deal, "contacted", f.at(11, 8), staff)
    f.report(deal, "won", f.at(11, 20), staff)
    # An override the partner took; sales recorded it won without a partner report.
    chosen = f.offer(second_lead, partner_a, f.at(11, 10), status="accepted", override=True)
    f.offer_deal(chosen, f.at(11, 11), staff, status=DealStatus.WON)
    # Awaiting approval: never offered, not counted.
    f.offer(f.vendor_lead(staff, "Hooli"), partner_a, None, status="pending_approval")

    rows = selectors.distribution_funnel(scope=Scope(NOV, NOV, by=BY_MONTH))

    assert _table(rows, "offered", "accepted", "contacted", "won", "overrides") == {
        (NOV, "all"): {"offered": 3, "accepted": 2, "contacted": 2, "won": 2, "overrides": 1}}


def test_grouping_by_partner_tier_and_month(staff):
    gold = TierFactory(name="Gold", rank=30)
    a1, a2 = PartnerFactory(name="Gold One", tier=gold), PartnerFactory(name="Gold Two", tier=gold)
    silver = PartnerFactory(name="Silver One", tier=TierFactory(name="Silver"))
    for partner in (a1, a2, silver):
        f.decide(f.submitted(partner, f.at(11, 1)), "accept", f.at(11, 2), staff)
    f.decide(f.submitted(a1, f.at(10, 1)), "reject", f.at(10, 2), staff)

    by_partner = selectors.decisions_after_review(scope=Scope(OCT, NOV, by=BY_PARTNER))
    by_tier = selectors.decisions_after_review(scope=Scope(OCT, NOV, by=BY_TIER))
    by_month = selectors.decisions_after_review(scope=Scope(OCT, NOV, by=BY_MONTH))
    gold_only = selectors.decisions_after_review(scope=Scope(OCT, NOV, tier_id=gold.pk))

    assert [(r.month, r.partner, r.tier, r.values["accepted"]) for r in by_partner] == [
        (OCT, "Gold One", "Gold", 0), (NOV, "Gold One", "Gold", 1),
        (NOV, "Gold Two", "Gold", 1), (NOV, "Silver One", "Silver", 1)]
    assert [(r.month, r.partner, r.tier, r.values["accepted"]) for r in by_tier] == [
        (OCT, "", "Gold", 0), (NOV, "", "Gold", 2), (NOV, "", "Silver", 1)]
    assert [(r.month, r.values["accepted"], r.values["rejected"]) for r in by_month] == [
        (OCT, 0, 1), (NOV, 3, 0)]
    assert {r.partner for r in gold_only} == {"Gold One", "Gold Two"}


def test_chart_series_lay_each_measure_over_every_month(partner_a, staff):
    f.decide(f.submitted(partner_a, f.at(11, 1)), "accept", f.at(11, 2), staff)
    scope = Scope(date(2026, 9, 1), NOV, by=BY_MONTH)

    charts = selectors.chart_series(selectors.measurements_read(scope=scope), scope)

    assert charts["decisions"]["labels"] == ["2026-09", "2026-10", "2026-11"]
    assert charts["decisions"]["datasets"][0]["data"] == [0, 0, 1]
    assert charts["conversion"]["datasets"][0]["data"] == [None, None, 0.0]
    assert charts["duplicates"]["datasets"][0]["label"].endswith("(%)")


def _program(partners, deals_each: int, staff) -> None:
    for partner in partners:
        for n in range(deals_each):
            deal = f.submitted(partner, f.at(11, 1 + n % 20))
            f.move(deal, "in_review", "needs_info", f.at(11, 1 + n % 20, 3))
            f.decide(deal, "accept" if n % 3 else "reject", f.at(11, 2 + n % 20), staff)
            f.match(deal, MatchKind.SAME_PARTNER, deal)
            f.dispute(f.approved_line(deal, f.at(11, 3 + n % 20)), f.at(11, 4 + n % 20), staff)
            lead = f.vendor_lead(staff, f"Lead {partner.pk}-{n}")
            f.report(f.offer_deal(f.offer(lead, partner, f.at(11, 2), status="accepted"),
                                  f.at(11, 3), staff), "contacted", f.at(11, 9), staff)


def _queries(scope: Scope) -> int:
    with CaptureQueriesContext(connection) as captured:
        selectors.measurements_read(scope=scope)
    return len(captured)


@pytest.mark.parametrize("by", [BY_PARTNER, BY_TIER, BY_MONTH])
def test_the_number_of_queries_does_not_grow_with_records_or_groups(by, staff):
    scope = Scope(OCT, NOV, by=by)
    _program([PartnerFactory() for _ in range(1)], 5, staff)
    small = _queries(scope)
    _program([PartnerFactory() for _ in range(3)], 50 // 3 + 1, staff)

    # Eight grouped queries (one SET LOCAL more on PostgreSQL), whatever the rows.
    assert _queries(scope) == small == (9 if connection.vendor == "postgresql" else 8)


def test_month_totals_rolled_up_from_partner_groups_equal_a_read_by_month(staff):
    """The charts roll additive measures up from the table's groups: the same numbers as
    reading them by month, ratios included (so each ratio column names its counts right)."""
    _program([PartnerFactory(tier=TierFactory(name=t)) for t in ("Gold", "Silver", "Gold")],
             7, staff)
    by_partner = selectors.measurements_read(scope=Scope(OCT, NOV, by=BY_PARTNER))
    by_month = selectors.measurements_read(scope=Scope(OCT, NOV, by=BY_MONTH))

    additive = [(p, m) for p, m in zip(by_partner, by_month, strict=True) if p.measure.additive]
    assert [p.measure.key for p, _m in additive] == [
        "decisions", "duplicates", "disputes", "conversion", "funnel"]
    for partner_rows, month_rows in additive:
        assert ([(r.month, r.values) for r in selectors.rollup(partner_rows).rows]
                == [(r.month, r.values) for r in month_rows.rows]), partner_rows.measure.key
