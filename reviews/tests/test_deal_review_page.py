"""The staff deal review page: decide (accept / reject / needs info), tasks, extensions.

Every action is a POST to its own URL calling one service; errors come back beside the
field, a deal someone else decided first is named in a message, never a 500.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attribution.choices import AttributionRole
from attribution.models import Attribution, Dispute
from conftest import login_with_mfa
from crm.tests.factories import AccountFactory
from leads.choices import DealStatus, MatchKind, MatchTarget
from leads.models import DealQuestion, DuplicateMatch
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.choices import DecisionKind, ExtensionStatus, TaskKind, TaskStatus
from reviews.models import Decision, ExtensionRequest, RejectionReason, ReviewTask

pytestmark = pytest.mark.django_db


def _page(client: Client, deal) -> str:
    response = client.get(reverse("reviews:deal-detail", args=[deal.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sales_owner(db):
    return StaffFactory(email="seller@vendor.test", roles=[StaffRole.SALES_OWNER])


@pytest.fixture
def plain_deal(partner_a, admin_a):
    """In review, nothing blocking it, no CRM match (so no suggested sales owner)."""
    return DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                       submitted_at=timezone.now())


@pytest.fixture
def crm_deal(plain_deal, sales_owner):
    """In review, matched to a CRM account whose owner is `sales_owner`."""
    account = AccountFactory(name=plain_deal.company_name, website=plain_deal.website,
                             country="DE", sales_owner=sales_owner)
    DuplicateMatch.objects.create(
        deal=plain_deal, kind=MatchKind.EXISTING_CUSTOMER, target_type=MatchTarget.ACCOUNT,
        target_account=account, target_key=f"account:{account.pk}", score="0.950",
        matched_fields=["domain", "company", "country"], reasons=["same registrable domain"])
    return plain_deal


@pytest.fixture
def conflict(partner_a, partner_b):
    """The seeded Globex shape: partner B registers a customer partner A holds, with
    unclear authority (a stop rule). Returns (first, second)."""
    first = DealFactory(partner=partner_a, status=DealStatus.SUBMITTED, submitted_at=timezone.now(),
                        company_name="Globex Corporation", website="globex.com",
                        contact_phone="+1 212 555 0100")
    deal_screening_run(deal_id=first.pk)
    second = DealFactory(partner=partner_b, status=DealStatus.SUBMITTED, submitted_at=timezone.now(),
                         company_name="Globex Corp.", website="www.globex.com",
                         contact_phone="+1 646 555 0199", contact_authority="unknown")
    deal_screening_run(deal_id=second.pk)
    second.refresh_from_db()
    assert second.status == DealStatus.IN_REVIEW and second.routing_paused
    return first, second


def _accept(client, deal, **data):
    return client.post(reverse("reviews:deal-accept", args=[deal.pk]), data)


# --- Accept -----------------------------------------------------------------------------------


def test_a_deal_without_blockers_shows_no_override_field_and_is_accepted_for_the_crm_owner(
    staff_client, staff, crm_deal, sales_owner
):
    page = _page(staff_client, crm_deal)
    assert 'id="decision"' in page
    assert 'name="override_reason"' not in page
    assert f'<option value="{sales_owner.pk}" selected>' in page

    response = _accept(staff_client, crm_deal, reason="Good fit", sales_owner="")

    assert response.status_code == 302
    crm_deal.refresh_from_db()
    assert crm_deal.status == DealStatus.ACCEPTED and crm_deal.sales_owner == sales_owner
    assert crm_deal.protected_until is not None
    decision = Decision.objects.get(deal=crm_deal)
    assert (decision.kind, decision.actor, decision.reason, decision.override_reason) == (
        DecisionKind.ACCEPT, staff, "Good fit", "")
    assert ReviewTask.objects.filter(deal=crm_deal, kind=TaskKind.SALES_HANDOFF,
                                     assignee=sales_owner, status=TaskStatus.OPEN).exists()
    assert "Deal accepted." in _page(staff_client, crm_deal)


def test_without_a_crm_owner_the_sales_owner_is_required_beside_its_field(
    staff_client, plain_deal, sales_owner
):
    response = _accept(staff_client, plain_deal, reason="ok", sales_owner="")

    assert response.status_code == 400
    assert "The CRM names no owner for this account" in response.context["accept_form"].errors["sales_owner"][0]
    assert 'id="error_1_id_sales_owner"' in response.content.decode()
    plain_deal.refresh_from_db()
    assert plain_deal.status == DealStatus.IN_REVIEW
    assert not Decision.objects.exists()

    response = _accept(staff_client, plain_deal, reason="ok", sales_owner=sales_owner.pk)
    assert response.status_code == 302
    plain_deal.refresh_from_db()
    assert plain_deal.sales_owner == sales_owner


def test_the_conflict_shows_the_override_field_with_its_blockers_and_refuses_without_a_reason(
    staff_client, conflict, sales_owner
):
    _first, second = conflict
    page = _page(staff_client, second)
    assert 'name="override_reason"' in page
    assert 'id="acceptance-blockers"' in page and "An attribution conflict is open." in page

    response = _accept(staff_client, second, reason="fine", sales_owner=sales_owner.pk)

    assert response.status_code == 400
    errors = response.context["accept_form"].errors["override_reason"]
    assert "Accepting past these needs an override reason" in errors[0]
    assert 'id="error_1_id_override_reason"' in response.content.decode()
    second.refresh_from_db()
    assert second.status == DealStatus.IN_REVIEW and not Decision.objects.exists()


def test_an_override_is_recorded_and_the_conflict_keeps_the_handoff_waiting(
    staff_client, conflict, sales_owner
):
    _first, second = conflict

    response = _accept(staff_client, second, reason="fine", sales_owner=sales_owner.pk,
                       override_reason="The customer asked for this partner in writing.")

    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == DealStatus.ACCEPTED and second.routing_paused
    decision = Decision.objects.get(deal=second)
    assert decision.override_reason == "The customer asked for this partner in writing."
    assert "conflict" in decision.overridden
    assert not ReviewTask.objects.filter(deal=second, kind=TaskKind.SALES_HANDOFF).exists()
    page = _page(staff_client, second)
    override = page.split('class="alert alert-danger py-1 px-2 small mb-0 override"')[1]
    assert "open attribution conflict" in override and "Unclear authority" in override
    assert "The customer asked for this partner in writing." in override
    assert 'id="decision"' not in page  # decided: the panel gives way to the outcome


# --- Reject and needs info --------------------------------------------------------------------


def test_reject_needs_a_reason_code_and_a_note_beside_their_fields(staff_client, plain_deal):
    url = reverse("reviews:deal-reject", args=[plain_deal.pk])

    response = staff_client.post(url, {"reason_code": "", "note": "  "})

    assert response.status_code == 400
    errors = response.context["reject_form"].errors
    assert errors["reason_code"] == ["Choose one of the rejection reasons."]
    assert errors["note"] == ["Write a note for the partner: it is what they will read."]
    assert 'id="decision-reject"\n                 open' in response.content.decode()
    assert not Decision.objects.exists()

    response = staff_client.post(url, {"reason_code": "duplicate", "note": "Already registered.",
                                       "reason": "Same as DR-1"})

    assert response.status_code == 302
    plain_deal.refresh_from_db()
    assert plain_deal.status == DealStatus.REJECTED
    decision = Decision.objects.get(deal=plain_deal)
    assert (decision.reason_code.code, decision.partner_note, decision.reason) == (
        "duplicate", "Already registered.", "Same as DR-1")


def test_needs_info_asks_the_partner_and_an_empty_question_is_refused(staff_client, plain_deal):
    url = reverse("reviews:question-ask", args=[plain_deal.pk])

    assert staff_client.post(url, {"question": ""}).status_code == 400
    response = staff_client.post(url, {"question": "Who signs the order?"})

    assert response.status_code == 302
    plain_deal.refresh_from_db()
    assert plain_deal.status == DealStatus.NEEDS_INFO
    assert DealQuestion.objects.get(deal=plain_deal).question == "Who signs the order?"
    assert Decision.objects.get(deal=plain_deal).kind == DecisionKind.NEEDS_INFO


def test_a_second_reviewer_is_told_someone_decided_first_and_no_second_decision_is_written(
    staff_client, plain_deal, sales_owner
):
    other = login_with_mfa(Client(), StaffFactory(roles=[StaffRole.PROGRAM_ADMIN]))
    _page(other, plain_deal)  # the second reviewer has the page open
    assert _accept(staff_client, plain_deal, sales_owner=sales_owner.pk).status_code == 302

    response = other.post(reverse("reviews:deal-reject", args=[plain_deal.pk]),
                          {"reason_code": "duplicate", "note": "No."}, follow=True)

    assert response.status_code == 200
    assert "Someone else decided this deal first: it is Accepted now." in response.content.decode()
    assert Decision.objects.filter(deal=plain_deal).count() == 1
    plain_deal.refresh_from_db()
    assert plain_deal.status == DealStatus.ACCEPTED


# --- Tasks --------------------------------------------------------------------------------------


def _task(deal, kind=TaskKind.ACCEPTANCE_REVIEW, **fields):
    return ReviewTask.objects.create(deal=deal, partner=deal.partner, kind=kind,
                                     due_at=timezone.now() + timedelta(hours=48), **fields)


def test_a_task_is_claimed_reassigned_and_only_a_follow_up_is_closed(
    staff_client, staff, plain_deal, sales_owner
):
    review = _task(plain_deal)
    follow_up = _task(plain_deal, kind=TaskKind.NEEDS_INFO_FOLLOWUP, assignee=staff)
    page = _page(staff_client, plain_deal)
    assert reverse("reviews:task-close", args=[follow_up.pk]) in page
    assert reverse("reviews:task-close", args=[review.pk]) not in page

    assert staff_client.post(reverse("reviews:task-claim", args=[review.pk])).status_code == 302
    review.refresh_from_db()
    assert review.assignee == staff

    response = staff_client.post(reverse("reviews:task-assign", args=[review.pk]),
                                 {"assignee": sales_owner.pk})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.assignee == sales_owner

    response = staff_client.post(reverse("reviews:task-close", args=[review.pk]), follow=True)
    assert "ends with a decision, not by closing it" in response.content.decode()
    review.refresh_from_db()
    assert review.status == TaskStatus.OPEN

    staff_client.post(reverse("reviews:task-close", args=[follow_up.pk]))
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.closed_by) == (TaskStatus.DONE, staff)


def test_reassigning_to_someone_who_is_not_staff_is_refused_beside_the_select(
    staff_client, plain_deal, admin_a
):
    review = _task(plain_deal)

    response = staff_client.post(reverse("reviews:task-assign", args=[review.pk]),
                                 {"assignee": admin_a.pk})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    review.refresh_from_db()
    assert review.assignee is None


def test_tasks_show_their_sla_state_pause_and_escalation(staff_client, plain_deal):
    now = timezone.now()
    ReviewTask.objects.create(deal=plain_deal, partner=plain_deal.partner,
                              kind=TaskKind.ACCEPTANCE_REVIEW, due_at=now - timedelta(hours=1),
                              escalated_at=now)
    ReviewTask.objects.create(deal=plain_deal, partner=plain_deal.partner,
                              kind=TaskKind.SALES_HANDOFF, due_at=now + timedelta(hours=3))
    ReviewTask.objects.create(deal=plain_deal, partner=plain_deal.partner,
                              kind=TaskKind.NEEDS_INFO_FOLLOWUP, due_at=now + timedelta(hours=3),
                              paused_at=now)

    page = _page(staff_client, plain_deal)

    assert "sla-overdue" in page and "Escalated" in page
    assert "sla-due-soon" in page and "sla-paused" in page


# --- Extension requests -------------------------------------------------------------------------


@pytest.fixture
def extension(partner_a, admin_a, sales_owner):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.ACCEPTED,
                       sales_owner=sales_owner, protected_until=timezone.now() + timedelta(days=5))
    return ExtensionRequest.objects.create(deal=deal, partner=partner_a, requested_by=admin_a,
                                           reason="Procurement moved to next quarter.")


def test_refusing_an_extension_needs_a_note_and_approving_one_extends_the_window(
    staff_client, extension, partner_a, admin_a
):
    url = reverse("reviews:extension-decide", args=[extension.pk])
    assert "Procurement moved to next quarter." in _page(staff_client, extension.deal)

    response = staff_client.post(url, {"decision": "refuse", "note": ""})

    assert response.status_code == 400
    assert response.context["extension_form"].errors["note"] == ["Say why the extension is refused."]
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING

    assert staff_client.post(url, {"decision": "refuse", "note": "No activity logged."}).status_code == 302
    extension.refresh_from_db()
    assert (extension.status, extension.decision_note) == (ExtensionStatus.REFUSED, "No activity logged.")

    again = ExtensionRequest.objects.create(deal=extension.deal, partner=partner_a,
                                            requested_by=admin_a, reason="Please.")
    before = extension.deal.protected_until
    staff_client.post(reverse("reviews:extension-decide", args=[again.pk]), {"decision": "approve"})
    again.refresh_from_db()
    again.deal.refresh_from_db()
    assert again.status == ExtensionStatus.APPROVED
    assert again.deal.protected_until > before
    # A decided request is not decided twice.
    response = staff_client.post(reverse("reviews:extension-decide", args=[again.pk]),
                                 {"decision": "refuse", "note": "x"}, follow=True)
    assert "This request was already Approved." in response.content.decode()


# --- Roles and side by side ---------------------------------------------------------------------


def test_a_sales_owner_sees_the_page_without_the_decision_panel_and_may_not_decide(
    sales_owner, plain_deal, extension
):
    client = login_with_mfa(Client(), sales_owner)
    task = _task(plain_deal)

    page = _page(client, plain_deal)

    assert 'id="decision"' not in page and "Partner owners and program admins decide deals." in page
    assert reverse("reviews:task-assign", args=[task.pk]) not in page
    posts = [
        (reverse("reviews:deal-accept", args=[plain_deal.pk]), {"sales_owner": sales_owner.pk,
                                                                 "override_reason": "x"}),
        (reverse("reviews:deal-reject", args=[plain_deal.pk]), {"reason_code": "duplicate", "note": "x"}),
        (reverse("reviews:question-ask", args=[plain_deal.pk]), {"question": "x"}),
        (reverse("reviews:task-assign", args=[task.pk]), {"assignee": sales_owner.pk}),
        (reverse("reviews:extension-decide", args=[extension.pk]), {"decision": "approve"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    plain_deal.refresh_from_db()
    extension.refresh_from_db()
    assert plain_deal.status == DealStatus.IN_REVIEW and not Decision.objects.exists()
    assert extension.status == ExtensionStatus.PENDING
    assert ReviewTask.objects.get(pk=task.pk).assignee is None


def test_duplicate_candidates_stand_side_by_side_with_matched_fields_highlighted(
    staff_client, conflict
):
    first, second = conflict
    match = second.matches.get(target_deal=first)

    page = _page(staff_client, second)

    section = page[page.index(f'id="match-{match.pk}"'):]
    section = section[:section.index("</article>")]
    assert "Globex Corp." in section and "Globex Corporation" in section
    assert "www.globex.com" in section and "globex.com" in section
    assert "+1 646 555 0199" in section and "+1 212 555 0100" in section
    for field in ("domain", "company"):
        assert field in match.matched_fields
        assert f'class="table-warning matched"\n                                    data-field="{field}"' in section
    assert 'class=""\n                                    data-field="phone"' in section
    assert first.partner.name in section and "same registrable domain globex.com" in section


def test_the_partner_record_counts_decisions_open_deals_and_overrides(
    staff_client, partner_a, admin_a, plain_deal, staff
):
    duplicate = RejectionReason.objects.get(code="duplicate")
    for kind, override, code in ((DecisionKind.ACCEPT, "", None),
                                 (DecisionKind.ACCEPT, "because", None),
                                 (DecisionKind.REJECT, "", duplicate)):
        deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.ACCEPTED)
        Decision.objects.create(deal=deal, partner=partner_a, kind=kind, actor=staff,
                                override_reason=override, reason_code=code,
                                created_at=timezone.now())

    record = _page(staff_client, plain_deal).split('id="partner-record"')[1]
    assert "67%" in record and "2 of 3 decided" in record
    assert 'id="open-deals">\n                4' in record
    assert "no disputes recorded" in record
    assert 'id="override-count">\n                1' in record

    line = Attribution.objects.create(deal=deal, partner=partner_a, role=AttributionRole.SOURCED,
                                      share=100)
    Dispute.objects.create(attribution=line, partner=partner_a, opened_by=admin_a, text="Ours.")
    record = _page(staff_client, plain_deal).split('id="partner-record"')[1]
    assert "no disputes recorded" not in record and "1 (1 open)" in record


# --- Query count --------------------------------------------------------------------------------


def _queries(client, deal) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _page(client, deal)
    return len(ctx.captured_queries)


def test_the_page_runs_a_bounded_number_of_queries_whatever_it_shows(
    staff_client, staff, conflict, partner_b, sales_owner
):
    _first, second = conflict
    baseline = _queries(staff_client, second)
    # Session, user, roles, the deal and its prefetches, the panel's choices, the record's
    # three aggregates, the audit trail, the navigation's permissions and unread count.
    assert baseline <= 28
    for n in range(3):
        other = DealFactory(partner=partner_b, status=DealStatus.IN_REVIEW)
        DuplicateMatch.objects.create(
            deal=second, kind=MatchKind.SAME_PARTNER, target_type=MatchTarget.DEAL,
            target_deal=other, target_key=f"deal:{other.pk}", score="0.800",
            matched_fields=["company"], reasons=["alike"])
        Decision.objects.create(deal=second, partner=partner_b, kind=DecisionKind.NEEDS_INFO,
                                actor=staff, partner_note=f"Q{n}", created_at=timezone.now())
    _task(second, kind=TaskKind.SALES_HANDOFF)
    _task(second, kind=TaskKind.NEEDS_INFO_FOLLOWUP)

    assert _queries(staff_client, second) == baseline
