"""The Django admin, reachable only by staff whose session passed a second factor."""

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from partners.auth import session_used_mfa
from partners.choices import StaffRole
from partners.selectors import user_staff_roles


def user_may_use_admin(user) -> bool:
    """Whether the admin has anything for `user`: superusers, program admins, and staff
    holding any model permission. Other staff (a partner owner, say) would only meet
    "You don't have permission", so the navigation leaves the link out for them."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    if user.is_superuser or StaffRole.PROGRAM_ADMIN in user_staff_roles(user=user):
        return True
    # One query for "any permission, own or through a group" (get_all_permissions takes two).
    return Permission.objects.filter(Q(user=user) | Q(group__user=user)).exists()


class PortalAdminSite(AdminSite):
    site_header = "Partner Portal administration"
    site_title = "Partner Portal admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and session_used_mfa(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Sign-in happens in allauth (with MFA); staff without a second factor set one up."""
        user = request.user
        if user.is_authenticated and user.is_staff and not session_used_mfa(request):
            if not is_mfa_enabled(user, ["totp"]):
                return redirect("mfa_activate_totp")
            return redirect(f"{reverse('mfa_reauthenticate')}?next={reverse('admin:index')}")
        return secure_admin_login(super().login)(request, extra_context)
