"""Sales handoff: "My handoffs", converting to an opportunity, recording won or lost.

Only the deal's sales owner converts and records; the partner sees the stage, never what
sales recorded (amount, loss reason) or the CRM records behind it.
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from conftest import login_with_mfa
from crm.choices import OpportunityStage
from crm.models import Account, Opportunity
from crm.tests.factories import AccountFactory
from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask
from reviews.services import deal_accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(db):
    return StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])


@pytest.fixture
def seller_client(seller) -> Client:
    return login_with_mfa(Client(), seller)


def accepted_deal(*, partner, reviewer, seller, **fields) -> Deal:
    """A deal in review, accepted by `reviewer` with `seller` as its sales owner."""
    deal = DealFactory(partner=partner, status=DealStatus.IN_REVIEW, **fields)
    return deal_accept(actor=reviewer, deal=deal, reason="Good fit", sales_owner=seller)


def handoff_url(deal: Deal) -> str:
    return reverse("reviews:handoff-detail", args=[deal.pk])


def converted_deal(*, partner, reviewer, seller, client) -> Deal:
    deal = accepted_deal(partner=partner, reviewer=reviewer, seller=seller)
    response = client.post(handoff_url(deal), {"action": "convert"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.CONVERTED
    return deal


# --- My handoffs -----------------------------------------------------------------------------


def test_my_handoffs_lists_my_deals_open_handoffs_first_in_a_fixed_number_of_queries(
    seller, seller_client, staff, partner_a, partner_b, django_assert_num_queries,
    django_assert_max_num_queries,
):
    other_seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    first = accepted_deal(partner=partner_a, reviewer=staff, seller=seller, company_name="First Co")
    second = accepted_deal(partner=partner_b, reviewer=staff, seller=seller, company_name="Second Co")
    closed = converted_deal(partner=partner_a, reviewer=staff, seller=seller, client=seller_client)
    accepted_deal(partner=partner_a, reviewer=staff, seller=other_seller, company_name="Not Mine Co")
    DealFactory(partner=partner_a, status=DealStatus.IN_REVIEW, company_name="Still In Review Co")
    # The second deal's handoff is due sooner than the first's.
    first_due = ReviewTask.objects.get(deal=first, kind=TaskKind.SALES_HANDOFF).due_at
    ReviewTask.objects.filter(deal=second, kind=TaskKind.SALES_HANDOFF).update(
        due_at=first_due - timedelta(hours=5))

    # Session, user, membership, roles, unread count, page count, the deals: about 7.
    with django_assert_max_num_queries(9) as captured:
        response = seller_client.get(reverse("reviews:handoff-list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not Mine Co" not in page and "Still In Review Co" not in page
    rows = [page.index(f'data-deal="{deal.pk}"') for deal in (second, first, closed)]
    assert rows == sorted(rows), "open handoffs first, due soonest; then the converted deal"
    # More deals, same number of queries.
    for n in range(4):
        accepted_deal(partner=partner_b, reviewer=staff, seller=seller, company_name=f"More {n}")
    with django_assert_num_queries(len(captured)):
        assert seller_client.get(reverse("reviews:handoff-list")).status_code == 200


def test_a_partner_gets_no_handoff_page(client_a, staff, seller, partner_a):
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)
    assert client_a.get(reverse("reviews:handoff-list")).status_code == 403
    assert client_a.get(handoff_url(deal)).status_code == 403


def test_a_deal_that_was_never_accepted_has_no_handoff_page(seller_client, partner_a):
    deal = DealFactory(partner=partner_a, status=DealStatus.IN_REVIEW)
    assert seller_client.get(handoff_url(deal)).status_code == 404


# --- Only the sales owner acts ----------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.PARTNER_OWNER, StaffRole.SALES_OWNER, StaffRole.PROGRAM_ADMIN])
@pytest.mark.parametrize("action", [{"action": "convert"}, {"action": "won", "amount": "10"},
                                    {"action": "lost", "reason": "Budget cut"}])
def test_only_the_deals_sales_owner_converts_or_records(role, action, staff, seller, partner_a):
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)
    someone_else = login_with_mfa(Client(), StaffFactory(roles=[role]))
    events = AuditEvent.objects.count()

    assert someone_else.get(handoff_url(deal)).status_code == 200
    response = someone_else.post(handoff_url(deal), action)

    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.opportunity is None and deal.won_amount is None
    assert AuditEvent.objects.count() == events


def test_a_page_for_someone_else_says_who_may_act_and_shows_no_forms(staff_client, staff, seller, partner_a):
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)
    page = staff_client.get(handoff_url(deal)).content.decode()
    assert "Only the deal's sales owner (sales@vendor.test)" in page
    assert 'name="action"' not in page


# --- Convert ---------------------------------------------------------------------------------


def test_converting_creates_a_portal_opportunity_and_closes_the_handoff_task(
    seller, seller_client, staff, partner_a
):
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller,
                         estimated_value=Decimal("50000"))
    page = seller_client.get(handoff_url(deal)).content.decode()
    assert 'id="handoff-due"' in page and 'value="convert"' in page

    response = seller_client.post(handoff_url(deal), {"action": "convert", "opportunity": "",
                                                      "opportunity_name": "Globex analytics"})

    assert response.status_code == 302 and response["Location"] == handoff_url(deal)
    deal.refresh_from_db()
    assert deal.status == DealStatus.CONVERTED and deal.converted_at is not None
    opportunity = deal.opportunity
    assert opportunity.external_id == f"portal-{deal.reference}"
    assert opportunity.name == "Globex analytics" and opportunity.owner == seller
    assert opportunity.stage == OpportunityStage.QUALIFICATION
    task = ReviewTask.objects.get(deal=deal, kind=TaskKind.SALES_HANDOFF)
    assert task.status == TaskStatus.DONE and task.closed_by == seller
    assert AuditEvent.objects.filter(action="deal.convert", target_id=str(deal.pk),
                                     actor=seller).exists()
    page = seller_client.get(handoff_url(deal)).content.decode()
    assert f"portal-{deal.reference}" in page and "converted to the opportunity" in page
    assert 'value="won"' in page and 'value="lost"' in page and 'value="convert"' not in page


def test_converting_links_an_existing_opportunity_by_its_external_id(seller, seller_client, staff, partner_a):
    existing = Opportunity.objects.create(external_id="OPP-77", account=AccountFactory(),
                                          name="Existing pipeline", stage=OpportunityStage.PROPOSAL)
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)

    response = seller_client.post(handoff_url(deal), {"action": "convert", "opportunity": " OPP-77 "})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.CONVERTED and deal.opportunity == existing
    assert Opportunity.objects.count() == 1


def test_an_unknown_opportunity_id_is_refused_beside_the_field(seller, seller_client, staff, partner_a):
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)

    response = seller_client.post(handoff_url(deal), {"action": "convert", "opportunity": "OPP-NOPE"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "No CRM opportunity has this external id." in page
    assert 'id="id_opportunity"' in page and "is-invalid" in page
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and not Opportunity.objects.exists()


def test_a_deal_whose_conflict_is_open_waits_and_the_page_says_why(seller, seller_client, staff, partner_a):
    deal = DealFactory(partner=partner_a, status=DealStatus.IN_REVIEW, routing_paused=True)
    deal = deal_accept(actor=staff, deal=deal, sales_owner=seller, override_reason="Known customer")

    page = seller_client.get(handoff_url(deal)).content.decode()
    assert "Sales routing is paused until the attribution conflict is decided." in page
    assert 'value="convert"' not in page

    response = seller_client.post(handoff_url(deal), {"action": "convert"}, follow=True)
    assert "Sales routing is paused until the attribution conflict is decided." in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.opportunity is None


def test_a_later_crm_import_row_with_the_portal_id_updates_the_opportunity(
    seller, seller_client, staff, partner_a, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)
    seller_client.post(handoff_url(deal), {"action": "convert"})
    deal.refresh_from_db()
    opportunity = deal.opportunity
    external_id = f"portal-{deal.reference}"
    assert opportunity.external_id == external_id
    account_id = opportunity.account.external_id
    rows = tmp_path / "opportunities.csv"
    rows.write_text("external_id,account_external_id,name,stage,amount\n"
                    f"{external_id},{account_id},Renamed in the CRM,proposal,75000\n")

    call_command("import_crm", "--opportunities", str(rows), stdout=io.StringIO())

    assert Opportunity.objects.filter(external_id=external_id).count() == 1
    opportunity.refresh_from_db()
    assert opportunity.name == "Renamed in the CRM" and opportunity.stage == OpportunityStage.PROPOSAL
    assert opportunity.amount == Decimal("75000")
    deal.refresh_from_db()
    assert deal.opportunity_id == opportunity.pk
    assert Account.objects.filter(external_id=account_id).count() == 1


# --- Won and lost ----------------------------------------------------------------------------


def test_won_sets_the_amount_on_the_deal_and_the_opportunity(seller, seller_client, staff, partner_a):
    deal = converted_deal(partner=partner_a, reviewer=staff, seller=seller, client=seller_client)

    response = seller_client.post(handoff_url(deal), {"action": "won", "amount": "180000.50"})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON and deal.won_amount == Decimal("180000.50")
    assert deal.closed_at is not None
    deal.opportunity.refresh_from_db()
    assert deal.opportunity.amount == Decimal("180000.50")
    assert deal.opportunity.stage == OpportunityStage.CLOSED_WON
    assert AuditEvent.objects.filter(action="deal.won", target_id=str(deal.pk), actor=seller).exists()
    page = seller_client.get(handoff_url(deal)).content.decode()
    assert 'id="handoff-outcome"' in page and "180,000.50" in page


@pytest.mark.parametrize(("amount", "message"), [
    ("-1", "greater than or equal to 0"), ("", "This field is required."),
    ("a lot", "Enter a number."), ("1.234", "no more than 2 decimal places"),
])
def test_a_bad_amount_is_refused_beside_the_field(amount, message, seller, seller_client, staff, partner_a):
    deal = converted_deal(partner=partner_a, reviewer=staff, seller=seller, client=seller_client)

    response = seller_client.post(handoff_url(deal), {"action": "won", "amount": amount})

    assert response.status_code == 400
    assert message in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.CONVERTED and deal.won_amount is None


def test_lost_needs_a_reason(seller, seller_client, staff, partner_a):
    deal = converted_deal(partner=partner_a, reviewer=staff, seller=seller, client=seller_client)

    response = seller_client.post(handoff_url(deal), {"action": "lost", "reason": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.CONVERTED

    response = seller_client.post(handoff_url(deal), {"action": "lost", "reason": "Chose a competitor"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST and deal.lost_reason == "Chose a competitor"
    deal.opportunity.refresh_from_db()
    assert deal.opportunity.stage == OpportunityStage.CLOSED_LOST


def test_recording_a_result_before_converting_is_refused_with_a_clear_message(
    seller, seller_client, staff, partner_a
):
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)

    response = seller_client.post(handoff_url(deal), {"action": "won", "amount": "10"}, follow=True)

    assert "This deal is Accepted now, so it cannot be closed." in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.won_amount is None


def test_an_unknown_action_changes_nothing(seller, seller_client, staff, partner_a):
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)
    response = seller_client.post(handoff_url(deal), {"action": "delete"}, follow=True)
    assert "Choose what to record" in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED


# --- What the partner sees --------------------------------------------------------------------


def test_the_partner_sees_the_stage_but_not_what_sales_recorded(
    client_a, seller, seller_client, staff, partner_a
):
    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)
    page = client_a.get(deal.get_absolute_url()).content.decode()
    assert 'data-status="accepted"' in page and 'id="deal-protected-until"' in page
    assert 'data-stage="accepted"' in page

    seller_client.post(handoff_url(deal), {"action": "convert", "opportunity_name": "Secret pipeline"})
    page = client_a.get(deal.get_absolute_url()).content.decode()
    assert 'data-stage="converted"' in page
    assert "Converted to an opportunity by the vendor" in page  # the timeline
    assert "Secret pipeline" not in page and "portal-DR" not in page

    seller_client.post(handoff_url(deal), {"action": "won", "amount": "987654.32"})
    page = client_a.get(deal.get_absolute_url()).content.decode()
    assert 'data-stage="won"' in page and "recorded this deal as won" in page
    assert "987,654.32" not in page and "987654.32" not in page
    assert seller.email not in page


def test_the_partner_api_shows_status_decided_at_and_protected_until_and_not_the_amount(
    client_a, admin_a, seller, seller_client, staff, partner_a
):
    from rest_framework.authtoken.models import Token

    deal = accepted_deal(partner=partner_a, reviewer=staff, seller=seller)
    token = Token.objects.create(user=admin_a)
    api = Client(headers={"authorization": f"Token {token.key}"})

    data = api.get(f"/api/v1/deals/{deal.pk}/").json()
    assert data["status"] == "accepted"
    assert data["decided_at"] and data["protected_until"]
    assert data["protected_until"].startswith(deal.protected_until.date().isoformat())

    seller_client.post(handoff_url(deal), {"action": "convert"})
    seller_client.post(handoff_url(deal), {"action": "won", "amount": "1000"})
    data = api.get(f"/api/v1/deals/{deal.pk}/").json()
    assert data["status"] == "won"
    assert not {"won_amount", "lost_reason", "opportunity", "sales_owner"} & set(data)
    listed = api.get("/api/v1/deals/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["protected_until"] == data["protected_until"]
