"""Review tasks by hand: assign, claim, close (handoff and follow-up only)."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews.choices import NotificationKind, TaskKind, TaskStatus
from reviews.models import Notification
from reviews.services import review_task_assign, review_task_close, review_task_open
from reviews.tests.review_setup import (
    acceptance_task,
    deal_in_review,
    open_conflict,
    reviewer_owning,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(partner_a):
    return reviewer_owning(partner_a)


@pytest.fixture
def colleague(db):
    return StaffFactory(email="po2@vendor.test", roles=[StaffRole.PARTNER_OWNER])


@pytest.fixture
def deal(partner_a, admin_a, reviewer):
    return deal_in_review(partner=partner_a, member=admin_a)


def _task(deal, kind, assignee):
    return review_task_open(deal=deal, kind=kind, rules=program_rules_get(), assignee=assignee)


def test_the_acceptance_review_goes_to_the_organizations_partner_owner(deal, reviewer):
    task = acceptance_task(deal)
    assert task.assignee == reviewer
    assert Notification.objects.filter(user=reviewer, kind=NotificationKind.TASK_ASSIGNED).exists()


def test_a_reviewer_assigns_a_task_to_a_colleague_who_is_notified(deal, reviewer, colleague):
    task = review_task_assign(actor=reviewer, task=acceptance_task(deal), assignee=colleague)
    assert task.assignee == colleague
    event = AuditEvent.objects.get(action="review_task.assign")
    assert event.before == {"assignee": reviewer.pk} and event.after == {"assignee": colleague.pk}
    assert Notification.objects.filter(user=colleague, kind=NotificationKind.TASK_ASSIGNED).exists()


def test_a_staff_user_claims_a_task_by_assigning_it_to_themselves(deal):
    seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    task = review_task_assign(actor=seller, task=acceptance_task(deal), assignee=seller)
    assert task.assignee == seller
    assert not Notification.objects.filter(user=seller).exists()  # no note to oneself


def test_only_reviewers_give_tasks_to_others(deal, colleague):
    seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    with pytest.raises(NotAllowed):
        review_task_assign(actor=seller, task=acceptance_task(deal), assignee=colleague)


def test_a_partner_member_cannot_claim_a_task(deal, admin_a):
    with pytest.raises(NotAllowed):
        review_task_assign(actor=admin_a, task=acceptance_task(deal), assignee=admin_a)


def test_a_task_goes_only_to_active_vendor_staff(deal, reviewer, admin_a):
    for assignee in (admin_a, StaffFactory(is_active=False), None):
        with pytest.raises(ValidationError) as refused:
            review_task_assign(actor=reviewer, task=acceptance_task(deal), assignee=assignee)
        assert "assignee" in refused.value.message_dict
    assert acceptance_task(deal).assignee == reviewer


def test_reassigning_to_the_same_person_changes_nothing(deal, reviewer):
    review_task_assign(actor=reviewer, task=acceptance_task(deal), assignee=reviewer)
    assert not AuditEvent.objects.filter(action="review_task.assign").exists()


@pytest.mark.parametrize("kind", [TaskKind.SALES_HANDOFF, TaskKind.NEEDS_INFO_FOLLOWUP])
def test_the_assignee_closes_a_handoff_or_follow_up_task(deal, kind):
    seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    task = _task(deal, kind, seller)
    closed = review_task_close(actor=seller, task=task, note="Called the customer.")
    assert closed.status == TaskStatus.DONE and closed.closed_by == seller
    event = AuditEvent.objects.get(action="review_task.close", target_id=str(task.pk))
    assert event.reason == "Called the customer."


def test_a_reviewer_closes_someone_elses_follow_up_but_another_sales_owner_cannot(deal, reviewer):
    seller, other = StaffFactory(roles=[StaffRole.SALES_OWNER]), StaffFactory(roles=[StaffRole.SALES_OWNER])
    task = _task(deal, TaskKind.SALES_HANDOFF, seller)
    with pytest.raises(NotAllowed):
        review_task_close(actor=other, task=task)
    assert review_task_close(actor=reviewer, task=task).status == TaskStatus.DONE


def test_an_acceptance_review_ends_with_a_decision_not_by_closing_it(deal, reviewer):
    with pytest.raises(InvalidTransition):
        review_task_close(actor=reviewer, task=acceptance_task(deal))
    assert acceptance_task(deal).status == TaskStatus.OPEN


def test_an_attribution_conflict_task_cannot_be_closed_by_hand(deal, reviewer):
    conflict = open_conflict(deal)
    with pytest.raises(InvalidTransition):
        review_task_close(actor=reviewer, task=conflict)
    conflict.refresh_from_db()
    assert conflict.status == TaskStatus.OPEN


def test_a_closed_task_cannot_be_closed_or_assigned_again(deal, reviewer, colleague):
    task = _task(deal, TaskKind.NEEDS_INFO_FOLLOWUP, reviewer)
    review_task_close(actor=reviewer, task=task)
    with pytest.raises(InvalidTransition) as refused:
        review_task_close(actor=reviewer, task=task)
    assert refused.value.current_status == TaskStatus.DONE
    with pytest.raises(InvalidTransition):
        review_task_assign(actor=reviewer, task=task, assignee=colleague)
