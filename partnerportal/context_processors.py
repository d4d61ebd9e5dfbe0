"""Template context every page needs: site name, the user's partner and staff roles."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from partnerportal.admin_site import user_may_use_admin
from partners.selectors import agreement_needed, user_staff_roles
from reviews.notifications import unread_count


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        # Counted only when a page shows it (lazily): one query per page for signed-in users.
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user=user)) if signed_in else 0,
        "site_name": settings.SITE_NAME,
        "current_partner": getattr(request, "partner", None),
        "current_membership": getattr(request, "membership", None),
        "staff_roles": user_staff_roles(user=user) if user is not None else set(),
        # A partner admin sees a banner until the organization accepts the current program
        # agreement (one query on their pages; none for anyone else).
        "agreement_needed": SimpleLazyObject(lambda: agreement_needed(request.membership.partner))
        if getattr(getattr(request, "membership", None), "is_admin", False) else None,
        # Queried only for staff, and only when the navigation asks.
        "may_use_admin": SimpleLazyObject(lambda: user_may_use_admin(user)) if signed_in else False,
    }
