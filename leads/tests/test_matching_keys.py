"""The customer's address and country on a registration, whichever way they come in:
the service, the form's fields through the API, the normalized keys beside them."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from leads.models import Deal
from leads.services import deal_save_draft
from partners.models import ACCEPTANCE_FIELD_CHOICES

pytestmark = pytest.mark.django_db


def test_a_draft_keeps_the_address_as_typed_and_its_keys_beside_it(partner_a, admin_a):
    deal = deal_save_draft(partner=partner_a, actor=admin_a, data={
        "company_name": "Cinder (Boston)", "country": "US", "street": "12 North Main Street",
        "city": "Boston ", "postal_code": "02108-1234", "region": "MA",
        "contact_phone": "617 555 0101"})
    deal.refresh_from_db()
    assert (deal.street, deal.city, deal.postal_code, deal.region) == (
        "12 North Main Street", "Boston", "02108-1234", "MA")
    assert (deal.norm_company, deal.norm_street, deal.norm_city, deal.norm_postal_code,
            deal.norm_address, deal.norm_phone) == (
        "cinder", "12 n main st", "boston", "02108", "02108|12", "+16175550101")


@pytest.mark.parametrize(("given", "stored"), [
    ("Germany", "DE"), ("UK", "GB"), ("deu", "DE"), ("United States", "US"), ("fr", "FR")])
def test_the_service_takes_a_country_name_or_code_like_every_entry_point(
        partner_a, admin_a, given, stored):
    deal = deal_save_draft(partner=partner_a, actor=admin_a,
                           data={"company_name": "Acme", "country": given})
    assert Deal.objects.get(pk=deal.pk).country == stored


def test_the_service_refuses_an_unknown_country_by_field(partner_a, admin_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        deal_save_draft(partner=partner_a, actor=admin_a,
                        data={"company_name": "Acme", "country": "Atlantis"})
    assert "country" in error.value.message_dict


def test_the_api_reads_and_writes_the_address_fields(admin_a):
    token, _created = Token.objects.get_or_create(user=admin_a)
    api = Client(headers={"authorization": f"Token {token.key}"})
    response = api.post("/api/v1/deals/", {
        "company_name": "Harbor Grill", "country": "United States", "street": "1 Pier Rd",
        "city": "Boston", "postal_code": "02110", "region": "MA"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("street", "city", "postal_code", "region", "country")} == {
        "street": "1 Pier Rd", "city": "Boston", "postal_code": "02110", "region": "MA",
        "country": "US"}


def test_the_program_may_require_address_fields_for_acceptance():
    names = {name for name, _label in ACCEPTANCE_FIELD_CHOICES}
    assert {"street", "city", "postal_code", "region"} <= names


def test_the_deal_page_shows_the_address(partner_a, admin_a, client_a):
    deal = deal_save_draft(partner=partner_a, actor=admin_a, data={
        "company_name": "Harbor Grill", "country": "US", "street": "1 Pier Rd",
        "city": "Boston", "postal_code": "02110", "region": "MA"})
    page = client_a.get(deal.get_absolute_url()).content.decode()
    assert "1 Pier Rd" in page
    assert "02110 Boston, MA" in " ".join(page.split())
