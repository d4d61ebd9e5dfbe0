"""Factories for CRM records."""

import factory

from crm.models import Account
from crm.services import account_apply_normalization


class AccountFactory(factory.django.DjangoModelFactory):
    """A CRM account, normalized like the CRM import does."""

    class Meta:
        model = Account

    external_id = factory.Sequence(lambda n: f"ACC-{n}")
    name = factory.Sequence(lambda n: f"Account {n} Inc.")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        account = model_class(*args, **kwargs)
        account_apply_normalization(account)
        account.save()
        return account
