"""A partner registration of the same customer as an open vendor lead is classified as a
vendor-lead match (held for the partner owner), not as a direct-sales conflict."""

import pytest

from distribution.choices import VendorLeadStatus
from distribution.tests.helpers import healthcare, make_lead
from leads import matching
from leads.choices import MatchKind, MatchTarget
from leads.services import deal_apply_normalization
from leads.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def _registration(**fields):
    deal = DealFactory(company_name="Initech Health Systems",
                       website="https://www.initech-health.com", country="US", **fields)
    deal_apply_normalization(deal)
    deal.save()
    return deal


def test_a_registration_matching_an_open_vendor_lead_is_a_vendor_lead_match(staff):
    lead = make_lead(staff, healthcare())
    assert lead.status == VendorLeadStatus.READY
    deal = _registration()
    matches = [m for m in matching.find_matches(deal) if m.target == lead]
    assert matches, "the open vendor lead is found"
    kinds = matching.classify(deal, matches[0], protection_window_days=90)
    assert [(k.kind, k.target_type, k.target) for k in kinds] == [
        (MatchKind.VENDOR_LEAD, MatchTarget.VENDOR_LEAD, lead)]
    assert MatchKind.DIRECT_SALES not in {k.kind for k in kinds}


def test_an_assigned_or_closed_vendor_lead_is_no_longer_a_match(staff):
    lead = make_lead(staff, healthcare())
    lead.status = VendorLeadStatus.CLOSED
    lead.save(update_fields=["status"])
    deal = _registration()
    assert not [m for m in matching.find_matches(deal) if m.target == lead]


def test_screening_records_the_vendor_lead_match_on_the_registration(staff):
    from leads.choices import DealStatus
    from leads.screening import deal_screening_run

    lead = make_lead(staff, healthcare())
    deal = _registration(status=DealStatus.SUBMITTED)
    assert deal_screening_run(deal_id=deal.pk)
    match = deal.matches.get(kind=MatchKind.VENDOR_LEAD)
    assert match.target_vendor_lead == lead and match.target_key == f"vendor_lead:{lead.pk}"


@pytest.mark.parametrize("country", ["US", ""])
def test_a_registration_sharing_only_the_name_finds_the_open_vendor_lead(staff, country):
    lead = make_lead(staff, healthcare())
    deal = DealFactory(company_name="Initech Health Systems Inc.", website="", country=country,
                       contact_email="someone@gmail.com", contact_phone="")
    deal_apply_normalization(deal)
    deal.save()
    assert [m.target for m in matching.find_matches(deal) if m.target == lead] == [lead]
