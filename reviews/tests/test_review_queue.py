"""The staff review queue: my tasks first, open reviews with filters, counts, SLA states,
search, sort, htmx partial updates, a fixed query count, and who may see it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from conftest import login_with_mfa
from leads.choices import DealStatus, StopRule
from leads.models import StopRuleHit
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory, TierFactory
from reviews.choices import TaskKind
from reviews.models import ReviewTask

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
URL = "/staff/"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW):
        yield


def _deal(partner, company, status=DealStatus.IN_REVIEW, submitted_hours_ago=48, **kwargs):
    return DealFactory(partner=partner, status=status, company_name=company,
                       submitted_at=NOW - timedelta(hours=submitted_hours_ago), **kwargs)


def _task(deal, *, kind=TaskKind.ACCEPTANCE_REVIEW, assignee=None, due_in=timedelta(days=3),
          **kwargs):
    return ReviewTask.objects.create(deal=deal, partner=deal.partner, kind=kind,
                                     assignee=assignee, due_at=NOW + due_in, **kwargs)


@pytest.fixture
def other_reviewer(db):
    return StaffFactory(email="other@vendor.test", roles=[StaffRole.PARTNER_OWNER])


@pytest.fixture
def world(staff, other_reviewer, partner_a, partner_b):
    """Four open reviews, each different in one way, and decided deals that stay out."""
    partner_b.tier = TierFactory(name="Gold", rank=30)
    partner_b.save()
    overdue = _deal(partner_a, "Overdue Oil", submitted_hours_ago=96)
    _task(overdue, assignee=staff, due_in=-timedelta(days=2, hours=1), escalated_at=NOW)
    StopRuleHit.objects.create(deal=overdue, rule=StopRule.UNCLEAR_AUTHORITY,
                               reason="Contact authority is unknown.")
    soon = _deal(partner_b, "Soon Steel", submitted_hours_ago=20, routing_paused=True)
    _task(soon, due_in=timedelta(hours=5, minutes=10))
    _task(soon, kind=TaskKind.ATTRIBUTION_CONFLICT, assignee=other_reviewer,
          due_in=timedelta(days=4))
    later = _deal(partner_a, "Later Lumber", submitted_hours_ago=2)
    _task(later, assignee=other_reviewer, due_in=timedelta(days=3))
    StopRuleHit.objects.create(deal=later, rule=StopRule.COMMITMENTS, reason="Asks for a price.")
    waiting = _deal(partner_b, "Waiting Wool", status=DealStatus.NEEDS_INFO,
                    submitted_hours_ago=72)
    _task(waiting, assignee=staff, due_in=timedelta(hours=1), paused_at=NOW - timedelta(hours=3))
    accepted = _deal(partner_a, "Accepted Apples", status=DealStatus.ACCEPTED)
    _task(accepted, kind=TaskKind.SALES_HANDOFF, assignee=staff, due_in=timedelta(days=2))
    _deal(partner_b, "Draft Dough", status=DealStatus.DRAFT, submitted_hours_ago=0)
    return {"overdue": overdue, "soon": soon, "later": later, "waiting": waiting,
            "accepted": accepted}


def _rows(response) -> list[str]:
    return [deal.company_name for deal in response.context["rows"]]


def test_my_tasks_come_first_due_soonest_then_all_open_reviews(staff_client, world):
    response = staff_client.get(URL)

    assert response.status_code == 200
    mine = response.context["my_tasks"]
    # Running clocks by due time; the task waiting for the partner goes last.
    assert [t.deal.company_name for t in mine] == ["Overdue Oil", "Accepted Apples",
                                                    "Waiting Wool"]
    page = response.content.decode()
    assert page.index("My tasks") < page.index("Open reviews") < page.index('id="queue-table"')
    assert _rows(response) == ["Overdue Oil", "Soon Steel", "Later Lumber", "Waiting Wool"]


def test_a_reviewer_with_no_tasks_is_told_so(other_reviewer, world):
    client = login_with_mfa(Client(), StaffFactory(roles=[StaffRole.PARTNER_OWNER]))

    response = client.get(URL)

    assert response.context["my_tasks"] == []
    assert "No open tasks are assigned to you." in response.content.decode()


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=acceptance_review", {"Overdue Oil", "Soon Steel", "Later Lumber", "Waiting Wool"}),
    ("kind=attribution_conflict", {"Soon Steel"}),
    ("status=needs_info", {"Waiting Wool"}),
    ("status=in_review", {"Overdue Oil", "Soon Steel", "Later Lumber"}),
    ("conflict=1", {"Soon Steel"}),
    ("conflict=0", {"Overdue Oil", "Later Lumber", "Waiting Wool"}),
    ("stop_rule=any", {"Overdue Oil", "Later Lumber"}),
    ("stop_rule=unclear_authority", {"Overdue Oil"}),
    ("stop_rule=strategic_account", set()),
    ("sla=overdue", {"Overdue Oil"}),
    ("sla=due_24h", {"Soon Steel"}),
    ("sla=on_time", {"Later Lumber"}),
    ("sla=paused", {"Waiting Wool"}),
    ("assignee=me", {"Overdue Oil", "Waiting Wool"}),
    ("assignee=none", {"Soon Steel"}),
    ("q=lumber", {"Later Lumber"}),
    ("q=Bravo", {"Soon Steel", "Waiting Wool"}),
    ("sla=overdue&assignee=me&stop_rule=any", {"Overdue Oil"}),
])
def test_each_filter_narrows_the_open_reviews(staff_client, world, query, expected):
    response = staff_client.get(f"{URL}?{query}")

    assert response.status_code == 200
    assert not response.context["filter"].errors
    assert set(_rows(response)) == expected


def test_partner_tier_and_a_named_assignee_filter_by_id(
    staff_client, world, partner_a, partner_b, other_reviewer
):
    by_partner = staff_client.get(f"{URL}?partner={partner_a.pk}")
    by_tier = staff_client.get(f"{URL}?tier={partner_b.tier_id}")
    by_user = staff_client.get(f"{URL}?assignee={other_reviewer.pk}")

    assert set(_rows(by_partner)) == {"Overdue Oil", "Later Lumber"}
    assert set(_rows(by_tier)) == {"Soon Steel", "Waiting Wool"}
    assert set(_rows(by_user)) == {"Soon Steel", "Later Lumber"}


def test_search_finds_a_reference_with_or_without_its_prefix(staff_client, world):
    deal = world["later"]

    for term in (deal.reference, deal.reference.lower(), str(deal.pk)):
        assert _rows(staff_client.get(URL, {"q": term})) == ["Later Lumber"]


@pytest.mark.parametrize(("sort", "expected"), [
    ("due", ["Overdue Oil", "Soon Steel", "Later Lumber", "Waiting Wool"]),
    ("newest", ["Later Lumber", "Soon Steel", "Waiting Wool", "Overdue Oil"]),
    ("partner", ["Overdue Oil", "Later Lumber", "Soon Steel", "Waiting Wool"]),
])
def test_sort_orders(staff_client, world, sort, expected):
    assert _rows(staff_client.get(URL, {"sort": sort})) == expected


def test_counts_per_filter_value_cover_all_open_reviews(
    staff_client, world, partner_a, partner_b, other_reviewer
):
    counts = staff_client.get(f"{URL}?q=nothing-matches").context["counts"]

    assert counts.total == 4
    assert counts.status == {"in_review": 3, "needs_info": 1}
    assert counts.kind[TaskKind.ACCEPTANCE_REVIEW] == 4
    assert counts.kind[TaskKind.ATTRIBUTION_CONFLICT] == 1
    assert counts.kind[TaskKind.SALES_HANDOFF] == 0  # the accepted deal is not in review
    assert counts.sla == {"overdue": 1, "due_24h": 1, "on_time": 1, "paused": 1}
    assert counts.conflict == 1
    assert counts.stop_rule["any"] == 2 and counts.stop_rule[StopRule.COMMITMENTS] == 1
    assert counts.partner == {partner_a.pk: ("Alpha Partners", 2),
                              partner_b.pk: ("Bravo Partners", 2)}
    assert dict(counts.tier) == {partner_a.tier_id: (partner_a.tier.name, 2),
                                 partner_b.tier_id: ("Gold", 2)}
    assert counts.assignee["me"] == 2 and counts.assignee["none"] == 1
    assert counts.assignee[other_reviewer.pk] == 2


def test_choice_labels_show_their_counts_and_the_chosen_value_stays_selected(
    staff_client, world, partner_b
):
    page = staff_client.get(URL, {"sla": "overdue", "partner": partner_b.pk}).content.decode()

    assert '<option value="overdue" selected>Overdue (1)</option>' in page
    assert f'<option value="{partner_b.pk}" selected>Bravo Partners (2)</option>' in page
    assert '<option value="due" selected>' not in page  # nothing chose a sort

    assert "Overdue (1)" in page
    assert "Attribution conflict (1)" in page
    assert "Open conflict (1)" in page
    assert "Alpha Partners (2)" in page


def test_the_unfiltered_form_shows_new_counts_renamed_partners_and_the_clock(
    staff_client, staff, world, partner_a
):
    """The form's markup is kept by everything it shows (reviews.filters.form_key): a new
    open review, a renamed partner, another reader and time passing each show."""
    page = staff_client.get(URL).content.decode()
    assert "Alpha Partners (2)" in page and "Overdue (1)" in page and "Me (2)" in page

    _task(_deal(partner_a, "New Nickel"), due_in=-timedelta(hours=1))
    page = staff_client.get(URL).content.decode()
    assert "Alpha Partners (3)" in page and "Overdue (2)" in page

    partner_a.name = "Alpha Renamed"
    partner_a.save()
    assert "Alpha Renamed (3)" in staff_client.get(URL).content.decode()

    with freeze_time(NOW + timedelta(days=3, hours=1)):
        assert "Overdue (4)" in staff_client.get(URL).content.decode()

    reader = login_with_mfa(Client(), StaffFactory(roles=[StaffRole.PARTNER_OWNER]))
    assert "Me (0)" in reader.get(URL).content.decode()


def test_rows_show_time_left_red_when_overdue_and_markers(staff_client, world):
    response = staff_client.get(URL)
    page = response.content.decode()
    by_name = {deal.company_name: deal for deal in response.context["rows"]}

    assert by_name["Overdue Oil"].sla.label == "overdue by 2 d"
    assert by_name["Overdue Oil"].sla.urgent
    assert by_name["Soon Steel"].sla.label == "due in 5 h"
    assert not by_name["Soon Steel"].sla.urgent
    assert by_name["Later Lumber"].sla.label == "due in 3 d"
    assert by_name["Waiting Wool"].sla.label == "waiting for partner"
    queue = page[page.index('id="queue-table"'):]
    assert 'text-bg-danger text-nowrap" data-sla="overdue">overdue by 2 d' in queue
    assert 'text-bg-warning text-nowrap" data-sla="due_24h">due in 5 h' in queue
    assert 'data-sla="paused">waiting for partner' in queue
    assert queue.count('data-marker="conflict"') == 1
    assert "Unclear authority" in queue and "Implies pricing" in queue
    assert queue.count('data-marker="stop-rule"') == 2


def test_an_escalated_task_is_red_even_before_its_due_time(staff_client, staff, world):
    task = world["later"].review_tasks.get()
    task.escalated_at = NOW
    task.save()

    response = staff_client.get(URL, {"q": "Lumber"})

    deal = response.context["rows"][0]
    assert deal.sla.urgent and deal.open_task_list[0].sla.urgent


def test_time_left_moves_with_the_clock(staff_client, world):
    with freeze_time(NOW + timedelta(hours=6)):
        response = staff_client.get(URL, {"q": "Soon"})

    deal = response.context["rows"][0]
    assert deal.sla.state == "overdue" and deal.sla.label == "overdue by 50 min"


def test_an_htmx_request_gets_only_the_table(staff_client, world):
    response = staff_client.get(URL, {"sla": "overdue"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert [t.name for t in response.templates][0] == "reviews/partials/queue_table.html"
    assert page.lstrip().startswith('<div id="queue-table"')
    assert "Overdue Oil" in page and "Soon Steel" not in page
    assert "My tasks" not in page and "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_a_bad_filter_value_is_named_beside_its_field_not_a_500(staff_client, world):
    response = staff_client.get(URL, {"sla": "someday", "partner": "999999"})

    assert response.status_code == 200
    assert set(response.context["filter"].errors) == {"sla", "partner"}
    assert 'id="id_sla-error">Select a valid choice.' in response.content.decode()
    assert len(_rows(response)) == 4


def _fill(n: int, staff, partner_a, partner_b, start: int) -> None:
    reviewers = [StaffFactory(roles=[StaffRole.PARTNER_OWNER]) for _ in range(3)]
    for i in range(start, start + n):
        deal = _deal(partner_a if i % 2 else partner_b, f"Customer {i}",
                     status=DealStatus.NEEDS_INFO if i % 5 == 0 else DealStatus.IN_REVIEW,
                     routing_paused=i % 4 == 0)
        _task(deal, assignee=staff if i % 3 == 0 else reviewers[i % 3],
              due_in=timedelta(hours=i - 10))
        if i % 4 == 0:
            _task(deal, kind=TaskKind.ATTRIBUTION_CONFLICT, assignee=reviewers[0])
        if i % 2 == 0:
            StopRuleHit.objects.create(deal=deal, rule=StopRule.COMMITMENTS, reason="Price.")
            StopRuleHit.objects.create(deal=deal, rule=StopRule.UNCLEAR_AUTHORITY, reason="?")


@pytest.mark.parametrize(("query", "rows_small", "rows_large"), [
    ("", 5, 25),  # a page holds 25
    ("?sort=partner&stop_rule=any&conflict=0", 1, 10),
    ("?assignee=me&stop_rule=any", 1, 7),
    ("?sla=overdue&sort=newest&q=customer", 5, 10),
])
def test_the_page_runs_the_same_number_of_queries_for_5_and_40_open_reviews(
    staff_client, staff, partner_a, partner_b, django_assert_num_queries, query, rows_small,
    rows_large,
):
    _fill(5, staff, partner_a, partner_b, start=0)
    staff_client.get(URL + query)  # warm caches that are not per request (content types)
    with CaptureQueriesContext(connection) as small:
        response = staff_client.get(URL + query)
    assert len(response.context["rows"]) == rows_small
    assert len(response.context["my_tasks"]) == 2

    _fill(35, staff, partner_a, partner_b, start=5)
    with django_assert_num_queries(len(small.captured_queries)):
        response = staff_client.get(URL + query)
    assert len(response.context["rows"]) == rows_large
    assert len(response.context["my_tasks"]) == 14


def test_a_partner_is_refused(client_a, world):
    assert client_a.get(URL).status_code == 403


def test_staff_without_a_reviewer_role_can_read_the_queue(world):
    client = login_with_mfa(Client(), StaffFactory(roles=[StaffRole.SALES_OWNER]))

    response = client.get(URL)

    assert response.status_code == 200
    assert len(_rows(response)) == 4


def test_reviewers_land_on_the_queue_and_sales_owners_on_their_handoffs(staff_client, client_a):
    sales = login_with_mfa(Client(), StaffFactory(roles=[StaffRole.SALES_OWNER]))
    admin = login_with_mfa(Client(), StaffFactory(roles=[StaffRole.SALES_OWNER,
                                                         StaffRole.PROGRAM_ADMIN]))

    assert staff_client.get("/").url == reverse("reviews:queue") == URL
    assert admin.get("/").url == URL
    assert sales.get("/").url == reverse("reviews:handoff-list")
    # A partner page sends staff to their start page too.
    assert staff_client.get(reverse("leads:deal-list")).url == URL
    assert sales.get(reverse("leads:deal-list")).url == reverse("reviews:handoff-list")
    assert client_a.get("/").url == reverse("leads:deal-list")


def test_the_list_of_every_deal_moved_to_staff_deals(staff_client, world):
    response = staff_client.get(reverse("reviews:deal-list"))

    assert reverse("reviews:deal-list") == "/staff/deals/"
    assert response.status_code == 200
    assert "Accepted Apples" in response.content.decode()
    assert "Draft Dough" in response.content.decode()
