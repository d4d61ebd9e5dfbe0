"""The partner registration form (leads:deal-create / deal-edit) and the deal dashboard list.

Bad input is shown beside its field and saves nothing; "Save draft" keeps what was typed and
computes the matching keys; "Save and submit" submits a complete draft, or keeps an
incomplete one and names what is missing; the list is filtered, searched, served as an htmx
fragment and runs a constant number of queries.
"""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import DealFactory, ProductFactory
from partners.choices import ProgramStatus

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("leads:deal-create")
LIST_URL = reverse("leads:deal-list")


@pytest.fixture
def product(db):
    return ProductFactory(sku="ANALYTICS-PRO", name="Analytics Pro")


def complete_form(product=None, **overrides) -> dict:
    data = {
        "company_name": "Acme Robotics GmbH",
        "website": "https://www.acme-robotics.de/about",
        "country": "DE",
        "industry": "Manufacturing",
        "company_size": "250-999",
        "contact_name": "Jana Novak",
        "contact_title": "CTO",
        "contact_email": "jana.novak@acme-robotics.de",
        "contact_phone": "030 1234567",
        "contact_authority": "decision_maker",
        "need": "Consolidate reporting across three plants.",
        "urgency": "high",
        "timeline": "Q3",
        "estimated_value": "48000",
        "currency": "EUR",
        "introduction_path": "existing_client",
        "relationship_notes": "Client since 2019.",
        "customer_consent": "on",
    }
    if product is not None:
        data["products"] = [str(product.pk)]
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


SAVE_DRAFT = {"save_draft": "1"}
SUBMIT = {"submit": "1"}


def field_block(html: str, field: str) -> str:
    """The HTML crispy renders for one field: its label, input and error messages."""
    start = html.index(f'id="div_id_{field}"')
    end = html.find('id="div_id_', start + 1)
    return html[start:end] if end != -1 else html[start:]


def deal_form_action(html: str) -> str:
    """The action of the <form> that holds the deal fields (the page has other forms)."""
    for match in re.finditer(r"<form\b[^>]*>", html):
        body = html[match.end():html.find("</form>", match.end())]
        if 'name="company_name"' in body:
            return re.search(r'action="([^"]*)"', match.group(0)).group(1)
    raise AssertionError("no deal form on the page")


def assert_error_beside(response, field: str) -> None:
    form = response.context["form"]
    assert field in form.errors, form.errors
    block = field_block(response.content.decode(), field)
    assert "is-invalid" in block
    for message in form.errors[field]:
        assert escape(message) in block, (message, block)


# --- The page ---------------------------------------------------------------------------------


