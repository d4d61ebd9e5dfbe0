"""The staff API under /api/v1/staff/: deals, decisions, tasks, rejection reasons.

Staff with a second factor only (404 for everyone else, partners even for their own deal);
reading for every such staff user, deciding and assigning for reviewers (403 otherwise);
errors name the field; a decision on a deal that moved on answers 409 with its status;
every change is audited by the services the pages use.
"""

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from conftest import login_with_mfa
from crm.tests.factories import AccountFactory
from leads.choices import DealStatus, MatchKind, MatchTarget
from leads.models import Deal, DealQuestion, DuplicateMatch, StopRuleHit
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import PartnerFactory, StaffFactory, TierFactory
from reviews.choices import DecisionKind, TaskKind, TaskStatus
from reviews.models import Decision, RejectionReason, ReviewTask
from reviews.services import review_task_open

pytestmark = pytest.mark.django_db

DEALS = "/api/v1/staff/deals/"
TASKS = "/api/v1/staff/tasks/"
REASONS = "/api/v1/staff/rejection-reasons/"


# --- Builders -----------------------------------------------------------------------------


@pytest.fixture
def reviewer(staff, partner_a, partner_b):
    """conftest's `staff` (a partner owner, MFA session) owns both partners' tasks."""
    for partner in (partner_a, partner_b):
        partner.partner_owner = staff
        partner.save(update_fields=["partner_owner"])
    return staff


@pytest.fixture
def seller(db):
    return StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])


@pytest.fixture
def seller_client(seller) -> Client:
    return login_with_mfa(Client(), seller)


def in_review(partner, member, **fields) -> Deal:
    """A screened deal in review with the acceptance-review task the pipeline opens."""
    deal = DealFactory(partner=partner, created_by=member, owner=member, status=DealStatus.IN_REVIEW,
                       submitted_at=timezone.now(), **fields)
    review_task_open(deal=deal, kind=TaskKind.ACCEPTANCE_REVIEW, rules=program_rules_get())
    return deal


def crm_owner(deal: Deal, owner) -> None:
    """Screening matched the deal to a CRM account that `owner` owns."""
    account = AccountFactory(sales_owner=owner, website=deal.website)
    DuplicateMatch.objects.create(
        deal=deal, kind=MatchKind.EXISTING_CUSTOMER, target_type=MatchTarget.ACCOUNT,
        target_account=account, target_key=f"account:{account.pk}", score=Decimal("0.950"),
        matched_fields=["domain"], reasons=["same registrable domain"])


def task_of(deal: Deal, kind=TaskKind.ACCEPTANCE_REVIEW) -> ReviewTask:
    return ReviewTask.objects.get(deal=deal, kind=kind, status=TaskStatus.OPEN)


def due_in(deal: Deal, delta: timedelta) -> None:
    ReviewTask.objects.filter(deal=deal).update(due_at=timezone.now() + delta)


@pytest.fixture
def deal(reviewer, partner_a, admin_a, seller) -> Deal:
    deal = in_review(partner_a, admin_a, company_name="Initech GmbH")
    crm_owner(deal, seller)
    return deal


def post(client: Client, url: str, data: dict | list | None = None):
    return client.post(url, data=data or {}, content_type="application/json")


def audited(action: str, deal: Deal | None = None, **filters) -> list[AuditEvent]:
    if deal is not None:
        filters.update(target_type="leads.deal", target_id=str(deal.pk))
    return list(AuditEvent.objects.filter(action=action, **filters))


# --- Reading ------------------------------------------------------------------------------


def test_the_deal_list_is_paginated_like_the_partner_list(staff_client, deal, partner_b, admin_b):
    other = in_review(partner_b, admin_b)

    body = staff_client.get(DEALS).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert {row["id"] for row in body["results"]} == {deal.pk, other.pk}
    row = next(row for row in body["results"] if row["id"] == deal.pk)
    assert row["status"] == "in_review" and row["reference"] == deal.reference
    assert row["partner_name"] == "Alpha Partners" and row["routing_paused"] is False
    assert [t["kind"] for t in row["open_tasks"]] == ["acceptance_review"]
    assert row["open_tasks"][0]["sla_state"] == "on_time"


def test_the_deal_list_runs_the_same_queries_for_3_or_12_deals(staff_client, reviewer, partner_a, admin_a):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(DEALS).status_code == 200
        return len(queries)

    for _ in range(3):
        StopRuleHit.objects.create(deal=in_review(partner_a, admin_a), rule="commitments", reason="x")
    few = count()
    for _ in range(9):
        StopRuleHit.objects.create(deal=in_review(partner_a, admin_a), rule="commitments", reason="x")

    assert count() == few


