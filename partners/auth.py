"""Staff access: vendor staff reach staff pages only after a second factor.

A staff session counts as MFA-verified when allauth recorded an "mfa" authentication in it:
at sign-in with TOTP, or when the user proved a fresh TOTP code while activating it.
"""

from allauth.account.internal.flows.login import (
    get_authentication_records,
    record_authentication,
)
from django.http import HttpRequest


def session_used_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def record_mfa_on_activation(sender, request: HttpRequest, user, authenticator, **kwargs) -> None:
    """Entering a valid code to activate TOTP proves the second factor for this session."""
    if request is not None and authenticator.type == "totp":
        record_authentication(request, user, "mfa", id=authenticator.pk, type="totp", activated=True)
