"""Failed sign-ins are throttled with HTTP 429, per address and per account, and a flood
from one address does not lock the owner out from another."""

import pytest
from django.core.cache import cache
from django.test import Client

from partners.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in(ip: str, email: str, password: str = PASSWORD):
    return Client(REMOTE_ADDR=ip).post("/accounts/login/", {"login": email, "password": password})


def test_the_sixth_wrong_password_from_one_address_answers_429_with_the_message():
    user = UserFactory(email="owner@alpha.test")
    codes = [_sign_in(ATTACKER, user.email, "wrong").status_code for _ in range(5)]
    assert codes == [200] * 5
    response = _sign_in(ATTACKER, user.email, "wrong")
    assert response.status_code == 429
    assert b"Too many failed login attempts" in response.content
    # The right password from that address is refused too until the window passes.
    assert _sign_in(ATTACKER, user.email).status_code == 429


def test_a_flood_from_one_address_does_not_lock_the_owner_out_from_another():
    user = UserFactory(email="owner@alpha.test")
    for _ in range(12):
        _sign_in(ATTACKER, user.email, "wrong")
    assert _sign_in(ATTACKER, user.email, "wrong").status_code == 429
    assert _sign_in(OWNER, user.email).status_code == 302


def test_one_address_is_limited_across_accounts():
    users = [UserFactory() for _ in range(11)]
    codes = [_sign_in(ATTACKER, user.email, "wrong").status_code for user in users]
    assert codes == [200] * 10 + [429]


def test_an_account_is_limited_across_addresses(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS,
                                    "login_failed_account": "3/h/key"}
    user = UserFactory(email="owner@alpha.test")
    codes = [_sign_in(f"203.0.113.{n}", user.email, "wrong").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_successful_sign_in_does_not_count_as_a_failure(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS,
                                    "login_failed_account": "3/h/key"}
    user = UserFactory(email="owner@alpha.test")
    for n in range(5):
        assert _sign_in(f"198.51.100.{n}", user.email).status_code == 302
    assert _sign_in(OWNER, user.email, "wrong").status_code == 200