def test_the_registration_page_renders_an_empty_form(client_a, product):
    response = client_a.get(CREATE_URL)

    assert response.status_code == 200
    assert "leads/deal_form.html" in [t.name for t in response.templates]
    assert not response.context["form"].is_bound
    html = response.content.decode()
    assert 'name="company_name"' in html
    assert 'name="submit"' in html and 'name="save_draft"' in html
    assert deal_form_action(html) == CREATE_URL


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(CREATE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Refused input ----------------------------------------------------------------------------

INVALID = {
    "invalid-email": ({"contact_email": "jana(at)acme"}, "contact_email"),
    "invalid-phone-for-country": ({"contact_phone": "12345", "country": "US"}, "contact_phone"),
    "website-not-a-domain": ({"website": "not a website"}, "website"),
    "negative-value": ({"estimated_value": "-1"}, "estimated_value"),
    "currency-two-letters": ({"currency": "EU"}, "currency"),
    "currency-not-letters": ({"currency": "U$D"}, "currency"),
    "need-over-5000-chars": ({"need": "x" * 5001}, "need"),
    "blank-company-name": ({"company_name": ""}, "company_name"),
    "company-name-only-spaces": ({"company_name": "   "}, "company_name"),
    "company-name-only-punctuation": ({"company_name": "--"}, "company_name"),
    "unknown-urgency": ({"urgency": "yesterday"}, "urgency"),
}


@pytest.mark.parametrize(("changes", "field"), INVALID.values(), ids=INVALID.keys())
@pytest.mark.parametrize("button", [SAVE_DRAFT, SUBMIT], ids=["save-draft", "submit"])
def test_bad_input_is_shown_beside_the_field_and_saves_nothing(
    client_a, product, changes, field, button
):
    events = AuditEvent.objects.count()

    response = client_a.post(CREATE_URL, {**complete_form(product, **changes), **button})

    assert response.status_code == 200
    assert_error_beside(response, field)
    assert Deal.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_a_rejected_form_keeps_what_the_partner_typed(client_a, product):
    response = client_a.post(CREATE_URL, {**complete_form(product, contact_email="jana(at)acme"),
                                           **SAVE_DRAFT})

    html = response.content.decode()
    assert 'value="jana(at)acme"' in html
    assert 'value="Acme Robotics GmbH"' in html


# --- Save draft ---------------------------------------------------------------------------------


def test_save_draft_keeps_the_raw_input_and_computes_the_matching_keys(client_a, admin_a, product):
    typed = complete_form(
        product,
        website="https://www.shop.acme.co.uk/x",
        country="GB",
        contact_email="  Jana.Novak@ACME.co.uk ",
        contact_phone="020 7946 0958",
        currency="eur",
    )

    response = client_a.post(CREATE_URL, {**typed, **SAVE_DRAFT})

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == deal.get_absolute_url()
    assert deal.status == DealStatus.DRAFT
    assert deal.created_by == admin_a
    assert deal.raw_input["website"] == "https://www.shop.acme.co.uk/x"
    assert deal.raw_input["contact_email"] == "  Jana.Novak@ACME.co.uk "
    assert deal.raw_input["products"] == [str(product.pk)]
    assert deal.norm_domain == "acme.co.uk"
    assert deal.norm_email == "jana.novak@acme.co.uk"
    assert deal.norm_phone == "+442079460958"
    assert deal.norm_country == "GB"
    assert deal.currency == "EUR"
    assert list(deal.products.all()) == [product]
    assert AuditEvent.objects.filter(action="deal.create_draft", target_id=str(deal.pk)).count() == 1


def test_without_a_website_the_domain_comes_from_the_email(client_a):
    client_a.post(CREATE_URL, {**complete_form(website="", contact_email="jo@Globex-Industries.de"),
                               **SAVE_DRAFT})

    assert Deal.objects.get().norm_domain == "globex-industries.de"


def test_a_free_mail_address_gives_no_domain(client_a):
    client_a.post(CREATE_URL, {**complete_form(website="", contact_email="jo.globex@gmail.com"),
                               **SAVE_DRAFT})

    deal = Deal.objects.get()
    assert deal.norm_domain == ""
    assert deal.norm_email == "jo.globex@gmail.com"


def test_a_draft_needs_only_the_company_name(client_a):
    # The currency input is pre-filled with USD, so a browser always sends it.
    response = client_a.post(CREATE_URL, {"company_name": "Initech", "currency": "USD", **SAVE_DRAFT})

    assert response.status_code == 302
    deal = Deal.objects.get()
    assert deal.status == DealStatus.DRAFT
    assert deal.raw_input == {"company_name": "Initech", "currency": "USD"}


def test_a_rep_can_register_a_deal(client_rep_a, rep_a, product):
    response = client_rep_a.post(CREATE_URL, {**complete_form(product), **SAVE_DRAFT})

    assert response.status_code == 302
    assert Deal.objects.get().created_by == rep_a


# --- Save and submit ------------------------------------------------------------------------------


def test_save_and_submit_with_complete_data_takes_the_deal_to_review(
    client_a, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_a.post(CREATE_URL, {**complete_form(product), **SUBMIT})

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == deal.get_absolute_url()
    assert len(callbacks) == 1
    assert deal.status == DealStatus.IN_REVIEW


INCOMPLETE = {"company_name": "Initech", "country": "US", "contact_name": "Peter Gibbons",
              "currency": "USD"}
MISSING = ["contact_email", "need", "urgency", "introduction_path"]


def test_save_and_submit_with_missing_fields_keeps_the_draft_and_names_them(client_a):
    response = client_a.post(CREATE_URL, {**INCOMPLETE, **SUBMIT})

    assert response.status_code == 200
    deal = Deal.objects.get()
    assert deal.status == DealStatus.DRAFT
    assert deal.company_name == "Initech"
    for field in MISSING:
        assert_error_beside(response, field)
    assert "country" not in response.context["form"].errors
    assert response.context["deal"] == deal


def test_the_form_shown_after_a_failed_submit_posts_to_the_same_draft(
    client_a, django_capture_on_commit_callbacks
):
    first = client_a.post(CREATE_URL, {**INCOMPLETE, **SUBMIT})
    draft = Deal.objects.get()
    action = deal_form_action(first.content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        second = client_a.post(action, {**complete_form(**INCOMPLETE), **SUBMIT})

    assert action == reverse("leads:deal-edit", args=[draft.pk])
    assert second.status_code == 302
    assert Deal.objects.count() == 1
    draft.refresh_from_db()
    assert draft.status == DealStatus.IN_REVIEW
    assert draft.contact_name == "Peter Gibbons"


def test_a_draft_can_be_edited(client_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, need="")
    url = reverse("leads:deal-edit", args=[deal.pk])

    page = client_a.get(url)
    response = client_a.post(url, {**complete_form(company_name="Renamed AG"), **SAVE_DRAFT})

    assert page.status_code == 200
    assert page.context["form"].instance == deal
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.company_name == "Renamed AG"
    assert deal.status == DealStatus.DRAFT
    assert Deal.objects.count() == 1


@pytest.mark.parametrize("status", [DealStatus.IN_REVIEW, DealStatus.WITHDRAWN])
def test_a_deal_that_is_no_longer_a_draft_cannot_be_edited(client_a, partner_a, admin_a, status):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=status, company_name="Fixed AG")
    url = reverse("leads:deal-edit", args=[deal.pk])
    events = AuditEvent.objects.count()

    page = client_a.get(url)
    response = client_a.post(url, {**complete_form(company_name="Changed AG"), **SUBMIT})

    assert page.status_code == 302
    assert page["Location"] == deal.get_absolute_url()
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.company_name == "Fixed AG"
    assert deal.status == status
    assert AuditEvent.objects.count() == events


# --- Program status, oversized requests ----------------------------------------------------------


@pytest.mark.parametrize("status", [ProgramStatus.SUSPENDED, ProgramStatus.TERMINATED])
def test_a_suspended_partner_is_sent_away_from_the_registration_page(client_a, partner_a, status):
    partner_a.program_status = status
    partner_a.save()

    response = client_a.get(CREATE_URL)

    assert response.status_code == 302
    assert response["Location"] == LIST_URL


def test_a_suspended_partner_cannot_post_a_registration(client_a, partner_a, product):
    partner_a.program_status = ProgramStatus.SUSPENDED
    partner_a.save()

    response = client_a.post(CREATE_URL, {**complete_form(product), **SUBMIT})

    assert response.status_code == 302
    assert Deal.objects.count() == 0


def test_a_suspended_partner_cannot_edit_its_drafts(client_a, partner_a, admin_a):
    deal = DealFactory(partner=partner_a, created_by=admin_a, company_name="Frozen AG")
    partner_a.program_status = ProgramStatus.SUSPENDED
    partner_a.save()

    response = client_a.post(reverse("leads:deal-edit", args=[deal.pk]),
                             {**complete_form(company_name="Thawed AG"), **SAVE_DRAFT})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.company_name == "Frozen AG"


def test_a_body_over_the_upload_limit_is_a_400_not_a_500(client_a):
    oversized = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client_a.post(CREATE_URL, {**complete_form(relationship_notes=oversized), **SUBMIT})

    assert response.status_code == 400
    assert Deal.objects.count() == 0


# --- The dashboard list ---------------------------------------------------------------------------


def list_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_deal_list_runs_the_same_number_of_queries_for_5_and_30_deals(
    client_a, partner_a, admin_a, product
):
    def add(n: int) -> None:
        for deal in DealFactory.create_batch(n, partner=partner_a, created_by=admin_a):
            deal.products.add(product)

    add(5)
    client_a.get(LIST_URL)  # warm caches (session, content types)
    few = list_queries(client_a, LIST_URL)
    add(25)
    many = list_queries(client_a, LIST_URL)

    assert many == few


def test_the_deal_list_shows_only_the_requested_status(client_a, partner_a, admin_a):
    DealFactory(partner=partner_a, created_by=admin_a, company_name="Drafty AG")
    DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                company_name="Reviewed AG")

    response = client_a.get(LIST_URL, {"status": DealStatus.IN_REVIEW})

    assert response.status_code == 200
    assert [d.company_name for d in response.context["page"].object_list] == ["Reviewed AG"]
    assert "Drafty AG" not in response.content.decode()


def test_the_deal_list_searches_company_contact_and_reference(client_a, partner_a, admin_a):
    wanted = DealFactory(partner=partner_a, created_by=admin_a, company_name="Wonka Industries")
    DealFactory(partner=partner_a, created_by=admin_a, company_name="Other AG")

    by_name = client_a.get(LIST_URL, {"q": "wonka"})
    by_reference = client_a.get(LIST_URL, {"q": wanted.reference})

    assert list(by_name.context["page"].object_list) == [wanted]
    assert list(by_reference.context["page"].object_list) == [wanted]


def test_an_htmx_request_gets_only_the_table_fragment(client_a, partner_a, admin_a):
    DealFactory(partner=partner_a, created_by=admin_a, company_name="Fragment AG")

    fragment = client_a.get(LIST_URL, {"q": "fragment"}, HTTP_HX_REQUEST="true")
    page = client_a.get(LIST_URL, {"q": "fragment"})

    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html
    assert 'id="deal-table"' in html
    assert "Fragment AG" in html
    assert "<html" in page.content.decode()