def ids(client: Client, url: str, **params) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_the_deal_list_filters_as_the_queue(staff_client, reviewer, seller, partner_a, admin_a,
                                            partner_b, admin_b):
    gold = TierFactory(name="Gold", rank=30)
    partner_c = PartnerFactory(name="Charlie", tier=gold, partner_owner=reviewer)
    plain = in_review(partner_a, admin_a, company_name="Plain Co")
    conflicted = in_review(partner_b, admin_b, company_name="Globex Corporation")
    Deal.objects.filter(pk=conflicted.pk).update(routing_paused=True)
    review_task_open(deal=conflicted, kind=TaskKind.ATTRIBUTION_CONFLICT, rules=program_rules_get())
    stopped = in_review(partner_c, admin_a, company_name="Stopped Ltd")
    StopRuleHit.objects.create(deal=stopped, rule="strategic_account", reason="Strategic.")
    draft = DealFactory(partner=partner_a, created_by=admin_a)
    due_in(plain, timedelta(hours=-2))
    due_in(conflicted, timedelta(hours=5))
    due_in(stopped, timedelta(days=3))
    ReviewTask.objects.filter(deal=stopped).update(assignee=seller)

    assert ids(staff_client, DEALS, status="draft") == {draft.pk}
    assert ids(staff_client, DEALS, partner=partner_b.pk) == {conflicted.pk}
    assert ids(staff_client, DEALS, tier=gold.pk) == {stopped.pk}
    assert ids(staff_client, DEALS, conflict="true") == {conflicted.pk}
    assert ids(staff_client, DEALS, conflict="false") == {plain.pk, stopped.pk, draft.pk}
    assert ids(staff_client, DEALS, stop_rule="strategic_account") == {stopped.pk}
    assert ids(staff_client, DEALS, sla="overdue") == {plain.pk}
    assert ids(staff_client, DEALS, sla="due_24h") == {conflicted.pk}
    assert ids(staff_client, DEALS, sla="on_time") == {stopped.pk}
    assert ids(staff_client, DEALS, kind="attribution_conflict") == {conflicted.pk}
    assert ids(staff_client, DEALS, assignee=seller.pk) == {stopped.pk}
    assert ids(staff_client, DEALS, mine="1") == {plain.pk, conflicted.pk}
    assert ids(staff_client, DEALS, mine="1", sla="overdue") == {plain.pk}
    assert ids(staff_client, DEALS, q="globex") == {conflicted.pk}
    assert ids(staff_client, DEALS, q="charlie") == {stopped.pk}
    assert ids(staff_client, DEALS, q=plain.reference) == {plain.pk}


def test_a_bad_filter_value_answers_400_naming_the_filter(staff_client):
    response = staff_client.get(DEALS, {"sla": "someday", "partner": "987654"})

    assert response.status_code == 400
    assert set(response.json()) == {"sla", "partner"}


def test_the_deal_shows_state_screening_tasks_decisions_and_blockers(staff_client, deal, reviewer):
    StopRuleHit.objects.create(deal=deal, rule="commitments", reason="Asks for a discount.")

    body = staff_client.get(f"{DEALS}{deal.pk}/").json()

    assert body["status"] == "in_review"
    assert body["decided_at"] is None and body["protected_until"] is None
    assert body["sales_owner"] is None and body["routing_paused"] is False
    assert body["suggested_sales_owner"]["email"] == "sales@vendor.test"
    assert [m["kind"] for m in body["matches"]] == ["existing_customer"]
    assert body["stop_rule_hits"] == [{"rule": "commitments", "reason": "Asks for a discount."}]
    assert body["summary"] is None
    [task] = body["tasks"]
    assert task["kind"] == "acceptance_review" and task["status"] == "open"
    assert task["assignee"]["id"] == reviewer.pk and task["sla_state"] == "on_time"
    assert {"due_at", "paused_at", "escalated_at", "id"} <= set(task)
    assert body["decisions"] == []
    assert [b["code"] for b in body["acceptance_blockers"]] == ["stop_rule:commitments"]


def test_an_unknown_or_malformed_deal_id_answers_404_in_json(staff_client):
    for url in (f"{DEALS}987654/", f"{DEALS}abc/"):
        response = staff_client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")


# --- Deciding -----------------------------------------------------------------------------


