"""The decision half of the workflow: review tasks, decisions, protection, sales handoff.

Every function here is the one place its action happens: pages, the API, the admin and
beat call it alike. Each checks the actor's role, locks the deal, refuses a deal that has
moved on with `InvalidTransition` (naming its current status), and writes the decision,
the status-history row, the audit event and the notifications in one transaction. The
machine prepares; only these functions, called for a person, accept or reject.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.choices import CaseStatus
from attribution.compensation import commissions_propose
from attribution.services import attribution_record_sole
from audit.services import audit_record
from crm.choices import OpportunityStage
from crm.models import Account, Opportunity
from crm.services import account_apply_normalization
from leads.choices import DECIDABLE_STATUSES, DealStatus, StopRule
from leads.models import Deal, DealQuestion
from leads.services import deal_status_record
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import REVIEWER_ROLES
from partners.models import ACCEPTANCE_FIELD_CHOICES, ProgramRules
from partners.selectors import program_rules_get, user_staff_roles
from reviews.choices import (
    MANUALLY_CLOSABLE_KINDS,
    NOT_ESCALATED_KINDS,
    DecisionKind,
    ExtensionStatus,
    NotificationKind,
    TaskKind,
    TaskStatus,
)
from reviews.models import Decision, ExtensionRequest, RejectionReason, ReviewTask
from reviews.notifications import deal_watchers, notify, program_admins

# --- Permissions and locking ----------------------------------------------------------------


def _require_reviewer(actor) -> None:
    if not (user_staff_roles(user=actor) & REVIEWER_ROLES):
        raise NotAllowed(_("Only partner owners and program admins may do this."))


def _require_sales_owner(actor, deal: Deal) -> None:
    if deal.sales_owner_id is None or deal.sales_owner_id != getattr(actor, "pk", None):
        raise NotAllowed(_("Only the deal's sales owner may record this."))


def _lock(deal: Deal, allowed: set[str], action: str) -> Deal:
    """Lock the deal's row; refuse with its current status unless it is in `allowed`."""
    locked = Deal.objects.select_for_update().select_related("partner").get(pk=deal.pk)
    if locked.status not in allowed:
        status = DealStatus(locked.status)
        raise InvalidTransition(
            _("This deal is %(status)s now, so it cannot be %(action)s.")
            % {"status": status.label, "action": action},
            current_status=status.value,
        )
    return locked


def _set_status(deal: Deal, to: str, *, actor, at: datetime, fields: dict | None = None) -> str:
    """Move the locked `deal` to `to`, saving `fields` with it; write its history row."""
    before = deal.status
    deal.status = to
    for name, value in (fields or {}).items():
        setattr(deal, name, value)
    deal.save(update_fields=["status", "updated_at", *(fields or {})])
    deal_status_record(deal=deal, before=before, after=to, actor=actor, at=at)
    return before


def _notify_status(deal: Deal, *, note: str = "") -> None:
    """Tell the deal's owner and the organization's admins its new status."""
    notify(users=deal_watchers(deal), kind=NotificationKind.STATUS_CHANGE, deal=deal,
           title=_("%(ref)s %(company)s is now %(status)s") % {
               "ref": deal.reference, "company": deal.company_name,
               "status": DealStatus(deal.status).label},
           body=note, url=deal.get_absolute_url())


# --- Review tasks ---------------------------------------------------------------------------


