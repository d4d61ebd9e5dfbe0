"""Template context every page needs: site name, the user's partner and staff roles."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from partners.choices import StaffRole
from partners.selectors import agreement_needed, user_staff_roles, user_staff_roles_remember
from reviews.models import Notification
from reviews.notifications import unread_count


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    if signed_in and user.is_staff:
        # Staff pages show all three: one statement rather than three.
        staff_roles, may_use_admin, unread = _staff_standing(user)
    else:
        staff_roles = user_staff_roles(user=user) if user is not None else set()
        # Counted only when a page shows it (lazily): one query per page for signed-in users.
        unread = SimpleLazyObject(lambda: unread_count(user=user)) if signed_in else 0
        # No query: `user_may_use_admin` is False for anyone but staff.
        may_use_admin = False
    return {
        "unread_notifications": unread,
        "site_name": settings.SITE_NAME,
        "current_partner": getattr(request, "partner", None),
        "current_membership": getattr(request, "membership", None),
        "staff_roles": staff_roles,
        # A partner admin sees a banner until the organization accepts the current program
        # agreement (one query on their pages; none for anyone else).
        "agreement_needed": SimpleLazyObject(lambda: agreement_needed(request.membership.partner))
        if getattr(getattr(request, "membership", None), "is_admin", False) else None,
        "may_use_admin": may_use_admin,
    }


def _staff_standing(user) -> tuple[set[str], bool, int]:
    """A staff user's roles (`partners.selectors.user_staff_roles`), whether the admin has
    anything for them (`partnerportal.admin_site.user_may_use_admin`) and their unread
    notifications (`reviews.notifications.unread_count`), read in one statement. The
    roles are remembered on `user` (`user_staff_roles_remember`)."""
    user_groups = user.groups.through._meta.db_table
    user_perms = user.user_permissions.through._meta.db_table
    group_perms = Group.permissions.through._meta.db_table
    sql = (
        f"SELECT 'g', g.name, 0 FROM {Group._meta.db_table} g"  # noqa: S608 (table names)
        f" JOIN {user_groups} ug ON ug.group_id = g.id WHERE ug.user_id = %s"
        f" UNION ALL SELECT 'n', NULL, (SELECT COUNT(*) FROM {Notification._meta.db_table}"
        f" WHERE user_id = %s AND read_at IS NULL)"
        f" UNION ALL SELECT 'p', NULL, CASE WHEN EXISTS (SELECT 1 FROM {user_perms}"
        f" WHERE user_id = %s) OR EXISTS (SELECT 1 FROM {group_perms} gp JOIN {user_groups}"
        f" ug ON ug.group_id = gp.group_id WHERE ug.user_id = %s) THEN 1 ELSE 0 END"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk] * 4)
        rows = cursor.fetchall()
    values = {kind: n for kind, _name, n in rows if kind != "g"}
    roles = user_staff_roles_remember(
        user=user, group_names={name for kind, name, _n in rows if kind == "g"})
    may_use_admin = bool(user.is_active and (
        user.is_superuser or StaffRole.PROGRAM_ADMIN in roles or values["p"]))
    return roles, may_use_admin, values["n"]
