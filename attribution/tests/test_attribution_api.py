"""The attribution API: staff conflicts, commissions and payout CSV (404 to partners); the
partner's own share, disputes, commissions and statements (scoped, never the other party)."""

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from attribution.choices import AttributionStatus, CaseStatus, CommissionKind
from attribution.compensation import commission_approve, payout_statement_issue
from attribution.models import Attribution, Commission, CommissionRule, Dispute, PayoutStatement
from attribution.services import conflict_case_resolve
from conftest import login_with_mfa
from leads.choices import DealStatus
from leads.models import Deal
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.services import deal_accept, deal_convert, deal_record_won

pytestmark = pytest.mark.django_db


class Vendor:
    def __init__(self, partners):
        self.owner = StaffFactory(email="po@vendor.test", roles=[StaffRole.PARTNER_OWNER])
        self.sales = StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])
        self.admin = StaffFactory(email="pa@vendor.test", roles=[StaffRole.PROGRAM_ADMIN])
        for partner in partners:
            partner.partner_owner = self.owner
            partner.save()
        self.owner_client = login_with_mfa(Client(), self.owner)
        self.sales_client = login_with_mfa(Client(), self.sales)


@pytest.fixture
def vendor(partner_a, partner_b) -> Vendor:
    return Vendor([partner_a, partner_b])


@pytest.fixture
def pair(partner_a, partner_b, admin_a, admin_b, vendor) -> tuple[Deal, Deal]:
    now = timezone.now()
    first = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.SUBMITTED,
                        company_name="Globex Corporation", website="globex.com",
                        contact_email="hank@globex.com", submitted_at=now - timedelta(days=3))
    second = DealFactory(partner=partner_b, created_by=admin_b, status=DealStatus.SUBMITTED,
                         company_name="GLOBEX Corp.", website="", contact_email="h.scorpio@globex.com",
                         submitted_at=now)
    for deal in (first, second):
        deal_screening_run(deal_id=deal.pk)
    return Deal.objects.get(pk=first.pk), Deal.objects.get(pk=second.pk)


