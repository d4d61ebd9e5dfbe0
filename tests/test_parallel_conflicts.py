"""Parallel registrations of one customer by three partners always end in ONE conflict case
containing all three, whatever order they are screened in: exactly one open attribution
task per case, every member's sales routing paused. On PostgreSQL (the case lock is an
advisory lock there); round after round, because a race shows up only sometimes.
"""

import itertools
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from attribution.choices import CaseStatus
from attribution.models import ConflictCase
from leads.choices import DealStatus
from leads.models import Deal
from leads.screening import deal_screening_run
from leads.tests.factories import DealFactory, ProductFactory
from partners.choices import MemberRole, StaffRole
from partners.tests.factories import MembershipFactory, PartnerFactory, StaffFactory
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask
from tests.conftest import start_worker, stop_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5
# A different customer each round (distinct names and registrable domains), so rounds
# never match each other.
CUSTOMERS = ["Initech", "Umbrella", "Cyberdyne", "Tyrell", "Soylent", "Wonka", "Vandelay"]


@pytest.fixture
def three_partners(require_postgres_and_redis):
    owner = StaffFactory(email="po@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    partners = [PartnerFactory(name=f"Partner {name}", partner_owner=owner) for name in ("A", "B", "C")]
    members = [MembershipFactory(partner=p, role=MemberRole.ADMIN, user__email=f"admin@{i}.test").user
               for i, p in enumerate(partners)]
    ProductFactory(sku="ANALYTICS-PRO", name="Analytics Pro")
    return partners, members, owner


def _all_at_once(jobs) -> list:
    """Run each job in its own thread, released together by a barrier; return results."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def run(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as error:  # reported below, with the thread's own traceback lost
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def _assert_one_case_of(deal_ids: list[int]) -> ConflictCase:
    deals = list(Deal.objects.filter(pk__in=deal_ids))
    assert len(deals) == 3
    cases = {d.conflict_case_id for d in deals}
    assert len(cases) == 1 and None not in cases, [(d.pk, d.conflict_case_id) for d in deals]
    case = ConflictCase.objects.get(pk=cases.pop())
    assert case.status == CaseStatus.OPEN
    assert set(case.deals.values_list("pk", flat=True)) == set(deal_ids)
    assert all(d.routing_paused for d in deals)
    tasks = ReviewTask.objects.filter(conflict_case=case, kind=TaskKind.ATTRIBUTION_CONFLICT,
                                      status=TaskStatus.OPEN)
    assert tasks.count() == 1
    # ... and no per-deal conflict task outside the case either.
    assert ReviewTask.objects.filter(deal_id__in=deal_ids, kind=TaskKind.ATTRIBUTION_CONFLICT,
                                     status=TaskStatus.OPEN).count() == 1
    earliest = min(deals, key=lambda d: (d.submitted_at, d.pk))
    assert tasks.get().deal_id == earliest.pk
    return case


def _name(round_no: int, index: int) -> str:
    """Three spellings of one customer, as three partners would type it."""
    base = CUSTOMERS[round_no]
    return [base, f"{base.upper()} Inc.", f"{base} Corporation"][index]


def _domain(round_no: int) -> str:
    return f"{CUSTOMERS[round_no].lower()}-group.com"


def _payload(round_no: int, index: int) -> str:
    return json.dumps({
        "company_name": _name(round_no, index),
        "website": f"https://www.{_domain(round_no)}" if index != 1 else "",
        "country": "US", "contact_name": "Bill Lumbergh", "contact_title": "VP",
        "contact_email": f"buyer{index}@{_domain(round_no)}", "contact_phone": "+1 555 0101",
        "contact_authority": "decision_maker", "need": "Replace the TPS report pipeline.",
        "urgency": "high", "timeline": "Q4", "estimated_value": "50000.00", "currency": "USD",
        "products": ["ANALYTICS-PRO"], "introduction_path": "existing_client",
        "relationship_notes": "Known contact.", "customer_consent": True, "submit": True,
    })


@pytest.mark.worker
def test_parallel_api_submits_screened_by_three_workers_end_in_one_case(
        three_partners, celery_worker_process, worker_queue, tmp_path, django_db_blocker):
    """Three partners post at the same instant; three worker processes screen them in
    whatever order they pick them up."""
    partners, members, _owner = three_partners
    extra = [start_worker(queue=worker_queue, log_path=tmp_path / f"worker{i}.log") for i in (2, 3)]
    tokens = [Token.objects.create(user=user).key for user in members]
    orders = set()
    try:
        for round_no in range(ROUNDS):
            def post(index, round_no=round_no):
                client = Client(headers={"authorization": f"Token {tokens[index]}"})
                response = client.post("/api/v1/deals/", data=_payload(round_no, index),
                                       content_type="application/json")
                assert response.status_code == 201, response.content[:300]
                return response.json()["id"]

            ids = _all_at_once([lambda i=i: post(i) for i in range(3)])
            wait_for(lambda ids=ids: Deal.objects.filter(pk__in=ids, status=DealStatus.IN_REVIEW).count() == 3,
                     timeout=90)
            _assert_one_case_of(ids)
            started = Deal.objects.filter(pk__in=ids).order_by("screening_started_at", "pk")
            orders.add(tuple(ids.index(pk) for pk in started.values_list("pk", flat=True)))
    finally:
        for process in extra:
            stop_worker(process)
    assert ConflictCase.objects.filter(status=CaseStatus.OPEN).count() == ROUNDS
    print(f"screening orders seen over {ROUNDS} rounds: {sorted(orders)}")


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_simultaneous_screenings_end_in_one_case_whatever_the_order(three_partners, order):
    """The three screenings run at the same instant in threads (each on its own database
    connection); `order` sets which registration was submitted first."""
    partners, members, _owner = three_partners
    now = timezone.now()
    for round_no in range(2):
        deals = [DealFactory(partner=partners[i], created_by=members[i], status=DealStatus.SUBMITTED,
                             company_name=_name(round_no, i), website=_domain(round_no),
                             contact_email=f"buyer{i}@{_domain(round_no)}",
                             submitted_at=now - timedelta(hours=3 - order.index(i)))
                 for i in range(3)]
        ids = [d.pk for d in deals]

        _all_at_once([lambda pk=pk: deal_screening_run(deal_id=pk) for pk in ids])

        assert Deal.objects.filter(pk__in=ids, status=DealStatus.IN_REVIEW).count() == 3
        _assert_one_case_of(ids)
