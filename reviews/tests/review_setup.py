"""Builders shared by the decision tests: a deal in review with its acceptance task, the
way the screening pipeline leaves it, and the CRM match that names its sales owner."""

from decimal import Decimal

from django.utils import timezone

from crm.tests.factories import AccountFactory
from leads.choices import DealStatus, MatchKind, MatchTarget
from leads.models import Deal, DuplicateMatch, StopRuleHit
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory
from reviews.choices import TaskKind
from reviews.models import ReviewTask
from reviews.services import review_task_open


def reviewer_owning(partner, *, email: str = "po@vendor.test", role=StaffRole.PARTNER_OWNER):
    """A partner owner (by default) who owns `partner`, so its tasks default to them."""
    user = StaffFactory(email=email, roles=[role])
    partner.partner_owner = user
    partner.save(update_fields=["partner_owner"])
    return user


def deal_in_review(*, partner, member, **fields) -> Deal:
    """A screened deal of `partner` (created and owned by `member`) in review, with the
    acceptance-review task the pipeline opens."""
    fields.setdefault("status", DealStatus.IN_REVIEW)
    deal = DealFactory(partner=partner, created_by=member, owner=member,
                       submitted_at=timezone.now(), **fields)
    review_task_open(deal=deal, kind=TaskKind.ACCEPTANCE_REVIEW, rules=program_rules_get())
    return deal


def acceptance_task(deal: Deal) -> ReviewTask:
    return ReviewTask.objects.get(deal=deal, kind=TaskKind.ACCEPTANCE_REVIEW)


def match_crm_account(deal: Deal, *, sales_owner, kind=MatchKind.EXISTING_CUSTOMER):
    """Record that screening matched `deal` to a CRM account owned by `sales_owner`."""
    account = AccountFactory(sales_owner=sales_owner, website=deal.website)
    return DuplicateMatch.objects.create(
        deal=deal, kind=kind, target_type=MatchTarget.ACCOUNT, target_account=account,
        target_key=f"account:{account.pk}", score=Decimal("0.950"),
        matched_fields=["domain"], reasons=["same registrable domain"],
    )


def open_conflict(deal: Deal) -> ReviewTask:
    """What screening does on a cross-partner conflict: pause routing, open the task."""
    Deal.objects.filter(pk=deal.pk).update(routing_paused=True)
    deal.refresh_from_db()
    return review_task_open(deal=deal, kind=TaskKind.ATTRIBUTION_CONFLICT,
                            rules=program_rules_get())


def hit_stop_rule(deal: Deal, rule: str = "strategic_account") -> StopRuleHit:
    return StopRuleHit.objects.create(deal=deal, rule=rule, reason="Strategic account.")
