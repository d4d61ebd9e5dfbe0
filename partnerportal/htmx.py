"""HTMX helpers: one URL serves the full page or its fragment."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_page_or_partial(
    request: HttpRequest, page: str, partial: str, context: dict
) -> HttpResponse:
    """Render `partial` for an htmx request that targets it, else the full `page`."""
    template = partial if getattr(request, "htmx", False) and not request.htmx.boosted else page
    response = render(request, template, context)
    # The fragment and the page share a URL: caches (and the Back button) must keep both.
    patch_vary_headers(response, ["HX-Request"])
    return response
