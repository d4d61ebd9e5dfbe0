"""Beat escalates open tasks past their due time once; paused and attribution tasks wait."""

import pytest
from django.utils import timezone
from freezegun import freeze_time

from audit.models import AuditEvent
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews.choices import NotificationKind
from reviews.models import Notification
from reviews.services import deal_reject, deal_request_info
from reviews.tasks import review_tasks_escalate_task
from reviews.tests.review_setup import (
    acceptance_task,
    deal_in_review,
    open_conflict,
    reviewer_owning,
)

pytestmark = pytest.mark.django_db

OPENED = "2026-03-02 09:00:00+00:00"


@pytest.fixture
def reviewer(partner_a):
    return reviewer_owning(partner_a)


@pytest.fixture
def program_admin(db):
    return StaffFactory(email="pa@vendor.test", roles=[StaffRole.PROGRAM_ADMIN])


@pytest.fixture
def deal(partner_a, admin_a, reviewer):
    rules = program_rules_get()
    rules.review_sla_hours = 24
    rules.save()
    with freeze_time(OPENED):
        return deal_in_review(partner=partner_a, member=admin_a)


def _overdue_notes():
    return Notification.objects.filter(kind=NotificationKind.TASK_OVERDUE)


def test_a_task_within_its_sla_is_not_escalated(deal):
    with freeze_time("2026-03-03 08:59:00+00:00"):
        assert review_tasks_escalate_task() == 0
    assert acceptance_task(deal).escalated_at is None
    assert not _overdue_notes().exists()


def test_an_overdue_task_is_escalated_and_the_assignee_and_program_admins_told(
        deal, reviewer, program_admin):
    with freeze_time("2026-03-03 09:01:00+00:00"):
        assert review_tasks_escalate_task() == 1
        now = timezone.now()
    task = acceptance_task(deal)
    assert task.escalated_at == now
    assert set(_overdue_notes().values_list("user_id", flat=True)) == {reviewer.pk, program_admin.pk}
    assert _overdue_notes().get(user=reviewer).title.startswith("Overdue: Acceptance review")
    event = AuditEvent.objects.get(action="review_task.escalate", target_id=str(task.pk))
    assert event.actor is None and event.after["assignee"] == reviewer.pk


def test_an_overdue_task_is_escalated_only_once(deal):
    with freeze_time("2026-03-03 10:00:00+00:00"):
        assert review_tasks_escalate_task() == 1
    first = acceptance_task(deal).escalated_at
    with freeze_time("2026-03-04 10:00:00+00:00"):
        assert review_tasks_escalate_task() == 0
    assert acceptance_task(deal).escalated_at == first
    assert AuditEvent.objects.filter(action="review_task.escalate").count() == 1


def test_a_task_paused_for_the_partners_answer_is_not_escalated(deal, reviewer):
    with freeze_time("2026-03-02 10:00:00+00:00"):
        deal_request_info(actor=reviewer, deal=deal, question="Who holds the budget?")
    with freeze_time("2026-03-10 09:00:00+00:00"):
        assert review_tasks_escalate_task() == 0
    assert acceptance_task(deal).escalated_at is None


def test_an_attribution_conflict_task_is_not_escalated(deal):
    with freeze_time(OPENED):
        conflict = open_conflict(deal)
    with freeze_time("2026-03-10 09:00:00+00:00"):
        assert review_tasks_escalate_task() == 1  # the acceptance review only
    conflict.refresh_from_db()
    assert conflict.escalated_at is None
    assert acceptance_task(deal).escalated_at is not None


def test_a_finished_task_is_not_escalated(deal, reviewer):
    deal_reject(actor=reviewer, deal=deal, reason_code="duplicate", note="Duplicate.")
    with freeze_time("2026-03-10 09:00:00+00:00"):
        assert review_tasks_escalate_task() == 0
    assert acceptance_task(deal).escalated_at is None
