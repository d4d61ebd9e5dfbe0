"""A submitted deal is screened by a real worker process through Redis."""

import pytest

from leads.choices import DealStatus
from leads.models import Deal
from leads.services import deal_submit
from leads.tests.factories import DealFactory
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_submitted_deal_reaches_review_through_the_worker(celery_worker_process, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a)
    deal_submit(partner=partner_a, actor=admin_a, deal=deal)
    # The transaction committed, the task went to Redis, and another process picked it up.
    reviewed = wait_for(lambda: Deal.objects.filter(pk=deal.pk, status=DealStatus.IN_REVIEW).first())
    assert reviewed.screening_started_at >= reviewed.submitted_at
    assert reviewed.screening_finished_at >= reviewed.screening_started_at
    log = celery_worker_process.log_path.read_text()
    assert "deal_screening_run_task[" in log and "succeeded" in log
