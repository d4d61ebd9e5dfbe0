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


@pytest.fixture(scope="session")
def require_postgres_and_redis(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        vendor = connection.vendor
    if vendor != "postgresql":
        skip_or_fail("this test needs PostgreSQL (set DATABASE_URL)")
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("this test needs Redis (set REDIS_URL)")


@pytest.fixture(scope="session")
def celery_worker_process(require_postgres_and_redis, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on Redis, reading the test database.

    It listens on a queue of its own, so stale messages from other runs cannot reach it,
    and the test process sends to that queue through the real broker (not eagerly).
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        database_url = _database_url()
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    log = open(log_path, "w")  # noqa: SIM115 - closed in the teardown below
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "partnerportal", "worker", "--pool=solo",
         "--concurrency=1", "--without-gossip", "--without-mingle", "-Q", queue,
         "--loglevel=INFO", "-n", f"{queue}@%h"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    process.log_path = log_path
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        with django_db_blocker.unblock():
            _wait_for_other_sessions_to_close()


def _wait_for_other_sessions_to_close(timeout: float = 10.0) -> None:
    """PostgreSQL ends a dead client's backend shortly after; the test DB drop needs that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
