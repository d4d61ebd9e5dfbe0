"""The partner's deal page keeps its rendered body under the version of every table the
deal pages read (`partnerportal.versions.DEAL_PAGES`), per organization, deal, user,
language and time zone. A change committed by any path shows on the next request, another
organization's id still answers 404, and each response carries its own CSRF token.

These tests commit (transactional database): the database bumps the version at commit.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads import services as lead_services
from leads.choices import DealStatus
from leads.models import Deal, DealQuestion
from leads.tests.factories import DealFactory, ProductFactory
from partnerportal.testing import (
    CSRF_INPUT,
    capture_tables_of_kept_bodies,
    unwatched,
    without_csrf_tokens,
)
from partnerportal.versions import DEAL_PAGES
from partners.choices import ProgramStatus, StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews import services as review_services
from reviews.models import RejectionReason
from reviews.tests.review_setup import deal_in_review, reviewer_owning

pytestmark = pytest.mark.django_db(transaction=True)



def _get(client, deal, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/deals/{deal.pk}/", headers=headers)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.fixture
def owner(partner_a):
    program_rules_get()  # the program's rules exist (a flushed database lost them)
    return reviewer_owning(partner_a)


@pytest.fixture
def asked(partner_a, admin_a, owner):
    """A deal of partner A in review, with a product and an open question from the vendor."""
    staff = owner
    deal = deal_in_review(partner=partner_a, member=admin_a, company_name="Kept Partner Co")
    deal.products.add(ProductFactory(name="Kept Product"))
    review_services.deal_request_info(actor=staff, deal=deal, question="Who signs the order?")
    return Deal.objects.get(pk=deal.pk)


@pytest.fixture
def decided(partner_a, admin_a, owner):
    """An accepted deal with an extension request, and a rejected one with its reason."""
    staff = owner
    seller = StaffFactory(email="seller@vendor.test", roles=[StaffRole.SALES_OWNER])
    RejectionReason.objects.create(code="no-fit", label="Not a fit for the program")
    accepted = deal_in_review(partner=partner_a, member=admin_a, company_name="Accepted Co")
    review_services.deal_accept(actor=staff, deal=accepted, override_reason="Known customer",
                                sales_owner=seller)
    review_services.extension_request(partner=partner_a, actor=admin_a,
                                      deal=Deal.objects.get(pk=accepted.pk),
                                      reason="Procurement needs a month more")
    rejected = deal_in_review(partner=partner_a, member=admin_a, company_name="Rejected Co")
    review_services.deal_reject(actor=staff, deal=rejected, reason_code="no-fit",
                                note="Outside the territory")
    return [Deal.objects.get(pk=accepted.pk), Deal.objects.get(pk=rejected.pk)]


def test_the_body_reads_no_table_the_version_does_not_watch(
    client_a, asked, decided, monkeypatch
):
    read = capture_tables_of_kept_bodies(monkeypatch)
    pages = [_get(client_a, deal)[0] for deal in (asked, *decided)]

    assert "Who signs the order?" in pages[0] and "Kept Product" in pages[0]
    assert "Procurement needs a month more" in pages[1]
    assert "Outside the territory" in pages[2]
    assert {"leads_deal", "leads_dealquestion", "reviews_extensionrequest",
            "reviews_decision", "audit_auditevent"} <= read
    assert unwatched(read, DEAL_PAGES) == set()


def test_a_kept_body_is_served_with_fewer_queries_and_a_fresh_token(client_a, asked):
    first, cold = _get(client_a, asked)
    second, warm = _get(client_a, asked)

    assert warm < cold
    assert without_csrf_tokens(first) == without_csrf_tokens(second)
    tokens = CSRF_INPUT.findall(second)
    assert tokens and "\x00" not in second
    assert set(CSRF_INPUT.findall(first)).isdisjoint(tokens)


def test_an_answer_posts_with_the_token_of_a_kept_body(admin_a, asked):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    _get(client, asked)
    page, _count = _get(client, asked)  # kept
    item = DealQuestion.objects.get(deal=asked)

    response = client.post(f"/deals/questions/{item.pk}/answer/", {
        "csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1), "answer": "Our CFO signs."})

    assert response.status_code == 302
    assert "Our CFO signs." in _get(client, asked)[0]


def test_another_organization_gets_404_for_a_kept_deal(client_a, client_b, asked):
    _get(client_a, asked)
    _get(client_a, asked)  # kept for partner A

    assert client_b.get(f"/deals/{asked.pk}/").status_code == 404


def _answer(deal, admin):
    lead_services.deal_question_answer(partner=deal.partner, actor=admin,
                                       item=DealQuestion.objects.get(deal=deal),
                                       answer="Answered through the service")
    return "Answered through the service"


def _raw_sql_company(deal, admin):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leads_deal SET company_name = %s WHERE id = %s",
                       ["Renamed By SQL", deal.pk])
    return "Renamed By SQL"


def _suspend(deal, admin):
    deal.partner.program_status = ProgramStatus.SUSPENDED
    deal.partner.save(update_fields=["program_status"])
    return "cannot answer questions while it is read-only"


def _rename_product(deal, admin):
    deal.products.update(name="Renamed Product")
    return "Renamed Product"


@pytest.mark.parametrize("change", [_answer, _raw_sql_company, _suspend, _rename_product])
def test_a_committed_change_shows_on_the_next_request(client_a, admin_a, asked, change):
    _get(client_a, asked)
    _page, warm = _get(client_a, asked)

    expected = change(asked, admin_a)

    assert expected in _get(client_a, asked)[0]


def test_htmx_gets_the_status_fragment_not_a_kept_page(client_a, asked):
    _get(client_a, asked)
    Deal.objects.filter(pk=asked.pk).update(status=DealStatus.SCREENING,
                                            screening_started_at=timezone.now())

    fragment, _count = _get(client_a, asked, hx_request="true")

    assert "<html" not in fragment and "Who signs the order?" not in fragment


def test_an_extension_request_with_an_error_shows_it_beside_the_field(client_a, decided):
    accepted = decided[0]

    response = client_a.post(f"/deals/{accepted.pk}/extension/", {"reason": ""})

    assert response.status_code == 400
    assert "Accepted Co" in response.content.decode()


# --- The dashboard ------------------------------------------------------------------------


def _dashboard(client, query="", **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/deals/{query}", headers=headers)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_dashboard_body_reads_no_table_the_version_does_not_watch(
    client_a, asked, decided, monkeypatch
):
    read = capture_tables_of_kept_bodies(monkeypatch)
    pages = [_dashboard(client_a, query)[0] for query in ("", "?status=rejected&q=Rejected")]

    assert "Kept Partner Co" in pages[0] and "1 question" in pages[0]
    assert "Rejected Co" in pages[1] and "Kept Partner Co" not in pages[1]
    assert {"leads_deal", "leads_dealquestion"} <= read
    assert unwatched(read, DEAL_PAGES) == set()


def test_the_dashboard_is_kept_per_query_and_organization(client_a, client_b, asked, decided):
    _dashboard(client_a)
    page, warm = _dashboard(client_a)
    cold = _dashboard(client_a, "?status=accepted")[1]

    assert warm < cold
    assert "Accepted Co" in _dashboard(client_a, "?status=accepted")[0]
    assert "Kept Partner Co" not in _dashboard(client_a, "?status=accepted")[0]
    assert "Kept Partner Co" in page
    assert "Kept Partner Co" not in _dashboard(client_b)[0]


def _answered(deal, admin):
    _answer(deal, admin)
    return lambda page: "question" not in page.split('id="deal-table"')[1]


def _renamed_by_sql(deal, admin):
    return _shows(_raw_sql_company(deal, admin))


def _suspended(deal, admin):
    _suspend(deal, admin)
    return _shows("you cannot register or change them")


def _asked_again(deal, admin):
    review_services.deal_request_info(actor=deal.partner.partner_owner, deal=deal,
                                      question="And the budget?")
    return _shows("2 questions")


def _new_draft(deal, admin):
    DealFactory(partner=deal.partner, created_by=admin, company_name="Newest Draft Co")
    return _shows("Newest Draft Co")


def _shows(text):
    return lambda page: text in page


@pytest.mark.parametrize("change", [_answered, _renamed_by_sql, _suspended, _asked_again,
                                    _new_draft])
def test_a_committed_change_shows_on_the_dashboard(client_a, admin_a, asked, change):
    _dashboard(client_a)
    _dashboard(client_a)  # kept

    shows = change(Deal.objects.get(pk=asked.pk), admin_a)

    assert shows(_dashboard(client_a)[0])


def test_htmx_gets_the_table_fragment(client_a, asked):
    _dashboard(client_a)

    fragment, _count = _dashboard(client_a, "?q=Kept", hx_request="true")

    assert fragment.lstrip().startswith('<div id="deal-table"') and "Kept Partner Co" in fragment
