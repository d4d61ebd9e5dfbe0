"""The staff deal page shows what screening found, side by side, and the audit trail."""

import pytest
from django.utils import timezone

from leads.choices import DealStatus
from leads.models import Deal
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def test_a_reviewer_sees_the_conflict_its_reasons_the_summary_and_the_trail(
    staff_client, partner_a, partner_b, django_assert_max_num_queries
):
    first = DealFactory(partner=partner_a, status=DealStatus.SUBMITTED, submitted_at=timezone.now(),
                        company_name="Massive Dynamic", website="massivedynamic.com")
    deal_screening_run(deal_id=first.pk)
    second = DealFactory(partner=partner_b, status=DealStatus.SUBMITTED, submitted_at=timezone.now(),
                         company_name="Massive Dynamic Inc.", website="www.massivedynamic.com",
                         contact_authority="unknown")
    deal_screening_run(deal_id=second.pk)
    with django_assert_max_num_queries(28):
        response = staff_client.get(f"/staff/deals/{second.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cross-partner conflict" in page and partner_a.name in page and first.reference in page
    assert "same registrable domain massivedynamic.com" in page
    assert "Unclear authority" in page
    assert "Sales routing is paused" in page
    assert 'id="audit-trail"' in page and "deal.screening_finish" in page


def test_a_kept_match_article_shows_a_changed_match_and_target_on_the_next_request(
    staff_client, partner_a, partner_b
):
    """The side-by-side articles are kept per process by what they read ({% memo %}): a
    changed target deal, its partner's name or the match itself is a new entry."""
    first = DealFactory(partner=partner_a, status=DealStatus.SUBMITTED, submitted_at=timezone.now(),
                        company_name="Massive Dynamic", website="massivedynamic.com")
    deal_screening_run(deal_id=first.pk)
    second = DealFactory(partner=partner_b, status=DealStatus.SUBMITTED, submitted_at=timezone.now(),
                         company_name="Massive Dynamic Inc.", website="www.massivedynamic.com")
    deal_screening_run(deal_id=second.pk)
    url = f"/staff/deals/{second.pk}/"
    staff_client.get(url)
    assert partner_a.name in staff_client.get(url).content.decode()  # kept now

    partner_a.name = "Renamed Partners"
    partner_a.save()
    Deal.objects.filter(pk=first.pk).update(company_name="Other Name Ltd")
    second.matches.update(score="0.123", reasons=["a reason written later"])
    page = staff_client.get(url).content.decode()

    assert "Renamed Partners" in page
    assert "Other Name Ltd" in page
    assert '<span class="match-score">0.123</span>' in page and "a reason written later" in page


def test_the_kept_keys_timing_raw_input_and_trail_rows_follow_the_deal(
    staff_client, partner_a
):
    """Keys, timing, raw input and the audit rows are kept per process by the values they
    read ({% memo %}): a changed deal shows on the next request."""
    deal = DealFactory(partner=partner_a, status=DealStatus.SUBMITTED,
                       submitted_at=timezone.now(), company_name="Kept Co")
    deal_screening_run(deal_id=deal.pk)
    url = f"/staff/deals/{deal.pk}/"
    staff_client.get(url)
    staff_client.get(url)  # kept now

    Deal.objects.filter(pk=deal.pk).update(
        norm_company="renamedkey", raw_input={"company_name": "Typed Later"})
    deal.created_by.email = "creator-renamed@partner.test"
    deal.created_by.save()
    page = staff_client.get(url).content.decode()

    assert "<code>renamedkey</code>" in page
    assert "Typed Later" in page
    assert "creator-renamed@partner.test" in page
