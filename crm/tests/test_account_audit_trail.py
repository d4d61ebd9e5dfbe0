"""An account's audit trail shows events written before the move (`leads.account`) and
after it (`crm.account`); erasing a contact reaches values stored under either label."""

import pytest
from django.db import transaction

from audit.erasure import crm_contact_erase
from audit.labels import target_types
from audit.models import PersonalValue
from audit.selectors import audit_chain_first_break, audit_trail_for
from audit.services import audit_record
from crm.models import Contact
from crm.tests.factories import AccountFactory
from partners.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class BeforeTheMove:
    """An object as `audit_record` saw it while its model lived in leads."""

    def __init__(self, obj, label: str) -> None:
        self.pk = obj.pk
        self._meta = type("Meta", (), {"label_lower": label})
        self._str = str(obj)

    def __str__(self) -> str:
        return self._str


def record(target, action: str, **data) -> None:
    with transaction.atomic():
        audit_record(actor=None, action=action, target=target, **data)


def test_the_account_trail_shows_events_under_the_old_and_the_new_label():
    account = AccountFactory(name="Harbor Grill")
    other = AccountFactory(name="Cinder")
    record(BeforeTheMove(account, "leads.account"), "admin.change", after={"name": "Harbor"})
    record(BeforeTheMove(other, "leads.account"), "admin.change")
    record(account, "admin.change", after={"name": "Harbor Grill"})

    trail = audit_trail_for(target=account)

    assert [(event.target_type, event.after) for event in trail] == [
        ("leads.account", {"name": "Harbor"}),
        ("crm.account", {"name": "Harbor Grill"}),
    ]
    assert audit_chain_first_break() == (None, 3)


def test_each_moved_model_lists_its_leads_label():
    from crm.models import Account, CrmImport, Opportunity

    for model, old in [(Account, "leads.account"), (Contact, "leads.contact"),
                       (Opportunity, "leads.opportunity"), (CrmImport, "leads.crmimport")]:
        assert target_types(model) == [model._meta.label_lower, old]


def test_erasing_a_contact_erases_values_written_under_the_old_label():
    contact = Contact.objects.create(external_id="C-1", account=AccountFactory(),
                                     name="Jane Roe", email="jane@harbor.test")
    record(BeforeTheMove(contact, "leads.contact"), "admin.change",
           after={"norm_email": "jane@harbor.test"})
    [value] = PersonalValue.objects.filter(subject_type="leads.contact")

    crm_contact_erase(actor=UserFactory(is_staff=True), contact=contact, reason="asked")

    value.refresh_from_db()
    assert value.value is None and value.erased_at is not None
