"""Content-Security-Policy: every response carries it, and no template needs an exception.

The policy (settings CONTENT_SECURITY_POLICY) allows scripts, styles and images from the
site only. Inline <script>, on*="..." handlers and style="..." attributes would be refused
by the browser, so the template scan below fails as soon as one is added: put scripts in
static/js/portal.js (data-* attributes carry the values) and styles in static/css/portal.css.
"""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# E-mails are read in mail clients, which need inline styles and never see the header.
NOT_SERVED = ("emails/",)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_a_page_sends_a_policy_of_own_scripts_styles_and_images_only(client_a):
    response = client_a.get(reverse("leads:deal-list"))

    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", settings.ERROR_PAGE_STYLE_HASH]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


@pytest.mark.parametrize("url_name", ["account_login", "api-schema", "api-docs", "healthz"])
def test_signed_out_pages_and_the_api_send_it_too(url_name):
    response = Client().get(reverse(url_name))
    assert "script-src 'self'" in response["Content-Security-Policy"]


def _template_files() -> list[Path]:
    return sorted(
        path for path in TEMPLATES.rglob("*.html")
        if not path.relative_to(TEMPLATES).as_posix().startswith(NOT_SERVED)
    )


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def test_the_scan_finds_what_it_looks_for():
    """Control for the scan below: each pattern catches its case and spares the allowed one."""
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/js/portal.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json">{}</script>')
    assert HANDLER.search('<button onclick="go()">') and HANDLER.search("<body onload='x'>")
    assert not HANDLER.search('<a data-bs-toggle="collapse" aria-controls="x">')
    assert STYLE_ATTRIBUTE.search('<div style="width: 5%">')
    assert not STYLE_ATTRIBUTE.search('<div class="progress-tall">')


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_no_template_has_inline_script_handlers_or_styles(path):
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to static/js/portal.js"
    assert not HANDLER.search(text), "on*= handler: bind it in static/js/portal.js"
    assert not STYLE_ATTRIBUTE.search(text), "style=: add a class to static/css/portal.css"
    if path.name != "500.html":
        assert not STYLE_ELEMENT.search(text), "<style>: move it to static/css/portal.css"


def test_the_500_page_style_block_is_the_one_the_policy_allows():
    html = render_to_string("500.html")
    [style] = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert settings.ERROR_PAGE_STYLE_HASH == f"'sha256-{digest}'"


def test_htmx_is_told_not_to_inject_its_indicator_styles(client_a):
    html = client_a.get(reverse("leads:deal-list")).content.decode()
    assert '"includeIndicatorStyles": false' in html
    assert "css/portal.css" in html and "js/portal.js" in html


def test_the_api_docs_load_their_script_from_a_url_not_inline(client_a):
    html = client_a.get(reverse("api-docs")).content.decode()
    assert not INLINE_SCRIPT.search(html)
    script = client_a.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
