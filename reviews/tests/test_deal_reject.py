"""Rejecting a deal: a reason from the admin's list, a note the partner reads, tasks end."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal, DealStatusChange
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews.choices import DecisionKind, NotificationKind, TaskKind, TaskStatus
from reviews.models import Decision, Notification, RejectionReason, ReviewTask
from reviews.services import deal_reject, review_task_open
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
def deal(partner_a, admin_a, reviewer):
    return deal_in_review(partner=partner_a, member=admin_a)


def test_the_rejection_reasons_are_seeded_for_the_admin_to_edit():
    codes = set(RejectionReason.objects.values_list("code", flat=True))
    assert {"duplicate", "existing-customer", "not-qualified", "other"} <= codes


def test_rejecting_records_the_reason_code_and_the_note_the_partner_reads(deal, reviewer, admin_a):
    deal_reject(actor=reviewer, deal=deal, reason_code="duplicate",
                note="  Another partner registered this customer first.  ", reason="internal")
    deal.refresh_from_db()
    assert deal.status == DealStatus.REJECTED
    assert deal.decided_at is not None and deal.closed_at == deal.decided_at
    decision = Decision.objects.get(deal=deal)
    assert decision.kind == DecisionKind.REJECT and decision.actor == reviewer
    assert decision.reason_code.code == "duplicate"
    assert decision.partner_note == "Another partner registered this customer first."
    assert decision.reason == "internal"
    change = DealStatusChange.objects.get(deal=deal)
    assert (change.from_status, change.to_status) == (DealStatus.IN_REVIEW, DealStatus.REJECTED)
    event = AuditEvent.objects.get(action="deal.reject", target_id=str(deal.pk))
    assert event.actor == reviewer
    assert event.after["reason_code"] == "duplicate"
    note = Notification.objects.get(user=admin_a, kind=NotificationKind.STATUS_CHANGE)
    assert "Another partner registered this customer first." in note.body


@pytest.mark.parametrize(("code", "note", "fields"), [
    ("", "A note.", ["reason_code"]),
    ("no-such-reason", "A note.", ["reason_code"]),
    ("duplicate", "   ", ["note"]),
    ("", "", ["reason_code", "note"]),
])
def test_a_rejection_needs_a_listed_reason_and_a_note(deal, reviewer, code, note, fields):
    with pytest.raises(ValidationError) as refused:
        deal_reject(actor=reviewer, deal=deal, reason_code=code, note=note)
    assert sorted(refused.value.message_dict) == sorted(fields)
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.IN_REVIEW
    assert not Decision.objects.exists()


def test_a_reason_the_admin_switched_off_can_no_longer_be_chosen(deal, reviewer):
    RejectionReason.objects.filter(code="other").update(active=False)
    with pytest.raises(ValidationError) as refused:
        deal_reject(actor=reviewer, deal=deal, reason_code="other", note="Nope.")
    assert "reason_code" in refused.value.message_dict


def test_a_reason_the_admin_added_can_be_chosen(deal, reviewer):
    RejectionReason.objects.create(code="budget-gone", label="Budget withdrawn", position=99)
    deal_reject(actor=reviewer, deal=deal, reason_code="budget-gone", note="No budget.")
    assert Decision.objects.get(deal=deal).reason_code.label == "Budget withdrawn"


def test_rejecting_closes_the_acceptance_review_and_cancels_the_other_open_tasks(deal, reviewer):
    conflict = open_conflict(deal)
    followup = review_task_open(deal=deal, kind=TaskKind.NEEDS_INFO_FOLLOWUP,
                                rules=program_rules_get(), assignee=reviewer)
    deal_reject(actor=reviewer, deal=deal, reason_code="not-qualified", note="Too small.")
    review = acceptance_task(deal)
    assert review.status == TaskStatus.DONE and review.closed_by == reviewer
    for task in (conflict, followup):
        task.refresh_from_db()
        assert task.status == TaskStatus.CANCELLED
    assert not ReviewTask.objects.filter(deal=deal, status=TaskStatus.OPEN).exists()
    assert AuditEvent.objects.filter(action="review_task.cancel").count() == 2


def test_only_reviewers_may_reject(deal):
    seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    with pytest.raises(NotAllowed):
        deal_reject(actor=seller, deal=deal, reason_code="duplicate", note="No.")
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.IN_REVIEW


def test_a_rejected_deal_cannot_be_rejected_again(deal, reviewer):
    deal_reject(actor=reviewer, deal=deal, reason_code="duplicate", note="Duplicate.")
    with pytest.raises(InvalidTransition) as refused:
        deal_reject(actor=reviewer, deal=deal, reason_code="other", note="Again.")
    assert refused.value.current_status == DealStatus.REJECTED
    assert Decision.objects.count() == 1
