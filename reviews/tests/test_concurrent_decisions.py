"""Two reviewers deciding the same deal at once: one wins, the other is told what happened.

Runs on PostgreSQL (row locks are what this is about); skipped on SQLite unless
REQUIRE_SERVICES=1 makes it fail.
"""

import threading

import pytest
from django.db import connection, connections

from conftest import skip_or_fail
from leads.choices import DealStatus
from leads.models import Deal, DealStatusChange
from partnerportal.exceptions import InvalidTransition
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory
from reviews.models import Decision, RejectionReason
from reviews.services import deal_accept, deal_reject
from reviews.tests.review_setup import deal_in_review, reviewer_owning

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        skip_or_fail("this test needs PostgreSQL (set DATABASE_URL)")


def _race(*actions):
    """Run each action in its own thread (its own database connection), released together."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.parametrize("run", range(3))
def test_an_accept_and_a_reject_at_once_end_in_exactly_one_decision(postgres, partner_a, admin_a, run):
    RejectionReason.objects.get_or_create(code="duplicate", defaults={"label": "Duplicate"})
    first = reviewer_owning(partner_a)
    second = StaffFactory(email="po2@vendor.test", roles=[StaffRole.PARTNER_OWNER])
    seller = StaffFactory(email="sales@vendor.test", roles=[StaffRole.SALES_OWNER])
    deal = deal_in_review(partner=partner_a, member=admin_a)

    outcomes = _race(
        lambda: deal_accept(actor=first, deal=Deal.objects.get(pk=deal.pk), sales_owner=seller),
        lambda: deal_reject(actor=second, deal=Deal.objects.get(pk=deal.pk),
                            reason_code="duplicate", note="Another partner was first."),
    )

    won = [o for o in outcomes if isinstance(o, Deal)]
    lost = [o for o in outcomes if isinstance(o, InvalidTransition)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    deal.refresh_from_db()
    assert deal.status == won[0].status
    assert lost[0].current_status == deal.status
    assert Decision.objects.filter(deal=deal).count() == 1
    assert DealStatusChange.objects.filter(deal=deal).count() == 1
    assert deal.status in {DealStatus.ACCEPTED, DealStatus.REJECTED}
