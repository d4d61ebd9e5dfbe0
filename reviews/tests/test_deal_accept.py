"""Accepting a deal: protection window, sales owner, tasks, overrides, records, permissions."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from audit.models import AuditEvent
from audit.services import audit_record as real_audit_record
from leads.choices import DealStatus
from leads.models import Deal, DealStatusChange
from leads.services import deal_withdraw
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews.choices import DecisionKind, NotificationKind, TaskKind, TaskStatus
from reviews.models import Decision, Notification, ReviewTask
from reviews.services import deal_accept
from reviews.tests.review_setup import (
    acceptance_task,
    deal_in_review,
    hit_stop_rule,
    match_crm_account,
    open_conflict,
    reviewer_owning,
)

pytestmark = pytest.mark.django_db

NOW = "2026-03-02 09:00:00+00:00"


@pytest.fixture
def reviewer(partner_a):
    return reviewer_owning(partner_a)


@pytest.fixture
def seller(db):
    return StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])


@pytest.fixture
def deal(partner_a, admin_a, reviewer, seller):
    deal = deal_in_review(partner=partner_a, member=admin_a)
    match_crm_account(deal, sales_owner=seller)
    return deal


def test_accepting_starts_the_protection_window_the_program_rules_set(deal, reviewer):
    rules = program_rules_get()
    rules.protection_window_days = 45
    rules.save()
    with freeze_time(NOW):
        deal_accept(actor=reviewer, deal=deal, reason="Clean registration.")
        now = timezone.now()
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED
    assert deal.decided_at == now
    assert deal.protected_until == now + timedelta(days=45)


def test_the_sales_owner_is_the_owner_of_the_crm_account_screening_matched(deal, reviewer, seller):
    other = StaffFactory(email="other-sales@vendor.test", roles=[StaffRole.SALES_OWNER])
    deal_accept(actor=reviewer, deal=deal)
    deal.refresh_from_db()
    assert deal.sales_owner == seller != other


def test_without_a_crm_owner_the_reviewer_must_choose_the_sales_owner(
        partner_a, admin_a, reviewer, seller):
    deal = deal_in_review(partner=partner_a, member=admin_a)
    with pytest.raises(ValidationError) as refused:
        deal_accept(actor=reviewer, deal=deal)
    assert "sales_owner" in refused.value.message_dict
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW and deal.sales_owner is None

    deal_accept(actor=reviewer, deal=deal, sales_owner=seller)
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.sales_owner == seller


def test_a_sales_owner_who_is_not_active_staff_is_refused(partner_a, admin_a, reviewer):
    deal = deal_in_review(partner=partner_a, member=admin_a)
    for user in (admin_a, StaffFactory(is_active=False)):
        with pytest.raises(ValidationError) as refused:
            deal_accept(actor=reviewer, deal=deal, sales_owner=user)
        assert "sales_owner" in refused.value.message_dict
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.IN_REVIEW


def test_accepting_closes_the_acceptance_review_and_opens_a_handoff_for_the_sales_owner(
        deal, reviewer, seller):
    rules = program_rules_get()
    rules.handoff_sla_hours = 10
    rules.save()
    with freeze_time(NOW):
        deal_accept(actor=reviewer, deal=deal)
        now = timezone.now()
    review = acceptance_task(deal)
    assert review.status == TaskStatus.DONE and review.closed_by == reviewer
    assert review.closed_at == now
    handoff = ReviewTask.objects.get(deal=deal, kind=TaskKind.SALES_HANDOFF)
    assert handoff.status == TaskStatus.OPEN
    assert handoff.assignee == seller
    assert handoff.due_at == now + timedelta(hours=10)
    # one note about the handoff, not a second "new task" note for the same task
    assert list(Notification.objects.filter(user=seller).values_list("kind", flat=True)) == [
        NotificationKind.HANDOFF]


def test_accepting_writes_one_decision_and_one_status_history_row(deal, reviewer):
    with freeze_time(NOW):
        deal_accept(actor=reviewer, deal=deal, reason="Clean registration.")
        now = timezone.now()
    decision = Decision.objects.get(deal=deal)
    assert (decision.kind, decision.actor, decision.reason) == (
        DecisionKind.ACCEPT, reviewer, "Clean registration.")
    assert decision.created_at == now and decision.partner_id == deal.partner_id
    assert decision.override_reason == "" and decision.overridden == []
    change = DealStatusChange.objects.get(deal=deal)
    assert (change.from_status, change.to_status, change.actor, change.at) == (
        DealStatus.IN_REVIEW, DealStatus.ACCEPTED, reviewer, now)


def test_accepting_is_audited_with_the_actor_and_the_reason(deal, reviewer, seller):
    deal_accept(actor=reviewer, deal=deal, reason="Clean registration.")
    event = AuditEvent.objects.get(action="deal.accept", target_id=str(deal.pk))
    assert event.actor == reviewer and event.reason == "Clean registration."
    assert event.before == {"status": DealStatus.IN_REVIEW}
    assert event.after["status"] == DealStatus.ACCEPTED
    assert event.after["sales_owner"] == seller.pk


def test_the_audit_event_is_written_in_the_decisions_transaction(deal, reviewer):
    def failing(**kwargs):
        if kwargs["action"] == "deal.accept":
            raise RuntimeError("audit log unavailable")
        return real_audit_record(**kwargs)

    with mock.patch("reviews.services.audit_record", side_effect=failing), \
            pytest.raises(RuntimeError):
        deal_accept(actor=reviewer, deal=deal)
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW and deal.protected_until is None
    assert not Decision.objects.filter(deal=deal).exists()
    assert not DealStatusChange.objects.filter(deal=deal).exists()
    assert acceptance_task(deal).status == TaskStatus.OPEN
    assert not ReviewTask.objects.filter(deal=deal, kind=TaskKind.SALES_HANDOFF).exists()


BLOCKERS = {
    "conflict": lambda deal: open_conflict(deal),
    "stop_rule:strategic_account": lambda deal: hit_stop_rule(deal, "strategic_account"),
    "missing_fields": lambda deal: Deal.objects.filter(pk=deal.pk).update(customer_consent=False),
}


@pytest.mark.parametrize("code", list(BLOCKERS))
def test_a_blocked_deal_is_refused_without_an_override_reason(deal, reviewer, code):
    BLOCKERS[code](deal)
    with pytest.raises(ValidationError) as refused:
        deal_accept(actor=reviewer, deal=deal, reason="Looks fine.")
    assert list(refused.value.message_dict) == ["override_reason"]
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    assert not Decision.objects.filter(deal=deal).exists()
    assert not AuditEvent.objects.filter(action="deal.accept").exists()


@pytest.mark.parametrize("code", list(BLOCKERS))
def test_a_blocked_deal_is_accepted_with_an_override_reason_that_is_recorded(deal, reviewer, code):
    BLOCKERS[code](deal)
    deal_accept(actor=reviewer, deal=deal, override_reason="  CEO asked us to.  ")
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED
    decision = Decision.objects.get(deal=deal)
    assert decision.override_reason == "CEO asked us to."
    assert decision.overridden == [code] and decision.is_override
    event = AuditEvent.objects.get(action="deal.accept", target_id=str(deal.pk))
    assert event.after["override_reason"] == "CEO asked us to."
    assert event.after["overridden"] == [code]


def test_an_override_reason_on_an_unblocked_deal_records_no_override(deal, reviewer):
    deal_accept(actor=reviewer, deal=deal, override_reason="Just in case.")
    decision = Decision.objects.get(deal=deal)
    assert decision.override_reason == "" and decision.overridden == []


def test_a_deal_accepted_past_its_open_conflict_stays_paused_and_gets_no_handoff(deal, reviewer):
    conflict = open_conflict(deal)
    deal_accept(actor=reviewer, deal=deal, override_reason="Partner A was first.")
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.routing_paused
    assert not ReviewTask.objects.filter(deal=deal, kind=TaskKind.SALES_HANDOFF).exists()
    conflict.refresh_from_db()
    assert conflict.status == TaskStatus.OPEN  # ends only when attribution resolves it
    assert AuditEvent.objects.get(action="deal.accept").after["handoff_waits_for_conflict"] is True


def test_the_partner_hears_of_the_acceptance_and_its_protection_end(deal, reviewer, admin_a):
    deal_accept(actor=reviewer, deal=deal)
    deal.refresh_from_db()
    note = Notification.objects.get(user=admin_a, kind=NotificationKind.STATUS_CHANGE)
    assert "Accepted" in note.title
    assert timezone.localtime(deal.protected_until).date().isoformat() in note.body


def test_a_program_admin_may_decide(deal):
    admin = StaffFactory(email="pa@vendor.test", roles=[StaffRole.PROGRAM_ADMIN])
    deal_accept(actor=admin, deal=deal)
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.ACCEPTED


@pytest.mark.parametrize("who", ["sales_owner", "staff_without_role", "partner_admin"])
def test_only_partner_owners_and_program_admins_may_decide(deal, admin_a, who):
    actor = {
        "sales_owner": lambda: StaffFactory(roles=[StaffRole.SALES_OWNER]),
        "staff_without_role": lambda: StaffFactory(),
        "partner_admin": lambda: admin_a,
    }[who]()
    with pytest.raises(NotAllowed):
        deal_accept(actor=actor, deal=deal)
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.IN_REVIEW
    assert not Decision.objects.exists()


def test_a_decision_on_a_deal_that_moved_on_is_refused_with_its_current_status(
        deal, reviewer, partner_a, admin_a):
    stale = Deal.objects.get(pk=deal.pk)
    deal_withdraw(partner=partner_a, actor=admin_a, deal=deal, reason="Customer went elsewhere.")
    with pytest.raises(InvalidTransition) as refused:
        deal_accept(actor=reviewer, deal=stale)
    assert refused.value.current_status == DealStatus.WITHDRAWN
    assert "Withdrawn" in refused.value.message
    assert not Decision.objects.exists()


def test_accepting_twice_is_refused_the_second_time(deal, reviewer):
    deal_accept(actor=reviewer, deal=deal)
    with pytest.raises(InvalidTransition) as refused:
        deal_accept(actor=reviewer, deal=deal)
    assert refused.value.current_status == DealStatus.ACCEPTED
    assert Decision.objects.count() == 1
