"""The protection window of an accepted deal: warned once ahead of its end, expired at the
end, and extended when the partner asks and a partner owner approves."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal, DealStatusChange
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews.choices import ExtensionStatus, NotificationKind, TaskKind, TaskStatus
from reviews.models import ExtensionRequest, Notification, ReviewTask
from reviews.services import deal_accept, extension_decide, extension_request
from reviews.tasks import deals_protection_expire_task, deals_protection_warn_task
from reviews.tests.review_setup import deal_in_review, reviewer_owning

pytestmark = pytest.mark.django_db

ACCEPTED = "2026-03-02 09:00:00+00:00"  # window of 30 days: ends 2026-04-01 09:00


@pytest.fixture
def reviewer(partner_a):
    return reviewer_owning(partner_a)


@pytest.fixture
def deal(partner_a, admin_a, reviewer):
    rules = program_rules_get()
    rules.protection_window_days, rules.expiry_warning_days, rules.extension_days = 30, 7, 20
    rules.save()
    seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    with freeze_time(ACCEPTED):
        deal = deal_in_review(partner=partner_a, member=admin_a)
        deal_accept(actor=reviewer, deal=deal, sales_owner=seller)
    deal.refresh_from_db()
    return deal


def _warnings():
    return Notification.objects.filter(kind=NotificationKind.PROTECTION_EXPIRY)


def test_the_partner_is_not_warned_before_the_warning_period(deal):
    with freeze_time("2026-03-25 08:59:00+00:00"):
        assert deals_protection_warn_task() == 0
    assert not _warnings().exists()


def test_the_partner_is_warned_the_programs_number_of_days_before_the_end_once(deal, admin_a):
    with freeze_time("2026-03-25 09:00:00+00:00"):
        assert deals_protection_warn_task() == 1
    with freeze_time("2026-03-28 09:00:00+00:00"):
        assert deals_protection_warn_task() == 0
    note = _warnings().get()
    assert note.user == admin_a and "2026-04-01" in note.title
    deal.refresh_from_db()
    assert deal.expiry_warned_at is not None and deal.status == DealStatus.ACCEPTED
    assert AuditEvent.objects.filter(action="deal.protection_warn").count() == 1


def test_the_deal_is_not_expired_before_its_window_ends(deal):
    with freeze_time("2026-04-01 08:59:00+00:00"):
        assert deals_protection_expire_task() == 0
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.ACCEPTED


def test_the_deal_expires_at_the_end_of_its_window_audited_with_its_tasks_cancelled(deal, admin_a):
    handoff = ReviewTask.objects.get(deal=deal, kind=TaskKind.SALES_HANDOFF)
    with freeze_time("2026-04-01 09:00:00+00:00"):
        assert deals_protection_expire_task() == 1
        assert deals_protection_expire_task() == 0
    deal.refresh_from_db()
    assert deal.status == DealStatus.EXPIRED and deal.closed_at is not None
    handoff.refresh_from_db()
    assert handoff.status == TaskStatus.CANCELLED
    change = DealStatusChange.objects.filter(deal=deal).last()
    assert (change.from_status, change.to_status, change.actor) == (
        DealStatus.ACCEPTED, DealStatus.EXPIRED, None)
    event = AuditEvent.objects.get(action="deal.expire", target_id=str(deal.pk))
    assert event.after["status"] == DealStatus.EXPIRED
    assert Notification.objects.filter(user=admin_a, kind=NotificationKind.STATUS_CHANGE,
                                       title__contains="Expired").exists()


def test_a_converted_deal_does_not_expire(deal):
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.CONVERTED)
    with freeze_time("2026-06-01 09:00:00+00:00"):
        assert deals_protection_expire_task() == 0
        assert deals_protection_warn_task() == 0


def test_an_approved_extension_moves_the_end_of_the_window(deal, partner_a, admin_a, reviewer):
    end = deal.protected_until
    with freeze_time("2026-03-25 09:00:00+00:00"):
        deals_protection_warn_task()
        item = extension_request(partner=partner_a, actor=admin_a, deal=deal,
                                 reason="Procurement needs another month.")
        assert Notification.objects.filter(user=reviewer, kind=NotificationKind.EXTENSION).exists()
        extension_decide(actor=reviewer, item=item, approve=True)
    deal.refresh_from_db()
    assert deal.protected_until == end + timedelta(days=20)
    assert deal.expiry_warned_at is None  # the new end gets its own warning
    item.refresh_from_db()
    assert item.status == ExtensionStatus.APPROVED and item.decided_by == reviewer
    assert AuditEvent.objects.filter(action="deal.extension_approve").count() == 1
    with freeze_time("2026-04-01 09:00:00+00:00"):
        assert deals_protection_expire_task() == 0


def test_refusing_an_extension_needs_a_note_and_leaves_the_window(deal, partner_a, admin_a, reviewer):
    end = deal.protected_until
    item = extension_request(partner=partner_a, actor=admin_a, deal=deal, reason="More time.")
    with pytest.raises(ValidationError) as refused:
        extension_decide(actor=reviewer, item=item, approve=False, note="  ")
    assert "note" in refused.value.message_dict
    extension_decide(actor=reviewer, item=item, approve=False, note="Already extended once.")
    item.refresh_from_db()
    assert item.status == ExtensionStatus.REFUSED and item.decision_note == "Already extended once."
    assert Deal.objects.get(pk=deal.pk).protected_until == end


def test_an_extension_request_needs_a_reason_and_only_one_waits_at_a_time(deal, partner_a, admin_a):
    with pytest.raises(ValidationError) as refused:
        extension_request(partner=partner_a, actor=admin_a, deal=deal, reason=" ")
    assert "reason" in refused.value.message_dict
    extension_request(partner=partner_a, actor=admin_a, deal=deal, reason="More time.")
    with pytest.raises(InvalidTransition):
        extension_request(partner=partner_a, actor=admin_a, deal=deal, reason="Please.")
    assert ExtensionRequest.objects.count() == 1


def test_another_organization_cannot_ask_to_extend_the_deal(deal, partner_b, admin_b):
    with pytest.raises(NotAllowed):
        extension_request(partner=partner_b, actor=admin_b, deal=deal, reason="Mine now.")


def test_only_reviewers_decide_extensions(deal, partner_a, admin_a):
    item = extension_request(partner=partner_a, actor=admin_a, deal=deal, reason="More time.")
    with pytest.raises(NotAllowed):
        extension_decide(actor=admin_a, item=item, approve=True)
    with pytest.raises(NotAllowed):
        extension_decide(actor=StaffFactory(roles=[StaffRole.SALES_OWNER]), item=item, approve=True)


def test_a_decided_extension_cannot_be_decided_again(deal, partner_a, admin_a, reviewer):
    item = extension_request(partner=partner_a, actor=admin_a, deal=deal, reason="More time.")
    extension_decide(actor=reviewer, item=item, approve=True)
    with pytest.raises(InvalidTransition):
        extension_decide(actor=reviewer, item=item, approve=True)
