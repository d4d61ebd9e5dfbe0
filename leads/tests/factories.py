"""Factories for deals and products (CRM records: crm/tests/factories.py)."""

from decimal import Decimal

import factory

from leads.choices import ContactAuthority, DealStatus, IntroductionPath, Urgency
from leads.models import Deal, DealQuestion, Product
from leads.services import deal_apply_normalization
from partners.tests.factories import PartnerFactory, UserFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["sku"]

    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n}")


class DealFactory(factory.django.DjangoModelFactory):
    """A complete deal (draft unless `status` is given), normalized like the service does."""

    class Meta:
        model = Deal

    partner = factory.SubFactory(PartnerFactory)
    created_by = factory.SubFactory(UserFactory)
    status = DealStatus.DRAFT
    company_name = factory.Sequence(lambda n: f"Customer {n} GmbH")
    website = factory.Sequence(lambda n: f"https://www.customer{n}-test.com")
    country = "DE"
    contact_name = "Erika Mustermann"
    contact_title = "CIO"
    contact_email = factory.Sequence(lambda n: f"erika@customer{n}-test.com")
    contact_phone = factory.Sequence(lambda n: f"+49 30 {1200000 + n}")  # one per company
    contact_authority = ContactAuthority.DECISION_MAKER
    need = "Replace three reporting tools with one analytics platform."
    urgency = Urgency.HIGH
    timeline = "Q3"
    estimated_value = Decimal("125000.00")
    introduction_path = IntroductionPath.EXISTING_CLIENT
    relationship_notes = "Long-standing client."
    customer_consent = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        deal = model_class(*args, **kwargs)
        deal_apply_normalization(deal)
        deal.save()
        return deal


class DealQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealQuestion

    deal = factory.SubFactory(DealFactory, status=DealStatus.NEEDS_INFO)
    partner = factory.SelfAttribute("deal.partner")
    asked_by = factory.SubFactory(UserFactory, is_staff=True)
    question = "Who holds the budget?"