def review_task_open(*, deal: Deal, kind: str, rules: ProgramRules, note: str = "",
                     assignee=None, due_in: timedelta | None = None, actor=None,
                     notify_kind: str = NotificationKind.TASK_ASSIGNED) -> ReviewTask:
    """Open a task of `kind` on `deal`, assigned to `assignee` (default: the partner's
    owner), due within `due_in` (default: the review SLA).

    Idempotent: when an open task of that kind exists it is returned unchanged (a partial
    unique constraint guarantees one, even when two workers race). The assignee is notified.
    """
    existing = ReviewTask.objects.filter(deal=deal, kind=kind, status=TaskStatus.OPEN).first()
    if existing is not None:
        return existing
    assignee_id = assignee.pk if assignee is not None else deal.partner.partner_owner_id
    task = ReviewTask(
        kind=kind, deal=deal, partner_id=deal.partner_id, assignee_id=assignee_id,
        due_at=timezone.now() + (due_in or timedelta(hours=rules.review_sla_hours)), note=note,
    )
    try:
        with transaction.atomic():
            task.save()
            audit_record(actor=actor, action="review_task.open", target=task, partner=deal.partner,
                         after={"kind": kind, "deal": deal.pk, "assignee": task.assignee_id,
                                "due_at": task.due_at})
            if task.assignee_id:
                _notify_task(task, kind=notify_kind)
    except IntegrityError:
        return ReviewTask.objects.get(deal=deal, kind=kind, status=TaskStatus.OPEN)
    return task


