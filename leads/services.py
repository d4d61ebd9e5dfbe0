"""State changes for deal registrations. Every change is checked, audited and atomic.

Transitions use conditional updates (`UPDATE ... WHERE status IN (...)`) so that when two
people, or a person and a worker, act at once exactly one wins and the other gets a clear
`InvalidTransition`.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, changed, snapshot
from leads.choices import WITHDRAWABLE_STATUSES, DealStatus
from leads.models import Deal, DealQuestion, DealStatusChange, Product
from leads.normalize import (
    address_keys,
    company_keys,
    country_code,
    email_domain,
    normalize_country,
    normalize_email,
    normalize_phone,
    registrable_domain,
)
from partnerportal.exceptions import InvalidTransition, NotAllowed
from partners.models import PartnerOrganization

# What a deal must carry before it can be submitted for screening. (What it needs before it
# can be *accepted* is the program's choice: ProgramRules.required_fields_for_acceptance.)
SUBMIT_REQUIRED_FIELDS = [
    "company_name",
    "country",
    "contact_name",
    "contact_email",
    "need",
    "urgency",
    "introduction_path",
]
EDITABLE_FIELDS = [
    "company_name", "website", "country", "industry", "company_size",
    "street", "city", "postal_code", "region",
    "contact_name", "contact_title", "contact_email", "contact_phone", "contact_authority",
    "need", "urgency", "timeline", "estimated_value", "currency",
    "introduction_path", "relationship_notes", "customer_consent",
]
_AUDITED_FIELDS = EDITABLE_FIELDS + ["status"]


def deal_status_record(*, deal: Deal, before: str, after: str, actor, at=None) -> None:
    """Write the status-history row of one transition (call inside its transaction)."""
    DealStatusChange.objects.create(
        deal_id=deal.pk, partner_id=deal.partner_id, from_status=before or "", to_status=after,
        actor=actor if getattr(actor, "pk", None) else None, at=at or timezone.now(),
    )


def _require_member(*, partner: PartnerOrganization, actor) -> None:
    membership = getattr(actor, "membership", None)
    if membership is None or membership.partner_id != partner.pk:
        raise NotAllowed(_("You are not a member of this partner organization."))


def _require_can_register(partner: PartnerOrganization) -> None:
    if not partner.can_register:
        raise NotAllowed(
            _("Your organization's program status (%(s)s) does not allow registering deals.")
            % {"s": partner.get_program_status_display()}
        )


def _require_same_partner(*, partner: PartnerOrganization, deal: Deal) -> None:
    if deal.partner_id != partner.pk:
        raise NotAllowed(_("This deal belongs to another organization."))


# The fields deal_apply_normalization derives from the raw ones.
NORMALIZED_KEYS = ("norm_company", "name_words", "norm_email", "norm_email_domain",
                   "norm_domain", "norm_phone", "norm_country", "norm_street", "norm_city",
                   "norm_postal_code", "norm_address")


def deal_apply_normalization(deal: Deal) -> None:
    """Recompute the normalized matching keys from the raw fields (no save)."""
    country = str(deal.country or "")
    deal.norm_company, deal.name_words = company_keys(deal.company_name)
    deal.norm_email = normalize_email(deal.contact_email)
    deal.norm_email_domain = email_domain(deal.contact_email)
    deal.norm_domain = registrable_domain(deal.website) or deal.norm_email_domain
    deal.norm_phone = normalize_phone(deal.contact_phone, country)
    deal.norm_country = normalize_country(country)
    for key, value in address_keys(street=deal.street, city=deal.city,
                                   postal_code=deal.postal_code, country=country).items():
        setattr(deal, key, value)


def country_value(value: Any) -> Any:
    """The one rule for a country, whichever way it came in: an ISO code (DE, DEU), an
    English name (Germany) or a common alias (UK) becomes its alpha-2 code; anything
    unknown is returned as given, for validation to refuse by name."""
    if isinstance(value, str) and value.strip():
        return country_code(value) or value.strip()
    return value


def _raw_copy(raw: dict[str, Any] | None) -> dict[str, Any]:
    """Keep the partner's input as typed: strings (and lists of strings) only."""
    def clean(value: Any) -> str:
        return str(value).replace("\x00", "")[:5000]  # PostgreSQL JSON refuses NUL

    kept: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if isinstance(value, (list, tuple)):
            kept[key] = [clean(v) for v in value][:50]
        elif value is not None:
            kept[key] = clean(value)
    return kept