def test_accepting_answers_the_deal_and_is_audited(staff_client, deal, reviewer, seller):
    response = post(staff_client, f"{DEALS}{deal.pk}/accept/", {"reason": "Clean registration."})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "accepted" and body["decided_at"] and body["protected_until"]
    assert body["sales_owner"]["id"] == seller.pk
    [decision] = body["decisions"]
    assert decision["kind"] == "accept" and decision["actor"]["id"] == reviewer.pk
    assert decision["reason"] == "Clean registration." and decision["override_reason"] == ""
    assert {t["kind"]: t["status"] for t in body["tasks"]} == {
        "acceptance_review": "done", "sales_handoff": "open"}
    [event] = audited("deal.accept", deal)
    assert event.actor_id == reviewer.pk and event.reason == "Clean registration."


def test_accepting_past_a_blocker_needs_an_override_reason(staff_client, deal):
    StopRuleHit.objects.create(deal=deal, rule="strategic_account", reason="Strategic.")
    url = f"{DEALS}{deal.pk}/accept/"

    refused = post(staff_client, url, {"reason": "Looks fine."})

    assert refused.status_code == 400
    assert list(refused.json()) == ["override_reason"]
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.IN_REVIEW
    assert audited("deal.accept", deal) == []

    accepted = post(staff_client, url, {"reason": "Looks fine.", "override_reason": "Agreed with sales."})

    assert accepted.status_code == 200
    [decision] = accepted.json()["decisions"]
    assert decision["override_reason"] == "Agreed with sales."
    assert decision["overridden"] == ["stop_rule:strategic_account"]


def test_accepting_without_a_crm_owner_needs_a_chosen_sales_owner(staff_client, reviewer, seller,
                                                                 partner_a, admin_a):
    deal = in_review(partner_a, admin_a)
    url = f"{DEALS}{deal.pk}/accept/"

    none_found = post(staff_client, url)
    not_staff = post(staff_client, url, {"sales_owner": admin_a.pk})
    chosen = post(staff_client, url, {"sales_owner": seller.pk})

    assert none_found.status_code == 400 and list(none_found.json()) == ["sales_owner"]
    assert not_staff.status_code == 400 and list(not_staff.json()) == ["sales_owner"]
    assert chosen.status_code == 200 and chosen.json()["sales_owner"]["id"] == seller.pk


def test_a_body_that_is_not_an_object_or_has_wrong_types_answers_400(staff_client, deal):
    as_list = post(staff_client, f"{DEALS}{deal.pk}/accept/", ["reason"])
    too_long = post(staff_client, f"{DEALS}{deal.pk}/request-info/", {"question": "?" * 2001})

    assert as_list.status_code == 400 and "non_field_errors" in as_list.json()
    assert too_long.status_code == 400 and list(too_long.json()) == ["question"]
    assert Decision.objects.count() == 0


def test_rejecting_needs_a_known_reason_code_and_a_note(staff_client, deal, reviewer):
    url = f"{DEALS}{deal.pk}/reject/"

    missing = post(staff_client, url)
    unknown = post(staff_client, url, {"reason_code": "nope", "note": "Sorry."})
    no_note = post(staff_client, url, {"reason_code": "duplicate", "note": "  "})

    assert missing.status_code == 400 and set(missing.json()) == {"reason_code", "note"}
    assert unknown.status_code == 400 and list(unknown.json()) == ["reason_code"]
    assert no_note.status_code == 400 and list(no_note.json()) == ["note"]
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.IN_REVIEW

    response = post(staff_client, url, {"reason_code": "duplicate", "note": "Registered before by you."})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "rejected" and body["decided_at"]
    [decision] = body["decisions"]
    assert decision["reason_code"] == "duplicate" and decision["partner_note"] == "Registered before by you."
    assert all(t["status"] != "open" for t in body["tasks"])
    [event] = audited("deal.reject", deal)
    assert event.actor_id == reviewer.pk


def test_requesting_information_asks_the_partner_and_pauses_the_sla(staff_client, deal, reviewer):
    url = f"{DEALS}{deal.pk}/request-info/"

    empty = post(staff_client, url, {"question": "   "})
    response = post(staff_client, url, {"question": "Who signs the order?"})

    assert empty.status_code == 400 and list(empty.json()) == ["question"]
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "needs_info"
    assert [q["question"] for q in body["questions"]] == ["Who signs the order?"]
    assert body["decisions"][0]["kind"] == "needs_info"
    [task] = body["tasks"]
    assert task["paused_at"] and task["sla_state"] == "paused"
    assert DealQuestion.objects.filter(deal=deal, asked_by=reviewer).count() == 1
    assert len(audited("deal.request_info", deal)) == 1


