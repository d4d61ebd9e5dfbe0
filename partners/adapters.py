"""allauth adapter: sign-up is by invitation only, and joins the inviting organization."""

from allauth.account.adapter import DefaultAccountAdapter
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
