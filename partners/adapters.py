"""allauth adapter: sign-up is by invitation only, and joins the inviting organization."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import ratelimit
from allauth.core.internal import ratelimit as ratelimit_usage
from allauth.core.internal.ratelimit import RateLimitUsage, get_ip
from django.http import HttpRequest

from partners.selectors import invitation_get_pending
from partners.services import invitation_accept

INVITATION_SESSION_KEY = "partner_invitation_token"


class PortalAccountAdapter(DefaultAccountAdapter):
    """Closed sign-up: only someone holding a pending invitation may create an account."""

    def _pending_invitation(self, request: HttpRequest):
        token = request.session.get(INVITATION_SESSION_KEY)
        return invitation_get_pending(token=token) if token else None

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return self._pending_invitation(request) is not None

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user = super().save_user(request, user, form, commit=commit)
        invitation = self._pending_invitation(request)
        if commit and invitation is not None:
            invitation_accept(invitation=invitation, user=user)
            request.session.pop(INVITATION_SESSION_KEY, None)
        return user

    # Failed sign-ins are limited per address, per account and address, and per account
    # from all addresses together (settings.ACCOUNT_RATE_LIMITS, README "Sign-in limits"),
    # so a flood of wrong passwords from one address cannot lock the owner out elsewhere.
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        return f"{self._account_attempts_key(request, **credentials)}:{get_ip(request)}"

    def _account_attempts_key(self, request: HttpRequest, **credentials: Any) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        account_usage = ratelimit_usage.consume(
            request, app="allauth.account", action="login_failed_account",
            key=self._account_attempts_key(request, **credentials))
        if not account_usage:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        # A successful sign-in rolls back all of it (DefaultAccountAdapter.authenticate).
        self._login_failed_rl_usage = RateLimitUsage(
            usage=self._login_failed_rl_usage.usage + account_usage.usage)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(request, action="login_failed_account",
                        key=self._account_attempts_key(request, **credentials))