def test_the_second_of_two_reviewers_gets_409_with_the_current_status(staff_client, deal):
    other = login_with_mfa(Client(), StaffFactory(email="po2@vendor.test", roles=[StaffRole.PROGRAM_ADMIN]))

    first = post(staff_client, f"{DEALS}{deal.pk}/accept/", {"reason": "Mine."})
    second = post(other, f"{DEALS}{deal.pk}/reject/", {"reason_code": "duplicate", "note": "No."})
    third = post(other, f"{DEALS}{deal.pk}/accept/", {"reason": "Also mine."})

    assert first.status_code == 200
    for late in (second, third):
        assert late.status_code == 409
        body = late.json()
        assert body["code"] == "invalid_state" and body["status"] == "accepted" and body["detail"]
    assert Decision.objects.filter(deal=deal).count() == 1
    assert Decision.objects.get(deal=deal).kind == DecisionKind.ACCEPT
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.ACCEPTED


# --- Tasks and rejection reasons ----------------------------------------------------------


def test_the_task_list_shows_open_tasks_and_filters_mine_and_overdue(
        staff_client, reviewer, seller, partner_a, admin_a, partner_b, admin_b):
    late_mine = in_review(partner_a, admin_a)
    due_in(late_mine, timedelta(hours=-1))
    soon_mine = in_review(partner_b, admin_b)
    due_in(soon_mine, timedelta(hours=3))
    late_other = in_review(partner_a, admin_a)
    due_in(late_other, timedelta(hours=-1))
    ReviewTask.objects.filter(deal=late_other).update(assignee=seller)
    done = in_review(partner_a, admin_a)
    ReviewTask.objects.filter(deal=done).update(status=TaskStatus.DONE, closed_at=timezone.now())
    waiting = in_review(partner_b, admin_b)
    ReviewTask.objects.filter(deal=waiting).update(paused_at=timezone.now(),
                                                   due_at=timezone.now() - timedelta(days=1))

    def task_ids(**params) -> set[int]:
        response = staff_client.get(TASKS, params)
        assert response.status_code == 200, response.json()
        return {row["deal"] for row in response.json()["results"]}

    assert task_ids() == {late_mine.pk, soon_mine.pk, late_other.pk, waiting.pk}
    assert task_ids(mine="1", sla="overdue") == {late_mine.pk}
    assert task_ids(sla="overdue") == {late_mine.pk, late_other.pk}
    assert task_ids(sla="due_24h") == {soon_mine.pk}
    assert task_ids(sla="paused") == {waiting.pk}
    assert task_ids(sla="on_time") == set()
    assert task_ids(assignee=seller.pk) == {late_other.pk}
    assert task_ids(status="done") == {done.pk}
    assert task_ids(deal=soon_mine.pk) == {soon_mine.pk}
    assert task_ids(kind="sales_handoff") == set()
    row = staff_client.get(TASKS, {"deal": late_mine.pk}).json()["results"][0]
    assert row["sla_state"] == "overdue" and row["deal_reference"] == late_mine.reference
    assert row["deal_status"] == "in_review" and row["assignee"]["id"] == reviewer.pk
    bad = staff_client.get(TASKS, {"sla": "late", "kind": "nap"})
    assert bad.status_code == 400 and set(bad.json()) == {"sla", "kind"}


def test_assigning_a_task_is_audited_and_names_a_bad_assignee(staff_client, deal, reviewer, seller, admin_a):
    task = task_of(deal)
    url = f"{TASKS}{task.pk}/assign/"

    missing = post(staff_client, url)
    partner_user = post(staff_client, url, {"assignee": admin_a.pk})
    response = post(staff_client, url, {"assignee": seller.pk})

    assert missing.status_code == 400 and list(missing.json()) == ["assignee"]
    assert partner_user.status_code == 400 and list(partner_user.json()) == ["assignee"]
    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == seller.pk and response.json()["id"] == task.pk
    [event] = audited("review_task.assign", target_type="reviews.reviewtask", target_id=str(task.pk))
    assert event.actor_id == reviewer.pk and event.after == {"assignee": seller.pk}


