"""The page context of staff users (staff roles, admin access, unread notifications) is read
in one statement: it must say what the three separate reads say."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.utils import timezone

from partnerportal.admin_site import user_may_use_admin
from partnerportal.context_processors import portal
from partners.choices import StaffRole
from partners.selectors import user_staff_roles
from partners.tests.factories import StaffFactory
from reviews.models import Notification
from reviews.notifications import unread_count

pytestmark = pytest.mark.django_db


def _context(user) -> dict:
    request = RequestFactory().get("/staff/")
    request.user = user
    return portal(request)


def _expected(user) -> tuple:
    fresh = type(user).objects.get(pk=user.pk)  # nothing remembered on the instance
    return user_staff_roles(user=fresh), user_may_use_admin(fresh), unread_count(user=fresh)


def _notify(user, *, read: bool = False) -> None:
    Notification.objects.create(user=user, kind=Notification._meta.get_field("kind").choices[0][0],
                                title="t", read_at=timezone.now() if read else None)


def _said(context) -> tuple:
    return (context["staff_roles"], bool(context["may_use_admin"]),
            int(context["unread_notifications"]))


def test_a_staff_user_without_permissions_gets_roles_no_admin_and_unread_count():
    staff = StaffFactory(roles=[StaffRole.PARTNER_OWNER, StaffRole.SALES_OWNER])
    Group.objects.create(name="not a staff role").user_set.add(staff)
    _notify(staff)
    _notify(staff)
    _notify(staff, read=True)
    _notify(StaffFactory())
    context = _context(staff)
    assert _said(context) == _expected(staff)
    assert _said(context) == ({StaffRole.PARTNER_OWNER, StaffRole.SALES_OWNER}, False, 2)


def test_a_permission_of_the_user_or_of_a_group_opens_the_admin():
    direct = StaffFactory()
    direct.user_permissions.add(Permission.objects.first())
    through_group = StaffFactory(roles=[StaffRole.PARTNER_OWNER])
    Group.objects.get(name=StaffRole.PARTNER_OWNER).permissions.add(Permission.objects.first())
    for user in (direct, through_group):
        assert _said(_context(user)) == _expected(user)
        assert _context(user)["may_use_admin"] is True


def test_program_admins_and_superusers_hold_the_admin_and_every_role_as_before():
    program_admin = StaffFactory(roles=[StaffRole.PROGRAM_ADMIN])
    superuser = StaffFactory(is_superuser=True)
    inactive = StaffFactory(roles=[StaffRole.PROGRAM_ADMIN], is_active=False)
    for user in (program_admin, superuser, inactive):
        assert _said(_context(user)) == _expected(user)
    assert _context(superuser)["staff_roles"] == set(StaffRole.values)
    assert _context(inactive)["may_use_admin"] is False


def test_staff_pages_read_the_three_in_one_statement(django_assert_num_queries):
    staff = StaffFactory(roles=[StaffRole.PARTNER_OWNER])
    with django_assert_num_queries(1):
        _context(staff)
