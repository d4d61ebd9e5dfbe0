"""Vendor leads, offers and outcome reports: every state change, audited and notified.

A vendor lead is created (staff form, CSV import or staff API), then prepared on the worker
(`vendor_lead_prepare`: normalize → duplicate check → recommend → ready). A lead that is
the same customer as an open partner registration or an owned CRM account is `held` with
the match and never distributed. A ready lead gets one offer awaiting a partner owner's
approval (the top candidate); the partner owner approves it with one click or offers
another candidate with a required override reason. The offered organization accepts or
declines (with a reason) within the offer SLA; a decline or a timeout offers the next
candidate, again after approval unless the program allows auto-cascade. An acceptance
creates the organization's deal (source `vendor`, `accepted`) on the accepted-deal path.
Outcome reports are the partner's word: they never change a deal's status or amount.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.services import attribution_record_sole
from audit.services import audit_record
from crm.models import Account
from distribution import matching
from distribution.choices import (
    OfferStatus,
    OutcomeStage,
    VendorLeadSource,
    VendorLeadStatus,
)
from distribution.models import Offer, OutcomeReport, Recommendation, VendorLead
from leads.choices import DealSource, DealStatus, MatchKind, MatchTarget
from leads.models import Deal
from leads.services import deal_apply_normalization, deal_status_record
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.choices import REVIEWER_ROLES, MemberRole
from partners.models import PartnerOrganization
from partners.selectors import program_rules_get, user_staff_roles
from reviews.choices import NotificationKind
from reviews.notifications import deal_watchers, notify, program_admins
from reviews.services import deal_handoff_open

# The normalized keys a vendor lead keeps (named as a Deal's).
LEAD_NORMALIZED_KEYS = ("norm_company", "name_words", "norm_email", "norm_email_domain",
                        "norm_domain", "norm_phone", "norm_country")
# What a vendor lead copies into the deal an acceptance creates.
DEAL_FIELDS = (
    "company_name", "website", "country", "industry", "company_size", "contact_name",
    "contact_title", "contact_email", "contact_phone", "need", "urgency", "estimated_value",
    "currency", *LEAD_NORMALIZED_KEYS,
)
# Registrations in these statuses hold a vendor lead of the same customer.
HOLDING_DEAL_STATUSES = {DealStatus.SUBMITTED, DealStatus.SCREENING, DealStatus.IN_REVIEW,
                         DealStatus.NEEDS_INFO, DealStatus.ACCEPTED, DealStatus.CONVERTED}
# Deals a partner reports outcomes on: decided and accepted at some point.
REPORTABLE_DEAL_STATUSES = {DealStatus.ACCEPTED, DealStatus.CONVERTED, DealStatus.WON,
                            DealStatus.LOST}


def _require_reviewer(actor) -> None:
    if not (user_staff_roles(user=actor) & REVIEWER_ROLES):
        raise NotAllowed(_("Only partner owners and program admins may do this."))


def _partner_admins(partner_id: int) -> list:
    return list(get_user_model().objects.filter(
        is_active=True, membership__partner_id=partner_id, membership__role=MemberRole.ADMIN))


def _approvers(partner_id: int | None, lead: VendorLead | None = None) -> list:
    """Who hears of a lead's offers: the candidate organization's partner owner, program
    admins, and the staff member who created the lead."""
    users = list(program_admins())
    if lead is not None:
        users.append(lead.created_by)
    if partner_id:
        owner = PartnerOrganization.objects.filter(pk=partner_id).values_list(
            "partner_owner_id", flat=True).first()
        users += list(get_user_model().objects.filter(pk=owner))
    return users


def _lock_lead(lead: VendorLead, allowed: set[str], action: str) -> VendorLead:
    locked = VendorLead.objects.select_for_update().get(pk=lead.pk)
    if locked.status not in allowed:
        status = VendorLeadStatus(locked.status)
        raise InvalidTransition(
            _("This lead is %(s)s now, so it cannot be %(a)s.") % {"s": status.label, "a": action},
            current_status=status.value)
    return locked


def _lock_offer(offer: Offer, allowed: set[str], action: str) -> Offer:
    locked = Offer.objects.select_for_update().select_related("lead", "partner").get(pk=offer.pk)
    if locked.status not in allowed:
        status = OfferStatus(locked.status)
        raise InvalidTransition(
            _("This offer is %(s)s now, so it cannot be %(a)s.") % {"s": status.label, "a": action},
            current_status=status.value)
    return locked


# --- Creating and preparing leads -------------------------------------------------------------


def vendor_lead_create(*, actor, data: dict[str, Any], terms=(), products=(),
                       source: str = VendorLeadSource.FORM, import_batch=None,
                       import_row: int | None = None, prepare: bool = True) -> VendorLead:
    """Create a vendor lead from validated fields and queue its preparation after commit.

    `data` holds the model's plain fields; `terms` the needs (Vocabulary), `products` the
    products. Raises ValidationError naming the field. Audited ("vendor_lead.create").
    """
    from distribution.tasks import vendor_lead_prepare_task

    _require_reviewer(actor)
    lead = VendorLead(**data, source=source, created_by=actor, import_batch=import_batch,
                      import_row=import_row, status=VendorLeadStatus.NEW,
                      raw_input={k: str(v) for k, v in data.items() if v not in (None, "")})
    lead.full_clean(exclude=["created_by", "import_batch"])
    with transaction.atomic():
        lead.save()
        lead.terms.set(terms)
        lead.products.set(products)
        audit_record(actor=actor, action="vendor_lead.create", target=lead, after={
            "source": source, "company": lead.company_name,
            "terms": sorted(t.pk for t in terms), "import": getattr(import_batch, "pk", None)})
        if prepare:
            lead_id = lead.pk
            transaction.on_commit(lambda: vendor_lead_prepare_task.delay(lead_id))
    return lead


def _as_deal(lead: VendorLead) -> Deal:
    """The lead as an unsaved Deal (same field names), normalized by the registrations'
    own `deal_apply_normalization`. Unsaved, it excludes no registration from a search;
    `vendor_lead` set keeps the lead itself out of the open-vendor-lead candidates."""
    deal = Deal(**{f: getattr(lead, f) for f in DEAL_FIELDS}, created_at=lead.created_at,
                vendor_lead=lead)
    deal_apply_normalization(deal)
    return deal


def vendor_lead_normalize(lead: VendorLead) -> None:
    """Recompute the lead's normalized keys (no save)."""
    deal = _as_deal(lead)
    for key in LEAD_NORMALIZED_KEYS:
        setattr(lead, key, getattr(deal, key))


