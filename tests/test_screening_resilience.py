"""Screening survives a worker killed mid-step and a broker stopped during a submit.

Both run real processes: Celery workers on Redis, reading the PostgreSQL test database. The
worker is killed while it waits on a (local, fake) Anthropic API inside the summary step; the
broker is a private redis-server this test starts, stops and starts again.
"""

import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from conftest import skip_or_fail
from leads.choices import DealStatus
from leads.models import Deal, DuplicateMatch, QualificationSummary
from leads.services import deal_submit
from leads.tasks import deal_screening_sweep_task
from leads.tests.factories import DealFactory
from partnerportal.celery import app as celery_app
from reviews.models import ReviewTask
from tests.conftest import start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TOOL_INPUT = {
    "summary": "Globex wants a cloud analytics platform; evidence is complete.",
    "fit_tier": "strong", "recommendation": "accept", "questions": [],
    "risks": [], "evidence": ["Need described in detail."],
}


class FakeAnthropic(ThreadingHTTPServer):
    """Answers /v1/messages with a forced tool call, holding each request until released."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.release = threading.Event()
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests += 1
        self.server.release.wait(timeout=60)
        body = json.dumps({
            "id": "msg_test", "type": "message", "role": "assistant", "model": "claude-test",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "record_qualification",
                         "input": TOOL_INPUT}],
            "stop_reason": "tool_use", "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 10},
        }).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except BrokenPipeError:
            pass  # the worker that asked was killed

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_anthropic():
    server = FakeAnthropic()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()


def test_a_worker_killed_mid_screening_has_its_deal_finished_within_60_s_of_a_new_worker(
    worker_queue, fake_anthropic, partner_a, admin_a, partner_b, admin_b, tmp_path,
    django_db_blocker,
):
    env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": fake_anthropic.url,
           "USE_ANTHROPIC": "true",
           # The workers queue their sweeps through Redis, with a delay, as in production.
           "CELERY_TASK_ALWAYS_EAGER": "false"}
    first = DealFactory(partner=partner_a, created_by=admin_a, company_name="Globex Corporation",
                        website="globex.com")
    second = DealFactory(partner=partner_b, created_by=admin_b, company_name="Globex Corp",
                         website="www.globex.com")
    deal_submit(partner=partner_a, actor=admin_a, deal=first)
    deal_submit(partner=partner_b, actor=admin_b, deal=second)
    doomed = start_worker(queue=worker_queue, log_path=tmp_path / "a.log", env=env)
    try:
        wait_for(lambda: fake_anthropic.requests >= 1)  # inside the summary step now
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
    killed = Deal.objects.get(status=DealStatus.SCREENING)
    assert killed.screening_steps.get(name="summary").status == "running"

    fake_anthropic.release.set()
    # Nobody runs the sweep by hand and beat is not running: the new worker queues it when
    # it starts, and again once the dead worker's claim has expired (the default
    # SCREENING_SWEEP_STALE_SECONDS, 45 s). The promise: in review within 60 s of the start.
    survivor = start_worker(queue=worker_queue, log_path=tmp_path / "b.log", env=env)
    try:
        wait_for(lambda: Deal.objects.filter(status=DealStatus.IN_REVIEW).count() == 2, timeout=60)
    finally:
        stop_worker(survivor)

    killed.refresh_from_db()
    assert killed.screening_steps.get(name="summary").attempts == 2
    assert killed.screening_steps.get(name="match").attempts == 1
    assert QualificationSummary.objects.filter(engine="anthropic").count() == 2
    # Each registration conflicts with the other once; the earlier one holds.
    assert DuplicateMatch.objects.get(deal=second, kind="cross_partner").holds_registration
    assert not DuplicateMatch.objects.get(deal=first, kind="cross_partner").holds_registration
    # One acceptance review each, and one conflict case holding both with one open
    # attribution task (on the earlier registration): nothing was opened twice.
    assert ReviewTask.objects.filter(kind="acceptance_review").count() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.conflict_case_id == second.conflict_case_id is not None
    assert list(ReviewTask.objects.filter(kind="attribution_conflict").values_list("deal", "status")) == [
        (first.pk, "open")]
    assert AuditEvent.objects.filter(action="deal.screening_finish").count() == 2
    assert AuditEvent.objects.filter(action="deal.screening_start").count() == 2
    # The finished steps of the killed deal ran once; the summary's API call twice (the
    # first answer never reached the killed worker).
    assert [s.attempts for s in killed.screening_steps.order_by("id")] == [1, 1, 1, 2, 1]
    assert fake_anthropic.requests == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_redis(port: int, directory) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def answers() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0
    wait_for(answers, timeout=10)
    return process


@contextmanager
def broker(url: str):
    """Point this process's Celery app at `url` (dropping pooled connections)."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_a_deal_submitted_while_redis_is_down_is_screened_when_it_returns(
    worker_queue, partner_a, admin_a, tmp_path, settings, django_db_blocker,
):
    if not shutil.which("redis-server"):
        skip_or_fail("redis-server is not installed")
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = _start_redis(port, tmp_path)
    worker = start_worker(queue=worker_queue, log_path=tmp_path / "w.log",
                          env={"REDIS_URL": url, "CELERY_BROKER_URL": url})
    deal = DealFactory(partner=partner_a, created_by=admin_a)
    client = Client()
    client.force_login(admin_a)
    try:
        with broker(url):
            redis.terminate()
            redis.wait(timeout=10)
            response = client.post(f"/deals/{deal.pk}/submit/")
            assert response.status_code == 302  # the partner is told it was submitted
            deal.refresh_from_db()
            assert deal.status == DealStatus.SUBMITTED and deal.submitted_at is not None

            redis = _start_redis(port, tmp_path)
            settings.SCREENING_SWEEP_SUBMITTED_SECONDS = 0
            assert deal_screening_sweep_task() == 1
            wait_for(lambda: Deal.objects.filter(pk=deal.pk, status=DealStatus.IN_REVIEW).exists(),
                     timeout=60)
            time.sleep(1)  # a duplicate delivery, had there been one, would land by now
    finally:
        stop_worker(worker)
        redis.terminate()
    assert AuditEvent.objects.filter(action="deal.screening_finish", target_id=str(deal.pk)).count() == 1
    assert ReviewTask.objects.filter(deal=deal).count() == 1
    assert deal.submitted_at <= timezone.now()
