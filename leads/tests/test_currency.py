"""A deal's currency is an ISO 4217 code: chosen from a list on the form, checked by the
API and the model; "ZZZ" is refused and "Dollars" is never cut to "Dol"."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from leads.choices import CURRENCIES, CURRENCY_CHOICES, currency_code
from leads.forms import DealForm
from leads.models import Deal
from leads.services import deal_save_draft
from leads.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("leads:deal-create")
API_URL = "/api/v1/deals/"


def _api(user) -> Client:
    token, _created = Token.objects.get_or_create(user=user)
    return Client(headers={"authorization": f"Token {token.key}"})


def test_the_list_holds_current_iso_4217_codes_and_no_test_or_metal_codes():
    assert {"USD", "EUR", "GBP", "JPY", "CHF", "INR", "ZAR", "XOF"} <= set(CURRENCIES)
    assert not {"ZZZ", "XXX", "XTS", "XAU", "DOL", "HRK"} & set(CURRENCIES)
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in CURRENCIES)
    assert CURRENCY_CHOICES[0][0] < CURRENCY_CHOICES[-1][0]


@pytest.mark.parametrize(("value", "code"), [
    ("EUR", "EUR"), (" eur ", "EUR"), ("ZZZ", None), ("Dollars", None), ("Dol", None), ("", None),
])
def test_a_code_is_recognized_whatever_its_case(value, code):
    assert currency_code(value) == code


def test_the_form_offers_a_select_of_codes_with_usd_chosen(client_a):
    page = client_a.get(CREATE_URL).content.decode()
    assert '<select name="currency"' in page
    assert '<option value="EUR">EUR – Euro</option>' in page
    assert '<option value="USD" selected>USD – US Dollar</option>' in page
    assert 'maxlength="3"' not in page.split('name="currency"')[1].split(">")[0]


@pytest.mark.parametrize("value", ["ZZZ", "Dollars", "US$"])
def test_the_form_refuses_a_value_that_is_no_code_beside_the_field(client_a, value):
    response = client_a.post(CREATE_URL, {"company_name": "Initech", "currency": value,
                                          "save_draft": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["currency"]
    assert "ISO 4217" in errors["currency"][0]
    assert not Deal.objects.exists()


def test_the_form_takes_a_lower_case_code_and_an_empty_one_as_usd():
    assert DealForm(data={"company_name": "Initech", "currency": "gbp"}).is_valid()
    form = DealForm(data={"company_name": "Initech", "currency": ""})
    assert form.is_valid() and form.cleaned_data["currency"] == "USD"


def test_a_draft_saved_with_a_code_keeps_it(client_a):
    client_a.post(CREATE_URL, {"company_name": "Initech", "currency": "CHF", "save_draft": "1"})
    assert Deal.objects.get().currency == "CHF"


@pytest.mark.parametrize("value", ["ZZZ", "Dollars", "dol"])
def test_the_api_refuses_a_value_that_is_no_code_naming_the_field(admin_a, value):
    response = _api(admin_a).post(API_URL, json.dumps({"company_name": "Initech", "currency": value}),
                                  content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["currency"]
    assert "ISO 4217" in body["currency"][0] and value in body["currency"][0]
    assert not Deal.objects.exists()


def test_the_api_takes_a_lower_case_code_and_defaults_to_usd(admin_a):
    client = _api(admin_a)
    for payload, expected in (({"currency": "jpy"}, "JPY"), ({}, "USD")):
        response = client.post(API_URL, json.dumps({"company_name": "Initech", **payload}),
                               content_type="application/json")
        assert response.status_code == 201, response.content
        assert response.json()["currency"] == expected


def test_the_api_schema_lists_the_codes(admin_a):
    schema = _api(admin_a).get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert '"ZWG"' in schema.content.decode() and '"ZZZ"' not in schema.content.decode()


def test_the_model_refuses_a_code_that_is_not_iso_4217(partner_a):
    deal = DealFactory.build(partner=partner_a, currency="ZZZ")
    with pytest.raises(ValidationError) as refused:
        deal.full_clean(exclude=["partner", "created_by"])
    assert list(refused.value.message_dict) == ["currency"]


def test_the_service_refuses_a_code_that_is_not_iso_4217(partner_a, admin_a):
    with pytest.raises(ValidationError) as refused:
        deal_save_draft(partner=partner_a, actor=admin_a,
                        data={"company_name": "Initech", "currency": "zzz"})
    assert "currency" in refused.value.message_dict
    assert not Deal.objects.exists()
