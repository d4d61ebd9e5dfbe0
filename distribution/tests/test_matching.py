"""Matching: each factor's score and evidence, exclusions with reasons, ranking, query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distribution.choices import OfferStatus, OutcomeStage
from distribution.matching import recommend
from distribution.models import MatchingWeights, Offer, OutcomeReport, VendorLead
from leads.choices import DealSource, DealStatus
from leads.models import Deal
from partners.choices import ProgramStatus
from partners.models import (
    AgreementAcceptance,
    AgreementVersion,
    CapabilityClaim,
    CapabilityProfile,
    ProofPoint,
    Tier,
    Vocabulary,
)
from partners.services import profile_terms_refresh
from partners.tests.factories import PartnerFactory, StaffFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db


def term(kind: str, name: str) -> Vocabulary:
    return Vocabulary.objects.get(kind=kind, name=name)


def make_partner(*terms, capacity=5, verified=True, name=None, tier=None, **kwargs):
    partner = PartnerFactory(**({"name": name} if name else {}), **({"tier": tier} if tier else {}),
                             **kwargs)
    profile = CapabilityProfile.objects.create(partner=partner, capacity=capacity)
    now = timezone.now()
    CapabilityClaim.objects.bulk_create([
        CapabilityClaim(partner=partner, profile=profile, term=t,
                        verified_at=now if verified else None) for t in terms])
    profile_terms_refresh(partner_ids=[partner.pk])  # what the profile services do
    return partner


def make_proof(partner, vertical, *, verified=True, referenceable=False, age_days=100,
               use_case=None):
    return ProofPoint.objects.create(
        partner=partner, title="Case", vertical=vertical, use_case=use_case, outcome="Done",
        completed_on=(timezone.now() - timedelta(days=age_days)).date(),
        referenceable=referenceable, verified_at=timezone.now() if verified else None)


def make_lead(*terms) -> VendorLead:
    lead = VendorLead.objects.create(company_name="Acme Health", created_by=StaffFactory(),
                                     status="ready")
    lead.terms.set(terms)
    return lead


def make_deal(partner, status, *, decided_days_ago=1, vendor_lead=None):
    return Deal.objects.create(
        partner=partner, created_by=UserFactory(), company_name="Customer", status=status,
        source=DealSource.VENDOR if vendor_lead else DealSource.PARTNER,
        decided_at=timezone.now() - timedelta(days=decided_days_ago), vendor_lead=vendor_lead)


def factor(candidate: dict, name: str) -> dict:
    return next(f for f in candidate["factors"] if f["factor"] == name)


@pytest.fixture
def healthcare():
    return term("vertical", "Healthcare")


def test_a_verified_vertical_claim_scores_fully_and_names_its_evidence(healthcare):
    make_partner(healthcare, name="Verified Co")
    make_partner(healthcare, name="Unverified Co", verified=False)
    rec = recommend(lead=make_lead(healthcare))
    by_name = {c["name"]: c for c in rec.candidates}
    assert factor(by_name["Verified Co"], "vertical")["score"] == 1.0
    assert "Healthcare (verified)" in factor(by_name["Verified Co"], "vertical")["evidence"]
    assert factor(by_name["Unverified Co"], "vertical")["score"] == 0.5
    assert "Healthcare (unverified)" in factor(by_name["Unverified Co"], "vertical")["evidence"]
    assert rec.candidates[0]["name"] == "Verified Co"


def test_coverage_of_several_needs_is_partial_and_names_what_is_missing():
    german, french = term("language", "German"), term("language", "French")
    make_partner(german)
    rec = recommend(lead=make_lead(german, french))
    lang = factor(rec.candidates[0], "language")
    assert lang["score"] == 0.5
    assert "Covers 1 of 2 needed" in lang["evidence"] and "Missing: French" in lang["evidence"]


def test_segment_region_use_case_and_capabilities_are_scored_from_claims():
    needs = [term("segment", "Enterprise"), term("region", "DACH"),
             term("use_case", "Data migration"), term("certification", "ISO 27001"),
             term("capability", "Implementation")]
    make_partner(*needs[:3])
    rec = recommend(lead=make_lead(*needs))
    cand = rec.candidates[0]
    assert factor(cand, "segment")["score"] == 1.0
    assert factor(cand, "region")["score"] == 1.0
    assert factor(cand, "use_case")["score"] == 1.0
    caps = factor(cand, "capabilities")
    assert caps["score"] == 0.0
    assert "ISO 27001" in caps["evidence"] and "Implementation" in caps["evidence"]


def test_factors_the_lead_does_not_name_are_left_out(healthcare):
    make_partner(healthcare)
    rec = recommend(lead=make_lead(healthcare))
    names = {f["factor"] for f in rec.candidates[0]["factors"]}
    assert "language" not in names and "region" not in names
    assert {"vertical", "proof_points", "capacity", "tier"} <= names


def test_recent_referenceable_verified_case_studies_weigh_more(healthcare):
    strong = make_partner(healthcare, name="Strong")
    weak = make_partner(healthcare, name="Weak")
    for _i in range(3):
        make_proof(strong, healthcare, referenceable=True)
    make_proof(weak, healthcare, verified=False, age_days=1200)
    make_proof(weak, term("vertical", "Insurance"), referenceable=True)  # not relevant
    rec = recommend(lead=make_lead(healthcare))
    by_name = {c["name"]: c for c in rec.candidates}
    strong_pp = factor(by_name["Strong"], "proof_points")
    assert strong_pp["score"] == 1.0
    assert strong_pp["evidence"] == ("3 case studies in Healthcare: 3 verified, 3 referenceable, "
                                     "3 from the last 24 months.")
    weak_pp = factor(by_name["Weak"], "proof_points")
    # Unverified (half) and older than 24 months (half): 0.25 of one study, of 3 for full.
    assert weak_pp["score"] == pytest.approx(0.25 / 3, abs=0.001)
    assert weak_pp["evidence"].startswith("1 case study in Healthcare: 0 verified, 0 referenceable")


def test_free_capacity_counts_open_vendor_deals_and_live_offers(healthcare):
    partner = make_partner(healthcare, capacity=4)
    other_lead = make_lead(healthcare)
    make_deal(partner, DealStatus.ACCEPTED, vendor_lead=other_lead)
    make_deal(partner, DealStatus.ACCEPTED)  # a partner's own registration does not count
    rec = recommend(lead=make_lead(healthcare))
    cap = factor(rec.candidates[0], "capacity")
    assert cap["score"] == 0.75
    assert cap["evidence"] == "3 of 4 places free (1 vendor leads open or offered)."


def test_acceptance_speed_and_win_rate_come_from_offers_and_deals(healthcare):
    partner = make_partner(healthcare)
    now = timezone.now()
    for i in range(2):
        lead = make_lead(healthcare)
        Offer.objects.create(lead=lead, partner=partner, status=OfferStatus.DECLINED,
                             decline_reason="Busy", offered_at=now - timedelta(hours=10 + i),
                             responded_at=now - timedelta(hours=4 + i))
    for status in (DealStatus.WON, DealStatus.WON, DealStatus.WON, DealStatus.LOST):
        make_deal(partner, status)
    rec = recommend(lead=make_lead(healthcare))
    cand = rec.candidates[0]
    speed = factor(cand, "acceptance_speed")
    assert speed["score"] == pytest.approx(1 - 6 / 24, abs=0.001)
    assert "Answered 2 offers in 6.0 hours on average (SLA 24 hours)" in speed["evidence"]
    win = factor(cand, "win_rate")
    assert win["score"] == pytest.approx(4 / 6, abs=0.001)
    assert win["evidence"] == "Won 3 of 4 closed deals."


def test_no_history_scores_neutral(healthcare):
    make_partner(healthcare)
    cand = recommend(lead=make_lead(healthcare)).candidates[0]
    assert factor(cand, "acceptance_speed")["score"] == 0.5
    assert factor(cand, "win_rate")["score"] == 0.5
    assert factor(cand, "reporting")["evidence"] == "No outcome reports due yet."


def test_reporting_compliance_counts_deals_with_reports(healthcare):
    partner = make_partner(healthcare)
    reported = make_deal(partner, DealStatus.WON, decided_days_ago=40)
    make_deal(partner, DealStatus.LOST, decided_days_ago=40)
    OutcomeReport.objects.create(partner=partner, deal=reported, stage=OutcomeStage.WON,
                                 reported_by=UserFactory(), reported_at=timezone.now())
    cand = recommend(lead=make_lead(healthcare)).candidates[0]
    rep = factor(cand, "reporting")
    assert rep["score"] == 0.5
    assert "Reported on 1 of 2 deals" in rep["evidence"]


def test_tier_scores_by_rank(healthcare):
    gold = TierFactory(name="Top", rank=80)
    make_partner(healthcare, tier=gold, name="Top partner")
    make_partner(healthcare, tier=TierFactory(name="Half", rank=40), name="Half partner")
    rec = recommend(lead=make_lead(healthcare))
    by_name = {c["name"]: c for c in rec.candidates}
    assert factor(by_name["Top partner"], "tier")["score"] == 1.0
    assert factor(by_name["Half partner"], "tier")["score"] == 0.5
    assert factor(by_name["Half partner"], "tier")["evidence"] == "Half tier."


def test_total_is_the_weighted_mean_of_the_applicable_factors(healthcare):
    make_partner(healthcare)
    rec = recommend(lead=make_lead(healthcare))
    cand = rec.candidates[0]
    assert cand["score"] == pytest.approx(sum(f["points"] for f in cand["factors"]), abs=0.2)
    weights = rec.weights
    applicable = sum(f["weight"] for f in cand["factors"])
    assert cand["score"] == pytest.approx(
        sum(f["score"] * f["weight"] for f in cand["factors"]) * 100 / applicable, abs=0.1)
    assert weights.version == 1


def test_exclusions_name_their_reasons(healthcare):
    make_partner(healthcare, name="Fine")
    make_partner(healthcare, name="Suspended", program_status=ProgramStatus.SUSPENDED)
    make_partner(healthcare, name="Full", capacity=0)
    late = make_partner(healthcare, name="Late reporter")
    make_deal(late, DealStatus.ACCEPTED, decided_days_ago=30)
    declined = make_partner(healthcare, name="Declined")
    holder = make_partner(healthcare, name="Holder")
    PartnerFactory(name="No profile")
    lead = make_lead(healthcare)
    Offer.objects.create(lead=lead, partner=declined, status=OfferStatus.DECLINED,
                         decline_reason="No fit", offered_at=timezone.now())
    Offer.objects.create(lead=lead, partner=holder, status=OfferStatus.OFFERED,
                         offered_at=timezone.now())
    rec = recommend(lead=lead)
    assert [c["name"] for c in rec.candidates] == ["Fine"]
    reasons = {p["name"]: p["reasons"] for p in rec.exclusions["partners"]}
    assert reasons["Suspended"] == ["status"]
    assert reasons["Full"] == ["at_capacity"]
    assert reasons["Late reporter"] == ["overdue_reports"]
    assert reasons["Declined"] == ["declined"]
    assert "offered" in reasons["Holder"]
    assert reasons["No profile"] == ["no_profile"]
    assert rec.exclusions["counts"]["overdue_reports"] == 1
    labels = {p["name"]: p["labels"] for p in rec.exclusions["partners"]}
    assert labels["Late reporter"] == ["Overdue on outcome reports"]
    assert rec.eligible_count == 1
    assert "Excluded:" in rec.summary and "1 at capacity" in rec.summary


def test_a_recent_report_keeps_an_old_deal_from_being_overdue(healthcare):
    partner = make_partner(healthcare)
    deal = make_deal(partner, DealStatus.CONVERTED, decided_days_ago=60)
    OutcomeReport.objects.create(partner=partner, deal=deal, stage=OutcomeStage.PROPOSAL,
                                 reported_by=UserFactory(),
                                 reported_at=timezone.now() - timedelta(days=3))
    assert [c["partner"] for c in recommend(lead=make_lead(healthcare)).candidates] == [partner.pk]


def test_partners_without_the_current_agreement_are_excluded_once_one_is_published(healthcare):
    signed = make_partner(healthcare, name="Signed")
    make_partner(healthcare, name="Unsigned")
    assert len(recommend(lead=make_lead(healthcare)).candidates) == 2
    v1 = AgreementVersion.objects.create(version=1, title="Program agreement", body="...",
                                         published_at=timezone.now(), is_current=True)
    AgreementAcceptance.objects.create(partner=signed, version=v1, accepted_by=UserFactory())
    rec = recommend(lead=make_lead(healthcare))
    assert [c["name"] for c in rec.candidates] == ["Signed"]
    assert rec.exclusions["partners"][0]["reasons"] == ["no_agreement"]
    # A new version asks again: the old acceptance no longer counts.
    v1.is_current = False
    v1.save()
    AgreementVersion.objects.create(version=2, title="Program agreement", body="v2",
                                    published_at=timezone.now(), is_current=True)
    assert recommend(lead=make_lead(healthcare)).candidates == []


def test_only_the_top_three_are_returned_best_first(healthcare):
    dach = term("region", "DACH")
    for i in range(5):
        make_partner(healthcare, *([dach] if i < 2 else []), name=f"P{i}")
    rec = recommend(lead=make_lead(healthcare, dach))
    assert len(rec.candidates) == 3
    assert {c["name"] for c in rec.candidates[:2]} == {"P0", "P1"}
    assert [c["rank"] for c in rec.candidates] == [1, 2, 3]
    assert rec.candidates[0]["score"] >= rec.candidates[2]["score"]
    assert rec.summary.startswith("Recommend ")


def test_recommend_takes_a_fixed_number_of_queries(healthcare):
    def queries(n_partners: int) -> int:
        for _i in range(n_partners):
            make_partner(healthcare, term("language", "German"))
        lead = make_lead(healthcare, term("language", "German"))
        lead = VendorLead.objects.prefetch_related("terms").get(pk=lead.pk)
        with CaptureQueriesContext(connection) as ctx:
            recommend(lead=lead)
        return len(ctx.captured_queries)

    few = queries(2)
    many = queries(12)
    assert few == many
    assert many <= 12


def test_no_partner_at_all_gives_an_empty_recommendation(healthcare):
    Tier.objects.all()  # tiers exist from the seed
    rec = recommend(lead=make_lead(healthcare))
    assert rec.candidates == [] and rec.eligible_count == 0
    assert rec.summary.startswith("No eligible partner organization.")
    assert MatchingWeights.objects.count() == 1


def test_the_shortlist_grows_until_no_one_left_out_could_rank(healthcare, monkeypatch):
    """The first pass ranks by an upper bound (track record at its best); an organization
    with a poor record drops in the exact pass, and the one it hid must still be found."""
    dach = term("region", "DACH")
    flashy = make_partner(healthcare, dach, name="Flashy")
    make_partner(healthcare, dach, name="Steady")
    for i in range(6):
        lead = make_lead(healthcare)
        Offer.objects.create(lead=lead, partner=flashy, status=OfferStatus.TIMED_OUT,
                             offered_at=timezone.now() - timedelta(days=40 + i))
    for _i in range(6):
        make_deal(flashy, DealStatus.LOST, decided_days_ago=400)
    expected = [c["name"] for c in recommend(lead=make_lead(healthcare, dach)).candidates]
    assert expected == ["Steady", "Flashy"]
    monkeypatch.setattr("distribution.matching.SHORTLIST", 1)
    with CaptureQueriesContext(connection) as ctx:
        got = [c["name"] for c in recommend(lead=make_lead(healthcare, dach)).candidates]
    assert got == expected
    assert sum("tiers AS (" in q["sql"] for q in ctx.captured_queries) == 4  # grew once
