"""The Django admin for the review records: rejection reasons are edited there (audited);
decisions, status history, extension requests and notifications are read-only records."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from conftest import login_with_mfa
from leads.choices import DealStatus
from leads.models import DealStatusChange
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.choices import ExtensionStatus
from reviews.models import Decision, RejectionReason
from reviews.services import deal_reject, extension_request
from reviews.tests.review_setup import deal_in_review, reviewer_owning

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return StaffFactory(email="root@vendor.test", is_superuser=True)


@pytest.fixture
def admin_client(superuser) -> Client:
    return login_with_mfa(Client(), superuser)


@pytest.fixture
def rejected(partner_a, admin_a):
    reviewer = reviewer_owning(partner_a)
    deal = deal_in_review(partner=partner_a, member=admin_a)
    deal_reject(actor=reviewer, deal=deal, reason_code="duplicate", note="Registered before.")
    return deal


def test_a_program_admin_adds_a_rejection_reason_and_the_add_is_audited(admin_client, superuser):
    response = admin_client.post("/admin/reviews/rejectionreason/add/", {
        "code": "budget-gone", "label": "Budget withdrawn", "active": "on", "position": "5"})
    assert response.status_code == 302, response.content[:2000]
    reason = RejectionReason.objects.get(code="budget-gone")
    event = AuditEvent.objects.get(action="admin.add", target_id=str(reason.pk))
    assert event.actor == superuser and event.after["label"] == "Budget withdrawn"


def test_the_reason_list_is_editable_in_place_and_each_change_audited(admin_client):
    reasons = list(RejectionReason.objects.order_by("position", "label"))
    page = admin_client.get("/admin/reviews/rejectionreason/")
    assert page.status_code == 200 and "Duplicate" in page.content.decode()
    data = {"form-TOTAL_FORMS": str(len(reasons)), "form-INITIAL_FORMS": str(len(reasons)),
            "_save": "Save"}
    for i, reason in enumerate(reasons):
        data[f"form-{i}-id"] = str(reason.pk)
        data[f"form-{i}-position"] = str(reason.position)
        if reason.active and reason.code != "other":
            data[f"form-{i}-active"] = "on"
    response = admin_client.post("/admin/reviews/rejectionreason/", data)
    assert response.status_code == 302, response.content[:3000]
    other = RejectionReason.objects.get(code="other")
    assert not other.active
    event = AuditEvent.objects.get(action="admin.change", target_id=str(other.pk))
    assert event.before == {"active": True} and event.after == {"active": False}


def test_a_reasons_code_is_fixed_once_created(admin_client):
    reason = RejectionReason.objects.get(code="duplicate")
    page = admin_client.get(f"/admin/reviews/rejectionreason/{reason.pk}/change/").content.decode()
    assert 'name="code"' not in page and 'name="label"' in page


@pytest.mark.parametrize("url", [
    "/admin/reviews/decision/", "/admin/leads/dealstatuschange/",
    "/admin/reviews/extensionrequest/", "/admin/reviews/notification/",
    "/admin/reviews/reviewtask/",
])
def test_the_records_are_listed_but_cannot_be_added(admin_client, rejected, url):
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(f"{url}add/").status_code == 403


def test_a_decision_opens_read_only_and_cannot_be_changed_or_deleted(admin_client, rejected):
    decision = Decision.objects.get(deal=rejected)
    url = f"/admin/reviews/decision/{decision.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and "Registered before." in page.content.decode()
    assert 'name="partner_note"' not in page.content.decode()
    assert admin_client.post(url, {"partner_note": "Edited"}).status_code == 403
    assert admin_client.post(f"/admin/reviews/decision/{decision.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    decision.refresh_from_db()
    assert decision.partner_note == "Registered before."


def test_the_status_history_cannot_be_changed(admin_client, rejected):
    change = DealStatusChange.objects.get(deal=rejected)
    url = f"/admin/leads/dealstatuschange/{change.pk}/change/"
    assert admin_client.post(url, {"to_status": DealStatus.ACCEPTED}).status_code == 403
    change.refresh_from_db()
    assert change.to_status == DealStatus.REJECTED


def test_an_extension_request_is_a_read_only_record(admin_client, partner_a, admin_a):
    deal = deal_in_review(partner=partner_a, member=admin_a, status=DealStatus.ACCEPTED)
    item = extension_request(partner=partner_a, actor=admin_a, deal=deal, reason="More time.")
    page = admin_client.get(f"/admin/reviews/extensionrequest/{item.pk}/change/")
    assert page.status_code == 200 and "More time." in page.content.decode()
    assert admin_client.post(f"/admin/reviews/extensionrequest/{item.pk}/delete/",
                             {"post": "yes"}).status_code == 403


def test_the_program_rules_page_shows_the_review_and_protection_settings(admin_client):
    listing = admin_client.get("/admin/partners/programrules/").content.decode()
    for column in ("Handoff sla hours", "Expiry warning days", "Extension days"):
        assert column in listing
    page = admin_client.get("/admin/partners/programrules/1/change/").content.decode()
    for name in ("handoff_sla_hours", "expiry_warning_days", "extension_days",
                 "contact_retention_months", "review_sla_hours", "protection_window_days"):
        assert f'name="{name}"' in page


def test_staff_with_only_the_reason_permissions_may_edit_reasons_but_see_no_decisions(db):
    clerk = StaffFactory(roles=[StaffRole.PARTNER_OWNER])
    clerk.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="reviews", codename__endswith="rejectionreason"))
    client = login_with_mfa(Client(), clerk)
    assert client.get("/admin/reviews/rejectionreason/").status_code == 200
    assert client.get("/admin/reviews/decision/").status_code == 403


def test_a_reviewer_approves_extension_requests_from_the_admin_through_the_service(
        partner_a, admin_a):
    reviewer = StaffFactory(email="po@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    reviewer.user_permissions.add(Permission.objects.get(codename="view_extensionrequest"))
    deal = deal_in_review(partner=partner_a, member=admin_a, status=DealStatus.ACCEPTED,
                          protected_until=timezone.now() + timedelta(days=5))
    end = deal.protected_until
    item = extension_request(partner=partner_a, actor=admin_a, deal=deal, reason="More time.")
    client = login_with_mfa(Client(), reviewer)
    response = client.post("/admin/reviews/extensionrequest/", {
        "action": "approve", "_selected_action": [str(item.pk)]}, follow=True)
    assert "1 extension request(s) approved." in response.content.decode()
    item.refresh_from_db()
    deal.refresh_from_db()
    assert item.status == ExtensionStatus.APPROVED and item.decided_by == reviewer
    assert deal.protected_until > end
    assert AuditEvent.objects.filter(action="deal.extension_approve", actor=reviewer).count() == 1


def test_the_admin_approval_is_refused_to_staff_who_may_not_decide(partner_a, admin_a, superuser):
    clerk = StaffFactory(roles=[StaffRole.SALES_OWNER])
    clerk.user_permissions.add(Permission.objects.get(codename="view_extensionrequest"))
    deal = deal_in_review(partner=partner_a, member=admin_a, status=DealStatus.ACCEPTED,
                          protected_until=timezone.now() + timedelta(days=5))
    item = extension_request(partner=partner_a, actor=admin_a, deal=deal, reason="More time.")
    response = login_with_mfa(Client(), clerk).post("/admin/reviews/extensionrequest/", {
        "action": "approve", "_selected_action": [str(item.pk)]}, follow=True)
    assert "Only partner owners and program admins may do this." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ExtensionStatus.PENDING
