"""The deal API list keeps its pages under the version of every deal column and the deals'
products (`partnerportal.versions.DEAL_ROWS`), by organization, time zone and URL. A change
committed by any path shows on the next request; one organization never reads another's.

These tests commit (transactional database): the database bumps the version at commit.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.models import Deal, Product
from leads.tests.factories import DealFactory, ProductFactory
from leads.tests.test_deal_api import token_client

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/deals/?page_size=2"


def _list(client, url=URL) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.json(), len(queries)


@pytest.fixture
def listed(partner_a, admin_a):
    deals = [DealFactory(partner=partner_a, created_by=admin_a, company_name=f"Kept {n}")
             for n in range(3)]
    deals[-1].products.add(ProductFactory(sku="KEPT-1", name="Kept product"))
    return deals


def test_a_kept_page_is_served_with_fewer_queries(admin_a, listed):
    client = token_client(admin_a)
    first, cold = _list(client)
    second, warm = _list(client)

    assert first == second and first["count"] == 3 and len(first["results"]) == 2
    assert warm < cold


def _rename_by_update(deals):
    Deal.objects.filter(pk=deals[-1].pk).update(industry="Changed Industry")
    return lambda data: data["results"][0]["industry"] == "Changed Industry"


def _add_product(deals):
    deals[-1].products.add(ProductFactory(sku="LATER-2"))
    return lambda data: "LATER-2" in data["results"][0]["products"]


def _change_product_sku(deals):
    Product.objects.filter(sku="KEPT-1").update(sku="RENAMED-1")
    return lambda data: data["results"][0]["products"] == ["RENAMED-1"]


def _raw_sql_status(deals):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leads_deal SET status = 'withdrawn' WHERE id = %s", [deals[-1].pk])
    return lambda data: data["results"][0]["status"] == "withdrawn"


def _new_deal(deals):
    DealFactory(partner=deals[0].partner, created_by=deals[0].created_by, company_name="Newest")
    return lambda data: data["count"] == 4 and data["results"][0]["company_name"] == "Newest"


@pytest.mark.parametrize("change", [_rename_by_update, _add_product, _change_product_sku,
                                    _raw_sql_status, _new_deal])
def test_a_committed_change_shows_on_the_next_request(admin_a, listed, change):
    client = token_client(admin_a)
    _list(client)
    _list(client)  # kept

    shows = change(listed)

    assert shows(_list(client)[0])


def test_each_organization_and_page_is_kept_apart(admin_a, admin_b, partner_b, listed):
    DealFactory(partner=partner_b, created_by=admin_b, company_name="Bravo's own")
    mine, theirs = token_client(admin_a), token_client(admin_b)
    _list(mine)

    assert [d["company_name"] for d in _list(theirs)[0]["results"]] == ["Bravo's own"]
    second_page = _list(mine, URL + "&page=2")[0]
    assert [d["company_name"] for d in second_page["results"]] == ["Kept 0"]


def test_a_page_out_of_range_answers_404_every_time(admin_a, listed):
    client = token_client(admin_a)
    for _ in range(2):
        assert client.get(URL + "&page=9").status_code == 404
