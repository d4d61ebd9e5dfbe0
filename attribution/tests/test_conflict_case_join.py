"""Conflict cases: every registration that screening finds in conflict belongs to one open
case, whichever was screened first; one attribution task per case, on its earliest member."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from attribution.choices import AttributionStatus, CaseStatus
from attribution.models import Attribution, ConflictCase
from attribution.services import conflict_case_join
from attribution.tests.conftest import screened, submitted
from audit.models import AuditEvent
from crm.tests.factories import AccountFactory
from leads.choices import MatchKind, MatchTarget
from leads.models import Deal, DuplicateMatch
from partners.choices import StaffRole
from partners.tests.factories import PartnerFactory, StaffFactory
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask

pytestmark = pytest.mark.django_db


def _open_conflict_tasks():
    return ReviewTask.objects.filter(kind=TaskKind.ATTRIBUTION_CONFLICT, status=TaskStatus.OPEN)


@pytest.fixture
def partner_c(db):
    return PartnerFactory(name="Charlie Partners")


@pytest.fixture
def globex_trio(partner_a, partner_b, partner_c, people):
    """Three partners registered the same customer, a day apart each (A first)."""
    partner_c.partner_owner = people.owner
    partner_c.save()
    now = timezone.now()
    return [
        submitted(partner=partner, company_name=name, website="globex.com",
                  contact_email=f"buyer{i}@globex.com", submitted_at=now - timedelta(days=3 - i))
        for i, (partner, name) in enumerate([(partner_a, "Globex Corporation"),
                                              (partner_b, "Globex Corp."), (partner_c, "GLOBEX")])
    ]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_three_registrations_end_in_one_case_whatever_the_screening_order(globex_trio, order, people):
    screened(*[globex_trio[i] for i in order])

    deals = [Deal.objects.get(pk=d.pk) for d in globex_trio]
    case = deals[0].conflict_case
    assert case is not None and case.status == CaseStatus.OPEN
    assert {d.conflict_case_id for d in deals} == {case.pk}
    assert all(d.routing_paused for d in deals)
    assert ConflictCase.objects.filter(status=CaseStatus.OPEN).count() == 1
    task = _open_conflict_tasks().get()
    assert (task.conflict_case, task.deal, task.assignee) == (case, deals[0], people.owner)
    proposed = Attribution.objects.get(case=case, status=AttributionStatus.PROPOSED)
    assert (proposed.deal, proposed.share) == (deals[0], Decimal("100.00"))


def test_a_registration_submitted_earlier_takes_over_the_case_task(globex_trio, partner_a):
    first, second, third = globex_trio
    owner_a = StaffFactory(email="owner-a@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    partner_a.partner_owner = owner_a
    partner_a.save()
    # The first registration is not in the system yet when the other two are screened.
    Deal.objects.filter(pk=first.pk).update(status="draft")
    screened(second, third)
    task = _open_conflict_tasks().get()
    assert task.deal_id == second.pk

    Deal.objects.filter(pk=first.pk).update(status="submitted")
    screened(first)

    task.refresh_from_db()
    assert _open_conflict_tasks().get() == task
    assert (task.deal_id, task.partner_id, task.assignee) == (first.pk, partner_a.pk, owner_a)
    assert AuditEvent.objects.filter(action="review_task.move").count() == 1
    assert Deal.objects.get(pk=first.pk).conflict_case_id == task.conflict_case_id


def _match(deal: Deal, target: Deal | None = None, *, kind=MatchKind.CROSS_PARTNER, account=None):
    return DuplicateMatch.objects.create(
        deal=deal, kind=kind, target_type=MatchTarget.DEAL if target else MatchTarget.ACCOUNT,
        target_deal=target, target_account=account,
        target_key=f"deal:{target.pk}" if target else f"account:{account.pk}",
        score=Decimal("0.9"), matched_fields=["domain"], reasons=["same domain"])


def test_a_registration_that_links_two_open_cases_merges_them_into_the_older(people, partner_a, partner_b):
    deals = [submitted(partner=partner_a if i % 2 else partner_b) for i in range(5)]
    _match(deals[1], deals[0])
    older = conflict_case_join(deal=deals[1])
    _match(deals[3], deals[2])
    newer = conflict_case_join(deal=deals[3])
    assert older != newer and _open_conflict_tasks().count() == 2
    newer_task = _open_conflict_tasks().get(conflict_case=newer)

    _match(deals[4], deals[1])
    _match(deals[4], deals[3])
    case = conflict_case_join(deal=deals[4])

    assert case == older
    assert set(Deal.objects.filter(conflict_case=case).values_list("pk", flat=True)) == {d.pk for d in deals}
    newer.refresh_from_db()
    assert newer.status == CaseStatus.RESOLVED and older.reference in newer.reason
    assert _open_conflict_tasks().get().conflict_case == case
    newer_task.refresh_from_db()
    assert newer_task.status == TaskStatus.CANCELLED
    assert AuditEvent.objects.filter(action="conflict_case.merge", target_id=str(newer.pk)).exists()
    assert all(Deal.objects.filter(pk__in=[d.pk for d in deals]).values_list("routing_paused", flat=True))


def test_a_conflict_with_direct_sales_alone_opens_a_case_and_pauses_routing(partner_a, people):
    deal = submitted(partner=partner_a)
    _match(deal, kind=MatchKind.DIRECT_SALES, account=AccountFactory())

    case = conflict_case_join(deal=deal)

    deal.refresh_from_db()
    assert case.involves_direct_sales and deal.conflict_case == case and deal.routing_paused
    assert _open_conflict_tasks().get().deal == deal


def test_joining_again_changes_nothing(conflict_pair):
    first, second = conflict_pair
    case = first.conflict_case
    counts = (AuditEvent.objects.count(), ReviewTask.objects.count(), Attribution.objects.count(),
              ConflictCase.objects.count())

    assert conflict_case_join(deal=second) == case
    assert conflict_case_join(deal=first) == case

    assert (AuditEvent.objects.count(), ReviewTask.objects.count(), Attribution.objects.count(),
            ConflictCase.objects.count()) == counts


def test_a_registration_without_a_conflict_gets_no_case(partner_a, people):
    deal = submitted(partner=partner_a)
    _match(deal, kind=MatchKind.EXISTING_CUSTOMER, account=AccountFactory())

    assert conflict_case_join(deal=deal) is None
    assert not ConflictCase.objects.exists() and not _open_conflict_tasks().exists()


def test_the_database_refuses_a_second_open_task_per_case(conflict_pair):
    task = _open_conflict_tasks().get()

    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewTask.objects.create(kind=TaskKind.ATTRIBUTION_CONFLICT, deal=conflict_pair[1],
                                  partner_id=conflict_pair[1].partner_id, conflict_case=task.conflict_case,
                                  due_at=timezone.now())
