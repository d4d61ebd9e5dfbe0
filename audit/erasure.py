"""Erasing an end customer's contact data: from the deal and from the audit log's side table.

The audit chain stays verifiable: events only reference personal values (`audit.personal`),
so blanking `PersonalValue` rows changes no hashed byte. The erasure itself is audited: what
was erased and why, never the values.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, DateTimeField, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.labels import target_types
from audit.models import PersonalValue
from audit.services import audit_record
from leads.choices import DealStatus
from leads.models import Deal, DealStatusChange
from partnerportal.exceptions import NotAllowed

# What a contact is on a deal: these fields, their normalized keys, and raw_input copies.
CONTACT_FIELDS = ["contact_name", "contact_title", "contact_email", "contact_phone"]
CONTACT_KEYS = ["norm_email", "norm_phone"]
RETENTION_STATUSES = [DealStatus.REJECTED, DealStatus.WITHDRAWN, DealStatus.EXPIRED]
DEFAULT_RETENTION_MONTHS = 24


def personal_data_erase(*, actor, deal: Deal, reason: str) -> dict:
    """Blank a deal's contact and every personal value the audit log holds about the deal.

    `actor` is vendor staff, or None for the retention sweep. Writes one audit event,
    `deal.personal_data_erase`, naming the fields and how many logged values were erased,
    with `reason`. Returns that summary. Safe to run twice (the second erases nothing).
    """
    if actor is not None and not getattr(actor, "is_staff", False):
        raise NotAllowed(_("Only vendor staff can erase personal data."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the contact is erased.")})
    with transaction.atomic():
        deal = Deal.objects.select_for_update().get(pk=deal.pk)
        fields = [name for name in CONTACT_FIELDS + CONTACT_KEYS if getattr(deal, name)]
        for name in fields:
            setattr(deal, name, "")
        raw = dict(deal.raw_input or {})
        raw_fields = [name for name in CONTACT_FIELDS if raw.get(name) not in (None, "")]
        for name in raw_fields:
            raw[name] = ""
        deal.raw_input = raw
        deal.save(update_fields=[*fields, "raw_input", "updated_at"])
        values = PersonalValue.objects.filter(
            subject_type=deal._meta.label_lower, subject_id=str(deal.pk), erased_at__isnull=True
        ).update(value=None, salt="", erased_at=timezone.now())
        summary = {"fields": sorted(fields), "raw_input": sorted(raw_fields),
                   "audit_values": values}
        audit_record(actor=actor, action="deal.personal_data_erase", target=deal,
                     after=summary, reason=reason)
    return summary


def _months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(moment.day, 0, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def retention_due_deals(*, now: dt.datetime, months: int):
    """Closed deals (rejected, withdrawn, expired) closed before the cutoff, with something
    still to erase. Closed means the last status change into the current status; deals
    without that history fall back to decided_at, withdrawn_at, then updated_at."""
    cutoff = _months_before(now, months)
    closed_change = DealStatusChange.objects.filter(
        deal=OuterRef("pk"), to_status=OuterRef("status")
    ).order_by("-at").values("at")[:1]
    pending_values = PersonalValue.objects.filter(
        subject_type=Deal._meta.label_lower, erased_at__isnull=True
    ).values("subject_id")
    has_contact = Q()
    for name in CONTACT_FIELDS + CONTACT_KEYS:
        has_contact |= ~Q(**{name: ""})
    return (
        Deal.objects.filter(status__in=RETENTION_STATUSES)
        .annotate(retention_from=Coalesce(
            Subquery(closed_change), "decided_at", "withdrawn_at", "updated_at",
            output_field=DateTimeField(),
        ))
        .filter(retention_from__lt=cutoff)
        .filter(has_contact | Q(pk__in=_as_ids(pending_values)))
        .order_by("retention_from", "pk")
    )


def _as_ids(subject_ids):
    """PersonalValue.subject_id is text; compare with the deal's integer key."""
    return subject_ids.annotate(deal_id=Cast("subject_id", BigIntegerField())).values("deal_id")


def personal_data_retention_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Erase the contacts of deals closed longer ago than the program's retention months.

    The months come from ProgramRules.contact_retention_months (24 when unset). Each deal is
    erased in its own transaction by `personal_data_erase`; returns how many were.
    """
    from partners.selectors import program_rules_get

    now = now or timezone.now()
    months = getattr(program_rules_get(), "contact_retention_months", None) \
        or DEFAULT_RETENTION_MONTHS
    erased = 0
    for deal in retention_due_deals(now=now, months=months)[:limit]:
        personal_data_erase(
            actor=None, deal=deal,
            reason=f"retention: {months} months after the deal was {deal.status}",
        )
        erased += 1
    return erased


CRM_CONTACT_FIELDS = ["name", "email", "phone", "title", "norm_name", "norm_email", "norm_phone"]


def crm_contact_erase(*, actor, contact, reason: str) -> dict:
    """Blank a CRM contact's personal data (name, e-mail, phone, title and their keys) and
    every personal value the audit log holds about it; the row stays, marked erased, so a
    later CRM import does not bring the person back. Staff only (None: a sweep). One audit
    event, `crm.contact_erase`, names the fields, never the values. Safe to run twice."""
    from crm.models import Contact

    if actor is not None and not getattr(actor, "is_staff", False):
        raise NotAllowed(_("Only vendor staff can erase personal data."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the contact is erased.")})
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        fields = [name for name in CRM_CONTACT_FIELDS if getattr(contact, name)]
        for name in fields:
            setattr(contact, name, "")
        contact.erased_at = contact.erased_at or timezone.now()
        contact.save(update_fields=[*fields, "erased_at", "updated_at"])
        values = PersonalValue.objects.filter(
            subject_type__in=target_types(contact), subject_id=str(contact.pk),
            erased_at__isnull=True,
        ).update(value=None, salt="", erased_at=timezone.now())
        summary = {"fields": sorted(fields), "audit_values": values}
        audit_record(actor=actor, action="crm.contact_erase", target=contact, after=summary,
                     reason=reason)
    return summary
