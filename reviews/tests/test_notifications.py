"""Notifications: who hears what, how each user wants it delivered, and the pages."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from crm.tests.factories import AccountFactory
from leads.choices import DealStatus
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews.choices import Delivery, NotificationKind, TaskKind, TaskStatus
from reviews.models import Notification, NotificationPreference
from reviews.notifications import (
    ALL_KINDS,
    notification_digest_send,
    notification_send,
    unsubscribe_token,
)
from reviews.services import (
    deal_accept,
    deal_request_info,
    review_task_assign,
    review_task_open,
    review_tasks_escalate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales():
    return StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])


@pytest.fixture
def deal(partner_a, admin_a, rep_a, staff):
    partner_a.partner_owner = staff
    partner_a.save()
    deal = DealFactory(partner=partner_a, created_by=rep_a, owner=rep_a, status=DealStatus.IN_REVIEW,
                       company_name="Initech AG")
    review_task_open(deal=deal, kind=TaskKind.ACCEPTANCE_REVIEW, rules=program_rules_get())
    Notification.objects.all().delete()
    return deal


def _kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_accepting_tells_the_deal_owner_the_partner_admins_and_the_sales_owner(
    deal, staff, sales, rep_a, admin_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deal_accept(actor=staff, deal=deal, reason="Good fit", sales_owner=sales)

    assert _kinds(rep_a) == [NotificationKind.STATUS_CHANGE]
    assert _kinds(admin_a) == [NotificationKind.STATUS_CHANGE]
    assert NotificationKind.HANDOFF in _kinds(sales)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert "rep@alpha.test" in recipients and "admin@alpha.test" in recipients
    assert "sales@vendor.test" in recipients
    partner_mail = next(m for m in mail.outbox if m.to == ["rep@alpha.test"])
    assert "Initech AG is now Accepted" in partner_mail.subject
    assert "/notifications/unsubscribe/" in partner_mail.body
    assert partner_mail.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/notifications/unsubscribe/" in partner_mail.alternatives[0][0]


def test_a_question_reaches_the_owner_and_admins_but_never_another_partner(
    deal, staff, rep_a, admin_a, admin_b
):
    deal_request_info(actor=staff, deal=deal, question="Who signs the budget?")

    assert _kinds(rep_a) == [NotificationKind.QUESTION]
    assert _kinds(admin_a) == [NotificationKind.QUESTION]
    assert _kinds(admin_b) == []
    assert Notification.objects.get(user=rep_a).body == "Who signs the budget?"


def test_a_reassigned_task_and_an_overdue_task_reach_the_assignee_and_program_admins(deal, staff):
    other = StaffFactory(email="owner2@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    program_admin = StaffFactory(email="padmin@vendor.test", roles=[StaffRole.PROGRAM_ADMIN])
    task = deal.review_tasks.get(kind=TaskKind.ACCEPTANCE_REVIEW)

    review_task_assign(actor=staff, task=task, assignee=other)
    assert _kinds(other) == [NotificationKind.TASK_ASSIGNED]

    review_tasks_escalate(now=task.due_at + timedelta(minutes=1))
    assert NotificationKind.TASK_OVERDUE in _kinds(other)
    assert _kinds(program_admin) == [NotificationKind.TASK_OVERDUE]


def test_digest_users_get_one_e_mail_a_day_and_in_app_users_none(
    deal, staff, sales, rep_a, admin_a, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=rep_a, kind=NotificationKind.STATUS_CHANGE,
                                          delivery=Delivery.DIGEST)
    NotificationPreference.objects.create(user=admin_a, kind=NotificationKind.STATUS_CHANGE,
                                          delivery=Delivery.IN_APP)
    with django_capture_on_commit_callbacks(execute=True):
        deal_accept(actor=staff, deal=deal, sales_owner=sales)
    assert not [m for m in mail.outbox if m.to[0].endswith("@alpha.test")]

    assert notification_digest_send() == 1
    assert notification_digest_send() == 0  # claimed: a second run sends nothing
    digests = [m for m in mail.outbox if m.to == ["rep@alpha.test"]]
    assert len(digests) == 1 and "digest" in digests[0].subject
    assert "Initech AG is now Accepted" in digests[0].body
    assert not Notification.objects.filter(user=admin_a, emailed_at__isnull=False).exists()
    assert Notification.objects.filter(user=admin_a).count() == 1  # still listed in the portal


def test_a_failed_send_leaves_the_decision_and_lets_the_retry_send_it(deal, staff, sales, rep_a):
    deal_accept(actor=staff, deal=deal, sales_owner=sales)
    row = Notification.objects.get(user=rep_a)

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError):
        with pytest.raises(ConnectionRefusedError):
            notification_send(notification_ids=[row.pk])
    deal.refresh_from_db()
    row.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED
    assert row.emailed_at is None

    assert notification_send(notification_ids=[row.pk]) == 1
    assert notification_send(notification_ids=[row.pk]) == 0


def test_the_unsubscribe_link_works_without_signing_in_and_refuses_a_forged_token(rep_a):
    client = Client(enforce_csrf_checks=True)
    token = unsubscribe_token(user=rep_a, kind=NotificationKind.QUESTION)

    page = client.get(f"/notifications/unsubscribe/{token}/")
    assert page.status_code == 200 and "rep@alpha.test" in page.content.decode()
    done = client.post(f"/notifications/unsubscribe/{token}/")  # one-click: no CSRF token
    assert done.status_code == 200
    assert NotificationPreference.objects.get(user=rep_a, kind=NotificationKind.QUESTION).delivery == Delivery.IN_APP

    forged = client.post(f"/notifications/unsubscribe/{token[:-2]}xx/")
    assert forged.status_code == 404
    everything = client.post(f"/notifications/unsubscribe/{unsubscribe_token(user=rep_a, kind=ALL_KINDS)}/")
    assert everything.status_code == 200
    assert set(NotificationPreference.objects.filter(user=rep_a).values_list("delivery", flat=True)) == {Delivery.IN_APP}


def test_the_list_shows_only_my_notifications_and_opening_one_marks_it_read(
    deal, staff, client_rep_a, rep_a, admin_b
):
    deal_request_info(actor=staff, deal=deal, question="Who signs the budget?")
    theirs = Notification.objects.create(user=admin_b, kind=NotificationKind.QUESTION,
                                         title="Bravo secret customer")
    mine = Notification.objects.get(user=rep_a)

    page = client_rep_a.get("/notifications/")
    body = page.content.decode()
    assert "Initech AG" in body and "Bravo secret customer" not in body
    assert 'id="nav-notifications"' in body and ">1<" in body.replace(" ", "")

    opened = client_rep_a.post(f"/notifications/{mine.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == deal.get_absolute_url()
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client_rep_a.post(f"/notifications/{theirs.pk}/open/").status_code == 404


def test_preferences_are_saved_per_kind_and_audited(client_rep_a, rep_a):
    from audit.models import AuditEvent

    data = {kind: Delivery.IMMEDIATE for kind in NotificationKind.values}
    data[NotificationKind.STATUS_CHANGE] = Delivery.DIGEST
    response = client_rep_a.post("/notifications/preferences/", data)

    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=rep_a, kind=NotificationKind.STATUS_CHANGE).delivery == Delivery.DIGEST
    assert AuditEvent.objects.filter(action="notification.preferences").count() == 1
    bad = client_rep_a.post("/notifications/preferences/", {**data, NotificationKind.QUESTION: "pigeon"})
    assert bad.status_code == 400


def test_the_handoff_task_names_the_account_owner_when_the_crm_has_one(deal, staff):
    """The sales owner comes from the CRM account screening matched; they hear of the handoff."""
    from leads.models import DuplicateMatch

    seller = StaffFactory(email="crm-owner@vendor.test", roles=[StaffRole.SALES_OWNER])
    account = AccountFactory(name="Initech AG", sales_owner=seller)
    DuplicateMatch.objects.create(deal=deal, kind="existing_customer", target_type="account",
                                  target_account=account, target_key=f"account:{account.pk}",
                                  score="0.950", matched_fields=["company"], reasons=["same name"])
    deal_accept(actor=staff, deal=deal, override_reason="Known account, partner-led")

    handoff = deal.review_tasks.get(kind=TaskKind.SALES_HANDOFF, status=TaskStatus.OPEN)
    assert handoff.assignee == seller
    assert NotificationKind.HANDOFF in _kinds(seller)
    assert timezone.now() < handoff.due_at
