"""Template context every page needs: site name, the user's partner and staff roles."""

from django.conf import settings
from django.http import HttpRequest

from partners.selectors import user_staff_roles


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "current_partner": getattr(request, "partner", None),
        "current_membership": getattr(request, "membership", None),
        "staff_roles": user_staff_roles(user=user) if user is not None else set(),
    }
