"""Staff and partner pages for vendor leads: queue, form, detail with the recommendation,
approval and override, the partner's offer (no contact details before acceptance), accept,
decline with a reason, outcome reports that never change the deal."""

import pytest
from django.urls import reverse

from distribution.choices import OfferStatus, VendorLeadStatus
from distribution.models import Offer, OutcomeReport, VendorLead
from distribution.tests.helpers import capable_partner, healthcare, make_lead
from leads.choices import DealStatus
from partners.models import Vocabulary

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners():
    best = capable_partner(healthcare(), name="Best Health Partners")
    second = capable_partner(healthcare(), name="Second Health Partners", verified=False)
    return best, second


def _member_client(client, partner):
    client.force_login(partner.memberships.get().user)
    return client


def test_the_queue_lists_offers_awaiting_approval_and_leads_by_state(staff_client, staff, partners):
    lead = make_lead(staff, healthcare())
    response = staff_client.get(reverse("reviews:vendor-lead-queue"))
    assert response.status_code == 200
    body = response.content.decode()
    assert lead.reference in body and "Best Health Partners" in body
    assert reverse("reviews:vendor-lead-offer-approve", args=[Offer.objects.get().pk]) in body


def test_staff_create_a_lead_in_the_form_and_the_worker_prepares_it(staff_client, partners,
                                                                    django_capture_on_commit_callbacks):
    term = healthcare()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("reviews:vendor-lead-new"), {
            "company_name": "Umbrella Clinics", "country": "US", "currency": "USD",
            "terms": [term.pk], "need": "Cloud reporting"})
    lead = VendorLead.objects.get()
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    lead.refresh_from_db()
    assert lead.status == VendorLeadStatus.READY  # the eager task ran on commit


def test_the_form_names_the_bad_field(staff_client):
    response = staff_client.post(reverse("reviews:vendor-lead-new"), {
        "company_name": "", "currency": "USD", "contact_email": "not-an-email"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"company_name", "contact_email"}


def test_the_detail_shows_factors_evidence_and_weights_version(staff_client, staff, partners):
    lead = make_lead(staff, healthcare())
    body = staff_client.get(lead.get_absolute_url()).content.decode()
    assert "weights v1" in body and "Healthcare (verified)" in body
    assert 'id="approve-offer"' in body


def test_override_without_a_reason_is_refused_beside_the_field(staff_client, staff, partners):
    _best, second = partners
    lead = make_lead(staff, healthcare())
    url = reverse("reviews:vendor-lead-offer", args=[lead.pk])
    response = staff_client.post(url, {"partner": second.pk, "override_reason": ""})
    assert response.status_code == 400
    assert "override_reason" in response.context["override_form"].errors
    response = staff_client.post(url, {"partner": second.pk, "override_reason": "Asked by name"})
    assert response.status_code == 302
    assert Offer.objects.get(partner=second).is_override


def _offered(staff, staff_client):
    lead = make_lead(staff, healthcare())
    pending = Offer.objects.get(lead=lead, status=OfferStatus.PENDING_APPROVAL)
    staff_client.post(reverse("reviews:vendor-lead-offer-approve", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.status == OfferStatus.OFFERED
    return lead, pending


def test_the_offered_partner_sees_summary_and_why_but_not_the_contact(client, staff, staff_client,
                                                                      partners):
    best, _second = partners
    lead, offer = _offered(staff, staff_client)
    body = _member_client(client, best).get(offer.get_absolute_url()).content.decode()
    assert lead.summary.split("\n")[0] in body and "Why you" in body
    for secret in ("Peter Gibbons", "peter.gibbons@initech-health.com", "555 0199"):
        assert secret not in body
    assert 'id="accept-offer"' in body


def test_a_decline_needs_a_reason_and_the_decliner_never_sees_the_contact(client, staff,
                                                                          staff_client, partners):
    best, second = partners
    lead, offer = _offered(staff, staff_client)
    c = _member_client(client, best)
    url = reverse("distribution:offer-decline", args=[offer.pk])
    response = c.post(url, {"reason": ""})
    assert response.status_code == 400 and "reason" in response.context["decline_form"].errors
    assert c.post(url, {"reason": "Not our segment"}).status_code == 302
    body = c.get(offer.get_absolute_url()).content.decode()
    assert "Peter Gibbons" not in body and "peter.gibbons" not in body
    assert Offer.objects.get(lead=lead, status=OfferStatus.PENDING_APPROVAL).partner == second


def test_another_organization_gets_404_on_the_offer_and_its_answers(client, staff, staff_client,
                                                                    partners):
    _best, second = partners
    _lead, offer = _offered(staff, staff_client)
    c = _member_client(client, second)
    assert c.get(offer.get_absolute_url()).status_code == 404
    assert c.post(reverse("distribution:offer-accept", args=[offer.pk])).status_code == 404
    assert c.post(reverse("distribution:offer-decline", args=[offer.pk]),
                  {"reason": "x"}).status_code == 404
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED


def test_accepting_shows_the_contact_and_outcome_reports_never_change_the_deal(
        client, staff, staff_client, partners):
    best, _second = partners
    lead, offer = _offered(staff, staff_client)
    c = _member_client(client, best)
    response = c.post(reverse("distribution:offer-accept", args=[offer.pk]))
    offer.refresh_from_db()
    deal = offer.deal
    assert response.status_code == 302 and response["Location"] == deal.get_absolute_url()
    assert "peter.gibbons@initech-health.com" in c.get(offer.get_absolute_url()).content.decode()
    assert reverse("distribution:deal-outcomes", args=[deal.pk]) in c.get(
        deal.get_absolute_url()).content.decode()
    url = reverse("distribution:deal-outcomes", args=[deal.pk])
    response = c.post(url, {"stage": "lost", "note": ""})
    assert response.status_code == 400 and "lost_reason" in response.context["form"].errors
    assert c.post(url, {"stage": "won", "note": "Signed"}).status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.won_amount is None
    assert OutcomeReport.objects.get(deal=deal).stage == "won"
    assert "Signed" in c.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_the_partner_offer_list_shows_only_its_own_and_the_reporting_banner(client, staff,
                                                                            staff_client, partners):
    best, second = partners
    _offered(staff, staff_client)
    body = _member_client(client, best).get(reverse("distribution:offer-list")).content.decode()
    assert "Initech Health Systems" in body and "Want leads? Report back." in body
    client.logout()
    body = _member_client(client, second).get(reverse("distribution:offer-list")).content.decode()
    assert "Initech Health Systems" not in body


def test_a_partner_rep_cannot_open_staff_vendor_lead_pages(client, staff, partners):
    best, _second = partners
    lead = make_lead(staff, healthcare())
    c = _member_client(client, best)
    assert c.get(reverse("reviews:vendor-lead-queue")).status_code == 403
    assert c.get(lead.get_absolute_url()).status_code == 403
    assert Vocabulary.objects.exists()
