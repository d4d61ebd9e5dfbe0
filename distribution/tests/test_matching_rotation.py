"""Near-ties rotate fairly; weights are versioned; scorecard and published rules."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from distribution.choices import OfferStatus
from distribution.matching import recommend, rules_text, scorecard, weights_current, weights_publish
from distribution.models import MatchingWeights, Offer
from distribution.tests.test_matching import make_lead, make_partner, make_proof, term
from partners.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

DEFAULTS = {"near_tie_margin": 5, "offer_sla_hours": 24, "auto_cascade": False,
            "report_cadence_days": 14}


def offer_top(lead, rec) -> None:
    top = rec.candidates[0]
    Offer.objects.create(lead=lead, partner_id=top["partner"], recommendation=rec, rank=1,
                         status=OfferStatus.ACCEPTED, offered_at=timezone.now(),
                         responded_at=timezone.now())


def test_near_ties_rotate_fairly_over_many_leads():
    healthcare = term("vertical", "Healthcare")
    tied = [make_partner(healthcare, capacity=100, name=f"Tied {i}") for i in range(3)]
    make_partner(healthcare, capacity=100, verified=False, name="Clearly weaker")
    received: Counter = Counter()
    for _i in range(30):
        lead = make_lead(healthcare)
        rec = recommend(lead=lead)
        assert {c["name"] for c in rec.candidates} == {p.name for p in tied}
        assert all(c["near_tie"] for c in rec.candidates)
        received[rec.candidates[0]["name"]] += 1
        offer_top(lead, rec)
    assert received == {p.name: 10 for p in tied}


def test_a_clear_winner_is_not_rotated_away():
    healthcare = term("vertical", "Healthcare")
    best = make_partner(healthcare, capacity=100, name="Best")
    for _i in range(3):
        make_proof(best, healthcare, referenceable=True)
    make_partner(healthcare, capacity=100, name="Second")
    for _i in range(5):
        lead = make_lead(healthcare)
        rec = recommend(lead=lead)
        assert rec.candidates[0]["name"] == "Best"
        assert not rec.candidates[1]["near_tie"]
        offer_top(lead, rec)


def test_publishing_weights_makes_a_new_version_and_results_record_theirs():
    healthcare, dach = term("vertical", "Healthcare"), term("region", "DACH")
    make_partner(healthcare, name="Vertical fit")
    make_partner(dach, name="Region fit")
    first = recommend(lead=make_lead(healthcare, dach))
    staff = StaffFactory()
    weights = dict(weights_current().weights, region=60)
    v2 = weights_publish(actor=staff, weights=weights, note="Regions matter more", **DEFAULTS)
    assert v2.version == 2 and weights_current() == v2
    assert AuditEvent.objects.filter(action="matching_weights.publish").exists()
    second = recommend(lead=make_lead(healthcare, dach))
    assert first.weights.version == 1 and second.weights.version == 2
    assert second.candidates[0]["name"] == "Region fit"
    assert factor_weight(second.candidates[0], "region") == 60
    first.refresh_from_db()
    assert first.weights.version == 1
    assert MatchingWeights.objects.get(version=1).weight("region") == 10


def factor_weight(candidate, name):
    return next(f["weight"] for f in candidate["factors"] if f["factor"] == name)


@pytest.mark.parametrize("weights, message", [
    ({"vertical": -1}, "must be a number"),
    ({"charm": 5}, "Unknown factors: charm"),
    ({"vertical": 0}, "At least one factor"),
])
def test_bad_weights_are_refused_with_the_field_named(weights, message):
    with pytest.raises(ValidationError) as err:
        weights_publish(actor=StaffFactory(), weights=weights, **DEFAULTS)
    assert message in str(err.value.message_dict["weights"])
    assert MatchingWeights.objects.count() == 1


def test_the_published_rules_follow_the_current_weights():
    text = rules_text()
    assert text["version"] == 1
    assert any("24 hours" in p for p in text["paragraphs"])
    assert ("Vertical", 15, "the customer's industry vertical is one you claim") in text["factors"]
    weights_publish(actor=StaffFactory(), weights={"vertical": 1, "tier": 1},
                    near_tie_margin=Decimal("2.5"), offer_sla_hours=48, auto_cascade=True,
                    report_cadence_days=7)
    text = rules_text()
    assert [f[:2] for f in text["factors"]] == [("Vertical", 50), ("Program tier", 50)]
    joined = " ".join(text["paragraphs"])
    assert "48 hours" in joined and "automatically" in joined and "every 7 days" in joined
    assert "within 2.5 points" in joined


def test_the_published_rules_read_without_the_seeded_settings_and_say_ten_as_10():
    MatchingWeights.objects.all().delete()  # as in transactional tests: the seed is flushed
    assert "within 5 points" in " ".join(rules_text()["paragraphs"])
    weights_publish(actor=StaffFactory(), weights={"vertical": 1}, near_tie_margin=10,
                    offer_sla_hours=24, auto_cascade=False, report_cadence_days=14)
    assert "within 10 points" in " ".join(rules_text()["paragraphs"])


def test_scorecard_shows_each_factor_and_what_would_raise_it():
    healthcare, insurance = term("vertical", "Healthcare"), term("vertical", "Insurance")
    partner = make_partner(healthcare, name="Scored")
    make_partner(insurance, verified=False, name="Other")
    partner.capability_claims.create(profile=partner.capability_profile, term=insurance)
    make_proof(partner, healthcare, verified=False)
    card = scorecard(partner=partner)
    by = {f["factor"]: f for f in card["factors"]}
    assert by["vertical"]["evidence"] == "2 claimed, 1 verified."
    assert by["vertical"]["score"] == 0.75
    assert "verify your verticals (1 unverified)" in by["vertical"]["advice"]
    assert by["language"]["evidence"] == "Nothing claimed."
    assert "Add the languages you serve" in by["language"]["advice"]
    assert by["proof_points"]["advice"] == "Add case studies for your verticals and use cases."
    assert card["exclusions"] == [] and card["weights_version"] == 1
    assert 0 < card["total"] <= 100