def _notify_task(task: ReviewTask, *, kind: str, extra_users=()) -> None:
    User = get_user_model()
    users = [*User.objects.filter(pk=task.assignee_id), *extra_users]
    titles = {
        NotificationKind.TASK_ASSIGNED: _("New task: %(kind)s on %(ref)s %(company)s"),
        NotificationKind.TASK_OVERDUE: _("Overdue: %(kind)s on %(ref)s %(company)s"),
        NotificationKind.HANDOFF: _("Handed to you: %(ref)s %(company)s"),
    }
    deal = task.deal
    notify(users=users, kind=kind, deal=deal, url=task.get_absolute_url(),
           title=titles[kind] % {"kind": task.get_kind_display(), "ref": deal.reference,
                                 "company": deal.company_name},
           body=_("Due %(due)s.") % {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M %Z")})


def _tasks_end(*, deal: Deal, kinds: set[str] | None, status: str, actor, reason: str,
               exclude: set[str] = frozenset()) -> list[int]:
    """End the deal's open tasks of `kinds` (all when None) with `status`; audited."""
    tasks = ReviewTask.objects.filter(deal=deal, status=TaskStatus.OPEN).exclude(kind__in=exclude)
    if kinds is not None:
        tasks = tasks.filter(kind__in=kinds)
    ended = []
    now = timezone.now()
    for task in tasks.select_for_update():
        task.status, task.closed_at = status, now
        task.closed_by = actor if getattr(actor, "pk", None) else None
        task.paused_at = None
        task.save(update_fields=["status", "closed_at", "closed_by", "paused_at"])
        audit_record(actor=actor, action=f"review_task.{'close' if status == TaskStatus.DONE else 'cancel'}",
                     target=task, partner=deal.partner, before={"status": TaskStatus.OPEN},
                     after={"status": status, "kind": task.kind}, reason=reason)
        ended.append(task.pk)
    return ended


def review_tasks_cancel(*, deal: Deal, actor, reason: str, exclude: set[str] = frozenset()) -> list[int]:
    """Cancel the deal's open tasks (on rejection, withdrawal, expiry); inside the caller's
    transaction."""
    return _tasks_end(deal=deal, kinds=None, status=TaskStatus.CANCELLED, actor=actor,
                      reason=reason, exclude=exclude)


def review_task_assign(*, actor, task: ReviewTask, assignee) -> ReviewTask:
    """Give an open task to `assignee` (an active staff user); a claim is assigning to
    oneself. The new assignee is notified."""
    if assignee == actor:
        _require_staff(actor)
    else:
        _require_reviewer(actor)
    if not (assignee and assignee.is_active and assignee.is_staff):
        raise ValidationError({"assignee": _("Choose an active vendor staff user.")})
    with transaction.atomic():
        task = ReviewTask.objects.select_for_update().select_related("deal", "partner").get(pk=task.pk)
        if task.status != TaskStatus.OPEN:
            raise InvalidTransition(_("This task is already %(s)s.") % {"s": task.get_status_display()},
                                    current_status=task.status)
        before = task.assignee_id
        if before == assignee.pk:
            return task
        task.assignee = assignee
        task.save(update_fields=["assignee"])
        audit_record(actor=actor, action="review_task.assign", target=task, partner=task.partner,
                     before={"assignee": before}, after={"assignee": assignee.pk})
        if assignee != actor:
            _notify_task(task, kind=NotificationKind.TASK_ASSIGNED)
    return task


def _require_staff(actor) -> None:
    if not user_staff_roles(user=actor):
        raise NotAllowed(_("Only vendor staff may do this."))


def review_task_close(*, actor, task: ReviewTask, note: str = "") -> ReviewTask:
    """Close a handoff or follow-up task by hand (its assignee or a reviewer). Acceptance
    reviews end with a decision, attribution conflicts with their resolution."""
    if task.kind not in MANUALLY_CLOSABLE_KINDS:
        raise InvalidTransition(_("A %(kind)s task ends with a decision, not by closing it.")
                                % {"kind": task.get_kind_display()}, current_status=task.status)
    with transaction.atomic():
        locked = ReviewTask.objects.select_for_update().get(pk=task.pk)
        if locked.assignee_id != actor.pk:  # judged on the locked row: it may have moved
            _require_reviewer(actor)
        if locked.status != TaskStatus.OPEN:
            raise InvalidTransition(_("This task is already %(s)s.") % {"s": locked.get_status_display()},
                                    current_status=locked.status)
        _tasks_end(deal=locked.deal, kinds={locked.kind}, status=TaskStatus.DONE, actor=actor,
                   reason=(note or "").strip())
        locked.refresh_from_db()
    return locked


# --- Decisions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """Something that stops a plain acceptance: accepting past it needs an override reason."""

    code: str
    message: str


def deal_has_open_conflict(deal: Deal) -> bool:
    """An attribution conflict is open while the deal's conflict case is open (its sales
    routing is paused until then)."""
    return deal.routing_paused or deal.conflict_case_id is not None and Deal.objects.filter(
        pk=deal.pk, conflict_case__status=CaseStatus.OPEN).exists()


def deal_missing_for_acceptance(deal: Deal, rules: ProgramRules) -> list[str]:
    """The program's required-for-acceptance fields the deal lacks (field names)."""
    missing = []
    for field in rules.required_fields_for_acceptance:
        if field == "products":
            empty = not deal.products.exists()
        elif field == "customer_consent":
            empty = not deal.customer_consent
        else:
            empty = getattr(deal, field, None) in (None, "")
        if empty:
            missing.append(field)
    return missing


def deal_acceptance_blockers(*, deal: Deal, rules: ProgramRules | None = None) -> list[Blocker]:
    """Why accepting `deal` needs an override reason: an open conflict, stop-rule hits,
    fields the program requires for acceptance."""
    rules = rules or program_rules_get()
    blockers = []
    if deal_has_open_conflict(deal):
        blockers.append(Blocker("conflict", _("An attribution conflict is open.")))
    conflict_resolved = deal.conflict_case_id is not None and Deal.objects.filter(
        pk=deal.pk, conflict_case__status=CaseStatus.RESOLVED).exists()
    for hit in deal.stop_rule_hits.all():
        if hit.rule == StopRule.DUPLICATE_CONFLICT and conflict_resolved:
            continue  # the partner owner decided the ownership conflict by resolving its case
        blockers.append(Blocker(f"stop_rule:{hit.rule}", _("Stop rule: %(r)s") % {"r": hit.reason}))
    missing = deal_missing_for_acceptance(deal, rules)
    if missing:
        labels = dict(ACCEPTANCE_FIELD_CHOICES)
        blockers.append(Blocker("missing_fields", _("Required for acceptance but missing: %(f)s")
                                % {"f": ", ".join(str(labels.get(f, f)) for f in missing)}))
    return blockers


def deal_suggested_sales_owner(deal: Deal, *, matches=None):
    """The CRM's owner of the account (or opportunity) screening matched, best match first.
    `matches`: the deal's matches already loaded that way (best first, with their CRM
    owners), as the staff deal page has them; read here otherwise."""
    if matches is None:
        matches = deal.matches.select_related(
            "target_account__sales_owner", "target_opportunity__owner",
            "target_opportunity__account__sales_owner").order_by("-score", "id")
    for match in matches:
        for owner in (getattr(match.target_account, "sales_owner", None),
                      getattr(match.target_opportunity, "owner", None),
                      getattr(getattr(match.target_opportunity, "account", None), "sales_owner", None)):
            if owner is not None and owner.is_active:
                return owner
    return None


def deal_accept(*, actor, deal: Deal, reason: str = "", override_reason: str = "",
                sales_owner=None) -> Deal:
    """Accept a deal in review: start its protection window, assign its sales owner (the
    CRM account's owner, else the reviewer's choice), close the acceptance review and hand
    the deal to sales. With an open conflict the deal stays paused and the handoff waits
    for the conflict's resolution. Blockers (conflict, stop rules, missing required fields)
    need `override_reason`, which is recorded and reported."""
    _require_reviewer(actor)
    reason, override_reason = (reason or "").strip(), (override_reason or "").strip()
    rules = program_rules_get()
    with transaction.atomic():
        deal = _lock(deal, DECIDABLE_STATUSES, _("accepted"))
        blockers = deal_acceptance_blockers(deal=deal, rules=rules)
        if blockers and not override_reason:
            raise ValidationError({"override_reason": _(
                "Accepting past these needs an override reason: %(b)s")
                % {"b": "; ".join(b.message for b in blockers)}})
        owner = sales_owner or deal_suggested_sales_owner(deal)
        if owner is None:
            raise ValidationError({"sales_owner": _(
                "The CRM names no owner for this account: choose the sales owner.")})
        if not (owner.is_active and owner.is_staff):
            raise ValidationError({"sales_owner": _("Choose an active vendor staff user.")})
        now = timezone.now()
        protected_until = now + timedelta(days=rules.protection_window_days)
        before = _set_status(deal, DealStatus.ACCEPTED, actor=actor, at=now, fields={
            "decided_at": now, "protected_until": protected_until, "expiry_warned_at": None,
            "sales_owner": owner})
        decision = Decision.objects.create(
            deal=deal, partner_id=deal.partner_id, kind=DecisionKind.ACCEPT, actor=actor,
            reason=reason, override_reason=override_reason if blockers else "",
            overridden=[b.code for b in blockers] if override_reason else [], created_at=now)
        _tasks_end(deal=deal, kinds={TaskKind.ACCEPTANCE_REVIEW, TaskKind.NEEDS_INFO_FOLLOWUP},
                   status=TaskStatus.DONE, actor=actor, reason="accepted")
        conflict = deal_has_open_conflict(deal)
        audit_record(actor=actor, action="deal.accept", target=deal, reason=reason,
                     before={"status": before},
                     after={"status": DealStatus.ACCEPTED, "protected_until": protected_until,
                            "sales_owner": owner.pk, "decision": decision.pk,
                            "override_reason": decision.override_reason,
                            "overridden": decision.overridden, "handoff_waits_for_conflict": conflict})
        if not conflict:
            if deal.conflict_case_id is None:
                # The acceptance approves a conflict-free deal's attribution; a resolved
                # case's survivor already carries the attribution its resolution approved.
                attribution_record_sole(deal=deal, actor=actor)
            deal_handoff_open(deal=deal, actor=actor, rules=rules)
        _notify_status(deal, note=_("Protected until %(d)s.") % {
            "d": timezone.localtime(protected_until).date().isoformat()})
    return deal


def deal_handoff_open(*, deal: Deal, actor, rules: ProgramRules | None = None) -> ReviewTask:
    """Open the sales-handoff task for the deal's sales owner (on acceptance, or when the
    attribution conflict of an accepted deal is resolved)."""
    rules = rules or program_rules_get()
    task = review_task_open(deal=deal, kind=TaskKind.SALES_HANDOFF, rules=rules, actor=actor,
                            assignee=deal.sales_owner,
                            due_in=timedelta(hours=rules.handoff_sla_hours),
                            notify_kind=NotificationKind.HANDOFF)  # one note, not two
    return task


def deal_reject(*, actor, deal: Deal, reason_code: str, note: str, reason: str = "") -> Deal:
    """Reject a deal in review with a reason from the admin-kept list and a note the
    partner reads; the deal's open tasks end with it."""
    _require_reviewer(actor)
    note, reason = (note or "").strip(), (reason or "").strip()
    code = RejectionReason.objects.filter(code=(reason_code or "").strip(), active=True).first()
    errors = {}
    if code is None:
        errors["reason_code"] = _("Choose one of the rejection reasons.")
    if not note:
        errors["note"] = _("Write a note for the partner: it is what they will read.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        deal = _lock(deal, DECIDABLE_STATUSES, _("rejected"))
        now = timezone.now()
        before = _set_status(deal, DealStatus.REJECTED, actor=actor, at=now,
                             fields={"decided_at": now, "closed_at": now})
        decision = Decision.objects.create(
            deal=deal, partner_id=deal.partner_id, kind=DecisionKind.REJECT, actor=actor,
            reason=reason, reason_code=code, partner_note=note, created_at=now)
        _tasks_end(deal=deal, kinds={TaskKind.ACCEPTANCE_REVIEW}, status=TaskStatus.DONE,
                   actor=actor, reason="rejected")
        review_tasks_cancel(deal=deal, actor=actor, reason="deal rejected")
        audit_record(actor=actor, action="deal.reject", target=deal, reason=reason or code.label,
                     before={"status": before},
                     after={"status": DealStatus.REJECTED, "reason_code": code.code,
                            "note": note, "decision": decision.pk})
        _notify_status(deal, note=f"{code.label}\n\n{note}")
    return deal


def deal_request_info(*, actor, deal: Deal, question: str) -> DealQuestion:
    """Ask the partner for more information (a needs-info decision). The deal waits in
    `needs_info` and the acceptance review's SLA clock stops until the partner answers."""
    _require_reviewer(actor)
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": _("Write the question.")})
    with transaction.atomic():
        deal = _lock(deal, DECIDABLE_STATUSES, _("sent a question"))
        now = timezone.now()
        item = DealQuestion(partner=deal.partner, deal=deal, question=question, asked_by=actor)
        item.full_clean()
        item.save()
        before = deal.status
        if before == DealStatus.IN_REVIEW:
            _set_status(deal, DealStatus.NEEDS_INFO, actor=actor, at=now)
        Decision.objects.create(deal=deal, partner_id=deal.partner_id, kind=DecisionKind.NEEDS_INFO,
                                actor=actor, partner_note=question, created_at=now)
        ReviewTask.objects.filter(deal=deal, kind=TaskKind.ACCEPTANCE_REVIEW, status=TaskStatus.OPEN,
                                  paused_at__isnull=True).update(paused_at=now)
        audit_record(actor=actor, action="deal.request_info", target=deal,
                     before={"status": before},
                     after={"status": deal.status, "question": question, "question_id": item.pk})
        notify(users=deal_watchers(deal), kind=NotificationKind.QUESTION, deal=deal,
               title=_("The vendor asked about %(ref)s %(company)s") % {
                   "ref": deal.reference, "company": deal.company_name},
               body=question, url=deal.get_absolute_url())
    return item


def review_resume_after_answer(*, deal: Deal, reviewer, at: datetime) -> None:
    """The partner answered every question: the acceptance review's SLA clock resumes (its
    due time moves by the time waited) and the reviewer who asked gets a follow-up task.
    Called inside the answer's transaction."""
    for task in ReviewTask.objects.select_for_update().filter(
            deal=deal, kind=TaskKind.ACCEPTANCE_REVIEW, status=TaskStatus.OPEN,
            paused_at__isnull=False):
        waited = at - task.paused_at
        task.due_at, task.paused_at = task.due_at + waited, None
        task.save(update_fields=["due_at", "paused_at"])
        audit_record(actor=None, action="review_task.resume", target=task, partner=deal.partner,
                     after={"due_at": task.due_at, "waited_seconds": int(waited.total_seconds())})
    if reviewer is not None and reviewer.is_active:
        review_task_open(deal=deal, kind=TaskKind.NEEDS_INFO_FOLLOWUP, rules=program_rules_get(),
                         assignee=reviewer, note=_("The partner answered your question."))


# --- SLAs, escalation, protection windows (beat) ---------------------------------------------


def review_tasks_escalate(*, now: datetime | None = None) -> int:
    """Escalate each open task past its due time once: stamp `escalated_at`, notify the
    assignee and the program admins. Paused tasks and attribution conflicts wait."""
    now = now or timezone.now()
    due = (ReviewTask.objects.filter(status=TaskStatus.OPEN, due_at__lt=now,
                                     escalated_at__isnull=True, paused_at__isnull=True)
           .exclude(kind__in=NOT_ESCALATED_KINDS).values_list("pk", flat=True))
    escalated = 0
    admins = program_admins()
    for pk in list(due):
        with transaction.atomic():
            if not ReviewTask.objects.filter(pk=pk, escalated_at__isnull=True,
                                             status=TaskStatus.OPEN).update(escalated_at=now):
                continue
            task = ReviewTask.objects.select_related("deal", "partner").get(pk=pk)
            audit_record(actor=None, action="review_task.escalate", target=task, partner=task.partner,
                         after={"escalated_at": now, "due_at": task.due_at, "assignee": task.assignee_id})
            _notify_task(task, kind=NotificationKind.TASK_OVERDUE, extra_users=admins)
            escalated += 1
    return escalated


def deals_protection_warn(*, now: datetime | None = None) -> int:
    """Warn once, `expiry_warning_days` ahead, that an accepted deal's protection ends."""
    now = now or timezone.now()
    rules = program_rules_get()
    horizon = now + timedelta(days=rules.expiry_warning_days)
    warned = 0
    for pk in list(Deal.objects.filter(status=DealStatus.ACCEPTED, expiry_warned_at__isnull=True,
                                       protected_until__gt=now, protected_until__lte=horizon)
                   .values_list("pk", flat=True)):
        with transaction.atomic():
            if not Deal.objects.filter(pk=pk, expiry_warned_at__isnull=True).update(expiry_warned_at=now):
                continue
            deal = Deal.objects.select_related("partner").get(pk=pk)
            audit_record(actor=None, action="deal.protection_warn", target=deal,
                         after={"protected_until": deal.protected_until})
            notify(users=deal_watchers(deal), kind=NotificationKind.PROTECTION_EXPIRY, deal=deal,
                   url=deal.get_absolute_url(),
                   title=_("Protection of %(ref)s %(company)s ends on %(d)s") % {
                       "ref": deal.reference, "company": deal.company_name,
                       "d": timezone.localtime(deal.protected_until).date().isoformat()},
                   body=_("You can request an extension on the deal's page."))
            warned += 1
    return warned


def deals_protection_expire(*, now: datetime | None = None) -> int:
    """Expire accepted (not converted) deals whose protection window has ended."""
    now = now or timezone.now()
    expired = 0
    for pk in list(Deal.objects.filter(status=DealStatus.ACCEPTED, protected_until__lte=now)
                   .values_list("pk", flat=True)):
        with transaction.atomic():
            deal = Deal.objects.select_for_update().select_related("partner").get(pk=pk)
            if deal.status != DealStatus.ACCEPTED or deal.protected_until > now:
                continue
            _set_status(deal, DealStatus.EXPIRED, actor=None, at=now, fields={"closed_at": now})
            review_tasks_cancel(deal=deal, actor=None, reason="protection window ended")
            waiting = list(ExtensionRequest.objects.filter(deal=deal, status=ExtensionStatus.PENDING)
                           .values_list("pk", flat=True))
            ExtensionRequest.objects.filter(pk__in=waiting).update(
                status=ExtensionStatus.REFUSED, decided_at=now,
                decision_note=_("The protection window ended before the request was decided."))
            audit_record(actor=None, action="deal.expire", target=deal,
                         before={"status": DealStatus.ACCEPTED},
                         after={"status": DealStatus.EXPIRED, "protected_until": deal.protected_until,
                                "extension_requests_closed": waiting})
            _notify_status(deal)
            expired += 1
    return expired


def extension_request(*, partner, actor, deal: Deal, reason: str) -> ExtensionRequest:
    """The partner asks to extend an accepted deal's protection window. A read-only
    (suspended or terminated) organization may not ask."""
    from leads.services import _require_can_register, _require_member, _require_same_partner

    _require_member(partner=partner, actor=actor)
    _require_same_partner(partner=partner, deal=deal)
    _require_can_register(partner)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the deal needs more time.")})
    with transaction.atomic():
        deal = _lock(deal, {DealStatus.ACCEPTED}, _("extended"))
        if ExtensionRequest.objects.filter(deal=deal, status=ExtensionStatus.PENDING).exists():
            raise InvalidTransition(_("An extension request for this deal is already waiting."),
                                    field="reason", current_status=deal.status)
        item = ExtensionRequest.objects.create(deal=deal, partner=partner, requested_by=actor,
                                               reason=reason)
        audit_record(actor=actor, action="deal.extension_request", target=deal, reason=reason,
                     after={"extension_request": item.pk, "protected_until": deal.protected_until})
        User = get_user_model()
        notify(users=User.objects.filter(pk=deal.partner.partner_owner_id),
               kind=NotificationKind.EXTENSION, deal=deal,
               url=reverse("reviews:deal-detail", args=[deal.pk]),
               title=_("Extension requested for %(ref)s %(company)s") % {
                   "ref": deal.reference, "company": deal.company_name}, body=reason)
    return item


def extension_decide(*, actor, item: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    """A partner owner approves (the window grows by the program's extension days) or
    refuses a pending extension request."""
    _require_reviewer(actor)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the extension is refused.")})
    rules = program_rules_get()
    with transaction.atomic():
        item = ExtensionRequest.objects.select_for_update().get(pk=item.pk)
        if item.status != ExtensionStatus.PENDING:
            raise InvalidTransition(_("This request was already %(s)s.") % {"s": item.get_status_display()},
                                    current_status=item.status)
        deal = _lock(item.deal, {DealStatus.ACCEPTED} if approve else set(DealStatus.values),
                     _("extended"))
        now = timezone.now()
        before = deal.protected_until
        if approve:
            deal.protected_until = max(deal.protected_until or now, now) + timedelta(days=rules.extension_days)
            deal.expiry_warned_at = None
            deal.save(update_fields=["protected_until", "expiry_warned_at", "updated_at"])
        item.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        item.decided_by, item.decided_at, item.decision_note = actor, now, note
        item.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(actor=actor, action=f"deal.extension_{'approve' if approve else 'refuse'}",
                     target=deal, reason=note, before={"protected_until": before},
                     after={"protected_until": deal.protected_until, "extension_request": item.pk})
        notify(users=deal_watchers(deal), kind=NotificationKind.EXTENSION, deal=deal,
               url=deal.get_absolute_url(),
               title=(_("Extension approved: %(ref)s is protected until %(d)s") % {
                   "ref": deal.reference, "d": timezone.localtime(deal.protected_until).date().isoformat()})
               if approve else _("Extension refused for %(ref)s") % {"ref": deal.reference},
               body=note)
    return item


# --- Sales handoff --------------------------------------------------------------------------


def deal_convert(*, actor, deal: Deal, opportunity: Opportunity | None = None,
                 opportunity_name: str = "") -> Deal:
    """The sales owner turns an accepted deal into a CRM opportunity: an existing one, or
    a new one with the external id `portal-<reference>` (which a later CRM import row of
    the same id updates rather than duplicates). Closes the sales-handoff task."""
    _require_sales_owner(actor, deal)
    with transaction.atomic():
        deal = _lock(deal, {DealStatus.ACCEPTED}, _("converted"))
        if deal.routing_paused:
            raise InvalidTransition(_("Sales routing is paused until the attribution conflict is decided."),
                                    current_status=deal.status)
        if opportunity is None:
            opportunity = _opportunity_create(deal=deal, actor=actor, name=opportunity_name)
        now = timezone.now()
        before = _set_status(deal, DealStatus.CONVERTED, actor=actor, at=now,
                             fields={"converted_at": now, "opportunity": opportunity})
        _tasks_end(deal=deal, kinds={TaskKind.SALES_HANDOFF}, status=TaskStatus.DONE, actor=actor,
                   reason="converted to an opportunity")
        audit_record(actor=actor, action="deal.convert", target=deal, before={"status": before},
                     after={"status": DealStatus.CONVERTED, "opportunity": opportunity.external_id})
        _notify_status(deal)
    return deal


def _opportunity_create(*, deal: Deal, actor, name: str) -> Opportunity:
    """A CRM opportunity for the deal, on the account screening matched or a new one."""
    match = deal.matches.filter(target_account__isnull=False).order_by("-score", "id").first()
    account = match.target_account if match else None
    if account is None:
        account, created = Account.objects.get_or_create(
            external_id=f"portal-{deal.reference}",
            defaults={"name": deal.company_name, "website": deal.website,
                      "country": str(deal.country or ""), "industry": deal.industry,
                      "sales_owner": actor})
        if created:
            account_apply_normalization(account)
            account.save()
            audit_record(actor=actor, action="crm.account_create", target=account,
                         after={"external_id": account.external_id, "name": account.name})
    opportunity = Opportunity(
        external_id=f"portal-{deal.reference}", account=account,
        name=(name or "").strip()[:200] or f"{deal.company_name} ({deal.reference})"[:200],
        stage=OpportunityStage.QUALIFICATION, owner=actor, amount=deal.estimated_value)
    opportunity.full_clean()
    opportunity.save()
    audit_record(actor=actor, action="crm.opportunity_create", target=opportunity,
                 after={"external_id": opportunity.external_id, "account": account.external_id,
                        "deal": deal.pk})
    return opportunity


def deal_record_won(*, actor, deal: Deal, amount: Decimal) -> Deal:
    """The sales owner records the deal won with its amount (only their record sets it)."""
    _require_sales_owner(actor, deal)
    if amount is None or Decimal(amount) < 0:
        raise ValidationError({"amount": _("Give the amount won (zero or more).")})
    return _close_sale(actor=actor, deal=deal, to=DealStatus.WON, fields={"won_amount": Decimal(amount)},
                       stage=OpportunityStage.CLOSED_WON, reason="")


def deal_record_lost(*, actor, deal: Deal, reason: str) -> Deal:
    """The sales owner records the deal lost, with the reason."""
    _require_sales_owner(actor, deal)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the deal was lost.")})
    return _close_sale(actor=actor, deal=deal, to=DealStatus.LOST, fields={"lost_reason": reason},
                       stage=OpportunityStage.CLOSED_LOST, reason=reason)


def _close_sale(*, actor, deal: Deal, to: str, fields: dict, stage: str, reason: str) -> Deal:
    with transaction.atomic():
        deal = _lock(deal, {DealStatus.CONVERTED}, _("closed"))
        now = timezone.now()
        before = _set_status(deal, to, actor=actor, at=now, fields={**fields, "closed_at": now})
        if deal.opportunity_id:
            changes = {"stage": stage, "close_date": now.date()}
            if to == DealStatus.WON:
                changes["amount"] = fields["won_amount"]
            Opportunity.objects.filter(pk=deal.opportunity_id).update(**changes)
        review_tasks_cancel(deal=deal, actor=actor, reason=f"deal {to}")
        audit_record(actor=actor, action=f"deal.{to}", target=deal, reason=reason,
                     before={"status": before}, after={"status": to, **fields})
        if to == DealStatus.WON:
            commissions_propose(deal=deal, actor=actor)
        _notify_status(deal)
    return deal