def _jit_off() -> None:
    """No JIT compilation for this transaction's queries (PostgreSQL).

    The duplicate search runs with `enable_seqscan = off`, which adds the planner's disable
    cost to any sequential scan left (a small table's, a subquery's): the estimate then
    passes `jit_above_cost` and PostgreSQL spends about 1.4 s compiling a query that runs
    in under a millisecond. Measured on the vendor-lead worker path (bench/RESULTS.md).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _holding_match(lead: VendorLead) -> tuple[Any, dict] | None:
    """The first registration or owned CRM account that is the lead's customer, with its
    match, using the registrations' own matching service (leads.matching)."""
    from leads import matching as dup

    subject = _as_deal(lead)
    window = program_rules_get().protection_window_days
    with transaction.atomic():
        _jit_off()
        matches = dup.find_matches(subject)
    for match in matches:
        target = match.target
        detail = {"score": match.score, "matched_fields": match.matched_fields,
                  "reasons": match.reasons}
        if isinstance(target, Deal):
            if target.status in HOLDING_DEAL_STATUSES and target.source != DealSource.VENDOR:
                return target, {**detail, "kind": "registration",
                                "target": f"{MatchTarget.DEAL}:{target.pk}",
                                "label": _("open partner registration %(ref)s") % {
                                    "ref": target.reference}}
            continue
        if not isinstance(target, Account):
            continue
        kinds = [c.kind for c in dup.classify(subject, match, protection_window_days=window)]
        if MatchKind.DIRECT_SALES in kinds:
            return target, {**detail, "kind": MatchKind.DIRECT_SALES, "kinds": kinds,
                            "target": f"{MatchTarget.ACCOUNT}:{target.pk}",
                            "label": _("CRM account %(name)s, owned by sales") % {
                                "name": target.name}}
    return None


