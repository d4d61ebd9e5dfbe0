"""Editing a CRM account in the Django admin keeps its matching keys true, and is audited."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from crm.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_an_admin_edit_of_the_name_and_website_recomputes_the_keys(staff_client, staff):
    staff.is_superuser = True
    staff.save()
    account = AccountFactory(name="Old Name Ltd", website="old.example", country="GB")

    response = staff_client.post(reverse("admin:crm_account_change", args=[account.pk]), {
        "external_id": account.external_id, "name": "Kumar Transports P.L.C.",
        "website": "https://www.kumar-transports.co.uk/", "country": "GB", "industry": "",
        "sales_owner": "", "opportunities-TOTAL_FORMS": "0",
    })

    assert response.status_code == 302, response.content[:2000]
    account.refresh_from_db()
    assert (account.norm_company, account.name_words, account.norm_domain) == (
        "kumar transports", "kumar", "kumar-transports.co.uk")
    event = AuditEvent.objects.get(action="admin.change", target_id=str(account.pk))
    assert event.after["name_words"] == "kumar"
