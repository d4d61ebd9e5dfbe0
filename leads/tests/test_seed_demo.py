"""seed_demo builds a usable demo once, and only in DEBUG."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attribution.models import Commission
from audit.selectors import audit_chain_first_break
from distribution.choices import OfferStatus, VendorLeadStatus
from distribution.models import Offer, OutcomeReport, VendorLead
from leads.choices import DealStatus, MatchKind
from leads.models import Deal, DuplicateMatch
from partners.models import AgreementAcceptance, CapabilityProfile, PartnerOrganization
from reviews.models import ReviewTask

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not PartnerOrganization.objects.exists()


def test_seed_demo_creates_every_status_and_the_two_partner_scenario_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", accounts=40)
    assert PartnerOrganization.objects.count() >= 3
    # None is left mid-pipeline; a resolved conflict leaves one registration merged.
    not_seeded = {DealStatus.SUBMITTED, DealStatus.SCREENING}
    assert set(Deal.objects.values_list("status", flat=True)) == set(DealStatus.values) - not_seeded
    assert DuplicateMatch.objects.filter(kind=MatchKind.CROSS_PARTNER,
                                         deal__company_name="GLOBEX Corp.").exists()
    assert ReviewTask.objects.filter(kind="attribution_conflict").exists()
    merged = Deal.objects.get(status=DealStatus.MERGED)
    assert merged.merged_into.status == DealStatus.WON
    assert Commission.objects.filter(deal=merged.merged_into).count() == 2
    assert_lead_distribution_is_seeded()
    deals = Deal.objects.count()
    call_command("seed_demo", accounts=40)
    assert Deal.objects.count() == deals
    assert VendorLead.objects.count() == 3
    assert audit_chain_first_break()[0] is None


def assert_lead_distribution_is_seeded() -> None:
    """Profiles, the accepted agreement, and vendor leads at each step: one offered to a
    partner (who sees it), one awaiting the partner owner's approval, one accepted."""
    assert CapabilityProfile.objects.filter(terms_verified__contains="|").count() == 2
    assert AgreementAcceptance.objects.count() == 3  # not the suspended partner
    leads = {lead.company_name: lead for lead in VendorLead.objects.all()}
    offered = leads["Meridian Health Network"]
    assert offered.status == VendorLeadStatus.OFFERED
    offer = Offer.objects.get(lead=offered, status=OfferStatus.OFFERED)
    assert offer.partner.name == "Northwind Solutions"
    ready = leads["Harborview Credit Union"]
    assert ready.status == VendorLeadStatus.READY
    pending = Offer.objects.get(lead=ready, status=OfferStatus.PENDING_APPROVAL)
    assert pending.partner.name == "Contoso Partners"
    rec = pending.recommendation
    assert rec.candidates and {"status", "overdue_reports"} <= set(rec.exclusions["counts"])
    second = Offer.objects.get(lead=leads["Cobalt Outfitters"], status=OfferStatus.OFFERED)
    assert second.partner.name == "Contoso Partners"
    assert OutcomeReport.objects.filter(partner__name="Northwind Solutions").exists()
    assert not OutcomeReport.objects.filter(partner__name="Fabrikam Digital").exists()