def _prepared_texts(lead: VendorLead) -> tuple[str, str]:
    """The summary and next steps a partner reads: from the staff's text, else built from
    the lead's business fields only (never the contact's personal details)."""
    summary = lead.summary.strip()
    if not summary:
        bits = [lead.company_name]
        if lead.industry:
            bits.append(lead.industry)
        if lead.company_size:
            bits.append(lead.get_company_size_display())
        if lead.country:
            bits.append(str(lead.country.name))
        summary = " · ".join(bits)
        if lead.use_case_text:
            summary += "\n" + _("Use case: %(u)s") % {"u": lead.use_case_text}
        if lead.urgency:
            summary += "\n" + _("Urgency: %(u)s") % {"u": lead.get_urgency_display()}
    next_steps = lead.next_steps.strip() or _(
        "Accept to see the contact. Reach out within two business days, qualify the need "
        "and timeline, and report each stage in the portal.")
    return summary, next_steps


def vendor_lead_prepare(*, lead_id: int, now: datetime | None = None) -> VendorLead:
    """new → ready (with a recommendation and an offer awaiting approval) or → held.

    Idempotent: only a lead still `new` is claimed (a conditional update inside the
    transaction); a second call returns the lead unchanged.
    """
    lead = VendorLead.objects.get(pk=lead_id)
    if lead.status != VendorLeadStatus.NEW:
        return lead
    vendor_lead_normalize(lead)
    held = _holding_match(lead)
    with transaction.atomic():
        lead = _lock_lead(lead, {VendorLeadStatus.NEW}, _("prepared"))
        vendor_lead_normalize(lead)
        lead.summary, lead.next_steps = _prepared_texts(lead)
        if held is not None:
            target, detail = held
            lead.status = VendorLeadStatus.HELD
            lead.held_deal = target if isinstance(target, Deal) else None
            lead.held_account = target if isinstance(target, Account) else None
            lead.held_detail = detail
            lead.held_reason = _("Same customer as the %(t)s: %(r)s") % {
                "t": detail["label"], "r": "; ".join(detail["reasons"])}
            lead.save()
            audit_record(actor=None, action="vendor_lead.hold", target=lead,
                         before={"status": VendorLeadStatus.NEW},
                         after={"status": lead.status, "match": detail})
            notify(users=_approvers(None, lead), kind=NotificationKind.TASK_ASSIGNED,
                   title=_("Held: %(ref)s %(c)s matches an existing record") % {
                       "ref": lead.reference, "c": lead.company_name},
                   body=lead.held_reason, url=lead.get_absolute_url())
            return lead
        lead.status = VendorLeadStatus.READY
        lead.ready_at = now or timezone.now()
        lead.save()
        audit_record(actor=None, action="vendor_lead.ready", target=lead,
                     before={"status": VendorLeadStatus.NEW}, after={"status": lead.status})
        _propose_next(lead, now=now)
    return lead


