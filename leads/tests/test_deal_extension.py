"""The partner's deal page after the decision: "Accepted" with the protection end date,
the rejection's reason and note, requesting an extension and seeing it decided, and the
question/answer flow that returns a deal to review."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import DealFactory
from partners.choices import MemberRole, ProgramStatus, StaffRole
from partners.tests.factories import MembershipFactory, StaffFactory
from reviews.choices import ExtensionStatus, TaskKind, TaskStatus
from reviews.models import ExtensionRequest, ReviewTask
from reviews.services import (
    deal_accept,
    deal_reject,
    deal_request_info,
    extension_decide,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(db):
    return StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])


@pytest.fixture
def accepted(partner_a, admin_a, staff, seller) -> Deal:
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                       company_name="Initech Corp")
    return deal_accept(actor=staff, deal=deal, reason="Strong fit", sales_owner=seller)


def extension_url(deal: Deal) -> str:
    return reverse("leads:deal-extension-request", args=[deal.pk])


def test_an_accepted_deal_shows_accepted_the_protection_end_date_and_the_request_form(
    client_a, accepted, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        response = client_a.get(accepted.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="accepted"' in page and ">Accepted<" in page
    assert f'datetime="{accepted.protected_until.isoformat()}"' in page
    assert 'id="deal-protected-until"' in page
    assert extension_url(accepted) in page and "Request an extension" in page


@pytest.mark.parametrize("who", ["admin", "rep"])
def test_a_member_requests_an_extension_and_sees_it_pending(who, accepted, partner_a, admin_a, staff):
    user = admin_a if who == "admin" else MembershipFactory(partner=partner_a, role=MemberRole.REP).user
    client = Client()
    client.force_login(user)

    response = client.post(extension_url(accepted), {"reason": "Procurement moved to Q3."})

    assert response.status_code == 302 and response["Location"] == accepted.get_absolute_url()
    item = ExtensionRequest.objects.get(deal=accepted)
    assert item.status == ExtensionStatus.PENDING and item.requested_by == user
    assert item.reason == "Procurement moved to Q3." and item.partner == partner_a
    assert AuditEvent.objects.filter(action="deal.extension_request", target_id=str(accepted.pk),
                                     actor=user).exists()
    page = client.get(accepted.get_absolute_url()).content.decode()
    assert 'data-extension-status="pending"' in page and "waiting for the vendor" in page
    assert extension_url(accepted) not in page, "no second request while one waits"
    assert "Extension requested" in page  # the timeline


def test_an_empty_reason_is_refused_beside_the_field(client_a, accepted):
    response = client_a.post(extension_url(accepted), {"reason": "  "})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page and 'id="id_reason"' in page and "is-invalid" in page
    assert not ExtensionRequest.objects.exists()


def test_a_second_request_while_one_waits_is_refused_beside_the_field(client_a, accepted):
    client_a.post(extension_url(accepted), {"reason": "First"})

    response = client_a.post(extension_url(accepted), {"reason": "Second"})

    assert response.status_code == 400
    assert "An extension request for this deal is already waiting." in response.content.decode()
    assert ExtensionRequest.objects.count() == 1


@pytest.mark.parametrize("status", [DealStatus.IN_REVIEW, DealStatus.CONVERTED, DealStatus.EXPIRED])
def test_only_an_accepted_deal_can_be_extended(status, client_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=status)
    page = client_a.get(deal.get_absolute_url()).content.decode()
    assert extension_url(deal) not in page

    response = client_a.post(extension_url(deal), {"reason": "More time"})

    assert response.status_code == 400
    assert "so it cannot be extended" in response.content.decode()
    assert not ExtensionRequest.objects.exists()


def test_a_read_only_organization_cannot_request_an_extension(client_a, accepted, partner_a):
    partner_a.program_status = ProgramStatus.SUSPENDED
    partner_a.save()
    assert extension_url(accepted) not in client_a.get(accepted.get_absolute_url()).content.decode()

    response = client_a.post(extension_url(accepted), {"reason": "More time"})

    assert response.status_code == 400
    assert "does not allow" in response.content.decode()
    assert not ExtensionRequest.objects.exists()


def test_another_partners_deal_answers_404_and_nothing_is_requested(client_b, accepted):
    assert client_b.post(extension_url(accepted), {"reason": "Mine now"}).status_code == 404
    assert client_b.get(extension_url(accepted)).status_code == 405
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize(("approve", "note", "shown"), [
    (True, "", "Extension approved"), (False, "The customer has gone quiet.", "Extension refused"),
])
def test_the_partner_sees_the_extension_decided(approve, note, shown, client_a, accepted, staff):
    client_a.post(extension_url(accepted), {"reason": "Procurement moved."})
    before = Deal.objects.get(pk=accepted.pk).protected_until
    extension_decide(actor=staff, item=ExtensionRequest.objects.get(), approve=approve, note=note)

    page = client_a.get(accepted.get_absolute_url()).content.decode()

    status = "approved" if approve else "refused"
    assert f'data-extension-status="{status}"' in page and shown in page
    assert (note in page) if note else True
    after = Deal.objects.get(pk=accepted.pk).protected_until
    assert (after > before) if approve else (after == before)
    assert f'datetime="{after.isoformat()}"' in page
    assert extension_url(accepted) in page, "a new request may follow a decided one"


def test_a_rejected_deal_shows_the_reason_label_and_the_note_but_not_the_internal_reason(
    client_a, partner_a, admin_a, staff
):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW)
    deal_reject(actor=staff, deal=deal, reason_code="existing-customer",
                note="This customer already buys from us directly.",
                reason="Internal: account owned by the enterprise team")

    page = client_a.get(deal.get_absolute_url()).content.decode()

    assert 'data-status="rejected"' in page and 'id="deal-rejection"' in page
    assert "This customer already buys from us directly." in page
    assert "Internal: account owned" not in page
    assert staff.email not in page


def test_answering_the_question_returns_the_deal_to_review(client_a, partner_a, admin_a, staff):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW)
    item = deal_request_info(actor=staff, deal=deal, question="Who signs the contract?")
    page = client_a.get(deal.get_absolute_url()).content.decode()
    assert 'data-status="needs_info"' in page and "Who signs the contract?" in page

    response = client_a.post(reverse("leads:question-answer", args=[item.pk]),
                             {"answer": "The CFO, Ms Lumbergh."})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    follow_up = ReviewTask.objects.get(deal=deal, kind=TaskKind.NEEDS_INFO_FOLLOWUP)
    assert follow_up.status == TaskStatus.OPEN and follow_up.assignee == staff
    page = client_a.get(deal.get_absolute_url()).content.decode()
    assert 'data-status="in_review"' in page and "The CFO, Ms Lumbergh." in page
    assert 'id="deal-stage"' not in page, "no sales stage before the decision"


def test_an_accepted_deal_in_conflict_tells_the_partner_nothing_about_the_other_party(
    client_a, partner_a, partner_b, admin_a, staff, seller
):
    DealFactory(partner=partner_b, status=DealStatus.IN_REVIEW, company_name="Hooli XYZ")
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                       company_name="Hooli", routing_paused=True)
    deal_accept(actor=staff, deal=deal, sales_owner=seller, override_reason="Partner A was first")

    page = client_a.get(deal.get_absolute_url()).content.decode()

    assert 'data-status="accepted"' in page
    assert partner_b.name not in page and "Hooli XYZ" not in page
    assert "conflict" not in page.lower() and "paused" not in page.lower()
    assert "override" not in page.lower() and "Partner A was first" not in page


def test_the_dashboard_shows_the_protection_end_date_of_accepted_deals(client_a, accepted):
    page = client_a.get(reverse("leads:deal-list")).content.decode()
    assert "Initech Corp" in page and ">Accepted<" in page
    assert accepted.protected_until.date().isoformat() in page
