"""Attribution disputes: a partner objects within the window; a partner owner decides.

Also the beat job that makes undisputed attributions final when their window closes.
"""

import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.choices import AttributionStatus, DisputeStatus
from attribution.models import Attribution, Dispute, DisputeAttachment
from attribution.services import _supersede, _validate_shares
from audit.services import audit_record
from leads.models import Deal
from partnerportal.exceptions import InvalidTransition

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_MAX_FILES = 5
# Accepted attachment types: the extension, the declared type and the file's first bytes
# must agree (no HTML, scripts or office macros).
ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
}


def _check_attachment(upload) -> str:
    """The attachment's content type, or a ValidationError naming what is wrong."""
    name = os.path.basename(upload.name or "")[:200]
    ext = os.path.splitext(name)[1].lower()
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError({"attachments": _("%(n)s: only PDF, PNG, JPEG, TXT and CSV files.") % {"n": name}})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"attachments": _("%(n)s is larger than 5 MB.") % {"n": name}})
    content_type, signatures = ATTACHMENT_TYPES[ext]
    head = upload.read(16)
    upload.seek(0)
    if signatures and not any(head.startswith(sig) for sig in signatures):
        raise ValidationError({"attachments": _("%(n)s is not really a %(e)s file.") % {"n": name, "e": ext}})
    if not signatures and b"\x00" in head:
        raise ValidationError({"attachments": _("%(n)s is not a text file.") % {"n": name}})
    return content_type


def dispute_open(*, partner, actor, attribution: Attribution, text: str, files=()) -> Dispute:
    """A partner disputes its own approved attribution within the dispute window."""
    from leads.services import _require_member
    from reviews.choices import NotificationKind
    from reviews.notifications import notify

    _require_member(partner=partner, actor=actor)
    if attribution.partner_id != partner.pk:
        raise InvalidTransition(_("This attribution is not yours to dispute."))
    text = (text or "").strip()
    files = list(files or [])
    if not text:
        raise ValidationError({"text": _("Explain what you dispute and why.")})
    if len(files) > ATTACHMENT_MAX_FILES:
        raise ValidationError({"attachments": _("Attach at most 5 files.")})
    types = [_check_attachment(upload) for upload in files]
    with transaction.atomic():
        line = Attribution.objects.select_for_update().select_related("deal").get(pk=attribution.pk)
        if line.status != AttributionStatus.APPROVED:
            raise InvalidTransition(_("Only an approved attribution can be disputed; this one is %(s)s.")
                                    % {"s": line.get_status_display()}, current_status=line.status)
        if line.dispute_until is None or timezone.now() > line.dispute_until:
            raise InvalidTransition(_("The dispute window of this attribution has closed."),
                                    current_status=line.status)
        dispute = Dispute.objects.create(attribution=line, partner=partner, opened_by=actor, text=text)
        for upload, content_type in zip(files, types, strict=True):
            DisputeAttachment.objects.create(dispute=dispute, file=upload, content_type=content_type,
                                             original_name=upload.name[:200], size=upload.size)
        line.status = AttributionStatus.DISPUTED
        line.save(update_fields=["status"])
        audit_record(actor=actor, action="attribution.dispute", target=line.deal, partner=partner,
                     reason=text, after={"dispute": dispute.pk, "attribution": line.pk,
                                         "attachments": len(files)})
        notify(users=[u for u in [line.deal.partner.partner_owner] if u], kind=NotificationKind.STATUS_CHANGE,
               deal=line.deal, url=reverse("reviews:dispute-detail", args=[dispute.pk]),
               title=_("Attribution disputed on %(ref)s") % {"ref": line.deal.reference}, body=text)
    return dispute


def dispute_resolve(*, actor, dispute, uphold: bool, note: str,
                    shares: list[dict] | None = None) -> Dispute:
    """A partner owner resolves a dispute: dismissed (the attribution stands and becomes
    final) or upheld with new shares (the deal's lines are replaced, final; a won deal's
    commissions get correcting lines)."""
    from attribution.compensation import commissions_correct
    from reviews.services import _notify_status, _require_reviewer

    _require_reviewer(actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Explain the outcome to the partner.")})
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().select_related("attribution__deal").get(pk=dispute.pk)
        if dispute.status != DisputeStatus.OPEN:
            raise InvalidTransition(_("This dispute was already resolved."), current_status=dispute.status)
        deal = dispute.attribution.deal
        now = timezone.now()
        if uphold:
            current = {line.source_deal_id: line for line in Attribution.objects.filter(deal=deal).current()}
            members = {d.pk: d for d in Deal.objects.filter(pk__in=[k for k in current if k])}
            lines = _validate_shares(shares, members)
            _supersede(deal, actor=actor, reason=f"dispute {dispute.pk} upheld")
            for line in lines:
                source = members.get(line["deal"]) if line["deal"] else None
                Attribution.objects.create(
                    deal=deal, partner_id=source.partner_id if source else None, source_deal=source,
                    direct=line["direct"], role=line["role"], share=line["share"],
                    case=dispute.attribution.case, status=AttributionStatus.FINAL, approved_by=actor,
                    approved_at=now, finalized_at=now, replaces=dispute.attribution)
            commissions_correct(deal=deal, actor=actor)
        else:
            Attribution.objects.filter(pk=dispute.attribution_id).update(
                status=AttributionStatus.FINAL, finalized_at=now)
        dispute.status = DisputeStatus.UPHELD if uphold else DisputeStatus.DISMISSED
        dispute.resolution_note, dispute.resolved_by, dispute.resolved_at = note, actor, now
        dispute.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
        audit_record(actor=actor, action="attribution.dispute_resolve", target=deal, reason=note,
                     partner=dispute.partner,
                     after={"dispute": dispute.pk, "outcome": dispute.status, "shares": [
                         {"deal": s["deal"], "direct": s["direct"], "role": s["role"], "share": s["share"]}
                         for s in (lines if uphold else [])]})
        # Each partner hears about its own registration only: the disputing partner gets
        # the outcome and the note; when shares changed, any other credited partner gets
        # its own new share, never the dispute, its note or the other party.
        own = dispute.attribution.source_deal or deal
        _notify_status(own, note=_("Your attribution dispute was resolved: %(o)s. %(n)s") % {
            "o": dispute.get_status_display(), "n": note})
        for line in (lines if uphold else []):
            other = members.get(line["deal"]) if line["deal"] else None
            if other is not None and other.partner_id != dispute.partner_id:
                _notify_status(other, note=_("Your credit share was changed to %(s)s%%.") % {"s": line["share"]})
    return dispute


def attributions_finalize(*, now=None) -> int:
    """Approved lines whose dispute window closed without a dispute become final (beat)."""
    now = now or timezone.now()
    finalized = 0
    for pk in list(Attribution.objects.filter(status=AttributionStatus.APPROVED, dispute_until__lt=now)
                   .values_list("pk", flat=True)):
        with transaction.atomic():
            if Attribution.objects.filter(pk=pk, status=AttributionStatus.APPROVED).update(
                    status=AttributionStatus.FINAL, finalized_at=now):
                line = Attribution.objects.select_related("deal").get(pk=pk)
                audit_record(actor=None, action="attribution.finalize", target=line.deal,
                             partner=line.partner, after={"attribution": pk, "dispute_window_closed": True})
                finalized += 1
    return finalized
