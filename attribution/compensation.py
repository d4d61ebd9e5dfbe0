"""Compensation: commission rules applied to won deals, approvals, payout statements.

Money is `Decimal` with a currency. Rounding, stated once:

* The amount won is first split among the deal's credit lines (direct sales included) by
  their shares, to the cent, by largest remainder: the parts add up to the amount exactly.
* Partners whose lines fall under the same commission rule share one commission computed
  on their combined part (rate × part, rounded half up to the cent, capped at the rule's
  cap scaled by their combined share); it is split among them the same way, so the
  commission lines of a split add up to that commission exactly.
* A change of shares after commissions exist never rewrites one: a correcting line
  carries the difference.

Nothing here approves anything by itself: every proposal waits for a partner owner.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.choices import AttributionStatus, CommissionKind, CommissionStatus, PayoutStatus
from attribution.models import Attribution, Commission, CommissionRule, PayoutStatement
from audit.services import audit_record
from leads.models import Deal
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import StaffRole
from partners.selectors import program_rules_get, user_staff_roles
from reviews.choices import NotificationKind, TaskKind, TaskStatus
from reviews.models import ReviewTask

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
# Lines whose shares earn commission: approved by a person (disputed lines keep earning
# until the dispute changes them).
EARNING = {AttributionStatus.APPROVED, AttributionStatus.DISPUTED, AttributionStatus.FINAL}


def split_exact(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` by `weights` to the cent so that the parts add up to `total` exactly
    (largest remainder; ties go to the earlier weight)."""
    if not weights:
        return []
    weight_sum = sum(weights, Decimal("0"))
    if weight_sum == 0:
        return [Decimal("0.00") for _ in weights]
    raw = [total * w / weight_sum for w in weights]
    parts = [r.quantize(CENT, rounding=ROUND_DOWN) for r in raw]
    left = int(((total - sum(parts, Decimal("0"))) / CENT).to_integral_value())
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += CENT
    return parts


def commission_rule_for(*, partner, deal: Deal, on: date) -> CommissionRule | None:
    """The most specific rule in force on `on` for the partner's tier, the deal's products
    and its source (a rule naming one beats a blank one; then the latest start wins)."""
    products = list(deal.products.values_list("pk", flat=True))
    rules = CommissionRule.objects.filter(
        Q(tier__isnull=True) | Q(tier_id=partner.tier_id),
        Q(product__isnull=True) | Q(product_id__in=products),
        Q(source="") | Q(source=deal.source),
        Q(effective_to__isnull=True) | Q(effective_to__gte=on),
        effective_from__lte=on,
    )
    return max(rules, key=lambda r: (r.tier_id is not None, r.product_id is not None,
                                     bool(r.source), r.effective_from, r.pk), default=None)


def _rule_snapshot(rule: CommissionRule | None) -> dict:
    if rule is None:
        return {}
    return {"id": rule.pk, "name": rule.name, "kind": rule.kind, "rate": str(rule.rate or ""),
            "amount": str(rule.amount or ""), "currency": rule.currency, "cap": str(rule.cap or ""),
            "tier": rule.tier_id, "product": rule.product_id, "source": rule.source,
            "effective_from": rule.effective_from.isoformat(),
            "effective_to": rule.effective_to.isoformat() if rule.effective_to else None}