def _propose_next(lead: VendorLead, *, now: datetime | None = None, actor=None,
                  cascade: bool = False) -> Offer | None:
    """Recommend again and put the top candidate's offer up for approval (or offer it at
    once when auto-cascade is on and this follows a decline or timeout). Inside the
    caller's transaction, with the lead locked and no live offer."""
    rec = matching.recommend(lead=lead, now=now)
    if not rec.candidates:
        notify(users=_approvers(None, lead), kind=NotificationKind.TASK_ASSIGNED,
               title=_("No eligible partner for %(ref)s %(c)s") % {
                   "ref": lead.reference, "c": lead.company_name},
               body=rec.summary, url=lead.get_absolute_url())
        return None
    top = rec.candidates[0]
    offer = Offer.objects.create(
        lead=lead, partner_id=top["partner"], recommendation=rec, rank=top["rank"],
        score=Decimal(str(top["score"])), explanation=top, status=OfferStatus.PENDING_APPROVAL)
    audit_record(actor=actor, action="offer.propose", target=offer, after={
        "lead": lead.pk, "partner": top["partner"], "score": top["score"],
        "recommendation": rec.pk, "weights_version": rec.weights.version})
    if cascade and rec.weights.auto_cascade:
        return _offer_send(offer, actor=None, now=now, note="auto_cascade")
    notify(users=_approvers(top["partner"], lead), kind=NotificationKind.TASK_ASSIGNED,
           title=_("Approve the offer of %(ref)s %(c)s to %(p)s") % {
               "ref": lead.reference, "c": lead.company_name, "p": top["name"]},
           body=rec.summary, url=lead.get_absolute_url())
    return offer


# --- Offers ---------------------------------------------------------------------------------


def _offer_send(offer: Offer, *, actor, now: datetime | None = None, note: str = "") -> Offer:
    """pending_approval → offered (inside a transaction, the lead and offer locked)."""
    now = now or timezone.now()
    sla = matching.weights_current().offer_sla_hours
    offer.status = OfferStatus.OFFERED
    offer.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    offer.approved_at = offer.offered_at = now
    offer.due_at = now + timedelta(hours=sla)
    offer.full_clean(exclude=["lead", "partner", "recommendation", "deal"])
    offer.save()
    lead = offer.lead
    before = lead.status
    VendorLead.objects.filter(pk=lead.pk).update(status=VendorLeadStatus.OFFERED, updated_at=now)
    lead.status = VendorLeadStatus.OFFERED
    audit_record(actor=actor, action="offer.send", target=offer, partner=offer.partner,
                 reason=note, before={"status": OfferStatus.PENDING_APPROVAL, "lead": before},
                 after={"status": offer.status, "due_at": offer.due_at,
                        "override": offer.is_override, "override_reason": offer.override_reason})
    notify(users=_partner_admins(offer.partner_id), kind=NotificationKind.STATUS_CHANGE,
           title=_("A lead is offered to you: %(c)s") % {"c": lead.company_name},
           body=_("Accept or decline by %(d)s.") % {
               "d": timezone.localtime(offer.due_at).strftime("%Y-%m-%d %H:%M %Z")},
           url=offer.get_absolute_url())
    return offer


def offer_approve(*, actor, offer: Offer) -> Offer:
    """The partner owner's one click: the offer awaiting approval goes to its partner."""
    _require_reviewer(actor)
    with transaction.atomic():
        _lock_lead(offer.lead, {VendorLeadStatus.READY}, _("offered"))
        offer = _lock_offer(offer, {OfferStatus.PENDING_APPROVAL}, _("approved"))
        return _offer_send(offer, actor=actor)


