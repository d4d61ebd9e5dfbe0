"""Submitting a draft: completeness, status, audit, the queued screening, concurrency."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.services import deal_submit
from leads.tests.factories import DealFactory
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import ProgramStatus

pytestmark = pytest.mark.django_db


def test_a_complete_draft_is_submitted_screened_and_audited(
    partner_a, admin_a, django_capture_on_commit_callbacks
):
    deal = DealFactory(partner=partner_a, created_by=admin_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        deal_submit(partner=partner_a, actor=admin_a, deal=deal)
    assert len(callbacks) == 1
    deal.refresh_from_db()
    # Eager Celery in unit tests: the queued task ran the screening through to review.
    assert deal.status == DealStatus.IN_REVIEW
    assert deal.submitted_at <= deal.screening_started_at <= deal.screening_finished_at
    actions = list(AuditEvent.objects.filter(target_type="leads.deal", target_id=str(deal.pk))
                   .values_list("action", flat=True))
    assert actions == ["deal.submit", "deal.screening_start", "deal.screening_finish"]


def test_submit_names_each_missing_field_and_changes_nothing(partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, contact_email="", need="")
    with pytest.raises(ValidationError) as excinfo:
        deal_submit(partner=partner_a, actor=admin_a, deal=deal)
    assert set(excinfo.value.message_dict) == {"contact_email", "need"}
    deal.refresh_from_db()
    assert deal.status == DealStatus.DRAFT
    assert not AuditEvent.objects.filter(action="deal.submit").exists()


def test_submitting_twice_is_refused_the_second_time(partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a)
    deal_submit(partner=partner_a, actor=admin_a, deal=deal)
    with pytest.raises(InvalidTransition):
        deal_submit(partner=partner_a, actor=admin_a, deal=deal)
    assert AuditEvent.objects.filter(action="deal.submit").count() == 1


@pytest.mark.parametrize("status", [ProgramStatus.SUSPENDED, ProgramStatus.TERMINATED])
def test_a_suspended_or_terminated_partner_cannot_submit(partner_a, admin_a, status):
    deal = DealFactory(partner=partner_a, created_by=admin_a)
    partner_a.program_status = status
    partner_a.save()
    with pytest.raises(NotAllowed):
        deal_submit(partner=partner_a, actor=admin_a, deal=deal)
    deal.refresh_from_db()
    assert deal.status == DealStatus.DRAFT


def test_a_member_of_another_partner_cannot_submit(partner_a, admin_a, partner_b, admin_b):
    deal = DealFactory(partner=partner_a, created_by=admin_a)
    with pytest.raises(NotAllowed):
        deal_submit(partner=partner_b, actor=admin_b, deal=deal)
    with pytest.raises(NotAllowed):
        deal_submit(partner=partner_a, actor=admin_b, deal=deal)