def _commission_on(rule: CommissionRule | None, *, part: Decimal, share: Decimal,
                   currency: str) -> tuple[Decimal, str]:
    """The commission a rule gives on `part` of the amount won (which is `share` % of it)."""
    if rule is None:
        return Decimal("0.00"), _("No commission rule applies; the partner owner sets the amount.")
    if rule.currency and rule.kind == CommissionKind.FLAT and rule.currency != currency:
        return Decimal("0.00"), _("Rule %(r)s pays in %(c)s, the deal is in %(d)s: set the amount.") % {
            "r": rule.name, "c": rule.currency, "d": currency}
    if rule.kind == CommissionKind.PERCENT:
        amount = (part * rule.rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        text = _("%(rate)s%% of %(part)s %(cur)s") % {"rate": rule.rate.normalize(), "part": part, "cur": currency}
    else:
        amount = (rule.amount * share / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        text = _("flat %(amount)s %(cur)s × %(share)s%%") % {"amount": rule.amount, "cur": currency, "share": share}
    if rule.cap is not None:
        cap = (rule.cap * share / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        if amount > cap:
            amount, text = cap, text + _(", capped at %(cap)s") % {"cap": cap}
    return amount, f"{rule.name}: {text}"


def commissions_compute(*, deal: Deal, on: date) -> list[dict]:
    """What each partner credit line of a won deal earns (nothing is saved)."""
    lines = list(Attribution.objects.current().filter(deal=deal, status__in=EARNING)
                 .select_related("partner").order_by("id"))
    if not lines or deal.won_amount is None:
        return []
    parts = dict(zip((line.pk for line in lines), split_exact(deal.won_amount, [line.share for line in lines]), strict=True))
    groups: dict[int | None, list[Attribution]] = defaultdict(list)
    rules = {}
    for line in lines:
        if line.partner_id is None:
            continue
        rule = commission_rule_for(partner=line.partner, deal=deal, on=on)
        rules[line.pk] = rule
        groups[getattr(rule, "pk", None)].append(line)
    result = []
    for group in groups.values():
        rule = rules[group[0].pk]
        part = sum((parts[line.pk] for line in group), Decimal("0"))
        share = sum((line.share for line in group), Decimal("0"))
        total, _text = _commission_on(rule, part=part, share=share, currency=deal.currency)
        for line, amount in zip(group, split_exact(total, [line.share for line in group]), strict=True):
            # Each partner reads its own line only: the text names its own part and share,
            # never the combined amount of a group (which would hint at a co-credited partner).
            _amount, explanation = _commission_on(rule, part=parts[line.pk], share=line.share,
                                                  currency=deal.currency)
            result.append({"attribution": line, "rule": rule, "base": parts[line.pk], "amount": amount,
                           "explanation": explanation})
    return result


def _open_approval(commission: Commission, *, actor) -> ReviewTask:
    """One compensation-approval task per proposal, for the partner's owner."""
    from reviews.services import _notify_task

    task = ReviewTask.objects.filter(commission=commission, status=TaskStatus.OPEN).first()
    if task is not None:
        return task
    deal = commission.deal
    task = ReviewTask.objects.create(
        kind=TaskKind.COMPENSATION_APPROVAL, deal=deal, partner_id=deal.partner_id,
        commission=commission, assignee_id=commission.partner.partner_owner_id,
        due_at=timezone.now() + timedelta(hours=program_rules_get().review_sla_hours),
        note=_("Commission of %(a)s %(c)s to %(p)s") % {
            "a": commission.amount, "c": commission.currency, "p": commission.partner.name})
    audit_record(actor=actor, action="review_task.open", target=task, partner=deal.partner,
                 after={"kind": task.kind, "deal": deal.pk, "commission": commission.pk,
                        "assignee": task.assignee_id, "due_at": task.due_at})
    if task.assignee_id:
        _notify_task(task, kind=NotificationKind.TASK_ASSIGNED)
    return task


def commissions_propose(*, deal: Deal, actor=None) -> list[Commission]:
    """Propose the commissions of a won deal (called in the won transaction): one per
    partner credit line, each with a compensation-approval task. Never approved here."""
    created = []
    for row in commissions_compute(deal=deal, on=timezone.localdate()):
        line = row["attribution"]
        commission = Commission.objects.create(
            deal=deal, attribution=line, partner_id=line.partner_id, rule=row["rule"],
            rule_snapshot=_rule_snapshot(row["rule"]), base_amount=row["base"], share=line.share,
            amount=row["amount"], currency=deal.currency, explanation=row["explanation"])
        audit_record(actor=actor, action="commission.propose", target=commission, partner=line.partner,
                     after={"deal": deal.pk, "amount": commission.amount, "currency": commission.currency,
                            "share": commission.share, "rule": _rule_snapshot(row["rule"])})
        _open_approval(commission, actor=actor)
        created.append(commission)
    return created


def commissions_correct(*, deal: Deal, actor) -> list[Commission]:
    """After shares changed on a won deal: a correcting line per partner whose commission
    changes, carrying the difference (proposed, approved like any other)."""
    if deal.won_amount is None:
        return []
    owed = defaultdict(Decimal)
    latest = {}
    # The rules in force on the day the deal was won, as for the original proposal: a rule
    # changed since then must not leak into the past through a correction.
    won_on = timezone.localdate(deal.closed_at) if deal.closed_at else timezone.localdate()
    for row in commissions_compute(deal=deal, on=won_on):
        owed[row["attribution"].partner_id] += row["amount"]
        latest[row["attribution"].partner_id] = row
    existing = dict(Commission.objects.filter(deal=deal).values("partner_id")
                    .annotate(total=Sum("amount")).values_list("partner_id", "total"))
    created = []
    for partner_id in sorted(set(owed) | set(existing)):
        delta = owed.get(partner_id, Decimal("0")) - (existing.get(partner_id) or Decimal("0"))
        if delta == 0:
            continue
        original = Commission.objects.filter(deal=deal, partner_id=partner_id).order_by("id").first()
        row = latest.get(partner_id)
        line = row["attribution"] if row else original.attribution
        commission = Commission.objects.create(
            deal=deal, attribution=line, partner_id=partner_id, rule=row["rule"] if row else None,
            rule_snapshot=_rule_snapshot(row["rule"]) if row else {},
            base_amount=row["base"] if row else Decimal("0"), share=line.share if row else Decimal("0"),
            amount=delta, currency=deal.currency, correction_of=original,
            explanation=_("Correction after the attribution changed: %(d)s %(c)s") % {"d": delta, "c": deal.currency})
        audit_record(actor=actor, action="commission.correct", target=commission, partner=line.partner,
                     after={"deal": deal.pk, "amount": delta, "correction_of": getattr(original, "pk", None)})
        _open_approval(commission, actor=actor)
        created.append(commission)
    return created


def commission_approve(*, actor, commission: Commission, amount: Decimal | None = None,
                       reason: str = "") -> Commission:
    """A partner owner approves a proposed commission, or adjusts its amount with a reason."""
    from reviews.services import _require_reviewer

    _require_reviewer(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        commission = Commission.objects.select_for_update().select_related("partner").get(pk=commission.pk)
        if commission.status != CommissionStatus.PROPOSED:
            raise InvalidTransition(_("This commission is already %(s)s.") % {"s": commission.get_status_display()},
                                    current_status=commission.status)
        before = commission.amount
        if amount is not None and Decimal(amount) != commission.amount:
            amount = Decimal(amount)
            if amount != amount.quantize(CENT) or (amount < 0 and commission.correction_of_id is None):
                raise ValidationError({"amount": _("Give an amount in cents, not negative.")})
            if not reason:
                raise ValidationError({"reason": _("Say why the amount is adjusted.")})
            commission.amount, commission.adjustment_reason = amount, reason
        commission.status, commission.approved_by, commission.approved_at = (
            CommissionStatus.APPROVED, actor, timezone.now())
        commission.save(update_fields=["amount", "adjustment_reason", "status", "approved_by", "approved_at"])
        for task in ReviewTask.objects.select_for_update().filter(commission=commission, status=TaskStatus.OPEN):
            task.status, task.closed_at, task.closed_by = TaskStatus.DONE, timezone.now(), actor
            task.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(actor=actor, action="commission.approve", target=commission, partner=commission.partner,
                     reason=reason, before={"amount": before, "status": CommissionStatus.PROPOSED},
                     after={"amount": commission.amount, "status": CommissionStatus.APPROVED})
    return commission


def _require_program_admin(actor) -> None:
    if StaffRole.PROGRAM_ADMIN not in user_staff_roles(user=actor):
        raise NotAllowed(_("Only program admins may do this."))


def payout_statement_issue(*, actor, partner, period_start: date, period_end: date,
                           currency: str) -> PayoutStatement:
    """Issue a partner's statement for a period and currency: every approved commission
    not yet on a statement, approved by the period's end. Issued statements never change;
    a correction is a new line on the next one."""
    _require_program_admin(actor)
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    currency = (currency or "").upper()
    end = timezone.make_aware(datetime.combine(period_end + timedelta(days=1), datetime.min.time()))
    with transaction.atomic():
        if PayoutStatement.objects.filter(partner=partner, period_start=period_start,
                                          period_end=period_end, currency=currency).exists():
            raise InvalidTransition(_("A statement for this partner, period and currency exists."))
        lines = list(Commission.objects.select_for_update().filter(
            partner=partner, currency=currency, status=CommissionStatus.APPROVED,
            statement__isnull=True, approved_at__lt=end).order_by("approved_at", "id"))
        if not lines:
            raise ValidationError({"period_end": _("No approved commission waits for a statement.")})
        statement = PayoutStatement.objects.create(
            partner=partner, period_start=period_start, period_end=period_end, currency=currency,
            total=sum((c.amount for c in lines), Decimal("0")), issued_at=timezone.now(), issued_by=actor)
        Commission.objects.filter(pk__in=[c.pk for c in lines]).update(statement=statement)
        audit_record(actor=actor, action="payout.issue", target=statement, partner=partner,
                     after={"total": statement.total, "currency": currency,
                            "commissions": [c.pk for c in lines],
                            "period": [period_start.isoformat(), period_end.isoformat()]})
    return statement


def payout_statement_mark_paid(*, actor, statement: PayoutStatement) -> PayoutStatement:
    """A program admin records that a statement was paid; its commissions become paid."""
    _require_program_admin(actor)
    with transaction.atomic():
        statement = PayoutStatement.objects.select_for_update().get(pk=statement.pk)
        if statement.status != PayoutStatus.ISSUED:
            raise InvalidTransition(_("This statement is already paid."), current_status=statement.status)
        statement.status, statement.paid_at, statement.paid_by = PayoutStatus.PAID, timezone.now(), actor
        statement.save(update_fields=["status", "paid_at", "paid_by"])
        Commission.objects.filter(statement=statement).update(status=CommissionStatus.PAID)
        audit_record(actor=actor, action="payout.paid", target=statement, partner=statement.partner,
                     before={"status": PayoutStatus.ISSUED}, after={"status": PayoutStatus.PAID})
    return statement


PAYOUT_CSV_HEADER = ["statement", "partner", "period_start", "period_end", "commission", "deal",
                     "customer", "share_percent", "base_amount", "amount", "currency", "correction_of",
                     "explanation", "approved_at"]


def payout_statement_rows(statement: PayoutStatement):
    """The statement's lines for its CSV (the writer makes every cell formula-safe).

    Money and shares go out as numbers, so a correcting line's "-12.50" stays a number
    (as text it would be quoted as a would-be formula). Each line names the partner's own
    registration, never the surviving deal of another partner it was merged into.
    """
    lines = statement.commissions.select_related("deal", "attribution__source_deal")
    for c in lines.order_by("approved_at", "id"):
        own = c.attribution.source_deal or c.deal
        yield [statement.reference, statement.partner.name, statement.period_start.isoformat(),
               statement.period_end.isoformat(), c.pk, own.reference, own.company_name,
               c.share, c.base_amount, c.amount, c.currency,
               c.correction_of_id or "", c.explanation, c.approved_at.isoformat() if c.approved_at else ""]
    yield ["", "", "", "", "", "", "", "", "", str(statement.total), statement.currency, "", "total", ""]
