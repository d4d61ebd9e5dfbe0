"""The screening service is idempotent and resumes a deal a dead worker left behind."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.screening import deal_screening_run
from leads.tasks import deal_screening_sweep_task
from leads.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def test_running_screening_twice_moves_the_deal_once(partner_a):
    deal = DealFactory(partner=partner_a, status=DealStatus.SUBMITTED, submitted_at=timezone.now())
    assert deal_screening_run(deal_id=deal.pk) is True
    assert deal_screening_run(deal_id=deal.pk) is False
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    assert AuditEvent.objects.filter(action="deal.screening_finish").count() == 1


def test_a_deal_left_in_screening_is_finished_on_the_next_run(partner_a):
    started = timezone.now() - timedelta(minutes=10)
    deal = DealFactory(partner=partner_a, status=DealStatus.SCREENING,
                       submitted_at=started, screening_started_at=started)
    assert deal_screening_run(deal_id=deal.pk) is True
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    assert not AuditEvent.objects.filter(action="deal.screening_start").exists()


@pytest.mark.parametrize("status", [DealStatus.DRAFT, DealStatus.WITHDRAWN, DealStatus.ACCEPTED])
def test_screening_leaves_deals_outside_the_pipeline_alone(partner_a, status):
    deal = DealFactory(partner=partner_a, status=status)
    assert deal_screening_run(deal_id=deal.pk) is False
    deal.refresh_from_db()
    assert deal.status == status


def test_screening_of_a_missing_deal_does_nothing():
    assert deal_screening_run(deal_id=999_999) is False


def test_the_sweep_requeues_deals_whose_task_was_lost(partner_a):
    old = timezone.now() - timedelta(minutes=2)
    lost = DealFactory(partner=partner_a, status=DealStatus.SUBMITTED, submitted_at=old)
    fresh = DealFactory(partner=partner_a, status=DealStatus.SUBMITTED, submitted_at=timezone.now())
    stale = timezone.now() - timedelta(minutes=30)
    dead = DealFactory(partner=partner_a, status=DealStatus.SCREENING, submitted_at=stale,
                       screening_started_at=stale)
    with mock.patch("leads.tasks.deal_screening_run_task.delay") as delay:
        assert deal_screening_sweep_task() == 2
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted([lost.pk, dead.pk])
    assert fresh.pk not in [call.args[0] for call in delay.call_args_list]
