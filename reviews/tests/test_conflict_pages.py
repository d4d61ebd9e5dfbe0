"""Staff pages for attribution and compensation: conflict cases side by side and their
resolution (without JavaScript), commissions, payout statements, disputes, commission rules."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attribution.choices import (
    AttributionStatus,
    CaseStatus,
    CommissionKind,
    CommissionStatus,
    DisputeStatus,
    PayoutStatus,
)
from attribution.compensation import commission_approve, payout_statement_issue
from attribution.disputes import dispute_open
from attribution.models import Attribution, Commission, CommissionRule, PayoutStatement
from attribution.services import conflict_case_resolve
from audit.models import AuditEvent
from conftest import login_with_mfa
from leads.choices import DealStatus
from leads.models import Deal
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.services import deal_accept, deal_convert, deal_record_won

pytestmark = pytest.mark.django_db


class Vendor:
    def __init__(self, partners):
        self.owner = StaffFactory(email="po@vendor.test", roles=[StaffRole.PARTNER_OWNER])
        self.sales = StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])
        self.admin = StaffFactory(email="pa@vendor.test", roles=[StaffRole.PROGRAM_ADMIN])
        for partner in partners:
            partner.partner_owner = self.owner
            partner.save()
        self.owner_client = login_with_mfa(Client(), self.owner)
        self.sales_client = login_with_mfa(Client(), self.sales)
        self.admin_client = login_with_mfa(Client(), self.admin)


@pytest.fixture
def vendor(partner_a, partner_b) -> Vendor:
    return Vendor([partner_a, partner_b])


@pytest.fixture
def pair(partner_a, partner_b, admin_a, admin_b, vendor) -> tuple[Deal, Deal]:
    """Partner A registered Globex three days before partner B; both screened into a case."""
    now = timezone.now()
    first = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.SUBMITTED,
                        company_name="Globex Corporation", website="globex.com",
                        contact_email="hank@globex.com", submitted_at=now - timedelta(days=3),
                        introduction_path="event",
                        relationship_notes="<script>alert(1)</script> met at the fair")
    second = DealFactory(partner=partner_b, created_by=admin_b, status=DealStatus.SUBMITTED,
                         company_name="GLOBEX Corp.", website="", contact_email="h.scorpio@globex.com",
                         submitted_at=now)
    for deal in (first, second):
        deal_screening_run(deal_id=deal.pk)
    first, second = Deal.objects.get(pk=first.pk), Deal.objects.get(pk=second.pk)
    assert first.conflict_case_id and first.conflict_case_id == second.conflict_case_id
    return first, second


def _split_post(first: Deal, second: Deal, shares=("60.00", "40.00"), **extra) -> dict:
    """The resolve form as a browser without JavaScript sends it: three share rows."""
    data = {"resolution": "split", "reason": "Both worked the account",
            "shares-TOTAL_FORMS": "3", "shares-INITIAL_FORMS": "0",
            "shares-MIN_NUM_FORMS": "0", "shares-MAX_NUM_FORMS": "20",
            "shares-0-target": str(first.pk), "shares-0-role": "sourced", "shares-0-share": shares[0],
            "shares-1-target": str(second.pk), "shares-1-role": "influenced", "shares-1-share": shares[1],
            "shares-2-target": "", "shares-2-role": "sourced", "shares-2-share": ""}
    data.update(extra)
    return data


def _resolve_url(deal: Deal) -> str:
    return reverse("reviews:conflict-resolve", args=[deal.conflict_case_id])


# --- Conflict cases ------------------------------------------------------------------------------


def test_the_case_list_shows_open_cases_first_with_counts(pair, vendor, django_assert_max_num_queries):
    first, second = pair
    with django_assert_max_num_queries(12):
        response = vendor.owner_client.get(reverse("reviews:conflict-list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert first.conflict_case.reference in page
    assert first.reference in page and second.reference in page
    assert 'data-count="open"' in page
    resolved = vendor.owner_client.get(reverse("reviews:conflict-list"), {"status": "resolved"})
    assert first.conflict_case.reference not in resolved.content.decode()


def test_the_case_page_shows_the_registrations_side_by_side(pair, vendor):
    first, second = pair
    response = vendor.owner_client.get(first.conflict_case.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Partners" in page and "Bravo Partners" in page
    assert "Event or webinar" in page
    # The holding registration is marked, the default is proposed, nothing approved.
    holding = re.search(r'data-deal="(\d+)">\s*<a[^>]*>[^<]*</a>\s*<span[^>]*data-holding', page)
    assert holding and int(holding.group(1)) == first.pk
    assert 'id="proposed-default"' in page
    # A partner's notes are text, never markup.
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # The resolve form works without script: three empty share rows and no inline handlers.
    assert 'name="shares-2-share"' in page and "onclick" not in page and "style=" not in page


def test_a_split_is_resolved_from_the_page_without_javascript(pair, vendor, partner_a, partner_b):
    first, second = pair
    response = vendor.owner_client.post(_resolve_url(first), _split_post(first, second))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.conflict_case.status == CaseStatus.RESOLVED
    assert second.status == DealStatus.MERGED and second.merged_into == first
    lines = Attribution.objects.filter(deal=first, status=AttributionStatus.APPROVED)
    assert sorted((a.partner_id, a.share) for a in lines) == sorted(
        [(partner_a.pk, Decimal("60.00")), (partner_b.pk, Decimal("40.00"))])
    page = vendor.owner_client.get(first.conflict_case.get_absolute_url()).content.decode()
    assert 'id="case-outcome"' in page and "60.00%" in page


def test_shares_that_do_not_add_up_are_shown_beside_the_rows(pair, vendor):
    first, second = pair
    response = vendor.owner_client.post(_resolve_url(first), _split_post(first, second, ("60.00", "39.99")))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-error="shares"' in page and "exactly 100.00" in page
    first.refresh_from_db()
    assert first.conflict_case.status == CaseStatus.OPEN


def test_a_missing_reason_and_a_missing_partner_are_named_beside_their_fields(pair, vendor):
    first, _second = pair
    response = vendor.owner_client.post(_resolve_url(first), {"resolution": "partner", "reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    response = vendor.owner_client.post(_resolve_url(first), {"resolution": "partner", "reason": "A first"})
    assert response.status_code == 400
    assert "Choose the registration of this case" in response.content.decode()


def test_resolving_an_already_resolved_case_says_so(pair, vendor):
    first, second = pair
    conflict_case_resolve(actor=vendor.owner, case=first.conflict_case, resolution="partner",
                          deal=first.pk, reason="A was first")
    response = vendor.owner_client.post(_resolve_url(first), _split_post(first, second), follow=True)
    page = response.content.decode()
    assert "already resolved" in page
    second.refresh_from_db()
    assert second.status == DealStatus.MERGED


def test_direct_sales_and_reject_need_a_note_for_the_partners(pair, vendor):
    first, second = pair
    response = vendor.owner_client.post(_resolve_url(first), {"resolution": "direct", "reason": "Ours"})
    assert response.status_code == 400
    assert "Write a note for the partners" in response.content.decode()
    response = vendor.owner_client.post(_resolve_url(first), {
        "resolution": "direct", "reason": "Ours", "note": "Our own team already works this customer."})
    assert response.status_code == 302
    assert set(Deal.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        DealStatus.REJECTED}


def test_a_sales_owner_cannot_resolve_a_case(pair, vendor):
    first, second = pair
    response = vendor.sales_client.post(_resolve_url(first), _split_post(first, second))
    assert response.status_code == 403
    assert vendor.sales_client.get(first.conflict_case.get_absolute_url()).status_code == 200


def test_the_deal_page_banner_links_to_its_case(pair, vendor):
    first, _second = pair
    page = vendor.owner_client.get(reverse("reviews:deal-detail", args=[first.pk])).content.decode()
    assert reverse("reviews:conflict-detail", args=[first.conflict_case_id]) in page


def test_the_navigation_links_to_conflicts_for_staff_only(vendor, client_a):
    assert reverse("reviews:conflict-list") in vendor.owner_client.get(
        reverse("reviews:queue")).content.decode()
    assert reverse("reviews:conflict-list") not in client_a.get(reverse("home"), follow=True).content.decode()


# --- Commissions and payouts ---------------------------------------------------------------------


@pytest.fixture
def won_split(pair, vendor):
    """The 60/40 split, accepted, converted and won for 100,000.01 USD under a 10% rule."""
    first, second = pair
    conflict_case_resolve(actor=vendor.owner, case=first.conflict_case, resolution="split",
                          reason="Both", shares=[{"deal": first.pk, "role": "sourced", "share": "60.00"},
                                                 {"deal": second.pk, "role": "influenced", "share": "40.00"}])
    CommissionRule.objects.create(name="Standard 10%", kind=CommissionKind.PERCENT, rate=Decimal("10"),
                                  effective_from=date(2020, 1, 1))
    first.refresh_from_db()
    deal_accept(actor=vendor.owner, deal=first, sales_owner=vendor.sales, reason="Qualified")
    first.refresh_from_db()
    deal_convert(actor=vendor.sales, deal=first)
    first.refresh_from_db()
    deal_record_won(actor=vendor.sales, deal=first, amount=Decimal("100000.01"))
    return first, second


def test_commissions_list_shows_proposals_with_their_rule(won_split, vendor, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = vendor.owner_client.get(reverse("reviews:commission-list"), {"status": "proposed"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "6,000.00 USD" in page and "4,000.00 USD" in page
    assert "Standard 10%" in page and "data-rule-snapshot" in page
    assert page.count('action="/staff/commissions/') == 2
    assert "6,000.00" not in vendor.owner_client.get(
        reverse("reviews:commission-list"), {"status": "paid"}).content.decode()


def test_an_adjustment_needs_a_reason_beside_the_field(won_split, vendor, partner_a):
    commission = Commission.objects.get(partner=partner_a)
    url = reverse("reviews:commission-approve", args=[commission.pk])
    response = vendor.owner_client.post(url, {"amount": "5500.00", "reason": ""})
    assert response.status_code == 400
    assert "Say why the amount is adjusted" in response.content.decode()
    response = vendor.owner_client.post(url, {"amount": "5500.00", "reason": "Agreed discount"})
    assert response.status_code == 302
    commission.refresh_from_db()
    assert (commission.status, commission.amount) == (CommissionStatus.APPROVED, Decimal("5500.00"))
    assert AuditEvent.objects.filter(action="commission.approve", target_id=str(commission.pk)).exists()
    again = vendor.owner_client.post(url, {}, follow=True)
    assert "already Approved" in again.content.decode()


def test_only_program_admins_issue_and_mark_statements_paid(won_split, vendor, partner_a):
    commission = Commission.objects.get(partner=partner_a)
    commission_approve(actor=vendor.owner, commission=commission)
    form = {"partner": partner_a.pk, "period_start": "2026-01-01",
            "period_end": timezone.localdate().isoformat(), "currency": "USD"}
    assert vendor.owner_client.post(reverse("reviews:payout-issue"), form).status_code == 403
    assert 'id="payout-issue"' not in vendor.owner_client.get(reverse("reviews:payout-list")).content.decode()

    response = vendor.admin_client.post(reverse("reviews:payout-issue"), form)
    statement = PayoutStatement.objects.get(partner=partner_a)
    assert response.status_code == 302 and response["Location"] == reverse("reviews:payout-detail",
                                                                           args=[statement.pk])
    again = vendor.admin_client.post(reverse("reviews:payout-issue"), form)
    assert again.status_code == 400 and "statement for this partner" in again.content.decode()

    url = reverse("reviews:payout-mark-paid", args=[statement.pk])
    assert vendor.owner_client.post(url).status_code == 403
    vendor.admin_client.post(url)
    statement.refresh_from_db()
    commission.refresh_from_db()
    assert statement.status == PayoutStatus.PAID and commission.status == CommissionStatus.PAID


def test_the_printable_statement_uses_its_print_stylesheet(won_split, vendor, partner_a):
    commission_approve(actor=vendor.owner, commission=Commission.objects.get(partner=partner_a))
    statement = payout_statement_issue(actor=vendor.admin, partner=partner_a, period_start=date(2026, 1, 1),
                                       period_end=timezone.localdate(), currency="USD")
    page = vendor.owner_client.get(reverse("reviews:payout-detail", args=[statement.pk])).content.decode()
    assert "css/print_payout.css" in page and "style=" not in page
    assert "6,000.00 USD" in page


def test_the_payout_csv_is_formula_safe_and_adds_up(won_split, vendor, partner_a):
    first, _second = won_split
    Deal.objects.filter(pk=first.pk).update(company_name="=HYPERLINK(\"http://evil\")")
    commission_approve(actor=vendor.owner, commission=Commission.objects.get(partner=partner_a))
    statement = payout_statement_issue(actor=vendor.admin, partner=partner_a, period_start=date(2026, 1, 1),
                                       period_end=timezone.localdate(), currency="USD")
    response = vendor.owner_client.get(reverse("reviews:payout-csv", args=[statement.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][6] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1][9] == "6000.00" and rows[-1][9] == "6000.00"


# --- Disputes ------------------------------------------------------------------------------------


@pytest.fixture
def dispute(pair, vendor, partner_b, admin_b):
    first, second = pair
    conflict_case_resolve(actor=vendor.owner, case=first.conflict_case, resolution="split",
                          reason="Both", shares=[{"deal": first.pk, "role": "sourced", "share": "60.00"},
                                                 {"deal": second.pk, "role": "influenced", "share": "40.00"}])
    line = Attribution.objects.get(partner=partner_b, status=AttributionStatus.APPROVED)
    return dispute_open(partner=partner_b, actor=admin_b, attribution=line, text="We sourced it.",
                        files=[SimpleUploadedFile("mail.txt", b"<html>hello</html>", "text/html")])


def test_a_dispute_page_lists_its_attachments_served_as_downloads(dispute, vendor):
    page = vendor.owner_client.get(reverse("reviews:dispute-detail", args=[dispute.pk])).content.decode()
    assert "We sourced it." in page and "mail.txt" in page
    item = dispute.attachments.get()
    response = vendor.owner_client.get(reverse("reviews:dispute-attachment", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/plain"
    assert b"".join(response.streaming_content) == b"<html>hello</html>"
    listing = vendor.owner_client.get(reverse("reviews:dispute-list")).content.decode()
    assert f'data-dispute="{dispute.pk}"' in listing


def test_a_dispute_upheld_from_the_page_replaces_the_shares(dispute, vendor, pair, partner_b):
    first, second = pair
    data = _split_post(first, second, ("50.00", "50.00"), outcome="uphold", note="Fair point.")
    data["shares-INITIAL_FORMS"] = "0"
    response = vendor.owner_client.post(reverse("reviews:dispute-resolve", args=[dispute.pk]), data)
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UPHELD
    assert Attribution.objects.current().get(deal=first, partner=partner_b).share == Decimal("50.00")


def test_a_dispute_needs_a_note_and_a_sales_owner_cannot_resolve_it(dispute, vendor):
    url = reverse("reviews:dispute-resolve", args=[dispute.pk])
    assert vendor.sales_client.post(url, {"outcome": "dismiss", "note": "No"}).status_code == 403
    response = vendor.owner_client.post(url, {"outcome": "dismiss", "note": ""})
    assert response.status_code == 400 and "Explain the outcome" in response.content.decode()
    vendor.owner_client.post(url, {"outcome": "dismiss", "note": "The registration dates decide."})
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.DISMISSED
    assert dispute.attribution.__class__.objects.get(pk=dispute.attribution_id).status == AttributionStatus.FINAL


# --- Commission rules in the admin ---------------------------------------------------------------


def test_a_program_admin_adds_a_rule_and_the_add_is_audited(vendor):
    response = vendor.admin_client.post("/admin/attribution/commissionrule/add/", {
        "name": "Gold 12%", "kind": "percent", "rate": "12", "effective_from": "2026-01-01",
        "source": "", "currency": ""})
    assert response.status_code == 302, response.content[:2000]
    rule = CommissionRule.objects.get(name="Gold 12%")
    assert rule.created_by == vendor.admin
    assert AuditEvent.objects.filter(action="admin.add", target_id=str(rule.pk)).exists()
    assert vendor.owner_client.get("/admin/attribution/commissionrule/").status_code in (302, 403)


def test_a_rule_with_commissions_only_lets_its_end_date_change(won_split, vendor):
    rule = CommissionRule.objects.get(name="Standard 10%")
    url = f"/admin/attribution/commissionrule/{rule.pk}/change/"
    page = vendor.admin_client.get(url).content.decode()
    assert 'name="rate"' not in page and 'name="effective_to"' in page
    response = vendor.admin_client.post(url, {"effective_to": "2030-12-31", "rate": "50"})
    assert response.status_code == 302, response.content[:2000]
    rule.refresh_from_db()
    assert rule.rate == Decimal("10") and rule.effective_to == date(2030, 12, 31)
    assert {c.rule_snapshot["rate"] for c in Commission.objects.all()} == {"10.0000"}


# --- In a browser: "Add a row" under the Content-Security-Policy ---------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_add_a_row_splits_three_ways_in_chromium_without_policy_violations(live_server, pair, vendor):
    import os
    import shutil

    from conftest import skip_or_fail

    if not shutil.which("/usr/bin/chromium"):
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    first, second = pair
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu",
                                                   "--disable-dev-shm-usage"])
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "url": live_server.url,
                                  "value": vendor.owner_client.cookies["sessionid"].value}])
            page = context.new_page()
            page.set_default_timeout(15_000)
            problems = []
            page.on("console", lambda m: problems.append(m.text)
                    if "Content Security Policy" in m.text else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(live_server.url + first.conflict_case.get_absolute_url())

            page.get_by_label("Split credit").check()
            rows = page.locator('[data-formset-body="shares"] tr')
            expect(rows).to_have_count(3)
            page.get_by_role("button", name="Add a row").click()
            expect(rows).to_have_count(4)
            for index, (target, share) in enumerate([(str(first.pk), "50.00"), (str(second.pk), "30.00"),
                                                     ("", ""), ("direct", "20.00")]):
                if target:
                    page.select_option(f"#id_shares-{index}-target", target)
                    page.fill(f"#id_shares-{index}-share", share)
            page.fill("#id_reason", "Three parties worked it")
            page.get_by_role("button", name="Resolve the case").click()
            expect(page.locator("#case-status")).to_have_attribute("data-status", "resolved")
        finally:
            browser.close()
    assert problems == []
    lines = Attribution.objects.filter(deal=first, status=AttributionStatus.APPROVED)
    assert sorted(str(a.share) for a in lines) == ["20.00", "30.00", "50.00"]
    assert lines.get(direct=True).partner_id is None


def test_the_case_page_reads_a_fixed_number_of_queries_whatever_its_size(
        pair, vendor, partner_a, admin_a, django_assert_max_num_queries):
    first, _second = pair
    url = first.conflict_case.get_absolute_url()
    with django_assert_max_num_queries(40) as small:
        vendor.owner_client.get(url)
    for _ in range(3):  # three more registrations of the same customer join the case
        extra = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.SUBMITTED,
                            company_name="Globex Corporation", website="globex.com",
                            submitted_at=timezone.now())
        deal_screening_run(deal_id=extra.pk)
    assert Deal.objects.filter(conflict_case=first.conflict_case_id).count() == 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        vendor.owner_client.get(url)


@pytest.mark.parametrize(("form", "message"), [
    ({"kind": "percent", "rate": ""}, "A percentage rule needs its rate."),
    ({"kind": "flat", "amount": "", "rate": "5"}, "A flat rule needs its amount."),
    ({"kind": "flat", "amount": "100", "effective_to": "2025-12-31"}, "cannot end before it starts"),
])
def test_an_inconsistent_rule_is_refused_in_the_form_not_by_a_500(vendor, form, message):
    data = {"name": "Broken", "effective_from": "2026-01-01", "source": "", "currency": "", **form}
    response = vendor.admin_client.post("/admin/attribution/commissionrule/add/", data)
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert message in response.content.decode()
    assert not CommissionRule.objects.filter(name="Broken").exists()