def offer_make(*, actor, lead: VendorLead, partner_id: int, override_reason: str = "") -> Offer:
    """Offer `lead` to a candidate of its latest recommendation. The top candidate needs
    nothing more (it approves the pending offer); any other needs `override_reason`,
    which is recorded on the offer and reported. Raises ValidationError naming
    `partner` or `override_reason`, InvalidTransition when an offer is out already."""
    _require_reviewer(actor)
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        lead = _lock_lead(lead, {VendorLeadStatus.READY}, _("offered"))
        live = list(Offer.objects.select_for_update().filter(lead=lead).live())
        if any(o.status == OfferStatus.OFFERED for o in live):
            raise InvalidTransition(_("The lead is already offered; wait for the answer."),
                                    current_status=VendorLeadStatus.OFFERED)
        rec = Recommendation.objects.filter(lead=lead).order_by("-computed_at", "-id").first()
        candidate = rec.candidate(partner_id) if rec else None
        if candidate is None:
            raise ValidationError({"partner": _(
                "Choose one of the recommended candidates for this lead.")})
        pending = live[0] if live else None
        if pending is not None and pending.partner_id == partner_id:
            pending.lead = lead
            return _offer_send(pending, actor=actor)
        is_override = candidate["rank"] != 1
        if is_override and not override_reason:
            raise ValidationError({"override_reason": _(
                "Offering to another partner than the top recommendation needs a reason.")})
        if pending is not None:
            pending.status = OfferStatus.WITHDRAWN
            pending.withdrawn_reason = _("Offered to another candidate: %(r)s") % {
                "r": override_reason or "-"}
            pending.save(update_fields=["status", "withdrawn_reason"])
            audit_record(actor=actor, action="offer.withdraw", target=pending,
                         partner=pending.partner, reason=pending.withdrawn_reason,
                         before={"status": OfferStatus.PENDING_APPROVAL},
                         after={"status": OfferStatus.WITHDRAWN})
        offer = Offer.objects.create(
            lead=lead, partner_id=partner_id, recommendation=rec, rank=candidate["rank"],
            score=Decimal(str(candidate["score"])), explanation=candidate, created_by=actor,
            is_override=is_override, override_reason=override_reason if is_override else "",
            status=OfferStatus.PENDING_APPROVAL)
        offer.lead = lead
        return _offer_send(offer, actor=actor, note=offer.override_reason)


def _deal_from_offer(offer: Offer, *, actor, now: datetime) -> Deal:
    lead = offer.lead
    rules = program_rules_get()
    deal = Deal(**{f: getattr(lead, f) for f in DEAL_FIELDS if not f.startswith("norm_")
                   and f != "name_words"}, partner_id=offer.partner_id,
                created_by=actor, owner=actor, source=DealSource.VENDOR,
                status=DealStatus.ACCEPTED, vendor_lead=lead, submitted_at=now, decided_at=now,
                protected_until=now + timedelta(days=rules.protection_window_days),
                raw_input={"vendor_lead": lead.reference})
    # The vendor's own lead: the staff member who brought it in receives the handoff.
    deal.sales_owner = lead.created_by
    deal_apply_normalization(deal)
    deal.full_clean(exclude=["partner", "created_by", "owner", "sales_owner", "vendor_lead"])
    deal.save()
    deal.products.set(lead.products.all())
    deal_status_record(deal=deal, before="", after=DealStatus.ACCEPTED, actor=actor, at=now)
    audit_record(actor=actor, action="deal.accept", target=deal, after={
        "status": DealStatus.ACCEPTED, "source": DealSource.VENDOR, "vendor_lead": lead.pk,
        "offer": offer.pk, "protected_until": deal.protected_until,
        "sales_owner": deal.sales_owner_id})
    attribution_record_sole(deal=deal, actor=actor)
    deal_handoff_open(deal=deal, actor=actor, rules=rules)
    return deal