def _post(client: Client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _resolve_url(deal: Deal) -> str:
    return f"/api/v1/staff/conflicts/{deal.conflict_case_id}/resolve/"


SPLIT = lambda first, second: {  # noqa: E731
    "resolution": "split", "reason": "Both worked it",
    "shares": [{"deal": first.pk, "role": "sourced", "share": "60.00"},
               {"deal": second.pk, "role": "influenced", "share": "40.00"}]}


# --- Staff: conflict cases -----------------------------------------------------------------------


def test_staff_list_cases_with_their_deals_by_id_and_reference(pair, vendor, django_assert_max_num_queries):
    first, second = pair
    with django_assert_max_num_queries(10):
        response = vendor.owner_client.get("/api/v1/staff/conflicts/")
    assert response.status_code == 200
    case = response.json()["results"][0]
    assert case["id"] == first.conflict_case_id and case["status"] == "open"
    assert [(d["id"], d["reference"]) for d in case["deals"]] == [
        (first.pk, first.reference), (second.pk, second.reference)]
    assert vendor.owner_client.get("/api/v1/staff/conflicts/", {"status": "nope"}).status_code == 400


def test_the_case_detail_marks_the_holding_registration_and_the_proposal(pair, vendor):
    first, second = pair
    body = vendor.owner_client.get(f"/api/v1/staff/conflicts/{first.conflict_case_id}/").json()
    holds = {d["id"]: d["holds"] for d in body["deals"]}
    assert holds == {first.pk: True, second.pk: False}
    assert body["proposed"]["deal"] == first.pk and body["proposed"]["share"] == "100.00"
    assert body["attributions"] == []


def test_a_split_resolved_through_the_api_credits_both_partners(pair, vendor, partner_a, partner_b):
    first, second = pair
    response = _post(vendor.owner_client, _resolve_url(first), SPLIT(first, second))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "resolved" and body["surviving_deal"] == first.pk
    assert sorted((a["partner"], a["share"]) for a in body["attributions"]) == sorted(
        [(partner_a.pk, "60.00"), (partner_b.pk, "40.00")])
    again = _post(vendor.owner_client, _resolve_url(first), SPLIT(first, second))
    assert again.status_code == 409 and again.json()["status"] == CaseStatus.RESOLVED


@pytest.mark.parametrize(("body", "field"), [
    ({"resolution": "split", "reason": "x", "shares": [{"deal": 0, "share": "60.00"}]}, "shares"),
    ({"resolution": "partner", "reason": "x", "deal": 987654}, "deal"),
    ({"resolution": "partner", "reason": ""}, "reason"),
    ({"resolution": "reject", "reason_code": "nope", "note": "n"}, "reason_code"),
    ({"resolution": "direct", "reason": "ours"}, "note"),
    ({"resolution": "merge"}, "resolution"),
    ({"resolution": "split", "reason": "x", "shares": [{"deal": 1, "share": "sixty"}]}, "shares"),
])
def test_bad_resolutions_answer_400_naming_the_field(pair, vendor, body, field):
    first, _second = pair
    response = _post(vendor.owner_client, _resolve_url(first), body)
    assert response.status_code == 400
    assert field in response.json()
    assert Deal.objects.get(pk=first.pk).conflict_case.status == CaseStatus.OPEN


def test_one_partner_direct_and_reject_resolutions(partner_a, partner_b, admin_a, admin_b, vendor):
    outcomes = {}
    for resolution in ("partner", "direct", "reject"):
        now = timezone.now()
        name = f"Initech {resolution}"
        first = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.SUBMITTED,
                            company_name=name, website=f"{resolution}.initech.com",
                            submitted_at=now - timedelta(days=1))
        second = DealFactory(partner=partner_b, created_by=admin_b, status=DealStatus.SUBMITTED,
                             company_name=name, website=f"{resolution}.initech.com", submitted_at=now)
        for deal in (first, second):
            deal_screening_run(deal_id=deal.pk)
        first.refresh_from_db()
        body = {"partner": {"resolution": "partner", "deal": first.pk, "reason": "A first"},
                "direct": {"resolution": "direct", "reason": "Ours", "note": "Our team has it."},
                "reject": {"resolution": "reject", "reason_code": "not-qualified", "note": "No budget."},
                }[resolution]
        response = _post(vendor.owner_client, _resolve_url(first), body)
        assert response.status_code == 200, response.json()
        outcomes[resolution] = sorted(Deal.objects.filter(pk__in=[first.pk, second.pk])
                                      .values_list("status", flat=True))
    assert outcomes["partner"].count(DealStatus.MERGED) == 1
    assert not set(outcomes["partner"]) & {DealStatus.REJECTED}
    assert outcomes["direct"] == [DealStatus.REJECTED, DealStatus.REJECTED]
    assert outcomes["reject"] == [DealStatus.REJECTED, DealStatus.REJECTED]


def test_a_sales_owner_may_read_but_not_resolve(pair, vendor):
    first, second = pair
    assert vendor.sales_client.get("/api/v1/staff/conflicts/").status_code == 200
    assert _post(vendor.sales_client, _resolve_url(first), SPLIT(first, second)).status_code == 403


@pytest.mark.parametrize("path", [
    "/api/v1/staff/conflicts/", "/api/v1/staff/conflicts/{case}/", "/api/v1/staff/commissions/",
    "/api/v1/staff/payouts/{statement}/csv/"])
def test_staff_routes_answer_404_to_partners(pair, client_a, admin_a, path, partner_a, vendor):
    first, _second = pair
    statement = PayoutStatement.objects.create(partner=partner_a, period_start=date(2026, 1, 1),
                                               period_end=date(2026, 1, 31), currency="USD",
                                               total=Decimal("1.00"), issued_at=timezone.now(),
                                               issued_by=vendor.admin)
    url = path.format(case=first.conflict_case_id, statement=statement.pk)
    token = Token.objects.create(user=admin_a)
    assert client_a.get(url).status_code == 404
    assert Client(headers={"authorization": f"Token {token.key}"}).get(url).status_code == 404
    resolve = _post(client_a, _resolve_url(first), SPLIT(first, _second))
    assert resolve.status_code == 404


# --- Compensation --------------------------------------------------------------------------------


