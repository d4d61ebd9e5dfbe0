"""Staff pages need a second factor: TOTP set up, and used in this session."""

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from partners.choices import StaffRole
from partners.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"


def _current_code() -> str:
    return format_hotp_value(hotp_value(SECRET, int(time.time()) // mfa_settings.TOTP_PERIOD))


def test_staff_without_totp_are_sent_to_set_it_up(staff):
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("reviews:deal-list"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_staff_without_totp_cannot_reach_the_admin(staff):
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response.url).url == reverse("mfa_activate_totp")


def test_staff_sign_in_with_password_then_code_reaches_staff_pages():
    user = StaffFactory(email="mfa@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    TOTP.activate(user, SECRET)
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Half signed in: the password alone opens nothing.
    assert client.get(reverse("reviews:deal-list")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": _current_code()})
    assert response.status_code == 302
    assert client.get(reverse("reviews:deal-list")).status_code == 200


def test_a_wrong_code_does_not_sign_staff_in():
    user = StaffFactory(email="mfa2@vendor.test")
    TOTP.activate(user, SECRET)
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": "000000" if _current_code() != "000000" else "111111"})
    assert response.status_code == 200
    assert client.get(reverse("reviews:deal-list")).status_code == 302


def test_partner_users_get_403_on_staff_pages(client_a):
    assert client_a.get(reverse("reviews:deal-list")).status_code == 403


def test_repeated_failed_sign_ins_are_rate_limited(admin_a):
    client = Client()
    pages = [
        client.post(reverse("account_login"), {"login": admin_a.email, "password": "wrong"})
        for _ in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0].content.decode()
    assert "Too many failed login attempts" in pages[-1].content.decode()
    # Even the right password is refused while the limit holds.
    response = client.post(reverse("account_login"), {"login": admin_a.email, "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