def offer_accept(*, partner: PartnerOrganization, actor, offer: Offer) -> Offer:
    """The offered organization accepts: its deal is created (source vendor, accepted,
    protected, handed to sales, attributed to it) and the lead is assigned."""
    if offer.partner_id != partner.pk:
        raise NotAllowed(_("This offer was made to another organization."))
    with transaction.atomic():
        offer = _lock_offer(offer, {OfferStatus.OFFERED}, _("accepted"))
        now = timezone.now()
        if offer.due_at and offer.due_at <= now:
            raise InvalidTransition(_("The time to answer this offer has run out."),
                                    current_status="expired")
        lead = _lock_lead(offer.lead, {VendorLeadStatus.OFFERED}, _("assigned"))
        deal = _deal_from_offer(offer, actor=actor, now=now)
        offer.status, offer.deal = OfferStatus.ACCEPTED, deal
        offer.responded_by, offer.responded_at = actor, now
        offer.save(update_fields=["status", "deal", "responded_by", "responded_at"])
        lead.status, lead.assigned_at = VendorLeadStatus.ASSIGNED, now
        lead.save(update_fields=["status", "assigned_at", "updated_at"])
        audit_record(actor=actor, action="offer.accept", target=offer, partner=partner,
                     before={"status": OfferStatus.OFFERED},
                     after={"status": OfferStatus.ACCEPTED, "deal": deal.pk})
        audit_record(actor=actor, action="vendor_lead.assign", target=lead,
                     before={"status": VendorLeadStatus.OFFERED},
                     after={"status": VendorLeadStatus.ASSIGNED, "partner": partner.pk,
                            "deal": deal.pk})
        notify(users=[*_approvers(partner.pk, lead), *deal_watchers(deal)],
               kind=NotificationKind.STATUS_CHANGE, deal=deal,
               title=_("%(p)s accepted %(ref)s %(c)s") % {
                   "p": partner.name, "ref": lead.reference, "c": lead.company_name},
               url=deal.get_absolute_url())
    offer.lead, offer.deal = lead, deal
    return offer