@pytest.fixture
def won(pair, vendor):
    """The 60/40 split, won for 1,000.01 USD under a 7.5% rule."""
    first, second = pair
    conflict_case_resolve(actor=vendor.owner, case=first.conflict_case, resolution="split",
                          reason="Both", shares=SPLIT(first, second)["shares"])
    CommissionRule.objects.create(name="Standard 7.5%", kind=CommissionKind.PERCENT, rate=Decimal("7.5"),
                                  effective_from=date(2020, 1, 1))
    first.refresh_from_db()
    deal_accept(actor=vendor.owner, deal=first, sales_owner=vendor.sales, reason="Qualified")
    first.refresh_from_db()
    deal_convert(actor=vendor.sales, deal=first)
    first.refresh_from_db()
    deal_record_won(actor=vendor.sales, deal=first, amount=Decimal("1000.01"))
    return first, second


def test_staff_commissions_list_filters_and_approve_with_adjustment(won, vendor, partner_a, partner_b):
    body = vendor.owner_client.get("/api/v1/staff/commissions/", {"partner": partner_a.pk}).json()
    assert [c["partner"] for c in body["results"]] == [partner_a.pk]
    amounts = {c["partner"]: Decimal(c["amount"]) for c in
               vendor.owner_client.get("/api/v1/staff/commissions/").json()["results"]}
    assert sum(amounts.values()) == Decimal("75.00")  # 7.5% of 1,000.01, half up, split exactly
    commission = Commission.objects.get(partner=partner_b)
    url = f"/api/v1/staff/commissions/{commission.pk}/approve/"
    assert _post(vendor.sales_client, url, {}).status_code == 403
    missing = _post(vendor.owner_client, url, {"amount": "31.00"})
    assert missing.status_code == 400 and "reason" in missing.json()
    done = _post(vendor.owner_client, url, {"amount": "31.00", "reason": "Rounded up as agreed"})
    assert done.status_code == 200 and done.json()["status"] == "approved" and done.json()["amount"] == "31.00"
    assert _post(vendor.owner_client, url, {}).status_code == 409
    assert vendor.owner_client.get("/api/v1/staff/commissions/", {"status": "bad"}).status_code == 400


def _statement(vendor, partner) -> PayoutStatement:
    commission_approve(actor=vendor.owner, commission=Commission.objects.get(partner=partner))
    return payout_statement_issue(actor=vendor.admin, partner=partner, period_start=date(2026, 1, 1),
                                  period_end=timezone.localdate(), currency="USD")


def test_the_payout_csv_matches_the_statement_and_is_formula_safe(won, vendor, partner_b, admin_b):
    first, second = won
    Deal.objects.filter(pk=second.pk).update(company_name="@SUM(A1:A9)")
    statement = _statement(vendor, partner_b)
    client_b = Client()
    client_b.force_login(admin_b)
    for client, url in ((vendor.owner_client, f"/api/v1/staff/payouts/{statement.pk}/csv/"),
                        (client_b, f"/api/v1/payouts/{statement.pk}/csv/")):
        response = client.get(url)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[1][5] == second.reference  # the partner's own registration, not the survivor
        assert rows[1][6] == "'@SUM(A1:A9)"
        assert Decimal(rows[1][9]) == statement.total == Commission.objects.get(partner=partner_b).amount
        assert first.reference not in response.content.decode("utf-8-sig")


def test_a_partner_cannot_read_another_organizations_statement(won, vendor, partner_a, client_a):
    statement = _statement(vendor, partner_a)
    assert client_a.get(f"/api/v1/payouts/{statement.pk}/csv/").status_code == 200
    client_b = Client()
    client_b.force_login(Deal.objects.get(pk=won[1].pk).created_by)
    assert client_b.get(f"/api/v1/payouts/{statement.pk}/csv/").status_code == 404
    assert client_b.get("/api/v1/payouts/").json()["results"] == []
    assert [s["id"] for s in client_a.get("/api/v1/payouts/").json()["results"]] == [statement.pk]


