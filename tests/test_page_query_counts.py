"""The pages of the page benchmark (bench/pages.py) run as many SQL queries for many rows as
for few. The staff review queue and the staff deal page have theirs beside their other
tests (reviews/tests/test_review_queue.py, reviews/tests/test_deal_review_page.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from leads.choices import DealStatus
from leads.models import DealStatusChange
from leads.tests.factories import DealFactory, DealQuestionFactory
from partners.tests.factories import TierFactory
from reviews.choices import DecisionKind
from reviews.models import Decision

pytestmark = pytest.mark.django_db


def _count(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


def _deals(partner, user, n: int, status=DealStatus.IN_REVIEW) -> list:
    return [DealFactory(partner=partner, created_by=user, status=status,
                        submitted_at=timezone.now()) for _ in range(n)]


def test_partner_dashboard_queries_do_not_grow_with_rows(client_a, partner_a, admin_a):
    url = reverse("leads:deal-list")
    for deal in _deals(partner_a, admin_a, 2):
        DealQuestionFactory(deal=deal)
    client_a.get(url)  # content types and other per-process caches
    few = _count(client_a, url)

    for deal in _deals(partner_a, admin_a, 23) + _deals(partner_a, admin_a, 5, DealStatus.DRAFT):
        DealQuestionFactory(deal=deal)

    assert _count(client_a, url) == few
    assert len(client_a.get(url).context["page"].object_list) == 25


def test_partner_deal_page_queries_do_not_grow_with_its_history(client_a, partner_a, admin_a,
                                                                 staff):
    deal = _deals(partner_a, admin_a, 1, DealStatus.ACCEPTED)[0]
    url = deal.get_absolute_url()

    def history(n: int) -> None:
        for i in range(n):
            DealQuestionFactory(deal=deal)
            DealStatusChange.objects.create(deal=deal, partner=partner_a, from_status="in_review",
                                            to_status="needs_info", at=timezone.now())
            Decision.objects.create(deal=deal, partner=partner_a, kind=DecisionKind.NEEDS_INFO,
                                    actor=staff, partner_note=f"Question {i}",
                                    created_at=timezone.now())

    history(1)
    client_a.get(url)
    few = _count(client_a, url)
    history(6)

    assert _count(client_a, url) == few


def test_rules_of_engagement_queries_do_not_grow_with_tiers(client_a):
    url = reverse("partners:rules")
    TierFactory(name="Tier 0", rank=1)
    client_a.get(url)
    few = _count(client_a, url)
    for n in range(1, 7):
        TierFactory(name=f"Tier {n}", rank=n + 1)

    assert _count(client_a, url) == few


def test_api_deal_list_queries_do_not_grow_with_rows(client, partner_a, admin_a):
    token = Token.objects.create(user=admin_a)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    url = "/api/v1/deals/"
    _deals(partner_a, admin_a, 2)
    client.get(url, **headers)
    few = _count(client, url, **headers)
    _deals(partner_a, admin_a, 30)

    assert _count(client, url, **headers) == few
    assert client.get(url, **headers).json()["count"] == 32
