"""Small fixtures for the vendor-lead and offer tests: partners with profiles, leads made
through the service and prepared like the worker does."""

from django.utils import timezone
from django.utils.text import slugify

from distribution.models import VendorLead
from distribution.services import vendor_lead_create, vendor_lead_prepare
from partners.choices import MemberRole
from partners.models import CapabilityClaim, CapabilityProfile, Vocabulary
from partners.services import profile_terms_refresh
from partners.tests.factories import MembershipFactory, PartnerFactory


def term(kind: str, name: str) -> Vocabulary:
    """A controlled-vocabulary term (seeded by a migration; transactional tests flush the
    seed, so it is made again when missing)."""
    return Vocabulary.objects.get_or_create(kind=kind, name=name,
                                            defaults={"slug": slugify(name)})[0]


def healthcare() -> Vocabulary:
    return term("vertical", "Healthcare")


def capable_partner(*terms, name: str, capacity: int = 5, verified: bool = True,
                    admin_email: str | None = None, **kwargs):
    """A partner organization with a capability profile claiming `terms`, and an admin."""
    partner = PartnerFactory(name=name, **kwargs)
    profile = CapabilityProfile.objects.create(partner=partner, capacity=capacity)
    CapabilityClaim.objects.bulk_create([
        CapabilityClaim(partner=partner, profile=profile, term=t,
                        verified_at=timezone.now() if verified else None) for t in terms])
    profile_terms_refresh(partner_ids=[partner.pk])  # what the profile services do
    MembershipFactory(partner=partner, role=MemberRole.ADMIN,
                      user__email=admin_email or f"admin@{name.split()[0].lower()}.test")
    return partner


LEAD_DATA = {
    "company_name": "Initech Health Systems", "website": "https://initech-health.com",
    "country": "US", "industry": "Healthcare", "company_size": "250-999",
    "contact_name": "Peter Gibbons", "contact_title": "CIO",
    "contact_email": "peter.gibbons@initech-health.com", "contact_phone": "+1 415 555 0199",
    "need": "Move patient reporting to the cloud.", "use_case_text": "Reporting",
    "urgency": "high", "estimated_value": 120000, "currency": "USD",
}


def make_lead(actor, *terms, prepare: bool = True, **fields) -> VendorLead:
    """A vendor lead created through the service, prepared as the worker would."""
    lead = vendor_lead_create(actor=actor, data={**LEAD_DATA, **fields}, terms=terms,
                              prepare=False)
    if prepare:
        lead = vendor_lead_prepare(lead_id=lead.pk)
    return lead
