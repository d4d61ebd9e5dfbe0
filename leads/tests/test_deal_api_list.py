"""The API's deal list: a page size the caller may choose, a fixed number of queries, and
rows written by the list's short path exactly as DRF's generic serializer writes them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from leads.api import DealSerializer
from leads.models import Deal
from leads.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/deals/"


@pytest.fixture
def api_a(admin_a) -> Client:
    token, _created = Token.objects.get_or_create(user=admin_a)
    return Client(headers={"authorization": f"Token {token.key}"})


def _add(n: int, partner, user) -> None:
    product = ProductFactory()
    for deal in DealFactory.create_batch(n, partner=partner, created_by=user):
        deal.products.add(product)


def test_a_caller_may_ask_for_25_rows_a_page(api_a, partner_a, admin_a):
    _add(30, partner_a, admin_a)

    body = api_a.get(LIST_URL, {"page_size": 25}).json()

    assert body["count"] == 30 and len(body["results"]) == 25
    assert "page_size=25" in body["next"]
    assert len(api_a.get(LIST_URL, {"page_size": 1000}).json()["results"]) == 30  # max 100
    assert len(api_a.get(LIST_URL).json()["results"]) == 30  # default 50


def test_the_list_runs_the_same_number_of_queries_for_3_and_30_deals(api_a, partner_a, admin_a):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_a.get(LIST_URL, {"page_size": 25}).status_code == 200
        return len(captured)

    _add(3, partner_a, admin_a)
    api_a.get(LIST_URL)  # warm caches that are not per request
    few = queries()
    _add(27, partner_a, admin_a)

    assert queries() == few


def test_rows_are_what_drf_writes_field_by_field(partner_a, admin_a):
    _add(2, partner_a, admin_a)
    Deal.objects.filter(partner=partner_a).update(country="DE", estimated_value="1234.50")
    deals = list(Deal.objects.filter(partner=partner_a).prefetch_related("products"))
    serializer = DealSerializer(deals, many=True)

    fast = serializer.data
    generic = []
    for deal in deals:
        row = serializers.ModelSerializer.to_representation(serializer.child, deal)
        row["country"] = str(deal.country or "")
        generic.append(row)

    assert [dict(row) for row in fast] == generic
    assert fast[0]["products"] and fast[0]["reference"].startswith("DR-")
