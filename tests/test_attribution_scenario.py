"""The seed's scenario end to end, on PostgreSQL with a real worker: two partners register
the same customer in one week through the API; both land in one conflict case with their
routing paused; the partner owner resolves it with a 60/40 split; each partner sees only
its own part; the deal is accepted, converted and won; commissions follow the split to
the cent; approved; the payout CSV matches; the audit log tells the story in order.
"""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from attribution.choices import CaseStatus, CommissionKind, CommissionStatus
from attribution.compensation import PAYOUT_CSV_HEADER, payout_statement_issue
from attribution.models import Commission, CommissionRule, ConflictCase
from audit.models import AuditEvent
from conftest import login_with_mfa
from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import ProductFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask
from reviews.services import deal_accept, deal_convert, deal_record_won
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# An awkward amount and rate: 7.5% of 123,456.79 is 9,259.25925 → 9,259.26, split 60/40 by
# largest remainder: 5,555.556 and 3,703.704 → 5,555.55 + 3,703.70 + the cent to the larger
# remainder (A) → 5,555.56 and 3,703.70.
WON = Decimal("123456.79")
RATE = Decimal("7.5")
COMMISSION_A, COMMISSION_B = Decimal("5555.56"), Decimal("3703.70")


def _api(user) -> Client:
    token, _created = Token.objects.get_or_create(user=user)
    return Client(headers={"authorization": f"Token {token.key}"})


def _post(client: Client, url: str, payload: dict):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def _registration(**overrides) -> dict:
    payload = {
        "company_name": "Globex Corporation", "website": "https://www.globex.com",
        "country": "US", "contact_name": "Hank Scorpio", "contact_title": "CEO",
        "contact_email": "hank@globex.com", "contact_phone": "+1 555 0100",
        "contact_authority": "decision_maker",
        "need": "Replace the reporting stack across four plants.", "urgency": "high",
        "timeline": "Q3", "estimated_value": "120000.00", "currency": "USD",
        "products": ["ANALYTICS-PRO"], "introduction_path": "existing_client",
        "relationship_notes": "Met at the Springfield expo.", "customer_consent": True,
        "submit": True,
    }
    return {**payload, **overrides}


def _screened(pk: int) -> Deal:
    return wait_for(lambda: Deal.objects.filter(pk=pk, status=DealStatus.IN_REVIEW).first(), timeout=60)


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _actions(deal_a: Deal, deal_b: Deal, case: ConflictCase) -> list[tuple[str, str]]:
    """The story as the audit log tells it: (action, whose) for both registrations, the
    case and the commissions, in the order they were written."""
    commissions = {str(pk) for pk in Commission.objects.values_list("pk", flat=True)}
    who = {("deal", str(deal_a.pk)): "A", ("deal", str(deal_b.pk)): "B", ("conflictcase", str(case.pk)): "case"}
    story = []
    for event in AuditEvent.objects.order_by("id"):
        kind = event.target_type.split(".")[-1].lower()
        name = who.get((kind, event.target_id))
        if name is None and kind == "commission" and event.target_id in commissions:
            name = "commission"
        if name is not None:
            story.append((event.action, name))
    return story


def _in_order(story: list, expected: list) -> bool:
    """`expected` appears in `story` in this order (other events may come between)."""
    remaining = iter(story)
    return all(step in remaining for step in expected)


