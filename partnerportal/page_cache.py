"""A page's rendered body, kept under a data version (`partnerportal.versions`).

The deal pages render their body (everything inside the layout) without the request, with
`CSRF_PLACEHOLDER` where their forms' CSRF tokens go, and keep it under the version of
every table the body reads, by whatever else it depends on (deal, user, language, time
zone). Each response then fills in its own masked token, and the layout (navigation,
messages, the user's menu) is rendered per request as on any page. A body that also
depends on the clock names the moment it changes (`changes_at`); it is rendered anew from
then on.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from partnerportal.versions import cached, data_version

# Stands in for the CSRF token in a kept body: no text a page shows can hold it (form input
# and the database refuse NUL), and each response puts its own masked token there.
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
# A kept body is large and only read until the next change: old entries go soon.
TIMEOUT = 10 * 60


@dataclass(frozen=True)
class Body:
    """A page's rendered body (with `CSRF_PLACEHOLDER` for its forms' tokens), its title
    and the first moment the clock alone changes it (None: never)."""

    title: str
    html: str
    changes_at: datetime | None = None

    def fresh_at(self, now: datetime) -> bool:
        return self.changes_at is None or now < self.changes_at

    def for_response(self, request: HttpRequest) -> SafeString:
        """The body with this response's CSRF token (masked anew) in its forms."""
        return mark_safe(  # noqa: S308 (rendered by the template engine, escaped there)
            self.html.replace(CSRF_PLACEHOLDER, get_token(request)))


def body_render(template: str, context: dict, *, title: str,
                request: HttpRequest | None = None,
                changes_at: datetime | None = None) -> Body:
    """`template` rendered as a body that may be kept: its forms get `CSRF_PLACEHOLDER`,
    not a token. Pass `request` only when the body reads nothing of it but what its key
    names (its path and query string)."""
    html = render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER},
                            request=request)
    return Body(title=title, html=html, changes_at=changes_at)


def body_kept(key: str, version_name: str, render: Callable[[], Body]) -> Body:
    """The body kept under `key` (with the language and time zone) and the current
    version of `version_name`, or `render()` kept there. Inside a transaction nothing is
    kept (`data_version`)."""
    full_key = f"body:{key}:{get_language()}:{timezone.get_current_timezone_name()}"
    return cached(full_key, data_version(version_name), render, timeout=TIMEOUT,
                  fresh=lambda body: body.fresh_at(timezone.now()))


def body_response(request: HttpRequest, body: Body, *, status: int = 200) -> HttpResponse:
    """The page around `body` (`partnerportal/body_page.html`: the layout, rendered per
    request), its forms given this response's CSRF token."""
    return render(request, "partnerportal/body_page.html",
                  {"page_title": body.title, "page_body": body.for_response(request)},
                  status=status)
