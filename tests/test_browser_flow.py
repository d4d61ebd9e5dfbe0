"""The main partner flow in a real browser: sign in, register, see it listed and reviewed.

Runs Debian's Chromium through Playwright against the live test server, with a real Celery
worker on Redis doing the screening.
"""

import os
import shutil

import pytest

from conftest import skip_or_fail
from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import ProductFactory
from partners.choices import MemberRole
from partners.tests.factories import PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in this thread; the ORM calls below are still
# plain synchronous calls in test code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


@pytest.fixture
def browser_page():
    if not shutil.which(CHROMIUM):
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()


def test_a_partner_signs_in_registers_a_deal_and_sees_it_reach_review(
    celery_worker_process, live_server, browser_page
):
    from playwright.sync_api import expect

    member = MembershipFactory(role=MemberRole.REP, user__email="rep@browser.test",
                               partner__name="Browser Partners")
    ProductFactory(name="Analytics Cloud", sku="AN-CLOUD")
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", member.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/deals/")

    page.goto(f"{live_server.url}/deals/new/")
    page.fill("#id_company_name", "Globex Corporation")
    page.fill("#id_website", "https://www.globex.example.com")
    page.select_option("#id_country", "US")
    page.fill("#id_contact_name", "Hank Scorpio")
    page.fill("#id_contact_email", "Hank.Scorpio@Globex.example.com")
    page.fill("#id_contact_phone", "+1 415 555 0100")
    page.select_option("#id_contact_authority", "decision_maker")
    page.fill("#id_need", "Replace legacy reporting with a cloud analytics platform.")
    page.select_option("#id_urgency", "high")
    page.fill("#id_estimated_value", "250000")
    page.get_by_label("Analytics Cloud").check()
    page.select_option("#id_introduction_path", "existing_client")
    page.check("#id_customer_consent")
    page.click("button[name=submit]")

    deal = Deal.objects.get(company_name="Globex Corporation")
    page.wait_for_url(f"{live_server.url}/deals/{deal.pk}/")
    # The page polls while screening; the worker moves the deal to review within seconds.
    expect(page.locator('#deal-status[data-status="in_review"]')).to_be_visible(timeout=30_000)
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_REVIEW
    assert deal.norm_email == "hank.scorpio@globex.example.com"
    assert deal.norm_phone == "+14155550100"

    page.goto(f"{live_server.url}/deals/")
    row = page.locator("tr", has_text="Globex Corporation")
    expect(row).to_be_visible()
    expect(row).to_contain_text("In review")
