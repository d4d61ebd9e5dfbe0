"""Conflict cases and attribution: who gets credit for a customer.

The pipeline puts conflicting registrations into one case and proposes the default (the
first registration inside the protection window holds); only a partner owner approves,
by resolving the case. Every change is audited in its transaction.
"""

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.choices import AttributionRole, AttributionStatus, CaseStatus, Resolution
from attribution.models import Attribution, ConflictCase
from audit.services import audit_record
from leads.choices import CONFLICT_KINDS, OPEN_STATUSES, DealStatus, MatchKind
from leads.models import Deal, DuplicateMatch
from partnerportal.exceptions import InvalidTransition
from partners.selectors import program_rules_get
from reviews.choices import DecisionKind, TaskKind, TaskStatus
from reviews.models import Decision, ReviewTask

# Serializes case membership changes (any fixed 64-bit number; see audit's chain lock).
_CASE_LOCK_KEY = 731_962_013
HUNDRED = Decimal("100.00")


def _lock_cases() -> None:
    """One writer of case membership at a time, so concurrent screenings of one customer
    end in one case. Held to the end of the caller's transaction; brief."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CASE_LOCK_KEY])


def _rivals(deal: Deal) -> set[int]:
    """Open registrations this deal conflicts with, in either direction of a match."""
    forward = DuplicateMatch.objects.filter(deal=deal, kind__in=CONFLICT_KINDS,
                                            target_deal__isnull=False).values_list("target_deal_id", flat=True)
    backward = DuplicateMatch.objects.filter(target_deal=deal, kind__in=CONFLICT_KINDS).values_list("deal_id", flat=True)
    ids = set(forward) | set(backward)
    return set(Deal.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).values_list("pk", flat=True))


def conflict_case_join(*, deal: Deal) -> ConflictCase | None:
    """Put `deal` and every open registration it conflicts with into one open case.

    Called by screening (inside the step's transaction) for a deal with a cross-partner or
    direct-sales match. An existing open case of any member is joined (several are merged
    into the oldest); every member's sales routing is paused; the case's one attribution
    task hangs on its earliest registration. Idempotent.
    """
    kinds = set(deal.matches.values_list("kind", flat=True))
    if not kinds & CONFLICT_KINDS:
        return None
    _lock_cases()
    member_ids = {deal.pk} | _rivals(deal)
    case_ids = set(Deal.objects.filter(pk__in=member_ids, conflict_case__status=CaseStatus.OPEN)
                   .values_list("conflict_case_id", flat=True))
    open_cases = list(ConflictCase.objects.select_for_update().filter(pk__in=case_ids)
                      .order_by("created_at", "id"))
    for other in open_cases[1:]:
        member_ids |= set(other.deals.values_list("pk", flat=True))
    # Lock every member's row before anything here writes to the audit chain: screening's
    # other steps lock their own deal's row and then the chain, so taking the chain first
    # and a rival's row second would deadlock with them (seen with three parallel submits).
    members = list(Deal.objects.select_for_update().filter(pk__in=member_ids).order_by("pk"))
    if open_cases:
        case, others = open_cases[0], open_cases[1:]
        for other in others:
            _case_absorb(case, other)
    else:
        case = ConflictCase.objects.create()
        audit_record(actor=None, action="conflict_case.open", target=case, after={"deals": sorted(member_ids)})
    if MatchKind.DIRECT_SALES in kinds and not case.involves_direct_sales:
        case.involves_direct_sales = True
        case.save(update_fields=["involves_direct_sales"])
    joined = []
    for member in members:
        changes = {}
        if member.conflict_case_id != case.pk:
            changes["conflict_case"] = case.pk
            member.conflict_case = case
        if not member.routing_paused:
            member.routing_paused = True
            changes["routing_paused"] = True
        if changes:
            member.save(update_fields=[*changes, "updated_at"])
            audit_record(actor=None, action="deal.conflict_join", target=member,
                         after={"conflict_case": case.pk, "routing_paused": True},
                         reason="attribution conflict open")
            joined.append(member.pk)
    _case_task_sync(case)
    attribution_propose_default(case=case)
    return case


def _case_absorb(case: ConflictCase, other: ConflictCase) -> None:
    """Merge `other` (an open case found to be the same customer) into `case`."""
    Deal.objects.filter(conflict_case=other).update(conflict_case=case)
    for task in ReviewTask.objects.filter(conflict_case=other, status=TaskStatus.OPEN):
        task.status, task.closed_at = TaskStatus.CANCELLED, timezone.now()
        task.save(update_fields=["status", "closed_at"])
        audit_record(actor=None, action="review_task.cancel", target=task, partner=task.partner,
                     after={"status": TaskStatus.CANCELLED, "merged_into_case": case.pk})
    other.status, other.resolved_at, other.reason = CaseStatus.RESOLVED, timezone.now(), f"merged into {case.reference}"
    other.save(update_fields=["status", "resolved_at", "reason"])
    audit_record(actor=None, action="conflict_case.merge", target=other, after={"merged_into": case.pk})


def case_members(case: ConflictCase):
    """The case's registrations, earliest submission first."""
    return case.deals.select_related("partner", "partner__tier").order_by("submitted_at", "id")


def _case_task_sync(case: ConflictCase) -> ReviewTask:
    """Exactly one open attribution task per case, on its earliest registration, assigned
    to that organization's partner owner. Per-deal conflict tasks of members end here."""
    earliest = case_members(case).first()
    rules = program_rules_get()
    task = ReviewTask.objects.select_for_update().filter(
        conflict_case=case, kind=TaskKind.ATTRIBUTION_CONFLICT, status=TaskStatus.OPEN).first()
    stray = ReviewTask.objects.filter(deal__conflict_case=case, kind=TaskKind.ATTRIBUTION_CONFLICT,
                                      status=TaskStatus.OPEN).exclude(pk=getattr(task, "pk", None))
    for other in stray.select_for_update():
        other.status, other.closed_at = TaskStatus.CANCELLED, timezone.now()
        other.save(update_fields=["status", "closed_at"])
        audit_record(actor=None, action="review_task.cancel", target=other, partner=other.partner,
                     after={"status": TaskStatus.CANCELLED, "replaced_by_case_task": case.pk})
    if task is None:
        task = ReviewTask.objects.create(
            kind=TaskKind.ATTRIBUTION_CONFLICT, deal=earliest, partner_id=earliest.partner_id,
            conflict_case=case, assignee_id=earliest.partner.partner_owner_id,
            due_at=timezone.now() + timedelta(hours=rules.review_sla_hours),
            note=_("Attribution conflict %(ref)s") % {"ref": case.reference})
        audit_record(actor=None, action="review_task.open", target=task, partner=earliest.partner,
                     after={"kind": task.kind, "deal": earliest.pk, "conflict_case": case.pk,
                            "assignee": task.assignee_id, "due_at": task.due_at})
    elif task.deal_id != earliest.pk:
        before = task.deal_id
        task.deal, task.partner_id = earliest, earliest.partner_id
        task.assignee_id = earliest.partner.partner_owner_id
        task.save(update_fields=["deal", "partner", "assignee"])
        audit_record(actor=None, action="review_task.move", target=task, partner=earliest.partner,
                     before={"deal": before}, after={"deal": earliest.pk, "assignee": task.assignee_id})
    return task


# --- Attribution ----------------------------------------------------------------------------


def holding_registration(case: ConflictCase) -> Deal | None:
    """The partner registration that holds by the program's rule: the first one submitted
    inside the protection window of the latest (None when only direct sales conflict)."""
    members = [d for d in case_members(case) if d.submitted_at]
    if not members:
        return None
    window = timedelta(days=program_rules_get().protection_window_days)
    latest = max(d.submitted_at for d in members)
    inside = [d for d in members if d.submitted_at >= latest - window]
    return inside[0] if inside else members[0]


def _supersede(deal: Deal, *, actor, reason: str) -> list[int]:
    current = list(Attribution.objects.filter(deal=deal).current())
    for line in current:
        line.status = AttributionStatus.SUPERSEDED
        line.save(update_fields=["status"])
    if current:
        audit_record(actor=actor, action="attribution.supersede", target=deal, reason=reason,
                     before={"lines": [line.pk for line in current]})
    return [line.pk for line in current]


def attribution_propose_default(*, case: ConflictCase) -> Attribution | None:
    """Propose the program's default for an open case: 100% sourced to the holding
    registration. Only a partner owner approves (by resolving the case)."""
    holder = holding_registration(case)
    if holder is None:
        return None
    existing = Attribution.objects.filter(case=case, status=AttributionStatus.PROPOSED).first()
    if existing is not None and existing.deal_id == holder.pk:
        return existing
    Attribution.objects.filter(case=case, status=AttributionStatus.PROPOSED).update(
        status=AttributionStatus.SUPERSEDED)
    line = Attribution.objects.create(deal=holder, partner_id=holder.partner_id, source_deal=holder,
                                      role=AttributionRole.SOURCED, share=HUNDRED, case=case,
                                      status=AttributionStatus.PROPOSED)
    audit_record(actor=None, action="attribution.propose", target=holder, partner=holder.partner,
                 after={"attribution": line.pk, "case": case.pk, "share": line.share,
                        "rule": "first registration inside the protection window holds"})
    return line


def attribution_record_sole(*, deal: Deal, actor) -> Attribution:
    """Accepting a deal with no conflict: 100% sourced to its partner, approved by the
    acceptance itself (called inside the accept's transaction)."""
    _supersede(deal, actor=actor, reason="accepted without conflict")
    now = timezone.now()
    line = Attribution.objects.create(
        deal=deal, partner_id=deal.partner_id, source_deal=deal, role=AttributionRole.SOURCED,
        share=HUNDRED, status=AttributionStatus.APPROVED, approved_by=actor, approved_at=now,
        dispute_until=now + timedelta(days=program_rules_get().dispute_window_days))
    audit_record(actor=actor, action="attribution.approve", target=deal,
                 after={"attribution": line.pk, "partner": deal.partner_id, "share": line.share,
                        "role": line.role, "dispute_until": line.dispute_until})
    return line


def _validate_shares(shares: Iterable[dict], members: dict[int, Deal]) -> list[dict]:
    """Shares as given by a reviewer: each a member deal or direct sales, a role, an exact
    decimal share; together exactly 100.00."""
    lines, errors, seen = [], [], set()
    for index, raw in enumerate(shares or []):
        direct = bool(raw.get("direct"))
        deal_id = raw.get("deal")
        try:
            share = Decimal(str(raw.get("share"))).quantize(Decimal("0.01"))
        except Exception:  # decimal.InvalidOperation and friends
            errors.append(_("Line %(n)d: the share must be a number like 60.00.") % {"n": index + 1})
            continue
        if share != Decimal(str(raw.get("share"))) or not (0 < share <= HUNDRED):
            errors.append(_("Line %(n)d: a share is more than 0 and at most 100, with two decimals.")
                          % {"n": index + 1})
        role = raw.get("role") or AttributionRole.SOURCED
        if role not in AttributionRole.values:
            errors.append(_("Line %(n)d: unknown role %(r)s.") % {"n": index + 1, "r": role})
        key = "direct" if direct else deal_id
        if not direct:
            try:
                deal_id = int(deal_id)
            except (TypeError, ValueError):
                deal_id = None
            if deal_id not in members:
                errors.append(_("Line %(n)d: choose a registration of this case.") % {"n": index + 1})
            key = deal_id
        if key in seen:
            errors.append(_("Line %(n)d: each registration (and direct sales) appears once.") % {"n": index + 1})
        seen.add(key)
        lines.append({"deal": None if direct else deal_id, "direct": direct, "role": role, "share": share})
    if not lines:
        errors.append(_("Give at least one share."))
    total = sum((line["share"] for line in lines), Decimal("0"))
    if lines and total != HUNDRED:
        errors.append(_("The shares add up to %(t)s; they must add up to exactly 100.00.") % {"t": total})
    if errors:
        raise ValidationError({"shares": errors})
    return lines


def conflict_case_resolve(*, actor, case: ConflictCase, resolution: str, reason: str = "",
                          deal: int | None = None, shares: list[dict] | None = None,
                          survivor: int | None = None, reason_code: str = "",
                          note: str = "") -> ConflictCase:
    """A partner owner resolves a case: one partner, a split, direct sales, or reject.

    Partner and split name a surviving registration (the chosen partner's; for a split the
    holding registration unless `survivor` names another share's deal). It carries the
    approved attribution and goes on to acceptance, handoff and won; the other members
    close as `merged`, linked to it. Routing resumes only now, and a survivor accepted while
    the case was open gets its sales handoff now. Direct sales and reject close every
    member as rejected. Each partner is told its own outcome and share, nothing else.
    """
    from reviews.services import _require_reviewer

    _require_reviewer(actor)
    reason, note = (reason or "").strip(), (note or "").strip()
    if resolution not in Resolution.values:
        raise ValidationError({"resolution": _("Choose one partner, a split, direct sales or reject.")})
    if resolution != Resolution.REJECT and not reason:
        raise ValidationError({"reason": _("Say why: the partners' trust depends on it.")})
    with transaction.atomic():
        _lock_cases()
        case = ConflictCase.objects.select_for_update().get(pk=case.pk)
        if case.status != CaseStatus.OPEN:
            raise InvalidTransition(_("This conflict was already resolved."), current_status=case.status)
        members = {d.pk: d for d in Deal.objects.select_for_update().filter(conflict_case=case)
                   .select_related("partner").order_by("submitted_at", "id")}
        lines = _resolution_lines(case, resolution, members, deal=deal, shares=shares)
        if resolution in {Resolution.DIRECT, Resolution.REJECT}:
            _close_members_rejected(actor=actor, case=case, members=members.values(),
                                    reason_code=reason_code or "direct-sales", note=note, reason=reason,
                                    direct=resolution == Resolution.DIRECT)
            kept = None
        else:
            kept = _survivor(case, members, lines, survivor)
            _apply_attribution(actor=actor, case=case, survivor=kept, lines=lines, members=members,
                               reason=reason)
            _merge_members(actor=actor, survivor=kept, members=members.values(), lines=lines)
        _case_close(actor=actor, case=case, resolution=resolution, reason=reason or note, survivor=kept,
                    members=members.values())
    return case


def _resolution_lines(case, resolution, members, *, deal, shares) -> list[dict]:
    if resolution == Resolution.PARTNER:
        try:
            deal_id = int(deal)
        except (TypeError, ValueError):
            deal_id = None
        if deal_id not in members:
            raise ValidationError({"deal": _("Choose the registration of this case that gets the credit.")})
        return [{"deal": deal_id, "direct": False, "role": AttributionRole.SOURCED, "share": HUNDRED}]
    if resolution == Resolution.SPLIT:
        return _validate_shares(shares, members)
    return []


def _survivor(case, members, lines, survivor) -> Deal:
    partner_deals = [line["deal"] for line in lines if line["deal"]]
    if survivor is not None:
        try:
            survivor = int(survivor)
        except (TypeError, ValueError):
            survivor = None
        if survivor not in partner_deals:
            raise ValidationError({"survivor": _("The surviving registration must be one that gets a share.")})
        return members[survivor]
    if not partner_deals:
        raise ValidationError({"shares": _("A split needs at least one partner registration.")})
    holder = holding_registration(case)
    if holder is not None and holder.pk in partner_deals:
        return members[holder.pk]
    return members[partner_deals[0]]


def _apply_attribution(*, actor, case, survivor: Deal, lines, members, reason) -> None:
    now = timezone.now()
    dispute_until = now + timedelta(days=program_rules_get().dispute_window_days)
    Attribution.objects.filter(case=case, status=AttributionStatus.PROPOSED).update(
        status=AttributionStatus.SUPERSEDED)
    _supersede(survivor, actor=actor, reason="conflict resolved")
    for line in lines:
        source = members.get(line["deal"]) if line["deal"] else None
        item = Attribution.objects.create(
            deal=survivor, partner_id=source.partner_id if source else None, source_deal=source,
            direct=line["direct"], role=line["role"], share=line["share"], case=case,
            status=AttributionStatus.APPROVED, approved_by=actor, approved_at=now,
            dispute_until=dispute_until if source else None)
        audit_record(actor=actor, action="attribution.approve", target=survivor, reason=reason,
                     after={"attribution": item.pk, "case": case.pk, "partner": item.partner_id,
                            "direct": item.direct, "role": item.role, "share": item.share})


def _merge_members(*, actor, survivor: Deal, members: Iterable[Deal], lines) -> None:
    from reviews.services import _notify_status, _set_status, review_tasks_cancel

    now = timezone.now()
    shares = {line["deal"]: line for line in lines if line["deal"]}
    for member in members:
        if member.pk == survivor.pk or member.status not in OPEN_STATUSES:
            continue
        before = _set_status(member, DealStatus.MERGED, actor=actor, at=now,
                             fields={"merged_into": survivor, "routing_paused": False, "closed_at": now})
        review_tasks_cancel(deal=member, actor=actor, reason="merged into the surviving registration")
        own = shares.get(member.pk)
        audit_record(actor=actor, action="deal.merge", target=member, before={"status": before},
                     after={"status": DealStatus.MERGED, "merged_into": survivor.pk,
                            "share": own["share"] if own else Decimal("0")})
        _notify_status(member, note=_("Your credit share: %(s)s%%.") % {"s": own["share"]} if own
                       else _("This registration receives no credit share."))
    _resume_routing(actor=actor, deal=survivor)


def _resume_routing(*, actor, deal: Deal) -> None:
    from reviews.services import deal_handoff_open

    if deal.routing_paused:
        Deal.objects.filter(pk=deal.pk).update(routing_paused=False)
        deal.routing_paused = False
        audit_record(actor=actor, action="deal.routing_resume", target=deal,
                     before={"routing_paused": True}, after={"routing_paused": False},
                     reason="attribution conflict resolved")
    if deal.status == DealStatus.ACCEPTED and deal.sales_owner_id:
        deal_handoff_open(deal=deal, actor=actor)


def _close_members_rejected(*, actor, case, members, reason_code, note, reason, direct) -> None:
    """Direct sales keeps the customer, or the reviewer rejects: every open member closes
    as rejected with the reason its partner reads."""
    from reviews.models import RejectionReason
    from reviews.services import _notify_status, _set_status, review_tasks_cancel

    code = RejectionReason.objects.filter(code=reason_code, active=True).first()
    errors = {}
    if code is None:
        errors["reason_code"] = _("Choose one of the rejection reasons.")
    if not note:
        errors["note"] = _("Write a note for the partners: it is what they will read.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for member in members:
        if member.status not in OPEN_STATUSES:
            continue
        before = _set_status(member, DealStatus.REJECTED, actor=actor, at=now,
                             fields={"decided_at": now, "closed_at": now, "routing_paused": False})
        Decision.objects.create(deal=member, partner_id=member.partner_id, kind=DecisionKind.REJECT,
                                actor=actor, reason=reason, reason_code=code, partner_note=note,
                                created_at=now)
        review_tasks_cancel(deal=member, actor=actor, reason="conflict resolved: rejected")
        audit_record(actor=actor, action="deal.reject", target=member, reason=reason or code.label,
                     before={"status": before},
                     after={"status": DealStatus.REJECTED, "reason_code": code.code, "note": note,
                            "conflict_case": case.pk, "direct_sales": direct})
        _notify_status(member, note=f"{code.label}\n\n{note}")


def _case_close(*, actor, case, resolution, reason, survivor, members) -> None:
    now = timezone.now()
    for task in ReviewTask.objects.select_for_update().filter(conflict_case=case, status=TaskStatus.OPEN):
        task.status, task.closed_at, task.closed_by = TaskStatus.DONE, now, actor
        task.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(actor=actor, action="review_task.close", target=task, partner=task.partner,
                     after={"status": TaskStatus.DONE, "conflict_case": case.pk})
    for member in members:
        Decision.objects.create(deal=member, partner_id=member.partner_id,
                                kind=DecisionKind.RESOLVE_CONFLICT, actor=actor, reason=reason,
                                created_at=now)
    case.status, case.resolved_at, case.resolved_by = CaseStatus.RESOLVED, now, actor
    case.resolution, case.reason, case.surviving_deal = resolution, reason, survivor
    case.save(update_fields=["status", "resolved_at", "resolved_by", "resolution", "reason",
                             "surviving_deal"])
    audit_record(actor=actor, action="conflict_case.resolve", target=case, reason=reason,
                 after={"resolution": resolution, "surviving_deal": getattr(survivor, "pk", None),
                        "members": sorted(m.pk for m in members)})
