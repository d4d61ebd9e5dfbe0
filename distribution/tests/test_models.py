"""Model-level rules of the distribution app that the database enforces."""

import pytest
from django.db import IntegrityError, transaction

from distribution.choices import OfferStatus
from distribution.models import MatchingWeights, Offer, VendorLead
from partners.models import Vocabulary
from partners.tests.factories import PartnerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_vocabularies_and_weights_are_seeded():
    assert set(Vocabulary.objects.filter(kind="segment").values_list("name", flat=True)) == {
        "SMB", "Mid-market", "Enterprise"}
    assert MatchingWeights.objects.get(version=1).weight("vertical") > 0


def test_a_lead_has_at_most_one_live_offer():
    staff = StaffFactory()
    lead = VendorLead.objects.create(company_name="Acme", created_by=staff)
    first, second = PartnerFactory(), PartnerFactory()
    Offer.objects.create(lead=lead, partner=first, status=OfferStatus.OFFERED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(lead=lead, partner=second, status=OfferStatus.PENDING_APPROVAL)
    Offer.objects.create(lead=lead, partner=second, status=OfferStatus.DECLINED,
                         decline_reason="No capacity")
