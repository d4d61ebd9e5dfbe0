"""Asking the partner for information: a needs-info decision that stops the SLA clock,
and the partner's answer that returns the deal to review with a follow-up task."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal, DealQuestion, DealStatusChange
from leads.services import deal_question_answer
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.choices import DecisionKind, NotificationKind, TaskKind, TaskStatus
from reviews.models import Decision, Notification, ReviewTask
from reviews.services import deal_reject, deal_request_info
from reviews.tests.review_setup import acceptance_task, deal_in_review, reviewer_owning

pytestmark = pytest.mark.django_db

ASKED = "2026-03-02 09:00:00+00:00"
ANSWERED = "2026-03-05 15:30:00+00:00"  # 3 days 6.5 hours later


@pytest.fixture
def reviewer(partner_a):
    return reviewer_owning(partner_a)


@pytest.fixture
def deal(partner_a, admin_a, reviewer):
    with freeze_time(ASKED):
        return deal_in_review(partner=partner_a, member=admin_a)


def test_asking_is_a_needs_info_decision_and_the_deal_waits_for_the_partner(deal, reviewer, admin_a):
    with freeze_time(ASKED):
        item = deal_request_info(actor=reviewer, deal=deal, question="  Who holds the budget?  ")
    deal.refresh_from_db()
    assert deal.status == DealStatus.NEEDS_INFO
    assert item.question == "Who holds the budget?" and item.asked_by == reviewer
    decision = Decision.objects.get(deal=deal)
    assert decision.kind == DecisionKind.NEEDS_INFO and decision.actor == reviewer
    assert decision.partner_note == "Who holds the budget?"
    change = DealStatusChange.objects.get(deal=deal)
    assert (change.from_status, change.to_status) == (DealStatus.IN_REVIEW, DealStatus.NEEDS_INFO)
    assert AuditEvent.objects.filter(action="deal.request_info", target_id=str(deal.pk)).count() == 1
    assert Notification.objects.filter(user=admin_a, kind=NotificationKind.QUESTION).exists()


def test_asking_pauses_the_acceptance_review_without_closing_it(deal, reviewer):
    with freeze_time(ASKED):
        deal_request_info(actor=reviewer, deal=deal, question="Who holds the budget?")
    task = acceptance_task(deal)
    assert task.status == TaskStatus.OPEN
    assert task.paused_at is not None and task.paused_at.isoformat() == "2026-03-02T09:00:00+00:00"


def test_a_question_must_say_something(deal, reviewer):
    with pytest.raises(ValidationError) as refused:
        deal_request_info(actor=reviewer, deal=deal, question="   ")
    assert "question" in refused.value.message_dict
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.IN_REVIEW
    assert acceptance_task(deal).paused_at is None


def test_the_answer_returns_the_deal_to_review_and_moves_the_due_time_by_the_time_waited(
        deal, reviewer, partner_a, admin_a):
    due_before = acceptance_task(deal).due_at
    with freeze_time(ASKED):
        item = deal_request_info(actor=reviewer, deal=deal, question="Who holds the budget?")
    with freeze_time(ANSWERED):
        deal_question_answer(partner=partner_a, actor=admin_a, item=item, answer="The CFO.")
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    task = acceptance_task(deal)
    assert task.paused_at is None and task.status == TaskStatus.OPEN
    assert task.due_at == due_before + timedelta(days=3, hours=6, minutes=30)
    assert [c.to_status for c in DealStatusChange.objects.filter(deal=deal)] == [
        DealStatus.NEEDS_INFO, DealStatus.IN_REVIEW]


def test_the_answer_opens_a_follow_up_task_for_the_reviewer_who_asked(
        deal, reviewer, partner_a, admin_a):
    asker = StaffFactory(email="po2@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    item = deal_request_info(actor=asker, deal=deal, question="Who holds the budget?")
    deal_question_answer(partner=partner_a, actor=admin_a, item=item, answer="The CFO.")
    followup = ReviewTask.objects.get(deal=deal, kind=TaskKind.NEEDS_INFO_FOLLOWUP)
    assert followup.status == TaskStatus.OPEN
    assert followup.assignee == asker != reviewer
    assert Notification.objects.filter(user=asker, kind=NotificationKind.TASK_ASSIGNED).exists()


def test_the_deal_stays_in_needs_info_until_every_question_is_answered(
        deal, reviewer, partner_a, admin_a):
    first = deal_request_info(actor=reviewer, deal=deal, question="Who holds the budget?")
    deal_request_info(actor=reviewer, deal=deal, question="When do they decide?")
    deal_question_answer(partner=partner_a, actor=admin_a, item=first, answer="The CFO.")
    deal.refresh_from_db()
    assert deal.status == DealStatus.NEEDS_INFO
    assert acceptance_task(deal).paused_at is not None
    assert not ReviewTask.objects.filter(deal=deal, kind=TaskKind.NEEDS_INFO_FOLLOWUP).exists()
    assert Decision.objects.filter(kind=DecisionKind.NEEDS_INFO).count() == 2


def test_a_deal_waiting_for_information_can_still_be_rejected(deal, reviewer):
    deal_request_info(actor=reviewer, deal=deal, question="Who holds the budget?")
    deal_reject(actor=reviewer, deal=deal, reason_code="incomplete", note="No answer came.")
    deal.refresh_from_db()
    assert deal.status == DealStatus.REJECTED
    task = acceptance_task(deal)
    assert task.status == TaskStatus.DONE and task.paused_at is None


def test_only_reviewers_may_ask(deal):
    with pytest.raises(NotAllowed):
        deal_request_info(actor=StaffFactory(roles=[StaffRole.SALES_OWNER]), deal=deal,
                          question="Who?")
    assert not DealQuestion.objects.exists()


def test_a_closed_deal_cannot_be_asked_about(deal, reviewer):
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WITHDRAWN)
    with pytest.raises(InvalidTransition) as refused:
        deal_request_info(actor=reviewer, deal=deal, question="Who?")
    assert refused.value.current_status == DealStatus.WITHDRAWN
    assert not DealQuestion.objects.exists()
