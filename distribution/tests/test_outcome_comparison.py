"""The partner's outcome reports beside the sales owner's record on the staff deal page and
on the handoff page: the report is the partner's word, the record is sales'."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import login_with_mfa
from distribution import selectors
from distribution.services import outcome_report
from distribution.tests.helpers import capable_partner, healthcare
from leads.choices import DealStatus
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.services import deal_convert, deal_record_won

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return StaffFactory(email="seller@vendor.test", roles=[StaffRole.SALES_OWNER])


@pytest.fixture
def deal(seller):
    partner = capable_partner(healthcare(), name="Report Partners")
    return DealFactory(partner=partner, status=DealStatus.ACCEPTED, sales_owner=seller,
                       decided_at=timezone.now(), currency="USD")


def _report(deal, stage, note, when):
    partner = deal.partner
    report = outcome_report(partner=partner, actor=partner.memberships.get().user, deal=deal,
                            stage=stage, note=note)
    report.reported_at = when
    report.save(update_fields=["reported_at"])
    return report


def test_the_reports_stand_beside_the_sales_record_on_the_deal_and_handoff_pages(
        client, deal, seller):
    _report(deal, "contacted", "First call", timezone.make_aware(datetime.datetime(2026, 11, 1, 9)))
    _report(deal, "meeting_held", "Demo with the CIO",
            timezone.make_aware(datetime.datetime(2026, 11, 3, 9)))
    deal_convert(actor=seller, deal=deal)
    deal_record_won(actor=seller, deal=deal, amount=Decimal("84250.50"))
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON  # the sales record, not the partner's word
    staff = login_with_mfa(client, seller)
    for url in (reverse("reviews:deal-detail", args=[deal.pk]),
                reverse("reviews:handoff-detail", args=[deal.pk])):
        response = staff.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        section = body[body.index('id="outcome-comparison"'):]
        section = section[:section.index("</section>")]
        reports = section[section.index('id="partner-reports"'):section.index('id="sales-record"')]
        # Newest first, the stage, its day and the note quoted.
        assert reports.index("meeting held") < reports.index("contacted")
        assert "(3 Nov) — “Demo with the CIO”" in reports
        assert "(1 Nov) — “First call”" in reports
        record = section[section.index('id="sales-record"'):]
        assert 'data-status="won"' in record
        assert "converted (" in record and "/ won 84,250.50 USD" in record


def test_a_report_never_changes_the_record_and_the_section_needs_no_query_per_report(deal):
    for n in range(5):
        _report(deal, "contacted", f"Call {n}", timezone.now())
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.won_amount is None
    with CaptureQueriesContext(connection) as ctx:
        comparison = selectors.deal_outcome_comparison(deal=deal)
        [r.reported_by.email for r in comparison["reports"]]
    assert len(ctx.captured_queries) == 1
    assert comparison["sales"]["status"] == DealStatus.ACCEPTED
    assert comparison["sales"]["won_amount"] is None
    assert len(comparison["reports"]) == 5


def test_a_deal_never_accepted_shows_no_section(client, staff):
    partner = capable_partner(healthcare(), name="Fresh Partners")
    fresh = DealFactory(partner=partner, status=DealStatus.IN_REVIEW)
    assert selectors.deal_outcome_comparison(deal=fresh) is None
    body = login_with_mfa(client, staff).get(
        reverse("reviews:deal-detail", args=[fresh.pk])).content.decode()
    assert 'id="outcome-comparison"' not in body
