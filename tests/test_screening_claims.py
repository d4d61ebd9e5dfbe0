"""A deal's screening claim: a live worker's step is left alone, an expired one resumed."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from leads.choices import DealStatus, StepStatus
from leads.models import ScreeningStep
from leads.qualification.llm import api_timeout_seconds
from leads.screening import deal_screening_run
from leads.tasks import deal_screening_sweep_on_worker_start, deal_screening_sweep_task
from leads.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_screened(partner_a):
    """A deal a worker was screening: normalize done, match claimed at `claimed_at`."""
    def make(claimed_at):
        started = timezone.now() - timedelta(minutes=5)
        deal = DealFactory(partner=partner_a, status=DealStatus.SCREENING,
                           submitted_at=started, screening_started_at=started)
        ScreeningStep.objects.create(deal=deal, name="normalize", status=StepStatus.DONE,
                                     started_at=started, finished_at=started)
        ScreeningStep.objects.create(deal=deal, name="match", status=StepStatus.RUNNING,
                                     started_at=claimed_at)
        return deal
    return make


def test_a_step_claimed_by_a_live_worker_is_not_run_again(half_screened, settings):
    settings.SCREENING_SWEEP_STALE_SECONDS = 45
    deal = half_screened(timezone.now() - timedelta(seconds=10))
    assert deal_screening_run(deal_id=deal.pk) is False
    step = deal.screening_steps.get(name="match")
    assert (step.status, step.attempts) == (StepStatus.RUNNING, 1)
    assert not deal.screening_steps.filter(name="stop_rules").exists()
    with mock.patch("leads.tasks.deal_screening_run_task.delay") as delay:
        assert deal_screening_sweep_task() == 0
    delay.assert_not_called()


def test_an_expired_claim_is_swept_and_resumed_without_rerunning_finished_steps(
    half_screened, settings,
):
    settings.SCREENING_SWEEP_STALE_SECONDS = 45
    deal = half_screened(timezone.now() - timedelta(seconds=46))
    with mock.patch("leads.tasks.deal_screening_run_task.delay") as delay:
        assert deal_screening_sweep_task() == 1
    delay.assert_called_once_with(deal.pk)
    assert deal_screening_run(deal_id=deal.pk) is True
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    attempts = dict(deal.screening_steps.values_list("name", "attempts"))
    assert attempts == {"normalize": 1, "match": 2, "stop_rules": 1, "summary": 1, "tasks": 1}


def test_a_starting_worker_sweeps_now_and_once_the_claims_have_expired(settings):
    settings.SCREENING_SWEEP_STALE_SECONDS = 45
    with mock.patch("leads.tasks.deal_screening_sweep_task.delay") as now, \
            mock.patch("leads.tasks.deal_screening_sweep_task.apply_async") as later:
        deal_screening_sweep_on_worker_start()
    now.assert_called_once_with()
    later.assert_called_once_with(countdown=46)


def test_the_api_call_of_the_summary_stays_inside_the_claim(settings):
    settings.SCREENING_SWEEP_STALE_SECONDS = 45
    settings.ANTHROPIC_MAX_RETRIES = 1
    settings.ANTHROPIC_TIMEOUT_SECONDS = 60
    assert api_timeout_seconds() == 20
    settings.ANTHROPIC_TIMEOUT_SECONDS = 10
    assert api_timeout_seconds() == 10
