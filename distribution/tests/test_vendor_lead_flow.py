"""Vendor leads through their states: prepared, held, offered, declined, cascaded,
timed out, accepted; every step audited; overrides need a reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from audit.models import AuditEvent
from crm.tests.factories import AccountFactory
from distribution import services
from distribution.choices import OfferStatus, VendorLeadStatus
from distribution.matching import weights_current, weights_publish
from distribution.models import Offer
from distribution.tests.helpers import capable_partner, healthcare, make_lead
from leads.choices import DealSource, DealStatus
from leads.tests.factories import DealFactory
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.choices import TaskKind
from reviews.models import Notification, ReviewTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_partners():
    best = capable_partner(healthcare(), name="Best Health Partners")
    second = capable_partner(healthcare(), name="Second Health Partners", verified=False)
    return best, second


def _pending(lead) -> Offer:
    return Offer.objects.get(lead=lead, status=OfferStatus.PENDING_APPROVAL)


def test_a_prepared_lead_is_ready_with_its_top_candidate_awaiting_approval(staff, two_partners):
    best, second = two_partners
    lead = make_lead(staff, healthcare())
    assert lead.status == VendorLeadStatus.READY and lead.ready_at
    assert lead.norm_domain == "initech-health.com"
    offer = _pending(lead)
    assert offer.partner == best and offer.rank == 1 and offer.explanation["factors"]
    assert lead.recommendations.get().candidates[1]["partner"] == second.pk
    # The summary a partner reads never carries the contact's details.
    assert "Peter" not in lead.summary and "initech-health.com" not in lead.summary
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"vendor_lead.create", "vendor_lead.ready", "vendor_lead.recommend",
            "offer.propose"} <= actions
    assert Notification.objects.filter(title__contains="Approve the offer").exists()


def test_preparing_twice_changes_nothing(staff, two_partners):
    lead = make_lead(staff, healthcare())
    services.vendor_lead_prepare(lead_id=lead.pk)
    assert Offer.objects.filter(lead=lead).count() == 1


def test_a_lead_matching_an_open_partner_registration_is_held_with_the_match(staff, two_partners):
    best, _second = two_partners
    registration = DealFactory(partner=best, status=DealStatus.IN_REVIEW,
                               company_name="Initech Health Systems",
                               website="https://www.initech-health.com", country="US")
    lead = make_lead(staff, healthcare())
    assert lead.status == VendorLeadStatus.HELD
    assert lead.held_deal == registration
    assert "domain" in lead.held_detail["matched_fields"]
    assert registration.reference in lead.held_reason
    assert not Offer.objects.filter(lead=lead).exists()
    assert not lead.recommendations.exists()


def test_a_lead_of_an_account_owned_by_sales_is_held(staff, two_partners):
    seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    account = AccountFactory(name="Initech Health Systems", website="initech-health.com",
                             country="US", sales_owner=seller)
    lead = make_lead(staff, healthcare())
    assert lead.status == VendorLeadStatus.HELD and lead.held_account == account


def test_approving_offers_the_top_partner_with_its_sla(staff, two_partners):
    best, _second = two_partners
    lead = make_lead(staff, healthcare())
    offer = services.offer_approve(actor=staff, offer=_pending(lead))
    lead.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED and lead.status == VendorLeadStatus.OFFERED
    assert offer.due_at == offer.offered_at + timedelta(hours=weights_current().offer_sla_hours)
    assert offer.approved_by == staff and not offer.is_override
    assert Notification.objects.filter(user__membership__partner=best,
                                       title__contains="offered to you").exists()


def test_offering_another_candidate_needs_a_reason_which_is_recorded(staff, two_partners):
    _best, second = two_partners
    lead = make_lead(staff, healthcare())
    with pytest.raises(ValidationError) as error:
        services.offer_make(actor=staff, lead=lead, partner_id=second.pk, override_reason=" ")
    assert "override_reason" in error.value.message_dict
    offer = services.offer_make(actor=staff, lead=lead, partner_id=second.pk,
                                override_reason="Customer asked for them by name.")
    assert offer.is_override and offer.override_reason == "Customer asked for them by name."
    assert offer.status == OfferStatus.OFFERED and offer.rank == 2
    assert Offer.objects.get(lead=lead, partner=_best).status == OfferStatus.WITHDRAWN
    event = AuditEvent.objects.get(action="offer.send")
    assert event.reason == "Customer asked for them by name."


def test_offering_a_partner_that_is_not_a_candidate_names_the_field(staff, two_partners):
    outsider = capable_partner(name="Outsider Partners")
    lead = make_lead(staff, healthcare())
    with pytest.raises(ValidationError) as error:
        services.offer_make(actor=staff, lead=lead, partner_id=outsider.pk + 1000,
                            override_reason="x")
    assert "partner" in error.value.message_dict


def test_a_partner_owner_role_is_needed_to_approve(two_partners, staff):
    lead = make_lead(staff, healthcare())
    seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    with pytest.raises(NotAllowed):
        services.offer_approve(actor=seller, offer=_pending(lead))


def test_a_decline_needs_a_reason_and_cascades_to_the_next_candidate(staff, two_partners):
    best, second = two_partners
    lead = make_lead(staff, healthcare())
    offer = services.offer_approve(actor=staff, offer=_pending(lead))
    admin = best.memberships.get().user
    with pytest.raises(ValidationError) as error:
        services.offer_decline(partner=best, actor=admin, offer=offer, reason="")
    assert "reason" in error.value.message_dict
    services.offer_decline(partner=best, actor=admin, offer=offer, reason="No capacity now.")
    offer.refresh_from_db()
    lead.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED and offer.decline_reason == "No capacity now."
    assert lead.status == VendorLeadStatus.READY
    nxt = _pending(lead)
    assert nxt.partner == second  # after the same approval step
    assert lead.recommendations.count() == 2


def test_auto_cascade_offers_the_next_candidate_at_once(staff, two_partners):
    best, second = two_partners
    w = weights_current()
    weights_publish(actor=staff, weights=w.weights, near_tie_margin=w.near_tie_margin,
                    offer_sla_hours=w.offer_sla_hours, auto_cascade=True,
                    report_cadence_days=w.report_cadence_days)
    lead = make_lead(staff, healthcare())
    offer = services.offer_approve(actor=staff, offer=_pending(lead))
    services.offer_decline(partner=best, actor=best.memberships.get().user, offer=offer,
                           reason="Not our region.")
    nxt = Offer.objects.get(lead=lead, partner=second)
    assert nxt.status == OfferStatus.OFFERED and nxt.approved_by is None
    lead.refresh_from_db()
    assert lead.status == VendorLeadStatus.OFFERED


def test_the_beat_times_out_late_offers_once_and_cascades(staff, two_partners):
    best, second = two_partners
    lead = make_lead(staff, healthcare())
    offer = services.offer_approve(actor=staff, offer=_pending(lead))
    assert services.offers_time_out() == 0
    with freeze_time(offer.due_at + timedelta(minutes=1)):
        # An answer after the SLA is refused, before and after the beat ran.
        with pytest.raises(InvalidTransition):
            services.offer_accept(partner=best, actor=best.memberships.get().user, offer=offer)
        assert services.offers_time_out() == 1
        assert services.offers_time_out() == 0
    offer.refresh_from_db()
    assert offer.status == OfferStatus.TIMED_OUT and offer.responded_by is None
    assert _pending(lead).partner == second


def test_an_acceptance_creates_the_partners_accepted_deal_on_the_accepted_path(staff, two_partners):
    best, _second = two_partners
    lead = make_lead(staff, healthcare())
    offer = services.offer_approve(actor=staff, offer=_pending(lead))
    admin = best.memberships.get().user
    offer = services.offer_accept(partner=best, actor=admin, offer=offer)
    deal = offer.deal
    lead.refresh_from_db()
    assert lead.status == VendorLeadStatus.ASSIGNED and lead.assigned_at
    assert deal.partner == best and deal.source == DealSource.VENDOR
    assert deal.status == DealStatus.ACCEPTED and deal.vendor_lead == lead
    assert deal.contact_email == "peter.gibbons@initech-health.com"
    assert deal.protected_until and deal.sales_owner == staff
    assert ReviewTask.objects.filter(deal=deal, kind=TaskKind.SALES_HANDOFF).exists()
    assert deal.attributions.get().partner == best
    assert deal.status_changes.get().to_status == DealStatus.ACCEPTED
    with pytest.raises(InvalidTransition):
        services.offer_accept(partner=best, actor=admin, offer=offer)


def test_a_partner_cannot_answer_an_offer_made_to_another_organization(staff, two_partners):
    best, second = two_partners
    lead = make_lead(staff, healthcare())
    offer = services.offer_approve(actor=staff, offer=_pending(lead))
    with pytest.raises(NotAllowed):
        services.offer_accept(partner=second, actor=second.memberships.get().user, offer=offer)
    with pytest.raises(NotAllowed):
        services.offer_decline(partner=second, actor=second.memberships.get().user,
                               offer=offer, reason="x")


def test_when_no_partner_is_eligible_the_lead_waits_ready(staff):
    lead = make_lead(staff, healthcare())
    assert lead.status == VendorLeadStatus.READY
    assert not Offer.objects.filter(lead=lead).exists()
    assert timezone.now() >= lead.ready_at
