"""Answers the fuzz run (tests/test_api_fuzz.py) once found outside the published schema,
checked here on SQLite without a live server: each response is validated by schemathesis
against the schema the API publishes (status code documented, body as described).

Blank values of read-only fields ("" country, choice or e-mail), a commission not yet on a
statement, an open conflict case, the 404/409 answers of offers, outcomes and vendor leads,
and the dispute 409 that must name `status`.
"""

import functools
from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
import schemathesis
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from schemathesis.core.transport import Response

from attribution.choices import CommissionKind
from attribution.models import Commission, CommissionRule, ConflictCase
from attribution.tests.conftest import People, screened, submitted, win
from conftest import login_with_mfa
from distribution.tests.helpers import capable_partner, healthcare, make_lead
from leads.choices import DealStatus
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@functools.cache
def _schema():
    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


def published(response, path: str, method: str = "GET"):
    """Fail unless the schema documents `response` for the operation (path template)."""
    operation = _schema()[path][method.upper()]
    assert operation.responses.find_by_status_code(response.status_code) is not None, (
        f"{method} {path}: {response.status_code} not documented: {response.content[:300]!r}")
    headers = {key.lower(): [value] for key, value in response.headers.items()}
    operation.validate_response(Response(
        status_code=response.status_code, headers=headers, content=response.content,
        request=requests.Request(method, f"http://testserver{path}").prepare(),
        elapsed=0.0, verify=False))
    return response


def _token_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


@pytest.fixture
def staff_api(staff):
    return login_with_mfa(Client(), staff)


def test_a_vendor_lead_without_a_country_is_created_and_listed(staff_api,
                                                                 django_capture_on_commit_callbacks):
    """Was a 500: a blank CountryField reached the JSON encoder as a Country object."""
    path = "/api/v1/staff/vendor-leads/"
    for country in ("", "DE"):
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_api.post(path, {"company_name": f"Acme {country}", "country": country},
                                      content_type="application/json")
        assert published(response, path, "POST").status_code == 201, response.content
        assert response.json()["country"] == country
    response = published(staff_api.get(path), path)
    assert [row["country"] for row in response.json()["results"]] == ["DE", ""]
    response = staff_api.get(path, {"page": 99})
    assert published(response, path).status_code == 404


def test_vendor_lead_recommendations_and_offers_answer_as_published(staff_api, staff):
    lead = make_lead(staff, healthcare(), prepare=False)  # new: not matched yet
    path = "/api/v1/staff/vendor-leads/{id}/recommendations/"
    response = staff_api.get(f"/api/v1/staff/vendor-leads/{lead.pk}/recommendations/")
    assert published(response, path).status_code == 404
    path = "/api/v1/staff/vendor-leads/{id}/offers/"
    response = staff_api.post(f"/api/v1/staff/vendor-leads/{lead.pk}/offers/", {"partner": 1},
                              content_type="application/json")
    assert published(response, path, "POST").status_code == 409
    assert response.json()["status"] == "new"
    response = staff_api.post("/api/v1/staff/vendor-leads/0/offers/", {"partner": 1},
                              content_type="application/json")
    assert published(response, path, "POST").status_code == 404


def test_offers_and_outcomes_answer_404_and_409_as_published(staff):
    partner = capable_partner(healthcare(), name="Best Health Partners")
    api = _token_client(partner.memberships.get().user)
    for action in ("accept", "decline"):
        response = api.post(f"/api/v1/offers/0/{action}/", {"reason": "Full"},
                            content_type="application/json")
        assert published(response, f"/api/v1/offers/{{id}}/{action}/", "POST").status_code == 404
    assert published(api.get("/api/v1/offers/", {"page": 9}), "/api/v1/offers/").status_code == 404
    assert published(api.get("/api/v1/payouts/", {"page": 9}), "/api/v1/payouts/").status_code == 404

    draft = DealFactory(partner=partner, status=DealStatus.DRAFT)
    path = "/api/v1/deals/{id}/outcomes/"
    response = api.post(f"/api/v1/deals/{draft.pk}/outcomes/", {"stage": "won"},
                        content_type="application/json")
    assert published(response, path, "POST").status_code == 409
    assert response.json()["status"] == DealStatus.DRAFT
    assert published(api.get("/api/v1/deals/0/outcomes/"), path).status_code == 404


def test_a_dispute_without_credit_names_the_status(partner_a, admin_a):
    deal = DealFactory(partner=partner_a, status=DealStatus.DRAFT)
    response = _token_client(admin_a).post(f"/api/v1/deals/{deal.pk}/disputes/",
                                           {"text": "Ours"}, content_type="application/json")
    published(response, "/api/v1/deals/{id}/disputes/", "POST")
    assert response.status_code == 409 and response.json()["status"] == DealStatus.DRAFT


def test_a_dispute_text_with_nul_or_too_long_is_refused_by_name(partner_a, admin_a):
    """A NUL reached PostgreSQL (a 500 there); the text is validated before any lookup."""
    deal = DealFactory(partner=partner_a, status=DealStatus.DRAFT)
    api = _token_client(admin_a)
    for text in ("a\x00b", "x" * 5001):
        response = api.post(f"/api/v1/deals/{deal.pk}/disputes/", {"text": text},
                            content_type="application/json")
        published(response, "/api/v1/deals/{id}/disputes/", "POST")
        assert response.status_code == 400 and list(response.json()) == ["text"]


def test_blank_drafts_and_open_cases_match_the_staff_schema(staff_api, partner_a, partner_b,
                                                            admin_a, admin_b):
    DealFactory(partner=partner_a, status=DealStatus.DRAFT, country="", contact_email="",
                company_size="", urgency="", industry="")
    now = timezone.now()
    screened(submitted(partner=partner_a, created_by=admin_a, company_name="Globex Corporation",
                       website="globex.com", contact_email="hank@globex.com",
                       submitted_at=now - timedelta(days=3)),
             submitted(partner=partner_b, created_by=admin_b, company_name="GLOBEX Corp.",
                       website="", contact_email="h.scorpio@globex.com", submitted_at=now))
    assert ConflictCase.objects.get().resolution == ""
    response = published(staff_api.get("/api/v1/staff/deals/"), "/api/v1/staff/deals/")
    assert "" in {row["country"] for row in response.json()["results"]}
    response = published(staff_api.get("/api/v1/staff/conflicts/"), "/api/v1/staff/conflicts/")
    assert response.json()["results"][0]["resolution"] == ""
    for deal_id in [row["id"] for row in response.json()["results"][0]["deals"]]:
        response = staff_api.get(f"/api/v1/staff/deals/{deal_id}/")
        published(response, "/api/v1/staff/deals/{id}/")


def test_a_commission_not_yet_on_a_statement_has_a_null_statement(partner_a, admin_a):
    people = People(owner=StaffFactory(email="po@vendor.test", roles=[StaffRole.PARTNER_OWNER]),
                    sales=StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER]),
                    admin=None)
    partner_a.partner_owner = people.owner
    partner_a.save()
    CommissionRule.objects.create(name="Standard 10%", kind=CommissionKind.PERCENT,
                                  rate=Decimal("10"), effective_from=date(2020, 1, 1))
    (deal,) = screened(submitted(partner=partner_a, created_by=admin_a, company_name="Initech"))
    win(deal, people, Decimal("1000.00"))
    assert Commission.objects.get().statement is None
    response = published(_token_client(admin_a).get("/api/v1/commissions/"), "/api/v1/commissions/")
    assert response.json()["results"][0]["statement"] is None
