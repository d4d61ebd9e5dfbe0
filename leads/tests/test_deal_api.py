"""The deal API at /api/v1/deals/: auth, scoping, create/submit/withdraw, errors, schema.

Every error is JSON keyed by the field it concerns, 400 for bad input, 409 for a state
conflict, 401/403 for auth; never a 500, and a refused request saves nothing.
"""

import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import DealFactory, ProductFactory
from partners.choices import ProgramStatus
from partners.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/deals/"


def detail_url(deal: Deal) -> str:
    return f"/api/v1/deals/{deal.pk}/"


def token_client(user) -> Client:
    token, _created = Token.objects.get_or_create(user=user)
    return Client(headers={"authorization": f"Token {token.key}"})


@pytest.fixture
def api_a(admin_a) -> Client:
    return token_client(admin_a)


@pytest.fixture
def product(db):
    return ProductFactory(sku="ANALYTICS-PRO", name="Analytics Pro")


def complete_payload(**overrides) -> dict:
    payload = {
        "company_name": "Acme Robotics GmbH",
        "website": "https://www.acme-robotics.de/about",
        "country": "DE",
        "contact_name": "Jana Novak",
        "contact_title": "CTO",
        "contact_email": "Jana.Novak@Acme-Robotics.de",
        "contact_phone": "030 1234567",
        "contact_authority": "decision_maker",
        "need": "Consolidate reporting across three plants.",
        "urgency": "high",
        "timeline": "Q3",
        "estimated_value": "48000.00",
        "currency": "eur",
        "products": ["ANALYTICS-PRO"],
        "introduction_path": "existing_client",
        "relationship_notes": "Client since 2019.",
        "customer_consent": True,
    }
    payload.update(overrides)
    return payload


