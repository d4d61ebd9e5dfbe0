"""Fixtures for tests that need real services: PostgreSQL, Redis and a Celery worker."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import skip_or_fail
from partnerportal.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)


def _database_url() -> str:
    """The URL of the test database pytest-django created, for a separate process."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session", autouse=True)
def _no_other_sessions_left(django_db_setup, django_db_blocker):
    """Let the test database be dropped: wait for (then end) connections of processes and
    threads this suite started (workers, the live server)."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            _wait_for_other_sessions_to_close(timeout=3, terminate=True)


@pytest.fixture(scope="session")
def require_postgres_and_redis(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        vendor = connection.vendor
    if vendor != "postgresql":
        skip_or_fail("this test needs PostgreSQL (set DATABASE_URL)")
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("this test needs Redis (set REDIS_URL)")


def start_worker(*, queue: str, log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a real `celery worker` process on the test database; wait until it is ready."""
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(env or {}),
    }
    log = open(log_path, "a")  # noqa: SIM115 - the process owns it until it exits
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "partnerportal", "worker", "--pool=solo",
         "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-Q", queue, "--loglevel=INFO", "-n", f"{queue}-{uuid.uuid4().hex[:4]}@%h"],
        cwd=BASE_DIR, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    process.log_path = log_path
    start = log_path.read_text().count("ready.")
    deadline = time.monotonic() + 60
    while log_path.read_text().count("ready.") <= start:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def worker_queue(require_postgres_and_redis):
    """A queue name of this test's own; the test process sends its tasks there, for real."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous


@pytest.fixture
def celery_worker_process(worker_queue, django_db_blocker, tmp_path):
    """A real `celery worker` process on Redis, reading the test database.

    It listens on a queue of its own, so stale messages from other runs cannot reach it,
    and the test process sends to that queue through the real broker (not eagerly).
    """
    with django_db_blocker.unblock():
        process = start_worker(queue=worker_queue, log_path=tmp_path / "worker.log")
    try:
        yield process
    finally:
        stop_worker(process)
        with django_db_blocker.unblock():
            _wait_for_other_sessions_to_close()


def _wait_for_other_sessions_to_close(timeout: float = 10.0, terminate: bool = False) -> None:
    """PostgreSQL ends a dead client's backend shortly after; the test DB drop needs that."""
    others = ("FROM pg_stat_activity WHERE datname = current_database() "
              "AND pid <> pg_backend_pid()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {others}")
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)
    if terminate:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
