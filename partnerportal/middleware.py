"""Request id and tenancy middleware.

`TenancyMiddleware` is the one place that decides which partner organization a request acts
for: `request.partner` and `request.membership` come from the signed-in user's membership,
never from the URL or a form.
"""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from partnerportal import request_context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Give every request an id (kept from a well-formed X-Request-ID) and record the IP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_context.activate(
            request_context.RequestContext(request_id=request_id, ip=_client_ip(request))
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class TenancyMiddleware:
    """Attach `request.membership` and `request.partner` (None for staff and anonymous)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from partners.selectors import membership_for_user

        membership = membership_for_user(user=request.user)
        request.membership = membership
        request.partner = membership.partner if membership else None
        return self.get_response(request)
