"""What the busy pages keep in the cache under the deals' data version
(`partnerportal.versions`): the staff queue's counts and due order, a partner's status
counts, a partner's review record. A change committed by any path (a service, a bulk
`update()`, a new row) shows up on the next request; inside a transaction nothing is cached.

These tests commit (transactional database): the version is bumped by the database when a
change commits.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.template import Context
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import DealFactory
from partnerportal.templatetags.portal import crispy_cached
from partnerportal.versions import data_version
from reviews.choices import TaskKind, TaskStatus
from reviews.forms import QuestionForm, RejectForm
from reviews.models import RejectionReason, ReviewTask

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
QUEUE = "/staff/"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW) as clock:
        yield clock


def _open_review(partner, company, *, due_in, submitted_hours_ago=24):
    deal = DealFactory(partner=partner, status=DealStatus.IN_REVIEW, company_name=company,
                       submitted_at=NOW - timedelta(hours=submitted_hours_ago))
    ReviewTask.objects.create(deal=deal, partner=partner, kind=TaskKind.ACCEPTANCE_REVIEW,
                              due_at=NOW + due_in)
    return deal


@pytest.fixture
def reviews(partner_a, partner_b):
    return [_open_review(partner_a, "Late Larch", due_in=-timedelta(hours=2)),
            _open_review(partner_b, "Soon Spruce", due_in=timedelta(hours=3)),
            _open_review(partner_a, "Far Fir", due_in=timedelta(days=3))]


def _queue(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return response, len(queries)


def _companies(response) -> list[str]:
    return [deal.company_name for deal in response.context["rows"]]


def test_the_queue_reads_counts_and_order_from_the_cache_while_nothing_changes(
    staff_client, reviews
):
    first, computed = _queue(staff_client)
    second, cached = _queue(staff_client)

    assert cached < computed  # the counts' aggregates and the due-order sort are not rerun
    assert _companies(second) == _companies(first) == ["Late Larch", "Soon Spruce", "Far Fir"]
    assert second.context["counts"] == first.context["counts"]
    assert second.context["counts"].sla["overdue"] == 1


def test_a_bulk_update_of_a_task_shows_up_on_the_next_request(staff_client, reviews):
    _queue(staff_client)
    # No service, no signal: a plain UPDATE, as a task or a data fix may run.
    ReviewTask.objects.filter(deal=reviews[0]).update(status=TaskStatus.DONE)
    Deal.objects.filter(pk=reviews[2].pk).update(status=DealStatus.ACCEPTED)

    response, _ = _queue(staff_client)

    counts = response.context["counts"]
    assert counts.total == 2 and counts.sla["overdue"] == 0
    assert counts.kind[TaskKind.ACCEPTANCE_REVIEW] == 1
    assert _companies(response) == ["Soon Spruce", "Late Larch"]  # no running clock: last


def test_a_new_open_review_shows_up_on_the_next_request(staff_client, reviews, partner_b):
    _queue(staff_client)
    _open_review(partner_b, "First Fig", due_in=-timedelta(days=1))

    response, _ = _queue(staff_client)

    assert response.context["counts"].total == 4
    assert _companies(response)[0] == "First Fig"


def test_the_clock_moves_the_sla_counts_without_any_change(staff_client, reviews, frozen):
    _queue(staff_client)
    frozen.move_to(NOW + timedelta(hours=4))  # "Soon Spruce" is overdue now

    response, _ = _queue(staff_client)

    assert response.context["counts"].sla["overdue"] == 2
    assert response.context["counts"].sla["due_24h"] == 0


def test_nothing_is_cached_inside_a_transaction(reviews):
    assert data_version() is not None
    with transaction.atomic():
        assert data_version() is None


def test_the_version_moves_once_a_change_commits(reviews):
    before = data_version()
    with transaction.atomic():
        ReviewTask.objects.filter(deal=reviews[1]).update(assignee=None, note="x")
    assert data_version() != before


def test_a_change_to_other_columns_of_a_deal_keeps_the_version(reviews):
    before = data_version()
    Deal.objects.filter(pk=reviews[1].pk).update(need="More seats.", website="spruce.test")
    assert data_version() == before


def test_the_dashboard_counts_show_a_new_or_moved_deal_on_the_next_request(
    client_a, partner_a, admin_a
):
    DealFactory.create_batch(2, partner=partner_a, created_by=admin_a,
                             status=DealStatus.IN_REVIEW)
    first = client_a.get("/deals/")
    assert first.context["counts"] == {DealStatus.IN_REVIEW: 2}

    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.DRAFT)
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.ACCEPTED)
    second = client_a.get("/deals/")

    assert second.context["counts"] == {DealStatus.IN_REVIEW: 2, DealStatus.ACCEPTED: 1}
    assert second.context["page"].paginator.count == 3
    filtered = client_a.get("/deals/", {"status": DealStatus.ACCEPTED})
    assert filtered.context["page"].paginator.count == 1


def test_cached_decision_forms_are_the_markup_crispy_renders():
    RejectionReason.objects.get_or_create(code="existing-customer",
                                          defaults={"label": "Existing customer"})
    from crispy_forms.utils import render_crispy_form

    for form_class in (RejectForm, QuestionForm):
        expected = str(render_crispy_form(form_class()))
        assert str(crispy_cached(Context(), form_class())) == expected
        assert str(crispy_cached(Context(), form_class())) == expected  # from the cache

    RejectionReason.objects.create(code="no-budget", label="No budget", position=9)
    assert "No budget" in str(crispy_cached(Context(), RejectForm()))  # a new choice


def test_a_bound_decision_form_renders_with_its_errors():
    form = QuestionForm(data={"question": ""})
    assert "is-invalid" in str(crispy_cached(Context(), form))


def test_a_memoized_dashboard_row_shows_a_changed_deal_on_the_next_request(
    client_a, partner_a, admin_a
):
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                       company_name="Old Oak")
    assert "Old Oak" in client_a.get("/deals/").content.decode()
    client_a.get("/deals/")  # the row's markup is kept now

    Deal.objects.filter(pk=deal.pk).update(company_name="New Nut", status=DealStatus.ACCEPTED)
    page = client_a.get("/deals/").content.decode()

    assert "New Nut" in page and "Old Oak" not in page
    assert '<span class="badge text-bg-success">Accepted</span>' in page


def test_the_memoized_navigation_follows_the_organization_and_the_page(
    client_a, partner_a
):
    assert "Alpha Partners" in client_a.get("/deals/").content.decode()
    partner_a.name = "Alpha Renamed"
    partner_a.save()

    members = reverse("partners:member-list")
    page = client_a.get(members).content.decode()

    assert "Alpha Renamed" in page and "Alpha Partners" not in page
    assert 'nav-link active' in page
    assert page.count('aria-current="page"') == 1


def test_a_task_given_to_me_shows_in_my_tasks_on_the_next_request(
    staff_client, staff, reviews
):
    first, _ = _queue(staff_client)
    assert first.context["my_tasks"] == []

    ReviewTask.objects.filter(deal=reviews[2]).update(assignee=staff)
    response, _ = _queue(staff_client)

    assert [task.deal.company_name for task in response.context["my_tasks"]] == ["Far Fir"]
    assert response.context["counts"].assignee["me"] == 1


def test_cached_partner_forms_are_the_markup_of_the_crispy_filter():
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form

    from leads.forms import ExtensionRequestForm, WithdrawForm
    from partnerportal.templatetags.portal import crispy_cached_fields

    for form_class in (WithdrawForm, ExtensionRequestForm):
        expected = str(as_crispy_form(form_class()))
        assert str(crispy_cached_fields(form_class())) == expected
        assert str(crispy_cached_fields(form_class())) == expected  # from the cache
    bound = WithdrawForm(data={"reason": "x" * 5000})
    assert str(crispy_cached_fields(bound)) == str(as_crispy_form(bound))


def test_a_renamed_organization_or_reviewer_shows_in_the_queue_on_the_next_request(
    staff_client, staff, reviews, partner_a
):
    ReviewTask.objects.filter(deal=reviews[0]).update(assignee=staff)
    _queue(staff_client)

    partner_a.name = "Alpha Renamed"
    partner_a.save()
    staff.email = "renamed@vendor.test"
    staff.save()
    response, _ = _queue(staff_client)

    page = response.content.decode()
    assert response.context["counts"].partner[partner_a.pk] == ("Alpha Renamed", 2)
    assert "Alpha Renamed" in page and "renamed@vendor.test" in page
    assert "Alpha Partners" not in page


def test_a_staff_users_sign_in_keeps_the_version(staff):
    before = data_version()
    from django.utils import timezone
    staff.last_login = timezone.now()
    staff.save(update_fields=["last_login"])
    assert data_version() == before


def test_each_page_of_the_kept_due_order_holds_its_own_rows(
    staff_client, reviews, partner_b, monkeypatch
):
    monkeypatch.setattr("reviews.views.queue.QUEUE_PAGE_SIZE", 2)
    _open_review(partner_b, "Last Lime", due_in=timedelta(days=9))

    pages = [staff_client.get(QUEUE, {"page": n}) for n in (1, 2, 2, 1, 99)]

    assert [_companies(page) for page in pages] == [
        ["Late Larch", "Soon Spruce"], ["Far Fir", "Last Lime"], ["Far Fir", "Last Lime"],
        ["Late Larch", "Soon Spruce"], ["Far Fir", "Last Lime"]]
    assert pages[1].context["page"].paginator.count == 4


def test_the_api_lists_count_shows_a_new_deal_on_the_next_request(admin_a, partner_a):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=admin_a)
    api = Client(headers={"authorization": f"Token {token.key}"})
    DealFactory.create_batch(2, partner=partner_a, created_by=admin_a)
    assert api.get("/api/v1/deals/").json()["count"] == 2

    DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.ACCEPTED)

    assert api.get("/api/v1/deals/").json()["count"] == 3
    assert api.get("/api/v1/deals/", {"status": "accepted"}).json()["count"] == 1


def test_a_renamed_company_shows_in_the_queue_and_my_tasks_on_the_next_request(
    staff_client, staff, reviews
):
    ReviewTask.objects.filter(deal=reviews[1]).update(assignee=staff)
    _queue(staff_client)

    Deal.objects.filter(pk=reviews[1].pk).update(company_name="Spruce Renamed")
    response, _ = _queue(staff_client)

    assert "Spruce Renamed" in _companies(response)
    assert [t.deal.company_name for t in response.context["my_tasks"]] == ["Spruce Renamed"]
