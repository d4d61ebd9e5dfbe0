"""The Content-Security-Policy in a real browser: no page is refused anything it needs.

Debian's Chromium (Playwright) opens the partner and staff pages with the policy on, and
every violation the browser reports (a refused inline script, handler, style or foreign
resource) fails the test. The page behaviour that moved from inline code into
static/js/portal.js (token copy button, progress bar width, htmx indicator) is checked to work.
"""

import os
import shutil

import pytest
from django.test import Client
from django.urls import reverse

from conftest import login_with_mfa, skip_or_fail
from crm.choices import ImportKind, ImportStatus
from crm.models import CrmImport
from leads.choices import DealStatus
from leads.tests.factories import DealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


@pytest.fixture
def browser():
    if not shutil.which(CHROMIUM):
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _page_as(browser, live_server, client: Client):
    """A browser page signed in with the session of `client`, reporting CSP violations."""
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.violations = []
    page.on("console", lambda message: page.violations.append(f"{message.text} (on {page.url})")
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: page.violations.append(str(error)))
    # Chromium also fires a DOM event for each violation, which catches those it does not log.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return page


def test_partner_pages_work_under_the_policy(browser, live_server, admin_a, rep_a):
    from playwright.sync_api import expect

    DealFactory(partner=admin_a.membership.partner, created_by=admin_a, owner=admin_a,
                status=DealStatus.IN_REVIEW, company_name="Policy Checked GmbH")
    client = Client()
    client.force_login(admin_a)
    page = _page_as(browser, live_server, client)

    for name, args in [("home", []), ("leads:deal-list", []), ("leads:deal-create", []),
                       ("partners:member-list", []), ("partners:rules", []),
                       ("partners:member-deactivate", [rep_a.membership.pk])]:
        page.goto(live_server.url + reverse(name, args=args))
        expect(page.locator("main")).to_be_visible()

    # htmx works: the list filters as one types, and its indicator is styled from portal.css.
    page.goto(live_server.url + reverse("leads:deal-list"))
    assert page.locator(".htmx-indicator").first.evaluate(
        "el => getComputedStyle(el).opacity") == "0"
    page.fill("input[name=q]", "Policy Checked")
    expect(page.locator("tr", has_text="Policy Checked GmbH")).to_be_visible()

    # The copy button of a new API token (its script moved to portal.js).
    page.goto(live_server.url + reverse("partners:profile"))
    page.get_by_role("button", name="Create API token").click()
    copy = page.locator("[data-copy-target]")
    copy.click()
    expect(copy).to_have_text("Copied")
    token = page.locator("#new-api-token").text_content().strip()
    assert page.evaluate("navigator.clipboard.readText()") == token

    # Swagger UI starts from a script file, not inline code.
    page.goto(live_server.url + reverse("api-docs"))
    expect(page.locator(".swagger-ui .info")).to_be_visible()

    assert page.violations == []


def test_staff_import_progress_bar_gets_its_width_from_script(browser, live_server, staff):
    from playwright.sync_api import expect

    crm_import = CrmImport.objects.create(kind=ImportKind.ACCOUNTS, file="crm_imports/a.csv",
                                          status=ImportStatus.RUNNING, total_rows=200,
                                          processed_rows=80)
    page = _page_as(browser, live_server, login_with_mfa(Client(), staff))

    page.goto(live_server.url + reverse("crm:crm-import-detail", args=[crm_import.pk]))

    bar = page.locator(".progress-bar")
    expect(bar).to_have_text("40%")
    ratio = bar.evaluate("el => el.getBoundingClientRect().width / el.parentElement"
                         ".getBoundingClientRect().width")
    assert 0.35 < ratio < 0.45
    assert page.locator(".progress").evaluate("el => getComputedStyle(el).height") == "24px"
    assert page.violations == []


def test_a_signed_out_visitor_sees_the_sign_in_page_without_violations(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(live_server.url + reverse("account_login"))
    page.locator("input[name=login]").wait_for()
    assert violations == []