def offer_decline(*, partner: PartnerOrganization, actor, offer: Offer, reason: str) -> Offer:
    """The offered organization declines with a reason; the next candidate follows."""
    if offer.partner_id != partner.pk:
        raise NotAllowed(_("This offer was made to another organization."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline: it helps route the next lead.")})
    with transaction.atomic():
        offer = _lock_offer(offer, {OfferStatus.OFFERED}, _("declined"))
        _end_offer(offer, status=OfferStatus.DECLINED, actor=actor, reason=reason)
    return offer


def _end_offer(offer: Offer, *, status: str, actor, reason: str = "",
               now: datetime | None = None) -> None:
    """offered → declined / timed_out, then the lead goes back to ready and cascades."""
    now = now or timezone.now()
    lead = _lock_lead(offer.lead, {VendorLeadStatus.OFFERED}, _("offered again"))
    offer.status, offer.responded_at = status, now
    offer.responded_by = actor if getattr(actor, "is_authenticated", False) else None
    offer.decline_reason = reason if status == OfferStatus.DECLINED else ""
    offer.save(update_fields=["status", "responded_at", "responded_by", "decline_reason"])
    audit_record(actor=actor, action=f"offer.{status}", target=offer, partner=offer.partner,
                 reason=reason, before={"status": OfferStatus.OFFERED}, after={"status": status})
    lead.status = VendorLeadStatus.READY
    lead.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="vendor_lead.cascade", target=lead,
                 before={"status": VendorLeadStatus.OFFERED},
                 after={"status": VendorLeadStatus.READY, "after_offer": offer.pk})
    title = (_("%(p)s declined %(ref)s %(c)s") if status == OfferStatus.DECLINED
             else _("Offer of %(ref)s %(c)s to %(p)s timed out"))
    notify(users=_approvers(offer.partner_id, lead), kind=NotificationKind.STATUS_CHANGE,
           title=title % {"p": offer.partner.name, "ref": lead.reference, "c": lead.company_name},
           body=reason, url=lead.get_absolute_url())
    _propose_next(lead, now=now, actor=actor, cascade=True)


def offers_time_out(*, now: datetime | None = None) -> int:
    """Beat: every offer past its SLA times out and the lead cascades; once per offer
    (each claimed under a row lock, skipping rows another worker holds)."""
    now = now or timezone.now()
    done = 0
    for offer_id in list(Offer.objects.filter(status=OfferStatus.OFFERED, due_at__lte=now)
                         .values_list("pk", flat=True)):
        with transaction.atomic():
            offer = (Offer.objects.select_for_update(skip_locked=True)
                     .select_related("lead", "partner")
                     .filter(pk=offer_id, status=OfferStatus.OFFERED, due_at__lte=now).first())
            if offer is None:
                continue
            _end_offer(offer, status=OfferStatus.TIMED_OUT, actor=None, now=now)
            done += 1
    return done


# --- Outcome reports ---------------------------------------------------------------------------


def outcome_report(*, partner: PartnerOrganization, actor, deal: Deal, stage: str,
                   note: str = "", lost_reason: str = "") -> OutcomeReport:
    """Record the partner's word on where an accepted deal stands. Never changes the
    deal's status or amount; the sales owner is told. Raises ValidationError by field."""
    if deal.partner_id != partner.pk:
        raise NotAllowed(_("This deal belongs to another organization."))
    if deal.status not in REPORTABLE_DEAL_STATUSES:
        raise InvalidTransition(_("Outcomes are reported on accepted deals only."),
                                current_status=deal.status)
    note, lost_reason = (note or "").strip(), (lost_reason or "").strip()
    if stage == OutcomeStage.LOST and not lost_reason:
        lost_reason = note  # the API's one text field says why
    report = OutcomeReport(partner=partner, deal=deal, stage=stage, note=note,
                           lost_reason=lost_reason if stage == OutcomeStage.LOST else "",
                           reported_by=actor, reported_at=timezone.now())
    errors = {}
    if stage not in OutcomeStage.values:
        errors["stage"] = _("Choose one of: %(s)s.") % {"s": ", ".join(OutcomeStage.values)}
    elif stage == OutcomeStage.LOST and not report.lost_reason:
        errors["lost_reason"] = _("Say why the deal was lost.")
    if errors:
        raise ValidationError(errors)
    report.full_clean(exclude=["partner", "deal", "reported_by"])
    with transaction.atomic():
        report.save()
        audit_record(actor=actor, action="outcome.report", target=report, partner=partner,
                     after={"deal": deal.pk, "stage": stage, "note": note,
                            "lost_reason": report.lost_reason})
        if deal.sales_owner_id:
            notify(users=get_user_model().objects.filter(pk=deal.sales_owner_id),
                   kind=NotificationKind.STATUS_CHANGE, deal=deal,
                   title=_("%(p)s reports %(ref)s: %(s)s") % {
                       "p": partner.name, "ref": deal.reference,
                       "s": OutcomeStage(stage).label},
                   body=note, url=reverse("reviews:deal-detail", args=[deal.pk]))
    return report


def outcome_reminders_send(*, now: datetime | None = None) -> int:
    """Beat: remind each deal's watchers once per cadence when its report is overdue
    (`matching.reports_overdue` is the definition). Returns the deals reminded."""
    from reviews.models import Notification

    now = now or timezone.now()
    cadence = matching.weights_current().report_cadence_days
    overdue = matching.reports_overdue(now=now).select_related("partner")
    # A reminder is the deal's TASK_OVERDUE notification that links to the partner's page
    # (review-task escalations link to staff pages).
    reminded = {deal_id for deal_id, url in Notification.objects.filter(
        kind=NotificationKind.TASK_OVERDUE, deal__in=overdue.values("pk"),
        created_at__gte=now - timedelta(days=cadence),
    ).values_list("deal_id", "url") if url == f"/deals/{deal_id}/"}
    count = 0
    for deal in overdue:
        if deal.pk in reminded:
            continue
        with transaction.atomic():
            notify(users=deal_watchers(deal), kind=NotificationKind.TASK_OVERDUE, deal=deal,
                   title=_("Report due: %(ref)s %(c)s") % {
                       "ref": deal.reference, "c": deal.company_name},
                   body=_("Want leads? Report back: tell us where this deal stands "
                          "(contacted, meeting held, proposal, won or lost)."),
                   url=deal.get_absolute_url())
            audit_record(actor=None, action="outcome.remind", target=deal,
                         after={"cadence_days": cadence})
        count += 1
    return count
