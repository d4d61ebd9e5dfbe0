"""The vendor-lead API: staff create/list/recommendations/offers (404 to partners), partner
offers (own only, no contact before acceptance), accept, decline, outcomes, scorecard."""

import pytest
from rest_framework.test import APIClient

from distribution.choices import OfferStatus, VendorLeadStatus
from distribution.models import Offer, VendorLead
from distribution.tests.helpers import capable_partner, healthcare, make_lead
from leads.choices import DealStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners():
    return (capable_partner(healthcare(), name="Best Health Partners"),
            capable_partner(healthcare(), name="Second Health Partners", verified=False))


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _staff_api(staff_client) -> APIClient:
    client = APIClient()
    client.cookies = staff_client.cookies  # the MFA session
    return client


def test_staff_create_list_recommend_and_offer(staff_client, partners,
                                                django_capture_on_commit_callbacks):
    best, second = partners
    api = _staff_api(staff_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/staff/vendor-leads/", {
            "company_name": "Umbrella Clinics", "country": "US", "terms": [healthcare().pk]},
            format="json")
    assert response.status_code == 201, response.content
    lead = VendorLead.objects.get(pk=response.json()["id"])
    assert lead.source == "api" and lead.status == VendorLeadStatus.READY
    assert api.get("/api/v1/staff/vendor-leads/").json()["results"][0]["id"] == lead.pk
    rec = api.get(f"/api/v1/staff/vendor-leads/{lead.pk}/recommendations/").json()
    assert rec["weights_version"] == 1 and rec["candidates"][0]["partner"] == best.pk
    assert {"score", "weight", "evidence"} <= set(rec["candidates"][0]["factors"][0])
    url = f"/api/v1/staff/vendor-leads/{lead.pk}/offers/"
    response = api.post(url, {"partner": second.pk}, format="json")
    assert response.status_code == 400 and "override_reason" in response.json()
    response = api.post(url, {"partner": second.pk, "override_reason": "By name"}, format="json")
    assert response.status_code == 201 and response.json()["is_override"] is True
    assert api.post(url, {"partner": best.pk}, format="json").status_code == 409


def test_a_bad_field_is_named(staff_client):
    response = _staff_api(staff_client).post("/api/v1/staff/vendor-leads/", {
        "company_name": "X", "contact_email": "nope"}, format="json")
    assert response.status_code == 400 and "contact_email" in response.json()


def test_staff_routes_answer_404_to_partners(partners, staff):
    best, _ = partners
    lead = make_lead(staff, healthcare())
    api = _api(best.memberships.get().user)
    assert api.get("/api/v1/staff/vendor-leads/").status_code == 404
    assert api.get(f"/api/v1/staff/vendor-leads/{lead.pk}/recommendations/").status_code == 404


def _offered(staff, best) -> Offer:
    from distribution.services import offer_approve

    lead = make_lead(staff, healthcare())
    return offer_approve(actor=staff, offer=Offer.objects.get(lead=lead))


def test_partner_sees_only_its_offers_and_no_contact_until_accepting(partners, staff):
    best, second = partners
    offer = _offered(staff, best)
    assert _api(second.memberships.get().user).get("/api/v1/offers/").json()["results"] == []
    api = _api(best.memberships.get().user)
    row = api.get("/api/v1/offers/").json()["results"][0]
    assert row["id"] == offer.pk and "contact_email" not in row["lead"] and row["why"]["factors"]
    other = _api(second.memberships.get().user)
    assert other.post(f"/api/v1/offers/{offer.pk}/accept/").status_code == 404
    response = api.post(f"/api/v1/offers/{offer.pk}/accept/")
    assert response.status_code == 200
    assert response.json()["lead"]["contact_email"] == "peter.gibbons@initech-health.com"


def test_decline_needs_a_reason_and_the_decliner_never_gets_the_contact(partners, staff):
    best, _ = partners
    offer = _offered(staff, best)
    api = _api(best.memberships.get().user)
    response = api.post(f"/api/v1/offers/{offer.pk}/decline/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(f"/api/v1/offers/{offer.pk}/decline/", {"reason": "Full"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == OfferStatus.DECLINED
    assert "contact_email" not in response.json()["lead"]
    assert "peter" not in api.get("/api/v1/offers/").content.decode().lower()


def test_outcome_reports_never_change_status_or_amount(partners, staff):
    best, second = partners
    offer = _offered(staff, best)
    api = _api(best.memberships.get().user)
    deal_id = api.post(f"/api/v1/offers/{offer.pk}/accept/").json()["deal"]
    url = f"/api/v1/deals/{deal_id}/outcomes/"
    assert _api(second.memberships.get().user).post(
        url, {"stage": "won"}, format="json").status_code == 404
    response = api.post(url, {"stage": "bogus"}, format="json")
    assert response.status_code == 400 and "stage" in response.json()
    response = api.post(url, {"stage": "meeting_held", "note": "Good call"}, format="json")
    assert response.status_code == 201
    assert api.post(url, {"stage": "won", "note": "Signed"}, format="json").status_code == 201
    offer.refresh_from_db()
    assert offer.deal.status == DealStatus.ACCEPTED and offer.deal.won_amount is None
    assert [r["stage"] for r in api.get(url).json()] == ["won", "meeting_held"]


def test_the_scorecard_is_the_callers_own(partners):
    best, _ = partners
    card = _api(best.memberships.get().user).get("/api/v1/scorecard/").json()
    assert card["weights_version"] == 1 and card["factors"] and "compliance" in card