def test_assigning_a_closed_task_answers_409_with_its_status(staff_client, deal, seller):
    task = task_of(deal)
    ReviewTask.objects.filter(pk=task.pk).update(status=TaskStatus.CANCELLED)

    response = post(staff_client, f"{TASKS}{task.pk}/assign/", {"assignee": seller.pk})

    assert response.status_code == 409
    assert response.json()["status"] == "cancelled" and response.json()["code"] == "invalid_state"
    assert post(staff_client, f"{TASKS}987654/assign/", {"assignee": seller.pk}).status_code == 404


def test_the_rejection_reasons_are_the_active_codes_in_order(staff_client):
    RejectionReason.objects.filter(code="other").update(active=False)

    body = staff_client.get(REASONS).json()

    codes = [row["code"] for row in body]
    assert "duplicate" in codes and "other" not in codes
    assert codes == list(RejectionReason.objects.filter(active=True)
                         .order_by("position", "label").values_list("code", flat=True))
    assert all(row["label"] for row in body)


# --- Who may ------------------------------------------------------------------------------


def staff_urls(deal: Deal) -> list[tuple[str, str]]:
    task = task_of(deal)
    return [
        ("GET", DEALS), ("GET", f"{DEALS}{deal.pk}/"), ("GET", f"{DEALS}{deal.pk}/screening/"),
        ("POST", f"{DEALS}{deal.pk}/accept/"), ("POST", f"{DEALS}{deal.pk}/reject/"),
        ("POST", f"{DEALS}{deal.pk}/request-info/"), ("GET", TASKS),
        ("POST", f"{TASKS}{task.pk}/assign/"), ("GET", REASONS),
    ]


BODY = {"reason": "x", "override_reason": "x", "reason_code": "duplicate", "note": "x",
        "question": "x?"}


def call(client: Client, method: str, url: str):
    return client.get(url) if method == "GET" else post(client, url, BODY)


def test_a_partner_gets_404_on_every_staff_route_even_for_its_own_deal(deal, admin_a):
    session = Client()
    session.force_login(admin_a)
    token = Token.objects.create(user=admin_a)
    by_token = Client(headers={"authorization": f"Token {token.key}"})

    for client in (session, by_token, Client()):
        for method, url in staff_urls(deal):
            response = call(client, method, url)
            assert response.status_code == 404, (method, url)
            assert deal.company_name.encode() not in response.content
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.IN_REVIEW
    assert Decision.objects.count() == 0


def test_staff_without_a_second_factor_get_404(deal, reviewer):
    session = Client()
    session.force_login(reviewer)  # signed in without MFA
    token = Token.objects.create(user=reviewer)  # has no TOTP
    by_token = Client(headers={"authorization": f"Token {token.key}"})

    for client in (session, by_token):
        for method, url in staff_urls(deal):
            assert call(client, method, url).status_code == 404, (method, url)
    assert Decision.objects.count() == 0


def test_a_staff_token_works_once_its_owner_has_totp(deal, reviewer):
    token = Token.objects.create(user=reviewer)
    TOTP.activate(reviewer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ")
    by_token = Client(headers={"authorization": f"Token {token.key}"})

    assert by_token.get(f"{DEALS}{deal.pk}/").status_code == 200
    assert post(by_token, f"{DEALS}{deal.pk}/accept/").status_code == 200


def test_a_sales_owner_may_read_but_every_post_answers_403(seller_client, deal, seller):
    for method, url in staff_urls(deal):
        response = call(seller_client, method, url)
        assert response.status_code == (200 if method == "GET" else 403), (method, url)
        if method == "POST":
            assert response.json()["detail"]
    assert post(seller_client, f"{TASKS}{task_of(deal).pk}/assign/", {"assignee": seller.pk}).status_code == 403
    assert Decision.objects.count() == 0
    assert audited("review_task.assign") == []


# --- The schema ---------------------------------------------------------------------------


def test_the_schema_validates_without_warnings_and_documents_the_staff_errors(tmp_path):
    target = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(target), stdout=StringIO(), stderr=StringIO())

    paths = json.loads(target.read_text())["paths"]
    decisions = ["accept", "reject", "request-info"]
    for name in decisions:
        responses = paths[f"/api/v1/staff/deals/{{id}}/{name}/"]["post"]["responses"]
        assert {"200", "400", "403", "404", "409"} <= set(responses)
    assert {"200", "400", "403", "404", "409"} <= set(
        paths["/api/v1/staff/tasks/{id}/assign/"]["post"]["responses"])
    params = {p["name"] for p in paths["/api/v1/staff/deals/"]["get"]["parameters"]}
    assert {"status", "partner", "tier", "conflict", "stop_rule", "sla", "kind", "assignee",
            "mine", "q", "page"} <= params
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
