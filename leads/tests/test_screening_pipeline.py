"""The screening pipeline end to end (eager, in process): matches, stop rules, summary,
review tasks, paused routing — and what the partner may and may not see."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from crm.choices import OpportunityStage
from crm.models import Opportunity
from crm.tests.factories import AccountFactory
from leads.choices import DealSource, DealStatus, MatchKind, StopRule
from leads.models import Deal, DuplicateMatch, QualificationSummary, ScreeningStep, StopRuleHit
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory
from partners.models import ProgramRules
from partners.tests.factories import StaffFactory
from reviews.choices import TaskKind
from reviews.models import ReviewTask

pytestmark = pytest.mark.django_db


def submitted(**fields) -> Deal:
    fields.setdefault("status", DealStatus.SUBMITTED)
    fields.setdefault("submitted_at", timezone.now())
    return DealFactory(**fields)


def screen(deal: Deal) -> Deal:
    assert deal_screening_run(deal_id=deal.pk) is True
    deal.refresh_from_db()
    return deal


def test_screening_stores_every_normalized_key(partner_a):
    deal = submitted(partner=partner_a, company_name="Kumar Transports P.L.C.", country="GB",
                     website="", contact_email="Raj@Kumar-Transports.co.uk")
    Deal.objects.filter(pk=deal.pk).update(norm_company="", name_words="", norm_email="",
                                           norm_email_domain="", norm_domain="")
    deal = screen(deal)
    assert (deal.norm_company, deal.name_words) == ("kumar transports", "kumar")
    assert (deal.norm_email, deal.norm_email_domain, deal.norm_domain) == (
        "raj@kumar-transports.co.uk", "kumar-transports.co.uk", "kumar-transports.co.uk")


def test_two_partners_register_the_same_customer_in_one_week(partner_a, partner_b, admin_b):
    owner = StaffFactory(email="po@vendor.test")
    partner_a.partner_owner = owner
    partner_a.save()
    first = screen(submitted(partner=partner_a, company_name="Globex Corporation",
                             website="https://globex.com", contact_email="hank@globex.com",
                             submitted_at=timezone.now() - timedelta(days=3)))
    second = screen(submitted(partner=partner_b, created_by=admin_b, company_name="GLOBEX Corp.",
                              website="", contact_email="h.scorpio@globex.com"))

    match = DuplicateMatch.objects.get(deal=second, kind=MatchKind.CROSS_PARTNER)
    assert match.target_deal == first and match.holds_registration
    assert "same registrable domain globex.com" in match.reasons
    # One case holds both, whichever was screened first; its one task hangs on the
    # earliest registration, for that organization's partner owner; both are paused.
    first.refresh_from_db()
    assert first.conflict_case == second.conflict_case is not None
    task = ReviewTask.objects.get(conflict_case=second.conflict_case, kind=TaskKind.ATTRIBUTION_CONFLICT)
    assert task.deal == first and task.assignee == owner and task.status == "open"
    assert second.routing_paused and first.routing_paused and second.status == DealStatus.IN_REVIEW
    assert StopRuleHit.objects.filter(deal=second, rule=StopRule.DUPLICATE_CONFLICT).exists()
    assert QualificationSummary.objects.get(deal=second).recommendation != "accept"

    client = Client()
    client.force_login(admin_b)
    page = client.get(second.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/deals/{second.pk}/").content.decode()
    for secret in (partner_a.name, first.reference, "conflict", "Conflict", "routing"):
        assert secret not in page and secret not in api


def test_a_same_partner_resubmission_is_flagged(partner_a):
    screen(submitted(partner=partner_a, company_name="Initech LLC", website="initech.com"))
    again = screen(submitted(partner=partner_a, company_name="Initech", website="www.initech.com"))
    assert again.matches.get().kind == MatchKind.SAME_PARTNER
    assert not again.routing_paused


def test_an_open_opportunity_is_a_direct_sales_conflict(partner_a):
    account = AccountFactory(name="Umbrella Health Inc.", website="umbrella.com",
                             is_customer=True)
    opportunity = Opportunity.objects.create(external_id="OPP-1", account=account, name="Expansion",
                                             stage=OpportunityStage.PROPOSAL)
    deal = screen(submitted(partner=partner_a, company_name="Umbrella Health", website="umbrella.com"))
    kinds = {(m.kind, m.target_key) for m in deal.matches.all()}
    assert (MatchKind.DIRECT_SALES, f"opportunity:{opportunity.pk}") in kinds
    assert (MatchKind.EXISTING_CUSTOMER, f"account:{account.pk}") in kinds
    assert deal.routing_paused


def test_a_strategic_account_stops_the_deal(partner_a):
    AccountFactory(name="Wayne Enterprises", website="wayne.com", is_strategic=True)
    deal = screen(submitted(partner=partner_a, company_name="Wayne Enterprises Ltd", website="wayne.com"))
    assert deal.matches.filter(kind=MatchKind.STRATEGIC_ACCOUNT).exists()
    assert deal.stop_rule_hits.filter(rule=StopRule.STRATEGIC_ACCOUNT).exists()


def test_a_look_alike_company_is_not_a_conflict(partner_a, partner_b):
    screen(submitted(partner=partner_a, company_name="Acme Logistics", website="acmelogistics.com",
                     contact_email="a@acmelogistics.com"))
    deal = screen(submitted(partner=partner_b, company_name="Acme Foods", website="acmefoods.com",
                            contact_email="b@acmefoods.com"))
    assert not deal.matches.exists()
    assert not deal.routing_paused
    assert ReviewTask.objects.filter(deal=deal).get().kind == TaskKind.ACCEPTANCE_REVIEW


@pytest.mark.parametrize(("fields", "rule"), [
    ({"contact_authority": "unknown"}, StopRule.UNCLEAR_AUTHORITY),
    ({"customer_consent": False}, StopRule.INCOMPLETE_CONSENT),
    ({"introduction_path": ""}, StopRule.MISSING_CONTEXT),
    ({"need": "Wants stuff."}, StopRule.NO_FIT_EVIDENCE),
    ({"relationship_notes": "They expect a 20% discount and a signed contract by Friday."}, StopRule.COMMITMENTS),
    ({"need": "Analytics for the Ministry of Defence programme office, six regional teams."},
     StopRule.STRATEGIC_ACCOUNT),
])
def test_each_stop_rule_is_recorded_with_its_reason(partner_a, fields, rule):
    deal = screen(submitted(partner=partner_a, **fields))
    hit = deal.stop_rule_hits.get(rule=rule)
    assert hit.reason
    assert deal.summary.recommendation != "accept"


def test_a_stop_rule_switched_off_in_the_program_rules_does_not_fire(partner_a):
    ProgramRules.objects.filter(pk=1).update(stop_incomplete_consent=False)
    deal = screen(submitted(partner=partner_a, customer_consent=False))
    assert not deal.stop_rule_hits.filter(rule=StopRule.INCOMPLETE_CONSENT).exists()


def test_a_clean_deal_gets_only_an_acceptance_review(partner_a):
    deal = screen(submitted(partner=partner_a))
    assert not deal.stop_rule_hits.exists()
    assert list(deal.review_tasks.values_list("kind", flat=True)) == [TaskKind.ACCEPTANCE_REVIEW]
    assert deal.summary.recommendation == "accept"
    assert [s.name for s in ScreeningStep.objects.filter(deal=deal)] == [
        "normalize", "match", "stop_rules", "summary", "tasks"]
    assert all(s.status == "done" and s.duration_ms is not None for s in deal.screening_steps.all())


def test_a_step_that_fails_is_retried_without_duplicating_earlier_results(partner_a, partner_b):
    screen(submitted(partner=partner_a, company_name="Hooli", website="hooli.com"))
    deal = submitted(partner=partner_b, company_name="Hooli Inc", website="hooli.com")
    with mock.patch("leads.qualification.qualify", side_effect=TimeoutError("worker died")), \
            pytest.raises(TimeoutError):
        deal_screening_run(deal_id=deal.pk)
    deal.refresh_from_db()
    assert deal.status == DealStatus.SCREENING
    assert deal.screening_steps.get(name="summary").status == "failed"
    assert deal_screening_run(deal_id=deal.pk) is True
    assert deal_screening_run(deal_id=deal.pk) is False
    assert deal.matches.count() == 1
    assert deal.review_tasks.count() == 1  # the case's conflict task hangs on the earliest
    deal.refresh_from_db()
    assert deal.conflict_case.review_tasks.count() == 1
    assert deal.screening_steps.get(name="summary").attempts == 2
    assert deal.screening_steps.get(name="match").attempts == 1


def test_direct_and_vendor_registrations_count_as_direct_sales(partner_a, partner_b):
    screen(submitted(partner=partner_b, company_name="Soylent Foods", website="soylent.com",
                     source=DealSource.DIRECT))
    deal = screen(submitted(partner=partner_a, company_name="Soylent Foods GmbH", website="soylent.com"))
    assert deal.matches.get().kind == MatchKind.DIRECT_SALES
