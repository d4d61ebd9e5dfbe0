"""seed_demo builds a usable demo once, and only in DEBUG."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attribution.models import Commission
from audit.selectors import audit_chain_first_break
from leads.choices import DealStatus, MatchKind
from leads.models import Deal, DuplicateMatch
from partners.models import PartnerOrganization
from reviews.models import ReviewTask

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not PartnerOrganization.objects.exists()


def test_seed_demo_creates_every_status_and_the_two_partner_scenario_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", accounts=40)
    assert PartnerOrganization.objects.count() >= 3
    # None is left mid-pipeline; a resolved conflict leaves one registration merged.
    not_seeded = {DealStatus.SUBMITTED, DealStatus.SCREENING}
    assert set(Deal.objects.values_list("status", flat=True)) == set(DealStatus.values) - not_seeded
    assert DuplicateMatch.objects.filter(kind=MatchKind.CROSS_PARTNER,
                                         deal__company_name="GLOBEX Corp.").exists()
    assert ReviewTask.objects.filter(kind="attribution_conflict").exists()
    merged = Deal.objects.get(status=DealStatus.MERGED)
    assert merged.merged_into.status == DealStatus.WON
    assert Commission.objects.filter(deal=merged.merged_into).count() == 2
    deals = Deal.objects.count()
    call_command("seed_demo", accounts=40)
    assert Deal.objects.count() == deals
    assert audit_chain_first_break()[0] is None