def post_json(client: Client, url: str, payload) -> "object":
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def assert_json_error(response, status: int, *keys: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    for key in keys:
        assert key in body, body
    return body


# --- Authentication ----------------------------------------------------------------------


def test_token_auth_lists_the_callers_deals(api_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a)

    response = api_a.get(LIST_URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [deal.pk]


def test_session_auth_lists_the_callers_deals(client_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a)

    response = client_a.get(LIST_URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [deal.pk]


def test_session_auth_creates_a_deal(client_a, product):
    response = post_json(client_a, LIST_URL, complete_payload())

    assert response.status_code == 201
    assert Deal.objects.count() == 1


def test_a_session_post_without_a_csrf_token_is_refused(admin_a, product):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)

    response = post_json(client, LIST_URL, complete_payload())

    assert_json_error(response, 403, "detail")
    assert "CSRF" in response.json()["detail"]
    assert Deal.objects.count() == 0


def test_an_unknown_token_is_refused_with_401_json(partner_a):
    client = Client(headers={"authorization": "Token 0000000000000000000000000000000000000000"})

    response = client.get(LIST_URL)

    assert_json_error(response, 401, "detail")


def test_an_anonymous_caller_is_refused_with_json(product):
    response = Client().get(LIST_URL)
    create = post_json(Client(), LIST_URL, complete_payload())

    assert response.status_code in (401, 403)
    assert_json_error(response, response.status_code, "detail")
    assert_json_error(create, response.status_code, "detail")
    assert Deal.objects.count() == 0


def test_staff_without_a_membership_gets_403_json(staff, product):
    client = token_client(staff)

    listing = client.get(LIST_URL)
    create = post_json(client, LIST_URL, complete_payload())

    assert_json_error(listing, 403, "detail")
    assert_json_error(create, 403, "detail")
    assert Deal.objects.count() == 0


def test_a_user_without_any_membership_gets_403_json(db):
    outsider = StaffFactory(is_staff=False)

    response = token_client(outsider).get(LIST_URL)

    assert_json_error(response, 403, "detail")


# --- List ----------------------------------------------------------------------------------


def test_the_list_holds_only_the_callers_deals(api_a, partner_a, admin_a, partner_b, admin_b):
    own = DealFactory.create_batch(2, partner=partner_a, created_by=admin_a)
    DealFactory(partner=partner_b, created_by=admin_b)

    body = api_a.get(LIST_URL).json()

    assert body["count"] == 2
    assert sorted(row["id"] for row in body["results"]) == sorted(d.pk for d in own)


def test_the_list_is_paginated(api_a, partner_a, admin_a):
    DealFactory.create_batch(51, partner=partner_a, created_by=admin_a)

    first = api_a.get(LIST_URL).json()
    second = api_a.get(first["next"]).json()

    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


def test_the_list_filters_by_status_and_searches(api_a, partner_a, admin_a):
    draft = DealFactory(partner=partner_a, created_by=admin_a, company_name="Draft Co")
    DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                company_name="Reviewed Co")

    by_status = api_a.get(LIST_URL, {"status": "draft"}).json()
    by_search = api_a.get(LIST_URL, {"q": "draft co"}).json()

    assert [r["id"] for r in by_status["results"]] == [draft.pk]
    assert [r["id"] for r in by_search["results"]] == [draft.pk]


def test_an_unknown_status_filter_is_a_400_naming_the_filter(api_a):
    response = api_a.get(LIST_URL, {"status": "bogus"})

    assert_json_error(response, 400, "status")


# --- Create, retrieve, submit, withdraw ----------------------------------------------------


def test_creating_a_deal_saves_a_normalized_draft(api_a, admin_a, product):
    response = post_json(api_a, LIST_URL, complete_payload())

    assert response.status_code == 201
    body = response.json()
    deal = Deal.objects.get(pk=body["id"])
    assert body["status"] == deal.status == DealStatus.DRAFT
    assert body["reference"] == deal.reference
    assert deal.created_by == admin_a
    assert deal.currency == "EUR"
    assert deal.estimated_value == Decimal("48000.00")
    assert list(deal.products.values_list("sku", flat=True)) == ["ANALYTICS-PRO"]
    assert deal.norm_email == "jana.novak@acme-robotics.de"
    assert deal.norm_domain == "acme-robotics.de"
    assert deal.norm_phone == "+49301234567"
    assert deal.raw_input["contact_email"] == "Jana.Novak@Acme-Robotics.de"
    assert AuditEvent.objects.filter(action="deal.create_draft", target_id=str(deal.pk)).count() == 1


@pytest.mark.parametrize("country", ["Germany", "DEU", "deutschland", " de "])
def test_a_country_may_be_given_by_name_or_code(api_a, product, country):
    response = post_json(api_a, LIST_URL, complete_payload(country=country))

    assert response.status_code == 201, response.content[:500]
    deal = Deal.objects.get(pk=response.json()["id"])
    assert (str(deal.country), deal.norm_country) == ("DE", "DE")
    assert response.json()["country"] == "DE"
    assert deal.raw_input["country"] == country


def test_an_unknown_country_is_a_400_naming_the_field(api_a, product):
    response = post_json(api_a, LIST_URL, complete_payload(country="Narnia"))

    body = assert_json_error(response, 400, "country")
    assert "ISO 3166" in body["country"][0]
    assert not Deal.objects.exists()


def test_read_only_fields_in_the_body_are_ignored(api_a, partner_b, product):
    payload = complete_payload(status="accepted", source="vendor", norm_domain="evil.example",
                               partner=partner_b.pk, reference="DR-999999")

    response = post_json(api_a, LIST_URL, payload)

    assert response.status_code == 201
    deal = Deal.objects.get(pk=response.json()["id"])
    assert deal.status == DealStatus.DRAFT
    assert deal.source == "partner"
    assert deal.norm_domain == "acme-robotics.de"
    assert deal.partner.name == "Alpha Partners"


def test_creating_with_submit_true_takes_the_deal_to_review(
    api_a, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(api_a, LIST_URL, complete_payload(submit=True))

    assert response.status_code == 201
    deal = Deal.objects.get(pk=response.json()["id"])
    assert deal.status == DealStatus.IN_REVIEW
    assert deal.submitted_at is not None


def test_retrieving_a_deal_returns_its_fields(api_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, company_name="Umbrella Ltd")

    response = api_a.get(detail_url(deal))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == deal.pk
    assert body["reference"] == deal.reference
    assert body["company_name"] == "Umbrella Ltd"
    assert body["country"] == "DE"
    assert "submit" not in body


def test_a_non_numeric_id_is_404_json(api_a):
    response = api_a.get("/api/v1/deals/abc/")

    assert_json_error(response, 404, "detail")


def test_the_submit_action_takes_a_complete_draft_to_review(
    api_a, partner_a, admin_a, django_capture_on_commit_callbacks
):
    deal = DealFactory(partner=partner_a, created_by=admin_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(f"{detail_url(deal)}submit/")

    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    assert response.json()["id"] == deal.pk


def test_submitting_a_submitted_deal_is_a_409_conflict(api_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW)
    events = AuditEvent.objects.count()

    response = api_a.post(f"{detail_url(deal)}submit/")

    assert_json_error(response, 409, "detail")
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    assert AuditEvent.objects.count() == events


def test_submitting_an_incomplete_draft_names_each_missing_field(api_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, contact_email="", need="", urgency="")

    response = api_a.post(f"{detail_url(deal)}submit/")

    body = assert_json_error(response, 400, "contact_email", "need", "urgency")
    assert "country" not in body
    deal.refresh_from_db()
    assert deal.status == DealStatus.DRAFT


def test_the_withdraw_action_withdraws_and_records_the_reason(api_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW)

    response = post_json(api_a, f"{detail_url(deal)}withdraw/", {"reason": "Customer went elsewhere."})

    assert response.status_code == 200
    assert response.json()["status"] == DealStatus.WITHDRAWN
    deal.refresh_from_db()
    assert deal.status == DealStatus.WITHDRAWN
    event = AuditEvent.objects.get(action="deal.withdraw", target_id=str(deal.pk))
    assert event.reason == "Customer went elsewhere."


def test_withdrawing_a_withdrawn_deal_is_a_409_conflict(api_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.WITHDRAWN)

    response = post_json(api_a, f"{detail_url(deal)}withdraw/", {})

    assert_json_error(response, 409, "detail")


@pytest.mark.parametrize("reason", ["x" * 1001, ["a list"], 42], ids=["too-long", "list", "number"])
def test_a_withdraw_reason_that_is_not_short_text_is_a_400(api_a, partner_a, admin_a, reason):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW)

    response = post_json(api_a, f"{detail_url(deal)}withdraw/", {"reason": reason})

    assert_json_error(response, 400, "reason")
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW


def test_a_suspended_partner_cannot_create_deals(api_a, partner_a, product):
    partner_a.program_status = ProgramStatus.SUSPENDED
    partner_a.save()

    response = post_json(api_a, LIST_URL, complete_payload())

    assert_json_error(response, 403, "detail")
    assert Deal.objects.count() == 0


def test_a_rep_can_create_deals(rep_a, product):
    response = post_json(token_client(rep_a), LIST_URL, complete_payload())

    assert response.status_code == 201
    assert Deal.objects.get().created_by == rep_a


# --- Refused input --------------------------------------------------------------------------

INVALID = {
    "invalid-email": ({"contact_email": "jana(at)acme"}, "contact_email"),
    "invalid-phone-for-country": ({"contact_phone": "12345", "country": "US"}, "contact_phone"),
    "phone-letters": ({"contact_phone": "call me maybe"}, "contact_phone"),
    "bad-website": ({"website": "not a website"}, "website"),
    "ip-website": ({"website": "http://10.0.0.1/"}, "website"),
    "negative-value": ({"estimated_value": "-1.00"}, "estimated_value"),
    "non-numeric-value": ({"estimated_value": "lots"}, "estimated_value"),
    "huge-value": ({"estimated_value": "1e20"}, "estimated_value"),
    "unknown-sku": ({"products": ["NO-SUCH-SKU"]}, "products"),
    "products-not-a-list": ({"products": "ANALYTICS-PRO"}, "products"),
    "unknown-urgency": ({"urgency": "yesterday"}, "urgency"),
    "unknown-country": ({"country": "XX"}, "country"),
    "bad-currency": ({"currency": "EU"}, "currency"),
    "missing-company": ({"company_name": None}, "company_name"),
    "blank-company": ({"company_name": "   "}, "company_name"),
    "need-6000-chars": ({"need": "x" * 6000}, "need"),
    "nul-in-need": ({"need": "before\u0000after"}, "need"),
    "need-as-object": ({"need": {"text": "hi"}}, "need"),
    "consent-not-bool": ({"customer_consent": "perhaps"}, "customer_consent"),
}


@pytest.mark.parametrize(("changes", "field"), INVALID.values(), ids=INVALID.keys())
@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_invalid_input_is_a_400_naming_the_field_and_saves_nothing(
    api_a, product, changes, field, submit
):
    payload = complete_payload(submit=submit, **changes)
    payload = {k: v for k, v in payload.items() if v is not None}
    events = AuditEvent.objects.count()

    response = post_json(api_a, LIST_URL, payload)

    assert_json_error(response, 400, field)
    assert Deal.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_an_unknown_key_holding_a_nul_character_is_not_a_500(api_a, product):
    payload = complete_payload(nickname="before\u0000after")

    response = post_json(api_a, LIST_URL, payload)

    assert response.status_code == 201
    assert "nickname" not in Deal.objects.get().raw_input


def test_creating_with_submit_true_and_incomplete_data_saves_nothing(api_a, product):
    payload = complete_payload(submit=True, need="", urgency="")

    response = post_json(api_a, LIST_URL, payload)

    assert_json_error(response, 400, "need", "urgency")
    assert Deal.objects.count() == 0


def test_creating_with_submit_true_and_incomplete_data_names_the_missing_fields(api_a, product):
    payload = complete_payload(submit=True, need="", urgency="")

    response = post_json(api_a, LIST_URL, payload)

    body = assert_json_error(response, 400, "need", "urgency")
    assert "company_name" not in body


def test_a_malformed_json_body_is_a_400_json(api_a):
    response = api_a.post(LIST_URL, data='{"company_name": "Acme",', content_type="application/json")

    assert_json_error(response, 400, "detail")
    assert Deal.objects.count() == 0


@pytest.mark.parametrize("body", ["[]", '[{"company_name": "Acme"}]', '"Acme"', "42", "null"])
def test_a_json_body_that_is_not_an_object_is_a_400_json(api_a, body):
    response = api_a.post(LIST_URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert Deal.objects.count() == 0


def test_a_body_over_the_upload_limit_is_a_json_error_and_saves_nothing(api_a):
    payload = complete_payload(products=[], need="x" * 100)
    payload["relationship_notes"] = "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = post_json(api_a, LIST_URL, payload)

    assert response.status_code in (400, 413)
    assert Deal.objects.count() == 0
    assert_json_error(response, response.status_code, "detail")


def test_an_unsupported_content_type_is_a_415_json(api_a):
    response = api_a.post(LIST_URL, data="<deal/>", content_type="application/xml")

    assert_json_error(response, 415, "detail")
    assert Deal.objects.count() == 0


# --- Schema and docs ------------------------------------------------------------------------


def test_the_schema_is_an_openapi_document_with_the_deal_paths(client_a):
    response = client_a.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/deals/", "/api/v1/deals/{id}/", "/api/v1/deals/{id}/submit/",
            "/api/v1/deals/{id}/withdraw/"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/v1/deals/"]


def test_the_docs_page_loads_no_asset_from_another_host(client_a):
    response = client_a.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html)
    assert [url for url in external if "testserver" not in url] == []
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset
