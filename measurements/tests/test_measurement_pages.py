"""The staff dashboard, its CSV, the partner scorecard and the staff API."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from measurements.tests import factories as f
from partners.tests.factories import PartnerFactory, TierFactory

pytestmark = pytest.mark.django_db

NOV = {"month_from": "2026-11", "month_to": "2026-11"}


def _decisions(partner, staff, accepted: int, rejected: int) -> None:
    for n in range(accepted + rejected):
        deal = f.submitted(partner, f.at(11, 1 + n % 25))
        f.decide(deal, "accept" if n < accepted else "reject", f.at(11, 2 + n % 25), staff)


def _program(partners, deals_each: int, staff) -> None:
    """Every measure has records: decisions, needs-info stays, matches, disputes, offers."""
    for partner in partners:
        for n in range(deals_each):
            deal = f.submitted(partner, f.at(11, 1 + n % 20))
            f.move(deal, "in_review", "needs_info", f.at(11, 1 + n % 20, 3))
            f.decide(deal, "accept" if n % 3 else "reject", f.at(11, 2 + n % 20), staff)
            f.match(deal, f.MatchKind.SAME_PARTNER, deal)
            f.dispute(f.approved_line(deal, f.at(11, 3)), f.at(11, 4), staff)
            lead = f.vendor_lead(staff, f"Lead {partner.pk}-{n}")
            taken = f.offer(lead, partner, f.at(11, 2), status="accepted", override=n % 2 == 0)
            f.report(f.offer_deal(taken, f.at(11, 3), staff), "contacted", f.at(11, 9), staff)


def _table(page: str, key: str) -> str:
    found = re.search(rf'data-measure-table="{key}".*?</table>', page, re.S)
    assert found, key
    return found.group(0)


# --- Staff dashboard ----------------------------------------------------------------------


def test_the_dashboard_shows_every_measure_with_its_definition_and_chart(
        staff_client, partner_a, staff):
    _decisions(partner_a, staff, accepted=3, rejected=1)

    response = staff_client.get(reverse("reviews:measurements"), {**NOV, "by": "partner"})

    page = response.content.decode()
    assert response.status_code == 200
    for key in ("decisions", "duplicates", "disputes", "conversion", "decision_time", "funnel"):
        assert f'data-measure-definition="{key}"' in page
        assert f'data-measure-chart="{key}"' in page
    assert "Accept and reject decisions" in page and "Decision date" in page
    decisions = _table(page, "decisions")
    assert "Alpha Partners" in decisions and ">3<" in decisions and "75.0 %" in decisions
    assert 'id="measurement-charts" type="application/json"' in page
    assert "vendor/chartjs/chart.umd" in page and "js/measurements" in page


def test_the_dashboard_filters_by_partner_and_tier(staff_client, staff):
    gold = TierFactory(name="Gold", rank=30)
    one, two = PartnerFactory(name="Gold One", tier=gold), PartnerFactory(name="Silver Two")
    _decisions(one, staff, accepted=2, rejected=0)
    _decisions(two, staff, accepted=5, rejected=0)

    by_tier = staff_client.get(reverse("reviews:measurements"), {**NOV, "tier": gold.pk})
    by_partner = staff_client.get(reverse("reviews:measurements"), {**NOV, "partner": two.pk})

    assert "Gold One" in _table(by_tier.content.decode(), "decisions")
    assert "Silver Two" not in _table(by_tier.content.decode(), "decisions")
    assert "Gold One" not in _table(by_partner.content.decode(), "decisions")
    assert ">5<" in _table(by_partner.content.decode(), "decisions")


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"month_from": "November"}, "month_from", "YYYY-MM"),
    ({"month_from": "2026-13"}, "month_from", "YYYY-MM"),
    ({"month_from": "2026-11", "month_to": "2026-10"}, "month_to", "ends before it starts"),
    ({"month_from": "2020-01", "month_to": "2026-10"}, "month_from", "at most 36 months"),
    ({"partner": "999999"}, "partner", "valid choice"),
])
def test_bad_filters_are_named_beside_the_field(staff_client, params, field, message):
    response = staff_client.get(reverse("reviews:measurements"), params)

    assert response.status_code == 400
    assert message in response.context["filters"].errors[field][0]
    assert message in response.content.decode()


def _dashboard_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("reviews:measurements"), {**NOV, "by": "partner"})
    assert response.status_code == 200
    return len(captured)


def test_the_dashboard_runs_a_fixed_number_of_queries_for_5_or_50_deals(staff_client, staff):
    _program([PartnerFactory()], 5, staff)
    small = _dashboard_queries(staff_client)
    _program([PartnerFactory() for _ in range(3)], 15, staff)

    assert _dashboard_queries(staff_client) == small


def test_partners_and_staff_without_second_factor_cannot_open_the_dashboard(client_a, staff):
    unverified = Client()
    unverified.force_login(staff)

    assert client_a.get(reverse("reviews:measurements")).status_code == 403
    assert unverified.get(reverse("reviews:measurements")).status_code == 302
    assert client_a.get(reverse("reviews:measurements-csv")).status_code == 403


def test_the_csv_is_formula_safe_and_keeps_numbers(staff_client, staff):
    evil = PartnerFactory(name="=HYPERLINK(\"http://evil.test\",\"x\")")
    _decisions(evil, staff, accepted=2, rejected=1)

    response = staff_client.get(reverse("reviews:measurements-csv"), NOV)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:6] == ["measure", "month", "partner", "tier", "quantity", "value"]
    accepted = next(r for r in lines if r[0] == "decisions" and r[4] == "accepted")
    assert accepted[1:6] == ["2026-11", "'=HYPERLINK(\"http://evil.test\",\"x\")", "Silver",
                             "accepted", "2"]
    assert not any(cell.startswith("=") for row in lines for cell in row)


# --- Partner scorecard ------------------------------------------------------------------------


def test_a_partner_scorecard_shows_only_its_own_numbers(client_a, partner_a, partner_b, staff):
    _decisions(partner_a, staff, accepted=3, rejected=1)
    _decisions(partner_b, staff, accepted=11, rejected=13)

    response = client_a.get(reverse("measurements:scorecard"), NOV)

    page = response.content.decode()
    decisions = _table(page, "decisions")
    assert response.status_code == 200
    assert ">3<" in decisions and ">1<" in decisions
    assert ">11<" not in decisions and ">13<" not in decisions and ">14<" not in decisions
    assert partner_b.name not in page
    assert "Submitted registrations that resubmitted one of your own" in page


def test_a_partner_scorecard_csv_has_only_its_own_numbers(client_a, partner_a, partner_b, staff):
    _decisions(partner_a, staff, accepted=3, rejected=1)
    _decisions(partner_b, staff, accepted=11, rejected=13)

    response = client_a.get(reverse("measurements:scorecard-csv"), NOV)

    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    decisions = {r[4]: r[5] for r in lines[1:] if r[0] == "decisions"}
    assert decisions == {"accepted": "3", "rejected": "1", "rate": "0.75"}
    assert partner_b.name not in response.content.decode()


def test_the_scorecard_is_for_partner_members(staff_client, client_rep_a):
    assert client_rep_a.get(reverse("measurements:scorecard")).status_code == 200
    # Staff are sent to their own start page, not shown a partner's scorecard.
    assert staff_client.get(reverse("measurements:scorecard")).status_code == 302


def test_the_navigation_links_each_side_to_its_page(client_a, staff_client):
    assert reverse("measurements:scorecard") in client_a.get(reverse("leads:deal-list")).content.decode()
    assert reverse("reviews:measurements") in staff_client.get(reverse("reviews:queue")).content.decode()


# --- Staff API --------------------------------------------------------------------------------


def test_the_staff_api_answers_one_month_with_definitions(staff_client, partner_a, staff):
    _decisions(partner_a, staff, accepted=3, rejected=1)

    response = staff_client.get("/api/v1/staff/measurements/", {"month": "2026-11"})

    body = response.json()
    assert response.status_code == 200
    assert (body["month_from"], body["month_to"], body["by"]) == ("2026-11", "2026-11", "partner")
    decisions = next(m for m in body["measures"] if m["key"] == "decisions")
    assert decisions["denominator"] == "Accept and reject decisions"
    assert decisions["rows"] == [{
        "month": "2026-11", "partner": {"id": partner_a.pk, "name": "Alpha Partners"},
        "tier": {"id": partner_a.tier_id, "name": "Silver"},
        "values": {"accepted": 3, "rejected": 1, "rate": 0.75}}]


@pytest.mark.parametrize(("params", "field"), [
    ({"month": "2026-13"}, "month"), ({"month": "nov"}, "month"), ({"month": "9999-12"}, "month"),
    ({"month_from": "2026-11", "month_to": "2026-01"}, "month_to"), ({"by": "planet"}, "by"),
    ({"tier": "-1"}, "tier"),
    ({"partner": "x"}, "partner"),
])
def test_the_staff_api_names_the_bad_parameter(staff_client, params, field):
    response = staff_client.get("/api/v1/staff/measurements/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_the_staff_api_answers_404_to_partners_by_session_and_token(client_a, admin_a):
    token = Token.objects.create(user=admin_a)
    by_token = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client_a.get("/api/v1/staff/measurements/", {"month": "2026-11"}).status_code == 404
    assert by_token.get("/api/v1/staff/measurements/", {"month": "2026-11"}).status_code == 404


def test_the_staff_api_is_in_the_schema(staff_client):
    schema = staff_client.get(reverse("api-schema"), {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/staff/measurements/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"month", "partner", "tier", "by"}
    assert {"200", "400", "404"} <= set(operation["responses"])


def test_partner_names_are_escaped_in_the_tables(staff_client, staff):
    _decisions(PartnerFactory(name="<b>Bold</b> & Co"), staff, accepted=1, rejected=0)

    page = staff_client.get(reverse("reviews:measurements"), NOV).content.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in _table(page, "decisions")
    assert "<b>Bold</b>" not in page
