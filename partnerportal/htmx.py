"""HTMX helpers: one URL serves the full page or its fragment."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request that targets a fragment (a boosted link wants the whole page)."""
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """The fragment and the page share a URL: caches (and the Back button) must keep both."""
    patch_vary_headers(response, ["HX-Request"])
    return response


def render_page_or_partial(
    request: HttpRequest, page: str, partial: str, context: dict
) -> HttpResponse:
    """Render `partial` for an htmx request that targets it, else the full `page`."""
    return vary_on_htmx(render(request, partial if wants_partial(request) else page, context))
