"""What screening found, for staff only: GET /api/v1/staff/deals/{id}/screening/ and its old
path GET /api/v1/deals/{id}/screening/, which keeps working with the same answer."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from leads.choices import DealStatus
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

# The staff route, and the old path kept for existing callers.
PATHS = ["/api/v1/staff/deals/{pk}/screening/", "/api/v1/deals/{pk}/screening/"]
by_path = pytest.mark.parametrize("path", PATHS, ids=["staff", "old"])


@pytest.fixture
def screened_pair(partner_a, partner_b):
    DealFactory(partner=partner_a, status=DealStatus.SUBMITTED, submitted_at=timezone.now(),
                company_name="Vandelay Industries", website="vandelay.com")
    first = DealFactory._meta.model.objects.get(company_name="Vandelay Industries")
    deal_screening_run(deal_id=first.pk)
    second = DealFactory(partner=partner_b, status=DealStatus.SUBMITTED, submitted_at=timezone.now(),
                         company_name="Vandelay Industries Inc", website="www.vandelay.com",
                         customer_consent=False)
    deal_screening_run(deal_id=second.pk)
    return first, second


@by_path
def test_staff_read_matches_stop_rules_summary_and_timings(staff_client, screened_pair, path):
    first, second = screened_pair
    body = staff_client.get(path.format(pk=second.pk)).json()
    assert body["status"] == "in_review" and body["routing_paused"] is True
    [match] = body["matches"]
    assert match["kind"] == "cross_partner" and match["target"] == f"deal:{first.pk}"
    assert match["score"] >= 0.75 and "domain" in match["matched_fields"] and match["reasons"]
    assert {h["rule"] for h in body["stop_rule_hits"]} >= {"duplicate_conflict", "incomplete_consent"}
    assert body["summary"]["engine"] == "deterministic" and body["summary"]["prompt_version"]
    assert body["recommendation"] != "accept"
    assert [s["name"] for s in body["steps"]] == ["normalize", "match", "stop_rules", "summary", "tasks"]
    assert all(s["duration_ms"] is not None for s in body["steps"])


def test_both_paths_give_the_same_answer(staff_client, screened_pair):
    staff_path, old_path = (path.format(pk=screened_pair[1].pk) for path in PATHS)
    assert staff_client.get(staff_path).json() == staff_client.get(old_path).json()


@by_path
def test_partners_get_404_even_for_their_own_deal(client_a, screened_pair, path):
    first, _second = screened_pair
    response = client_a.get(path.format(pk=first.pk))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@by_path
def test_staff_without_a_second_factor_in_the_session_get_404(staff, screened_pair, path):
    client = Client()
    client.force_login(staff)
    response = client.get(path.format(pk=screened_pair[1].pk))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@by_path
def test_a_staff_token_works_only_when_the_owner_has_totp(staff, screened_pair, path):
    token = Token.objects.create(user=staff)
    url = path.format(pk=screened_pair[1].pk)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert Client().get(url, **headers).status_code == 404
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ")
    assert Client().get(url, **headers).status_code == 200


@by_path
def test_an_unknown_deal_is_404(staff_client, path):
    assert staff_client.get(path.format(pk=987654)).status_code == 404
