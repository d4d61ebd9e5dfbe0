"""Objects of one deal's partner for the tenant sweep (tests/test_tenant_isolation.py): a
vendor lead offered to that partner (the offer), and a vendor-lead import, each created
on first use."""

from datetime import timedelta

from django.utils import timezone

from distribution.choices import OfferStatus, VendorLeadStatus
from distribution.models import Offer, VendorLead, VendorLeadImport
from leads.models import Deal


def offer_of(deal: Deal) -> int:
    """An offer made to the deal's organization (its lead is the vendor's)."""
    offer = Offer.objects.filter(partner_id=deal.partner_id).first()
    if offer is None:
        lead = VendorLead.objects.create(
            company_name="Sweep Vendor Lead", created_by=deal.created_by,
            status=VendorLeadStatus.OFFERED, contact_name="Secret Contact",
            contact_email="secret.contact@sweep-lead.com")
        now = timezone.now()
        offer = Offer.objects.create(lead=lead, partner_id=deal.partner_id,
                                     status=OfferStatus.OFFERED, offered_at=now,
                                     due_at=now + timedelta(hours=24))
    return offer.pk


def lead_of(deal: Deal) -> int:
    return Offer.objects.get(pk=offer_of(deal)).lead_id


def import_of(deal: Deal) -> int:
    item = VendorLeadImport.objects.first() or VendorLeadImport.objects.create(
        file="vendor_lead_imports/sweep.csv", created_by=deal.created_by)
    return item.pk
