"""Partners delete a draft that was never submitted; anything further along is a record."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal
from leads.services import deal_delete_draft, deal_submit
from leads.tests.factories import DealFactory, ProductFactory
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import ProgramStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, owner=admin_a,
                       company_name="Initech", contact_email="peter@initech.test")
    deal.products.add(ProductFactory(sku="X-1"))
    return deal


def _delete_url(deal) -> str:
    return reverse("leads:deal-delete", args=[deal.pk])


def test_a_member_deletes_a_draft_and_the_deletion_is_audited(draft, partner_a, rep_a):
    pk, reference = draft.pk, draft.reference
    deal_delete_draft(partner=partner_a, actor=rep_a, deal=draft)
    assert not Deal.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="deal.delete_draft", target_id=str(pk))
    assert event.actor == rep_a and event.partner == partner_a
    assert event.before["reference"] == reference and event.before["company_name"] == "Initech"
    # The append-only log names the draft, not its contact's personal data.
    assert "peter@initech.test" not in str(event.before)


@pytest.mark.parametrize("status", [s for s in DealStatus.values if s != DealStatus.DRAFT])
def test_a_deal_past_the_draft_cannot_be_deleted(partner_a, admin_a, status):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=status)
    with pytest.raises(InvalidTransition) as refused:
        deal_delete_draft(partner=partner_a, actor=admin_a, deal=deal)
    assert refused.value.current_status == status
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert not AuditEvent.objects.filter(action="deal.delete_draft").exists()


def test_a_draft_submitted_in_the_meantime_is_not_deleted(draft, partner_a, admin_a):
    stale = Deal.objects.get(pk=draft.pk)
    deal_submit(partner=partner_a, actor=admin_a, deal=draft)
    with pytest.raises(InvalidTransition):
        deal_delete_draft(partner=partner_a, actor=admin_a, deal=stale)
    assert Deal.objects.get(pk=draft.pk).status != DealStatus.DRAFT


def test_deleting_twice_says_it_is_gone(draft, partner_a, admin_a):
    stale = Deal.objects.get(pk=draft.pk)
    deal_delete_draft(partner=partner_a, actor=admin_a, deal=draft)
    with pytest.raises(InvalidTransition):
        deal_delete_draft(partner=partner_a, actor=admin_a, deal=stale)


def test_another_organization_cannot_delete_the_draft(draft, partner_b, admin_b):
    with pytest.raises(NotAllowed):
        deal_delete_draft(partner=partner_b, actor=admin_b, deal=draft)
    assert Deal.objects.filter(pk=draft.pk).exists()


def test_a_read_only_organization_cannot_delete_its_drafts(draft, partner_a, admin_a):
    partner_a.program_status = ProgramStatus.SUSPENDED
    partner_a.save()
    with pytest.raises(NotAllowed):
        deal_delete_draft(partner=partner_a, actor=admin_a, deal=draft)
    assert Deal.objects.filter(pk=draft.pk).exists()


def test_the_draft_page_offers_delete_and_the_button_deletes(client_a, draft):
    page = client_a.get(draft.get_absolute_url()).content.decode()
    assert f'action="{_delete_url(draft)}"' in page
    response = client_a.post(_delete_url(draft), follow=True)
    assert response.redirect_chain[-1][0] == reverse("leads:deal-list")
    assert f"Draft {draft.reference} deleted." in response.content.decode()
    assert not Deal.objects.filter(pk=draft.pk).exists()


def test_a_submitted_deal_page_offers_no_delete_and_a_post_is_refused_with_a_message(
        client_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW)
    assert _delete_url(deal) not in client_a.get(deal.get_absolute_url()).content.decode()
    response = client_a.post(_delete_url(deal), follow=True)
    assert response.status_code == 200
    assert "Only a draft that was never submitted can be deleted" in response.content.decode()
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_another_organizations_draft_answers_404_and_stays(client_b, draft):
    assert client_b.post(_delete_url(draft)).status_code == 404
    assert Deal.objects.filter(pk=draft.pk).exists()


def test_delete_takes_only_post(client_a, draft):
    assert client_a.get(_delete_url(draft)).status_code == 405
    assert Deal.objects.filter(pk=draft.pk).exists()