def test_partners_list_only_their_own_commissions_on_their_own_registration(won, client_a, admin_b):
    first, second = won
    client_b = Client()
    client_b.force_login(admin_b)
    mine_b = client_b.get("/api/v1/commissions/").json()["results"]
    assert [(c["deal"], c["deal_reference"]) for c in mine_b] == [(second.pk, second.reference)]
    assert first.reference not in json.dumps(mine_b)
    mine_a = client_a.get("/api/v1/commissions/", {"status": "proposed"}).json()["results"]
    assert [c["deal"] for c in mine_a] == [first.pk]
    assert client_a.get("/api/v1/commissions/", {"status": "paid"}).json()["results"] == []


# --- Partner: attribution and disputes ----------------------------------------------------------


def test_each_partner_sees_only_its_own_share(pair, vendor, client_a, admin_b, partner_a, partner_b):
    first, second = pair
    client_b = Client()
    client_b.force_login(admin_b)
    # Undecided: nothing (not even the proposal).
    assert client_a.get(f"/api/v1/deals/{first.pk}/attribution/").json()["lines"] == []
    _post(vendor.owner_client, _resolve_url(first), SPLIT(first, second))

    mine_a = client_a.get(f"/api/v1/deals/{first.pk}/attribution/").json()
    mine_b = client_b.get(f"/api/v1/deals/{second.pk}/attribution/").json()
    assert [(line["share"], line["role"]) for line in mine_a["lines"]] == [("60.00", "sourced")]
    assert [(line["share"], line["role"]) for line in mine_b["lines"]] == [("40.00", "influenced")]
    assert mine_b["merged"] is True and mine_b["deal"] == second.pk
    text_b = json.dumps(mine_b)
    assert first.reference not in text_b and partner_a.name not in text_b
    assert f'"deal": {first.pk}' not in text_b and "60.00" not in text_b
    assert client_b.get(f"/api/v1/deals/{first.pk}/attribution/").status_code == 404


def test_a_partner_disputes_its_share_with_an_attachment(pair, vendor, admin_b, client_a):
    first, second = pair
    _post(vendor.owner_client, _resolve_url(first), SPLIT(first, second))
    client_b = Client()
    client_b.force_login(admin_b)
    url = f"/api/v1/deals/{second.pk}/disputes/"
    assert _post(client_b, url, {"text": ""}).json().keys() == {"text"}
    bad = client_b.post(url, {"text": "See file", "attachments": [
        SimpleUploadedFile("run.html", b"<script>", "text/html")]})
    assert bad.status_code == 400 and "attachments" in bad.json()
    response = client_b.post(url, {"text": "We introduced them.", "attachments": [
        SimpleUploadedFile("intro.pdf", b"%PDF-1.4 intro", "application/pdf")]})
    assert response.status_code == 201, response.json()
    assert response.json()["attachments"] == ["intro.pdf"]
    dispute = Dispute.objects.get()
    assert dispute.attribution.partner_id == second.partner_id
    assert Attribution.objects.get(pk=dispute.attribution_id).status == AttributionStatus.DISPUTED
    again = _post(client_b, url, {"text": "Again"})
    assert again.status_code == 409
    # Partner A cannot dispute through partner B's registration.
    assert _post(client_a, url, {"text": "Mine"}).status_code == 404


def test_a_registration_without_an_approved_share_cannot_be_disputed(pair, client_a):
    first, _second = pair
    response = _post(client_a, f"/api/v1/deals/{first.pk}/disputes/", {"text": "Why pending?"})
    assert response.status_code == 409


def test_the_schema_documents_every_attribution_route_once(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(out))
    paths = json.loads(out.read_text())["paths"]
    ops = {p: {m: o["operationId"] for m, o in v.items()} for p, v in paths.items()}
    assert ops["/api/v1/staff/conflicts/{id}/resolve/"] == {"post": "v1_staff_conflicts_resolve"}
    assert ops["/api/v1/deals/{id}/disputes/"] == {"post": "v1_deals_disputes_create"}
    resolve = paths["/api/v1/staff/conflicts/{id}/resolve/"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409"} <= set(resolve)
    assert {"/api/v1/payouts/{id}/csv/", "/api/v1/staff/payouts/{id}/csv/", "/api/v1/commissions/",
            "/api/v1/staff/commissions/{id}/approve/", "/api/v1/deals/{id}/attribution/"} <= set(paths)
    ids = [o for v in ops.values() for o in v.values()]
    assert len(ids) == len(set(ids))