def test_two_partners_one_customer_from_registration_to_payout(
        celery_worker_process, partner_a, partner_b, admin_a, admin_b):
    owner = StaffFactory(email="po@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    sales = StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])
    program_admin = StaffFactory(email="pa@vendor.test", roles=[StaffRole.PROGRAM_ADMIN])
    for partner in (partner_a, partner_b):
        partner.partner_owner = owner
        partner.save()
    ProductFactory(sku="ANALYTICS-PRO", name="Analytics Pro")
    CommissionRule.objects.create(name="Standard", kind=CommissionKind.PERCENT, rate=RATE,
                                  effective_from=date(2020, 1, 1))
    api_a, api_b = _api(admin_a), _api(admin_b)
    staff_api = login_with_mfa(Client(), owner)

    # Partner A registers first and is screened before partner B's registration exists.
    created_a = _post(api_a, "/api/v1/deals/", _registration())
    assert created_a.status_code == 201, created_a.content[:500]
    deal_a = _screened(created_a.json()["id"])
    assert deal_a.conflict_case_id is None and not deal_a.routing_paused
    created_b = _post(api_b, "/api/v1/deals/", _registration(
        company_name="GLOBEX Corp.", website="", contact_email="h.scorpio@globex.com",
        relationship_notes="Their CFO asked us for a demo."))
    assert created_b.status_code == 201, created_b.content[:500]
    deal_b = _screened(created_b.json()["id"])
    deal_a.refresh_from_db()

    # One case for both, both paused, one attribution task on the earlier registration.
    case = deal_a.conflict_case
    assert case is not None and deal_b.conflict_case_id == case.pk
    assert deal_a.routing_paused and deal_b.routing_paused
    task = ReviewTask.objects.get(kind=TaskKind.ATTRIBUTION_CONFLICT, status=TaskStatus.OPEN)
    assert (task.conflict_case_id, task.deal_id, task.assignee) == (case.pk, deal_a.pk, owner)
    listed = staff_api.get("/api/v1/staff/conflicts/").json()
    listed = listed.get("results", listed) if isinstance(listed, dict) else listed
    [item] = [c for c in listed if c["id"] == case.pk]
    assert sorted(d["id"] for d in item["deals"]) == sorted([deal_a.pk, deal_b.pk])

    # The partner owner resolves with a 60/40 split, through the staff API.
    resolved = _post(staff_api, f"/api/v1/staff/conflicts/{case.pk}/resolve/", {
        "resolution": "split", "reason": "A sourced the deal; B's demo moved the CFO.",
        "shares": [{"deal": deal_a.pk, "role": "sourced", "share": "60.00"},
                   {"deal": deal_b.pk, "role": "influenced", "share": "40.00"}]})
    assert resolved.status_code == 200, resolved.content[:500]
    case.refresh_from_db()
    deal_a.refresh_from_db()
    deal_b.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.surviving_deal_id == deal_a.pk
    assert deal_b.status == DealStatus.MERGED and deal_b.merged_into_id == deal_a.pk
    assert not deal_a.routing_paused

    # Each partner sees its own part only.
    mine_a = api_a.get(f"/api/v1/deals/{deal_a.pk}/attribution/")
    mine_b = api_b.get(f"/api/v1/deals/{deal_b.pk}/attribution/")
    assert [(line["share"], line["role"]) for line in mine_a.json()["lines"]] == [("60.00", "sourced")]
    assert [(line["share"], line["role"]) for line in mine_b.json()["lines"]] == [("40.00", "influenced")]
    assert mine_b.json()["merged"] is True
    for secret in (deal_a.reference, "Globex Corporation", "Alpha", "60.00"):
        assert secret not in mine_b.content.decode(), secret
    assert mine_b.json()["deal"] == deal_b.pk and "merged_into" not in mine_b.json()
    for secret in (deal_b.reference, "GLOBEX Corp.", "Bravo", "40.00"):
        assert secret not in mine_a.content.decode(), secret
    assert api_b.get(f"/api/v1/deals/{deal_a.pk}/attribution/").status_code == 404
    page_b = Client()
    page_b.force_login(admin_b)
    assert "Merged after review; your credit share: 40%" in page_b.get(f"/deals/{deal_b.pk}/").content.decode()

    # Accepted, converted and won by the people whose decision it is.
    deal_accept(actor=owner, deal=deal_a, sales_owner=sales, reason="Qualified; conflict settled")
    deal_a.refresh_from_db()
    deal_convert(actor=sales, deal=deal_a)
    deal_a.refresh_from_db()
    deal_record_won(actor=sales, deal=deal_a, amount=WON)

    # Commissions follow the split to the cent; proposed only, one approval task each.
    commissions = {c.partner_id: c for c in Commission.objects.filter(deal=deal_a)}
    assert {p: c.amount for p, c in commissions.items()} == {partner_a.pk: COMMISSION_A,
                                                             partner_b.pk: COMMISSION_B}
    assert sum(c.amount for c in commissions.values()) == (WON * RATE / 100).quantize(Decimal("0.01"))
    assert sum(c.base_amount for c in commissions.values()) == WON
    assert all(c.status == CommissionStatus.PROPOSED for c in commissions.values())
    assert ReviewTask.objects.filter(kind=TaskKind.COMPENSATION_APPROVAL, status=TaskStatus.OPEN).count() == 2
    for commission in commissions.values():
        approved = _post(staff_api, f"/api/v1/staff/commissions/{commission.pk}/approve/", {})
        assert approved.status_code == 200, approved.content[:500]
    assert set(Commission.objects.values_list("status", flat=True)) == {CommissionStatus.APPROVED}

    # Statements and their CSV: to the cent, each partner its own line only.
    today = timezone.localdate()
    statements = {partner.pk: payout_statement_issue(actor=program_admin, partner=partner,
                                                     period_start=today.replace(day=1), period_end=today,
                                                     currency="USD")
                  for partner in (partner_a, partner_b)}
    for partner, client, amount, own, other in (
            (partner_a, api_a, COMMISSION_A, deal_a, deal_b),
            (partner_b, api_b, COMMISSION_B, deal_b, deal_a)):
        statement = statements[partner.pk]
        rows = _csv_rows(client.get(f"/api/v1/payouts/{statement.pk}/csv/"))
        assert rows[0] == PAYOUT_CSV_HEADER
        [line] = rows[1:-1]
        row = dict(zip(PAYOUT_CSV_HEADER, line, strict=True))
        assert (Decimal(row["amount"]), row["deal"], row["currency"]) == (amount, own.reference, "USD")
        assert Decimal(rows[-1][PAYOUT_CSV_HEADER.index("amount")]) == amount == statement.total
        assert other.reference not in "".join(",".join(r) for r in rows)
    assert api_b.get(f"/api/v1/payouts/{statements[partner_a.pk].pk}/csv/").status_code == 404

    # The audit log tells the story in order.
    story = _actions(deal_a, deal_b, case)
    expected = [
        ("deal.submit", "A"), ("deal.screening_finish", "A"), ("deal.submit", "B"),
        ("conflict_case.open", "case"), ("deal.conflict_join", "A"), ("deal.conflict_join", "B"),
        ("attribution.propose", "A"), ("deal.screening_finish", "B"),
        ("attribution.approve", "A"), ("attribution.approve", "A"), ("deal.merge", "B"),
        ("deal.routing_resume", "A"), ("conflict_case.resolve", "case"),
        ("deal.accept", "A"), ("deal.won", "A"),
        ("commission.propose", "commission"), ("commission.propose", "commission"),
        ("commission.approve", "commission"), ("commission.approve", "commission"),
    ]
    assert _in_order(story, expected), story
    assert ("deal.accept", "B") not in story and ("deal.won", "B") not in story
