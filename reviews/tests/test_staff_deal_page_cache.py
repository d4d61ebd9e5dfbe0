"""The staff deal page keeps its rendered body under the version of every table it reads
(`partnerportal.versions.DEAL_PAGES`), per deal, user, language and time zone, until
a task's SLA badge would change with the clock. A change committed by any path shows on the
next request; each response carries its own CSRF token.

These tests commit (transactional database): the database bumps the version at commit.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from conftest import login_with_mfa
from crm.models import Opportunity
from crm.tests.factories import AccountFactory
from leads.choices import DealStatus
from leads.models import Deal
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory, ProductFactory
from partnerportal.testing import (
    CSRF_INPUT,
    capture_tables_of_kept_bodies,
    unwatched,
    without_csrf_tokens,
)
from partnerportal.versions import DEAL_PAGES
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews import services
from reviews.choices import TaskKind
from reviews.models import ReviewTask

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW, tick=False) as clock:
        yield clock


@pytest.fixture
def reviewed(partner_a, partner_b, admin_a, staff):
    """A deal of partner A in review that screening matched with partner B's registration,
    a CRM account and its opportunity (with their owners), with products, a question to
    the partner and a decision."""
    partner_a.partner_owner = staff
    partner_a.save(update_fields=["partner_owner"])
    seller = StaffFactory(email="seller@vendor.test", roles=[StaffRole.SALES_OWNER])
    account = AccountFactory(name="Massive Dynamic GmbH", website="massivedynamic.com",
                             sales_owner=seller)
    Opportunity.objects.create(external_id="O-1", account=account, name="Massive rollout",
                               stage="proposal", owner=seller, amount=Decimal("1000"))
    first = DealFactory(partner=partner_b, status=DealStatus.SUBMITTED, submitted_at=NOW,
                        company_name="Massive Dynamic", website="massivedynamic.com")
    deal_screening_run(deal_id=first.pk)
    deal = DealFactory(partner=partner_a, created_by=admin_a, owner=admin_a,
                       status=DealStatus.SUBMITTED, submitted_at=NOW,
                       company_name="Massive Dynamic Inc.", website="www.massivedynamic.com")
    deal.products.add(ProductFactory(name="Kept Product"))
    deal_screening_run(deal_id=deal.pk)
    services.deal_request_info(actor=staff, deal=Deal.objects.get(pk=deal.pk),
                               question="Who signs the order?")
    return Deal.objects.get(pk=deal.pk)


def _get(client, deal):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/staff/deals/{deal.pk}/")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_body_reads_no_table_the_version_does_not_watch(
    staff_client, reviewed, monkeypatch
):
    """Every table read while the body is built moves the version when it changes: a new
    read of an unwatched table fails here instead of showing stale data."""
    read = capture_tables_of_kept_bodies(monkeypatch)
    page, _count = _get(staff_client, reviewed)

    assert "Massive rollout" in page and "Who signs the order?" in page  # a full page
    assert {"leads_duplicatematch", "leads_account", "audit_auditevent"} <= read
    # (The partner record inside is kept under the deals' version, whose tables this
    # version watches too.)
    assert unwatched(read, DEAL_PAGES) == set()


def test_a_kept_body_is_served_with_fewer_queries_and_a_fresh_token(staff_client, reviewed):
    first, cold = _get(staff_client, reviewed)
    second, warm = _get(staff_client, reviewed)

    assert warm <= 6 < cold
    assert without_csrf_tokens(first) == without_csrf_tokens(second)
    tokens = CSRF_INPUT.findall(second)
    assert tokens and "\x00" not in second
    assert set(CSRF_INPUT.findall(first)).isdisjoint(tokens)  # masked anew for each response


def test_a_form_of_a_kept_body_posts_with_its_token(staff, reviewed):
    client = login_with_mfa(Client(enforce_csrf_checks=True), staff)
    _get(client, reviewed)
    page, _count = _get(client, reviewed)  # kept
    token = CSRF_INPUT.search(page).group(1)
    task = ReviewTask.objects.get(deal=reviewed, kind=TaskKind.ACCEPTANCE_REVIEW)

    response = client.post(f"/staff/tasks/{task.pk}/claim/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302


def _rename_account(deal, staff):
    from crm.models import Account

    Account.objects.filter(name="Massive Dynamic GmbH").update(name="Renamed Account AG")
    return "Renamed Account AG"


def _answer_by_raw_sql(deal, staff):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leads_dealquestion SET answer = %s, answered_at = %s"
                       " WHERE deal_id = %s", ["The CFO signs.", NOW, deal.pk])
    return "The CFO signs."


def _reassign_task(deal, staff):
    other = StaffFactory(email="second-owner@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    task = ReviewTask.objects.get(deal=deal, kind=TaskKind.ACCEPTANCE_REVIEW)
    services.review_task_assign(actor=staff, task=task, assignee=other)
    return "second-owner@vendor.test"


def _require_consent(deal, staff):
    rules = program_rules_get()
    rules.required_fields_for_acceptance = ["customer_consent"]
    rules.save()
    Deal.objects.filter(pk=deal.pk).update(customer_consent=False)
    return "Required for acceptance but missing"


def _rename_product(deal, staff):
    deal.products.update(name="Renamed Product")
    return "Renamed Product"


@pytest.mark.parametrize("change", [_rename_account, _answer_by_raw_sql, _reassign_task,
                                    _require_consent, _rename_product])
def test_a_committed_change_shows_on_the_next_request(staff_client, staff, reviewed, change):
    _get(staff_client, reviewed)
    _page, warm = _get(staff_client, reviewed)
    assert warm <= 6  # kept

    expected = change(reviewed, staff)
    page, _count = _get(staff_client, reviewed)

    assert expected in page


def test_a_lost_role_removes_the_decision_panel(staff_client, staff, reviewed):
    assert 'id="decision-accept"' in _get(staff_client, reviewed)[0]
    _get(staff_client, reviewed)

    staff.groups.remove(Group.objects.get(name=StaffRole.PARTNER_OWNER))

    assert 'id="decision-accept"' not in _get(staff_client, reviewed)[0]


def test_each_user_has_their_own_body(staff_client, staff, reviewed):
    task = ReviewTask.objects.get(deal=reviewed, kind=TaskKind.ACCEPTANCE_REVIEW)
    services.review_task_assign(actor=staff, task=task, assignee=staff)
    assert "Assign to me" not in _get(staff_client, reviewed)[0]
    colleague = StaffFactory(email="colleague@vendor.test", roles=[StaffRole.PARTNER_OWNER])

    assert "Assign to me" in _get(login_with_mfa(Client(), colleague), reviewed)[0]


def test_the_clock_alone_moves_a_kept_sla_badge(staff_client, partner_a, admin_a, frozen):
    """Nothing changes in the data, yet "on time" becomes "due within 24 h" and "due
    within 24 h" becomes "overdue" when their moments pass (well within the time a body
    is kept)."""
    program_rules_get()  # the program's rules exist (a flushed database lost them)
    deal = DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.IN_REVIEW,
                       submitted_at=NOW)
    for kind, due in ((TaskKind.ACCEPTANCE_REVIEW, timedelta(hours=24, minutes=2)),
                      (TaskKind.NEEDS_INFO_FOLLOWUP, timedelta(minutes=4))):
        ReviewTask.objects.create(deal=deal, partner=partner_a, kind=kind, due_at=NOW + due)
    page = _get(staff_client, deal)[0]
    assert "sla-on-time" in page and "sla-due-soon" in page and "sla-overdue" not in page

    frozen.tick(timedelta(minutes=1))
    page, warm = _get(staff_client, deal)
    assert warm <= 6 and "sla-on-time" in page  # kept, nothing moved yet

    frozen.tick(timedelta(minutes=2))
    page = _get(staff_client, deal)[0]
    assert "sla-on-time" not in page and "sla-overdue" not in page

    frozen.tick(timedelta(minutes=2))
    assert "sla-overdue" in _get(staff_client, deal)[0]
