"""When a withdraw wins a race with a submit, the submit says the deal was withdrawn."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal
from leads.services import deal_submit, deal_withdraw
from leads.tests.factories import DealFactory
from partnerportal.exceptions import InvalidTransition

pytestmark = pytest.mark.django_db


def test_a_submit_that_loses_to_a_withdraw_says_the_deal_was_withdrawn(partner_a, admin_a, rep_a):
    draft = DealFactory(partner=partner_a, created_by=admin_a)
    submitting = Deal.objects.get(pk=draft.pk)  # loaded as a draft, before the withdraw
    deal_withdraw(partner=partner_a, actor=rep_a, deal=draft, reason="customer went quiet")
    with pytest.raises(InvalidTransition) as excinfo:
        deal_submit(partner=partner_a, actor=admin_a, deal=submitting)
    assert excinfo.value.message == "This deal was withdrawn."
    assert excinfo.value.current_status == DealStatus.WITHDRAWN
    assert Deal.objects.get(pk=draft.pk).status == DealStatus.WITHDRAWN
    assert not AuditEvent.objects.filter(action="deal.submit").exists()


def test_a_second_submit_still_says_already_submitted(partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a)
    stale = Deal.objects.get(pk=deal.pk)
    deal_submit(partner=partner_a, actor=admin_a, deal=deal)
    with pytest.raises(InvalidTransition) as excinfo:
        deal_submit(partner=partner_a, actor=admin_a, deal=stale)
    assert excinfo.value.message == "This deal was already submitted."


def test_the_api_answers_409_naming_the_withdrawn_status(partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a)
    deal_withdraw(partner=partner_a, actor=admin_a, deal=deal, reason="")
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_a).key}")
    response = client.post(f"/api/v1/deals/{deal.pk}/submit/")
    assert response.status_code == 409
    assert response.json() == {"detail": "This deal was withdrawn.", "code": "invalid_state",
                               "status": "withdrawn"}
