"""A partner's withdrawal ends the deal's open review work."""

import pytest

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import DealStatusChange
from leads.services import deal_withdraw
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask
from reviews.services import deal_accept
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


def test_withdrawing_a_deal_in_review_cancels_its_open_tasks(deal, partner_a, admin_a):
    conflict = open_conflict(deal)
    deal_withdraw(partner=partner_a, actor=admin_a, deal=deal, reason="Customer went elsewhere.")
    deal.refresh_from_db()
    assert deal.status == DealStatus.WITHDRAWN
    for task in (acceptance_task(deal), conflict):
        task.refresh_from_db()
        assert task.status == TaskStatus.CANCELLED and task.closed_by == admin_a
    assert AuditEvent.objects.filter(action="review_task.cancel", reason="deal withdrawn").count() == 2
    change = DealStatusChange.objects.get(deal=deal)
    assert (change.from_status, change.to_status) == (DealStatus.IN_REVIEW, DealStatus.WITHDRAWN)


def test_withdrawing_an_accepted_deal_cancels_its_sales_handoff(deal, partner_a, admin_a, reviewer):
    seller = StaffFactory(roles=[StaffRole.SALES_OWNER])
    deal_accept(actor=reviewer, deal=deal, sales_owner=seller)
    deal_withdraw(partner=partner_a, actor=admin_a, deal=deal, reason="")
    handoff = ReviewTask.objects.get(deal=deal, kind=TaskKind.SALES_HANDOFF)
    assert handoff.status == TaskStatus.CANCELLED
    assert acceptance_task(deal).status == TaskStatus.DONE  # already decided, stays done


def test_another_organization_cannot_withdraw_the_deal_or_touch_its_tasks(deal, partner_b, admin_b):
    with pytest.raises(NotAllowed):
        deal_withdraw(partner=partner_b, actor=admin_b, deal=deal, reason="")
    assert acceptance_task(deal).status == TaskStatus.OPEN


def test_withdrawing_twice_is_refused_and_audited_once(deal, partner_a, admin_a):
    deal_withdraw(partner=partner_a, actor=admin_a, deal=deal, reason="")
    with pytest.raises(InvalidTransition):
        deal_withdraw(partner=partner_a, actor=admin_a, deal=deal, reason="")
    assert AuditEvent.objects.filter(action="deal.withdraw").count() == 1
