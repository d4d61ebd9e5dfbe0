"""View decorators for the two kinds of user: partner members and vendor staff."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from partners.auth import session_used_mfa
from partners.choices import MemberRole, StaffRole
from partners.selectors import user_staff_roles


def staff_start_url(user) -> str:
    """Where a staff user lands: sales owners (and no reviewer role) on "My handoffs",
    everyone else on the review queue."""
    roles = user_staff_roles(user=user)
    if roles and roles <= {StaffRole.SALES_OWNER}:
        try:
            return reverse("reviews:handoff-list")
        except NoReverseMatch:
            pass
    return reverse("reviews:queue")


def partner_member_required(view: Callable | None = None, *, role: str | None = None):
    """Require a signed-in member of a partner organization (and `role`, if given).

    Staff and users without a membership get 403; a lower role gets 403.
    """

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        @login_required
        def wrapper(request, *args, **kwargs):
            membership = request.membership
            if membership is None:
                if request.user.is_staff:
                    return redirect(staff_start_url(request.user))
                raise PermissionDenied
            if role == MemberRole.ADMIN and not membership.is_admin:
                raise PermissionDenied
            return func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def staff_required(view: Callable | None = None, *, roles: set[str] | None = None):
    """Require vendor staff who signed in with a second factor (and one of `roles`).

    Staff without TOTP are sent to set it up; staff whose session did not pass MFA are sent
    to sign in again.
    """

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not request.user.is_staff:
                raise PermissionDenied
            if not session_used_mfa(request):
                from allauth.mfa.utils import is_mfa_enabled

                if not is_mfa_enabled(request.user, ["totp"]):
                    return redirect("mfa_activate_totp")
                return redirect(f"{reverse('mfa_reauthenticate')}?next={request.get_full_path()}")
            if roles and not (user_staff_roles(user=request.user) & roles):
                raise PermissionDenied
            return func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
