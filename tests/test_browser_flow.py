"""The main flows in a real browser: a partner registers a deal and sees it reach review;
the partner owner (TOTP) accepts it from "My tasks"; the partner sees "Accepted" and the
protection end date; the sales owner (TOTP) converts it and records it won.

Runs Debian's Chromium through Playwright against the live test server, with a real Celery
worker on Redis doing the screening (and sending the notifications).
"""

import os
import shutil
import time
from decimal import Decimal

import pytest

from conftest import skip_or_fail
from crm.choices import OpportunityStage
from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import ProductFactory
from partners.choices import MemberRole, StaffRole
from partners.tests.factories import PASSWORD, MembershipFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in this thread; the ORM calls below are still
# plain synchronous calls in test code.
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
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser):
    """A page in a context of its own: each person keeps their own cookies."""
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def browser_page(browser):
    return new_page(browser)


def totp_code(secret: str) -> str:
    """The current code of an authenticator app holding `secret` (as `demo_totp` prints)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def sign_in(page, base_url: str, email: str, *, totp_secret: str | None = None) -> None:
    """Sign in through the real pages; staff then type the code from their authenticator."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    if totp_secret is not None:
        page.wait_for_url("**/accounts/2fa/authenticate/**")
        page.fill("input[name=code]", totp_code(totp_secret))
        page.locator("form button[type=submit]").first.click()


def register_globex(page, base_url: str) -> Deal:
    """Fill and submit the registration form; return the new deal."""
    page.goto(f"{base_url}/deals/new/")
    page.fill("#id_company_name", "Globex Corporation")
    page.fill("#id_website", "https://www.globex.example.com")
    page.select_option("#id_country", "US")
    page.fill("#id_contact_name", "Hank Scorpio")
    page.fill("#id_contact_title", "Chief Executive Officer")
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
    page.wait_for_url(f"{base_url}/deals/{deal.pk}/")
    return deal


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


OWNER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXA"
SALES_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXB"


def test_a_deal_goes_from_registration_to_accepted_to_won_through_three_people(
    celery_worker_process, live_server, browser
):
    from allauth.mfa.totp.internal.auth import TOTP
    from playwright.sync_api import expect

    owner = StaffFactory(email="owner@browser.test", roles=[StaffRole.PARTNER_OWNER])
    seller = StaffFactory(email="sales@browser.test", roles=[StaffRole.SALES_OWNER])
    TOTP.activate(owner, OWNER_SECRET)
    TOTP.activate(seller, SALES_SECRET)
    member = MembershipFactory(role=MemberRole.REP, user__email="rep@browser.test",
                               partner__name="Browser Partners", partner__partner_owner=owner)
    ProductFactory(name="Analytics Cloud", sku="AN-CLOUD")
    base = live_server.url

    # 1. The partner registers; the real worker screens it into review.
    partner = new_page(browser)
    sign_in(partner, base, member.user.email)
    partner.wait_for_url(f"{base}/deals/")
    deal = register_globex(partner, base)
    expect(partner.locator('#deal-status[data-status="in_review"]')).to_be_visible(timeout=30_000)

    # 2. The partner owner signs in with TOTP, finds it under "My tasks" and accepts it.
    reviewer = new_page(browser)
    sign_in(reviewer, base, owner.email, totp_secret=OWNER_SECRET)
    reviewer.wait_for_url(f"{base}/staff/")
    task_row = reviewer.locator("#my-tasks tr", has_text=deal.reference)
    expect(task_row).to_contain_text("Acceptance review")
    task_row.get_by_role("link", name=deal.reference).click()
    reviewer.wait_for_url(f"{base}/staff/deals/{deal.pk}/")
    if reviewer.locator("#decision-accept[open]").count() == 0:  # the panel may start open
        reviewer.locator("#decision-accept summary").click()
    # Nothing blocks this registration, so no override field is asked for.
    expect(reviewer.locator("#decision-accept [name=override_reason]")).to_have_count(0)
    reviewer.fill("#decision-accept [name=reason]", "Existing client, clear need, decision maker.")
    reviewer.select_option("#decision-accept select[name=sales_owner]", label=seller.email)
    reviewer.locator("#decision-accept [type=submit]").click()
    expect(reviewer.locator(".alert-success")).to_be_visible()
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.sales_owner == seller
    assert deal.protected_until is not None

    # 3. The partner sees "Accepted" and the protection end date.
    partner.goto(f"{base}/deals/{deal.pk}/")
    expect(partner.locator('#deal-status[data-status="accepted"]')).to_have_text("Accepted")
    protected = partner.locator("#deal-protected-until")
    expect(protected).to_have_attribute("datetime", deal.protected_until.isoformat())
    expect(protected).not_to_be_empty()
    expect(partner.get_by_text("Request an extension").first).to_be_visible()

    # 4. The sales owner signs in with TOTP, lands on My handoffs, converts it, records won.
    sales = new_page(browser)
    sign_in(sales, base, seller.email, totp_secret=SALES_SECRET)
    sales.wait_for_url(f"{base}/staff/handoffs/")
    sales.locator("#handoff-table").get_by_role("link", name=deal.reference).click()
    sales.wait_for_url(f"{base}/staff/handoffs/{deal.pk}/")
    sales.fill("#id_opportunity_name", "Globex analytics platform")
    sales.click("#handoff-convert")
    expect(sales.locator('#handoff-status[data-status="converted"]')).to_be_visible()
    expect(sales.locator("#handoff-opportunity")).to_contain_text(f"portal-{deal.reference}")
    sales.fill("#id_amount", "240000")
    sales.click("#handoff-won")
    expect(sales.locator('#handoff-status[data-status="won"]')).to_be_visible()

    deal.refresh_from_db()
    assert deal.status == DealStatus.WON and deal.won_amount == Decimal("240000")
    assert deal.opportunity.external_id == f"portal-{deal.reference}"
    assert deal.opportunity.stage == OpportunityStage.CLOSED_WON
    assert deal.opportunity.amount == Decimal("240000")

    # The partner follows the stage, without the amount sales recorded.
    partner.goto(f"{base}/deals/{deal.pk}/")
    expect(partner.locator('#deal-stage[data-stage="won"]')).to_be_visible()
    expect(partner.locator("main")).not_to_contain_text("240,000")