def deal_save_draft(
    *,
    partner: PartnerOrganization,
    actor,
    data: dict[str, Any],
    products: Iterable[Product] | None = None,
    raw: dict[str, Any] | None = None,
    deal: Deal | None = None,
) -> Deal:
    """Create a draft registration, or update an existing draft of the same partner.

    `data` holds validated values of EDITABLE_FIELDS; `raw` what the partner typed. Only
    drafts are editable; the row is locked while it changes.
    """
    _require_member(partner=partner, actor=actor)
    _require_can_register(partner)
    with transaction.atomic():
        if deal is None:
            deal = Deal(partner=partner, created_by=actor, owner=actor)
            before: dict = {}
        else:
            _require_same_partner(partner=partner, deal=deal)
            deal = Deal.objects.select_for_update().get(pk=deal.pk)
            if not deal.is_editable:
                raise InvalidTransition(_("Only drafts can be edited; this deal is %(s)s.")
                                        % {"s": deal.get_status_display()})
            before = snapshot(deal, _AUDITED_FIELDS)
        for field in EDITABLE_FIELDS:
            if field in data:
                value = data[field]
                if field == "country":
                    value = country_value(value)
                if isinstance(value, str):
                    value = value.strip()
                elif value is None and field != "estimated_value":
                    value = ""
                setattr(deal, field, value)
        deal.currency = (deal.currency or "USD").upper()
        deal.raw_input = _raw_copy(raw) or deal.raw_input
        deal_apply_normalization(deal)
        deal.full_clean(exclude=["partner", "created_by"])
        deal.save()
        if products is not None:
            deal.products.set(list(products))
        before_diff, after_diff = changed(before, snapshot(deal, _AUDITED_FIELDS))
        audit_record(
            actor=actor,
            action="deal.update_draft" if before else "deal.create_draft",
            target=deal,
            before=before_diff,
            after=after_diff,
        )
    return deal


def deal_missing_for_submit(deal: Deal) -> dict[str, str]:
    """Field name -> message for each field a submission still lacks."""
    missing = {}
    for field in SUBMIT_REQUIRED_FIELDS:
        value = getattr(deal, field)
        if value in (None, "") or (isinstance(value, Decimal) and value < 0):
            missing[field] = _("Required before you can submit.")
    return missing


def deal_submit(*, partner: PartnerOrganization, actor, deal: Deal) -> Deal:
    """Submit a complete draft for screening; the screening task is queued after commit.

    Raises ValidationError naming each missing field, or InvalidTransition when the deal
    is no longer a draft (for example, submitted twice).
    """
    from leads.tasks import deal_screening_queue

    _require_member(partner=partner, actor=actor)
    _require_can_register(partner)
    _require_same_partner(partner=partner, deal=deal)
    missing = deal_missing_for_submit(deal)
    if missing:
        raise ValidationError(missing)
    with transaction.atomic():
        now = timezone.now()
        updated = Deal.objects.filter(pk=deal.pk, status=DealStatus.DRAFT).update(
            status=DealStatus.SUBMITTED, submitted_at=now, updated_at=now
        )
        if updated != 1:
            # Say what actually won: a withdraw racing this submit, or an earlier submit.
            current = Deal.objects.filter(pk=deal.pk).values_list("status", flat=True).first()
            if current == DealStatus.WITHDRAWN:
                raise InvalidTransition(_("This deal was withdrawn."), current_status=current)
            raise InvalidTransition(_("This deal was already submitted."),
                                    current_status=current)
        deal.refresh_from_db()
        deal_status_record(deal=deal, before=DealStatus.DRAFT, after=DealStatus.SUBMITTED,
                           actor=actor, at=now)
        audit_record(
            actor=actor,
            action="deal.submit",
            target=deal,
            before={"status": DealStatus.DRAFT},
            after={"status": DealStatus.SUBMITTED},
        )
        deal_id = deal.pk
        transaction.on_commit(lambda: deal_screening_queue(deal_id))
    return deal


def deal_withdraw(*, partner: PartnerOrganization, actor, deal: Deal, reason: str) -> Deal:
    """The partner withdraws its registration (allowed until it is converted or closed).

    The deal's open review tasks are cancelled with it.
    """
    from reviews.services import review_tasks_cancel
    _require_member(partner=partner, actor=actor)
    _require_same_partner(partner=partner, deal=deal)
    reason = (reason or "").strip()
    with transaction.atomic():
        previous = Deal.objects.select_for_update().get(pk=deal.pk).status
        now = timezone.now()
        updated = Deal.objects.filter(pk=deal.pk, status__in=WITHDRAWABLE_STATUSES).update(
            status=DealStatus.WITHDRAWN, withdrawn_at=now, updated_at=now
        )
        if updated != 1:
            raise InvalidTransition(_("A deal that is %(s)s cannot be withdrawn.")
                                    % {"s": DealStatus(previous).label})
        deal.refresh_from_db()
        deal_status_record(deal=deal, before=previous, after=DealStatus.WITHDRAWN, actor=actor, at=now)
        review_tasks_cancel(deal=deal, actor=actor, reason="deal withdrawn")
        audit_record(
            actor=actor,
            action="deal.withdraw",
            target=deal,
            before={"status": previous},
            after={"status": DealStatus.WITHDRAWN},
            reason=reason,
        )
    return deal


