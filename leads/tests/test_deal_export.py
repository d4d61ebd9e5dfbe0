"""Partners download their own deals as CSV: the dashboard's list with its filters, written
by the shared formula-safe writer, never holding another organization's deals."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("leads:deal-export")


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _by_reference(rows) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def test_the_url_is_deals_export_csv():
    assert EXPORT_URL == "/deals/export.csv"


def test_the_export_is_a_csv_download_of_the_organizations_deals(client_a, partner_a, admin_a):
    product = ProductFactory(sku="AN-1", name="Analytics")
    deal = DealFactory(partner=partner_a, created_by=admin_a, owner=admin_a, company_name="Initech",
                       estimated_value=Decimal("48000.00"), currency="EUR")
    deal.products.add(product)
    response = client_a.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="deals-alpha-partners-')
    assert "no-store" in response["Cache-Control"]
    row = _by_reference(_rows(response))[deal.reference]
    assert row["Company"] == "Initech" and row["Status"] == "Draft"
    assert row["Estimated value"] == "48000.00" and row["Currency"] == "EUR"
    assert row["Products"] == "Analytics" and row["Contact e-mail"] == deal.contact_email


def test_partner_b_s_deals_never_appear_in_a_s_export(client_a, partner_a, admin_a, partner_b, admin_b):
    mine = DealFactory(partner=partner_a, created_by=admin_a, company_name="Alpha Customer")
    theirs = DealFactory(partner=partner_b, created_by=admin_b, company_name="Bravo Secret Customer",
                         contact_email="ceo@bravo-secret.test")
    for query in ("", f"?q={theirs.company_name}", f"?q={theirs.reference}", "?status=draft"):
        body = b"".join(client_a.get(EXPORT_URL + query).streaming_content).decode()
        assert "Bravo Secret" not in body and "bravo-secret" not in body
        assert theirs.reference not in body
    assert mine.reference in b"".join(client_a.get(EXPORT_URL).streaming_content).decode()


def test_the_export_applies_the_dashboards_filters(client_a, partner_a, admin_a):
    review = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                         company_name="Globex")
    draft = DealFactory(partner=partner_a, created_by=admin_a, company_name="Globex Two")
    other = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                        company_name="Hooli")
    by_status = _by_reference(_rows(client_a.get(EXPORT_URL + "?status=in_review")))
    assert set(by_status) == {review.reference, other.reference}
    by_search = _by_reference(_rows(client_a.get(EXPORT_URL + "?q=globex&status=in_review")))
    assert set(by_search) == {review.reference}
    assert draft.reference in _by_reference(_rows(client_a.get(EXPORT_URL + "?q=globex")))


def test_cells_that_would_run_as_formulas_are_written_as_text(client_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a,
                       company_name='=HYPERLINK("http://evil.test","Click")',
                       need="+cmd|' /C calc'!A0", timeline="@SUM(1+1)", industry="-2+3")
    row = _by_reference(_rows(client_a.get(EXPORT_URL)))[deal.reference]
    assert row["Company"] == "'=HYPERLINK(\"http://evil.test\",\"Click\")"
    assert row["Need and use case"] == "'+cmd|' /C calc'!A0"
    assert row["Timeline"] == "'@SUM(1+1)"
    assert row["Industry"] == "'-2+3"


def test_an_invalid_filter_sends_the_partner_back_to_the_list_to_correct_it(client_a):
    response = client_a.get(EXPORT_URL + "?status=nonsense")
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:deal-list") + "?status=nonsense"


def test_each_download_is_audited_with_its_filters(client_a, partner_a, admin_a):
    client_a.get(EXPORT_URL + "?status=draft")
    event = AuditEvent.objects.get(action="deal.export")
    assert event.actor == admin_a and event.partner == partner_a
    assert event.after == {"filters": {"status": "draft"}}


def test_the_export_runs_the_same_number_of_queries_for_3_or_30_deals(client_a, partner_a, admin_a):
    product = ProductFactory(sku="AN-1")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = _rows(client_a.get(EXPORT_URL))
        return len(queries), len(rows) - 1

    for deal in DealFactory.create_batch(3, partner=partner_a, created_by=admin_a):
        deal.products.add(product)
    few, three = count()
    for deal in DealFactory.create_batch(27, partner=partner_a, created_by=admin_a):
        deal.products.add(product)
    many, thirty = count()
    assert (three, thirty) == (3, 30)
    assert few == many


def test_the_dashboard_links_to_the_export_with_its_current_filters(client_a, partner_a, admin_a):
    DealFactory(partner=partner_a, created_by=admin_a, company_name="Globex")
    page = client_a.get(reverse("leads:deal-list") + "?q=globex&page=1").content.decode()
    assert f'href="{EXPORT_URL}?q=globex"' in page
    partial = client_a.get(reverse("leads:deal-list") + "?status=draft",
                           headers={"HX-Request": "true"}).content.decode()
    assert f'href="{EXPORT_URL}?status=draft"' in partial


def test_signed_out_visitors_and_staff_without_membership_get_no_file(client, staff_client):
    for response in (client.get(EXPORT_URL), staff_client.get(EXPORT_URL)):
        assert response.status_code == 302  # to sign-in; staff to their own pages
        assert not response["Location"].startswith(EXPORT_URL)
        assert "text/csv" not in response.get("Content-Type", "")
