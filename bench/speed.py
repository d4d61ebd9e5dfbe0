"""Speed to lead: submit → in_review through a real Celery worker on Redis.

Deals are saved and submitted with the real services, one after another; the submit's
on-commit hook publishes the screening task to Redis and a separate `celery worker`
process (solo pool, like tests/conftest.py) runs the whole pipeline with the
deterministic summarizer. Measured per deal: `submitted_at → screening_finished_at` as
stored on the Deal, the wall time from calling `deal_submit` until this process sees
`in_review`, and the pipeline's own step timings.
"""

import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench import data
from leads.choices import DealStatus
from leads.models import Deal, ScreeningStep
from leads.services import deal_save_draft, deal_submit

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SpeedResult:
    deals: int
    stored_ms: list[float]  # submitted_at → screening_finished_at
    wall_ms: list[float]  # deal_submit() called → in_review observed
    queue_ms: list[float]  # submitted_at → screening_started_at
    steps_ms: dict[str, list[float]] = field(default_factory=dict)
    with_matches: int = 0
    engines: dict[str, int] = field(default_factory=dict)


def start_worker(*, queue: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """A `celery worker` process on `queue`; returns once it logged "ready."."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
            [sys.executable, "-m", "celery", "-A", "partnerportal", "worker", "--pool=solo",
             "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-Q", queue, "--loglevel=INFO", "-n", f"{queue}@%h"],
            cwd=ROOT, env={**env, "CELERY_TASK_DEFAULT_QUEUE": queue}, stdout=log,
            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def forget_queue(redis_url: str, queue: str) -> None:
    """Remove the run's queue and its kombu bindings from Redis (its own db)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)


def _fields(rng: random.Random, seed: int, i: int, existing: list[tuple]) -> dict:
    """A complete registration: a third re-register an existing customer."""
    if existing and i % 3 == 0:
        name, website, country = existing[i % len(existing)]
        company = data.company(seed, 95_000_000 + i)
        record = data.render_deal(rng, company)
        record.company_name, record.website, record.country = name, website, country
    else:
        record = data.render_deal(rng, data.company(seed, 95_000_000 + i))
    return {
        "company_name": record.company_name, "website": record.website[:255],
        "country": record.country, "contact_name": record.contact_name,
        "contact_email": record.contact_email, "contact_phone": record.contact_phone,
        "need": record.need, "urgency": "high", "introduction_path": "existing_client",
        "contact_authority": "decision_maker", "customer_consent": True,
        "estimated_value": 50000, "timeline": "Q3", "company_size": "250-999",
        "industry": "Software", "contact_title": "CIO",
    }


def _existing(limit: int) -> list[tuple]:
    return list(Deal.objects.exclude(status=DealStatus.DRAFT).exclude(country="")
                .order_by("?").values_list("company_name", "website", "country")[:limit])


def run(*, n: int, seed: int, partner, actor, queue: str, warmup: int = 2,
        timeout: float = 30.0) -> SpeedResult:
    """Submit `warmup + n` deals one at a time; measure the last `n`."""
    from partnerportal.celery import app

    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    rng = random.Random(seed)
    existing = _existing(n)
    result = SpeedResult(n, [], [], [])
    ids = []
    for i in range(warmup + n):
        deal = deal_save_draft(partner=partner, actor=actor, data=_fields(rng, seed, i, existing))
        started = time.perf_counter()
        deal_submit(partner=partner, actor=actor, deal=deal)
        deadline = time.monotonic() + timeout
        while not Deal.objects.filter(pk=deal.pk, status=DealStatus.IN_REVIEW).exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"deal {deal.pk} not in review after {timeout} s")
            time.sleep(0.005)
        wall = (time.perf_counter() - started) * 1000
        if i >= warmup:
            result.wall_ms.append(wall)
            ids.append(deal.pk)
    for deal in Deal.objects.filter(pk__in=ids).prefetch_related("matches"):
        result.stored_ms.append((deal.screening_finished_at - deal.submitted_at)
                                .total_seconds() * 1000)
        result.queue_ms.append((deal.screening_started_at - deal.submitted_at)
                               .total_seconds() * 1000)
        result.with_matches += bool(deal.matches.all())
    for name, ms in ScreeningStep.objects.filter(deal_id__in=ids).values_list(
            "name", "duration_ms"):
        result.steps_ms.setdefault(name, []).append(float(ms or 0))
    from leads.models import QualificationSummary

    for engine in QualificationSummary.objects.filter(deal_id__in=ids).values_list(
            "engine", flat=True):
        result.engines[engine] = result.engines.get(engine, 0) + 1
    return result


def unique_queue() -> str:
    return f"bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
