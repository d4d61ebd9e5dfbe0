"""Shared fixtures: the personas every test talks about.

partner A admin, partner A rep, partner B admin, and vendor staff whose session passed MFA.
`REQUIRE_SERVICES=1` (set by .ci/run) turns the skips of service-dependent tests into failures.
"""

import os
import time

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.test import Client

from partners.choices import MemberRole, StaffRole
from partners.tests.factories import MembershipFactory, PartnerFactory, StaffFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip a test whose service is missing, or fail it when CI requires the services."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def partner_a(db):
    return PartnerFactory(name="Alpha Partners")


@pytest.fixture
def partner_b(db):
    return PartnerFactory(name="Bravo Partners")


@pytest.fixture
def admin_a(partner_a):
    return MembershipFactory(partner=partner_a, role=MemberRole.ADMIN,
                             user__email="admin@alpha.test").user


@pytest.fixture
def rep_a(partner_a):
    return MembershipFactory(partner=partner_a, role=MemberRole.REP,
                             user__email="rep@alpha.test").user


@pytest.fixture
def admin_b(partner_b):
    return MembershipFactory(partner=partner_b, role=MemberRole.ADMIN,
                             user__email="admin@bravo.test").user


@pytest.fixture
def staff(db):
    return StaffFactory(email="owner@vendor.test", roles=[StaffRole.PARTNER_OWNER])


def login_with_mfa(client: Client, user) -> Client:
    """Sign `user` in and record in the session that a second factor was used."""
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "type": "totp", "id": 0},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def client_a(admin_a) -> Client:
    client = Client()
    client.force_login(admin_a)
    return client


@pytest.fixture
def client_rep_a(rep_a) -> Client:
    client = Client()
    client.force_login(rep_a)
    return client


@pytest.fixture
def client_b(admin_b) -> Client:
    client = Client()
    client.force_login(admin_b)
    return client


@pytest.fixture
def staff_client(staff) -> Client:
    return login_with_mfa(Client(), staff)
