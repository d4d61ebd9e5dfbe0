"""Sign-in, sign-out and password reset keep working while Redis is down.

The default cache is Redis with a database fallback (partnerportal/cache.py); allauth's
sign-in rate limiting keeps its counters there. These tests run a private redis-server,
point the cache at it, stop it, and sign in.
"""

import logging
import shutil
import socket
import subprocess

import pytest
from django.core import mail
from django.core.cache import cache, caches
from django.test import Client

from conftest import skip_or_fail
from partnerportal.cache import RedisWithDatabaseFallbackCache, redis_failure_reset
from partners.tests.factories import PASSWORD, UserFactory
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db

PORTS = range(6390, 6400)  # this test module's private redis-server ports


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port in 6390-6399 for a private redis-server")


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        skip_or_fail("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: _answers(port), timeout=10)
    process.port = port
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def redis_cache(private_redis, settings):
    """The production cache configuration, on the private Redis."""
    redis_failure_reset()
    settings.CACHES = {
        "default": {
            "BACKEND": "partnerportal.cache.RedisWithDatabaseFallbackCache",
            "LOCATION": f"redis://127.0.0.1:{private_redis.port}/0",
            "FALLBACK": "database",
            "RETRY_SECONDS": 10,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
        "database": settings.CACHES["database"],
    }
    yield private_redis
    redis_failure_reset()


def _sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_sign_in_sign_out_and_password_reset_work_while_redis_is_down(redis_cache, caplog):
    user = UserFactory(email="owner@alpha.test")
    assert isinstance(caches["default"], RedisWithDatabaseFallbackCache)
    first = Client()
    assert _sign_in(first, user.email).status_code == 302  # on Redis
    assert cache.redis_available

    redis_cache.terminate()
    redis_cache.wait(timeout=10)
    client = Client()
    with caplog.at_level(logging.WARNING, logger="partnerportal.cache"):
        response = _sign_in(client, user.email)
        assert response.status_code == 302, response.content[:500]
        assert client.get("/").wsgi_request.user == user
        assert client.post("/accounts/logout/").status_code == 302
        assert not client.get("/").wsgi_request.user.is_authenticated
        response = client.post("/accounts/password/reset/", {"email": user.email})
        assert response.status_code == 302
    assert len(mail.outbox) == 1 and user.email in mail.outbox[0].to
    # The rate limiter's counters went to the database cache, and the switch was logged
    # once (not once per call).
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert not cache.redis_available
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM portal_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any(":allauth:rl:allauth.account:login:" in key for key in keys)


def test_wrong_passwords_are_throttled_from_the_database_cache_too(redis_cache):
    user = UserFactory(email="owner@alpha.test")
    redis_cache.terminate()
    redis_cache.wait(timeout=10)
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    codes = [_sign_in(attacker, user.email, "wrong").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.20"), user.email).status_code == 302


def test_redis_is_used_again_once_it_answers(redis_cache, settings, tmp_path):
    redis_cache.terminate()
    redis_cache.wait(timeout=10)
    cache.set("k", "from-db")
    assert caches["database"].get("k") == "from-db"
    process = subprocess.Popen(
        ["redis-server", "--port", str(redis_cache.port), "--bind", "127.0.0.1", "--save",
         "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(redis_cache.port), timeout=10)
        redis_failure_reset()  # as if RETRY_SECONDS had passed
        cache.set("k", "from-redis")
        assert cache.get("k") == "from-redis" and cache.redis_available
        assert caches["database"].get("k") == "from-db"
    finally:
        process.terminate()
        process.wait(timeout=10)
