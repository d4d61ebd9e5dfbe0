"""HTMX helpers: one URL serves the full page or its fragment."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page_or_partial(
    request: HttpRequest, page: str, partial: str, context: dict
) -> HttpResponse:
    """Render `partial` for an htmx request that targets it, else the full `page`."""
    template = partial if getattr(request, "htmx", False) and not request.htmx.boosted else page
    return render(request, template, context)