def deal_delete_draft(*, partner: PartnerOrganization, actor, deal: Deal) -> None:
    """Delete a draft that was never submitted (a registration started by mistake).

    Only a draft can go: once submitted a deal is a record (screening, review, history), so
    it can only be withdrawn. The row is locked while it is checked, so a submit racing
    the delete either wins (and the delete is refused) or finds nothing to submit.
    """
    _require_member(partner=partner, actor=actor)
    _require_can_register(partner)
    _require_same_partner(partner=partner, deal=deal)
    with transaction.atomic():
        locked = Deal.objects.select_for_update().filter(pk=deal.pk).first()
        if locked is None:
            raise InvalidTransition(_("This draft was already deleted."))
        if locked.status != DealStatus.DRAFT or locked.submitted_at is not None:
            raise InvalidTransition(
                _("Only a draft that was never submitted can be deleted; this deal is %(s)s.")
                % {"s": locked.get_status_display()},
                current_status=locked.status)
        audit_record(
            actor=actor,
            action="deal.delete_draft",
            target=locked,
            # Which draft, not its contact's details: the log is append-only, and erasing
            # personal data must stay possible (ProgramRules.contact_retention_months).
            before={"reference": locked.reference, "status": locked.status,
                    "company_name": locked.company_name, "created_by": locked.created_by_id},
            partner=partner,
        )
        locked.delete()


def deal_question_answer(
    *, partner: PartnerOrganization, actor, item: DealQuestion, answer: str
) -> DealQuestion:
    """The partner answers a question; when none stay open the deal returns to review.

    Back in review, the acceptance task's SLA clock resumes (its due time moves by the time
    waited) and the reviewer who asked gets a follow-up task.
    """
    from reviews.services import review_resume_after_answer
    _require_member(partner=partner, actor=actor)
    _require_can_register(partner)
    if item.partner_id != partner.pk:
        raise NotAllowed(_("This question belongs to another organization."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write your answer.")})
    with transaction.atomic():
        deal = Deal.objects.select_for_update().get(pk=item.deal_id)
        now = timezone.now()
        updated = DealQuestion.objects.filter(pk=item.pk, answered_at__isnull=True).update(
            answer=answer, answered_by=actor, answered_at=now
        )
        if updated != 1:
            raise InvalidTransition(_("This question was already answered."))
        item.refresh_from_db()
        before = deal.status
        still_open = deal.questions.filter(answered_at__isnull=True).exists()
        if deal.status == DealStatus.NEEDS_INFO and not still_open:
            deal.status = DealStatus.IN_REVIEW
            deal.save(update_fields=["status", "updated_at"])
            deal_status_record(deal=deal, before=before, after=deal.status, actor=actor, at=now)
            review_resume_after_answer(deal=deal, reviewer=item.asked_by, at=now)
        audit_record(
            actor=actor,
            action="deal.question_answer",
            target=deal,
            before={"status": before},
            after={"status": deal.status, "answer": answer},
        )
    return item


def deal_reassign_owner(*, partner: PartnerOrganization, actor, deal: Deal, owner) -> Deal:
    """A partner admin hands `deal` to `owner`, an active member of the same organization.

    `created_by` never changes; notifications and "my deals" follow the owner from now on.
    Writes one `deal.reassign_owner` audit event; handing a deal to its owner changes nothing.
    """
    membership = getattr(actor, "membership", None)
    if membership is None or membership.partner_id != partner.pk or not membership.is_admin:
        raise NotAllowed(_("Only a partner admin of this organization can do that."))
    _require_same_partner(partner=partner, deal=deal)
    new_membership = getattr(owner, "membership", None)
    if new_membership is None or new_membership.partner_id != partner.pk or not owner.is_active:
        raise ValidationError({"owner": _("Choose an active member of your organization.")})
    with transaction.atomic():
        previous = Deal.objects.select_for_update().values_list("owner_id", flat=True).get(
            pk=deal.pk
        )
        if previous == owner.pk:
            deal.owner = owner
            return deal
        Deal.objects.filter(pk=deal.pk).update(owner=owner, updated_at=timezone.now())
        deal.refresh_from_db()
        audit_record(
            actor=actor,
            action="deal.reassign_owner",
            target=deal,
            before={"owner_id": previous},
            after={"owner_id": owner.pk},
        )
    return deal
