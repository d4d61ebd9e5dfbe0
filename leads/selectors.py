"""Read queries for deals. Every partner-facing read takes `partner` first."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.models import Deal, DealQuestion, DuplicateMatch, ScreeningStep, StopRuleHit
from partnerportal.versions import cached, data_version
from partners.models import PartnerOrganization
from reviews.choices import DecisionKind, TaskKind, TaskStatus
from reviews.models import Decision, ExtensionRequest, ReviewTask


def deal_list(*, partner: PartnerOrganization) -> QuerySet[Deal]:
    """The organization's deals, newest first, with what list pages show loaded.

    `open_questions` is a subquery per row, not a join with GROUP BY: the database then
    reads one page of deals from the (partner, created_at) index and counts questions for
    those rows only, and the paginator's COUNT(*) needs no join (at 5,000 deals a partner the
    grouped join took about 100 ms a page).
    """
    open_questions = (DealQuestion.objects.filter(deal=OuterRef("pk"), answered_at__isnull=True)
                      .order_by().values("deal").annotate(n=Count("pk")).values("n"))
    return (
        Deal.objects.for_partner(partner)
        .select_related("created_by")
        .annotate(open_questions=Coalesce(Subquery(open_questions, output_field=IntegerField()), 0))
        .order_by("-created_at", "-id")
    )


def deal_api_list(*, partner: PartnerOrganization) -> QuerySet[Deal]:
    """The organization's deals, newest first, as the API lists them: with their products,
    without what only the dashboard shows (open questions, the creator)."""
    return (Deal.objects.for_partner(partner).prefetch_related("products")
            .order_by("-created_at", "-id"))


def deal_get(*, partner: PartnerOrganization, pk: int) -> Deal:
    """One of the organization's deals; another organization's id raises Http404."""
    deal = (
        Deal.objects.for_partner(partner)
        .select_related("created_by", "partner")
        .prefetch_related("products")
        .filter(pk=pk)
        .first()
    )
    if deal is None:
        raise Http404
    return deal


def deal_rejection_get(*, partner: PartnerOrganization, deal: Deal) -> Decision | None:
    """The rejection the partner reads on its deal (reason label and note), or None.

    Only the partner-facing parts are meant for the page: `reason_code.label` and
    `partner_note`; the reviewer's internal `reason` stays with the vendor.
    """
    if deal.partner_id != partner.pk:
        raise Http404
    return (
        Decision.objects.for_partner(partner).filter(deal=deal, kind=DecisionKind.REJECT)
        .select_related("reason_code").order_by("-created_at", "-id").first()
    )


def deal_extension_list(*, partner: PartnerOrganization, deal: Deal) -> list[ExtensionRequest]:
    """The organization's protection-extension requests on its deal, newest first."""
    if deal.partner_id != partner.pk:
        raise Http404
    return list(ExtensionRequest.objects.for_partner(partner).filter(deal=deal)
                .order_by("-created_at", "-id"))


def deal_question_get(*, partner: PartnerOrganization, pk: int) -> DealQuestion:
    item = DealQuestion.objects.for_partner(partner).select_related("deal").filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def deal_status_counts(*, partner: PartnerOrganization) -> dict[str, int]:
    rows = Deal.objects.for_partner(partner).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def deal_status_counts_kept(*, partner: PartnerOrganization) -> dict[str, int]:
    """`deal_status_counts`, counted once per change of the deals (a deal's creation,
    deletion or change of status moves the deals' data version, `partnerportal.versions`)."""
    return cached(f"deal-status-counts:{partner.pk}", data_version(),
                  lambda: deal_status_counts(partner=partner))


# Audit actions a partner may see on its own deal's timeline, with partner-safe wording.
# Anything else (screening internals, staff notes, other partners) stays off the timeline.
PARTNER_TIMELINE_LABELS = {
    "deal.create_draft": _("Draft created"),
    "deal.update_draft": _("Draft updated"),
    "deal.submit": _("Submitted"),
    "deal.screening_start": _("Screening started"),
    "deal.screening_finish": _("Screened; waiting for review"),
    "deal.question_ask": _("Vendor asked a question"),
    "deal.request_info": _("Vendor asked for more information"),
    "deal.question_answer": _("Question answered"),
    "deal.withdraw": _("Withdrawn"),
    "deal.accept": _("Accepted"),
    "deal.reject": _("Rejected"),
    "deal.expire": _("Protection window expired"),
    "deal.protection_warn": _("Protection window ends soon"),
    "deal.extension_request": _("Extension requested"),
    "deal.extension_approve": _("Extension approved"),
    "deal.extension_refuse": _("Extension refused"),
    "deal.convert": _("Converted to an opportunity by the vendor's sales team"),
    "deal.won": _("Won"),
    "deal.lost": _("Lost"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    by: str


def deal_timeline(*, partner: PartnerOrganization, deal: Deal) -> list[TimelineEntry]:
    """What the partner may see of its deal's history, oldest first."""
    if deal.partner_id != partner.pk:
        raise Http404
    events = (
        AuditEvent.objects.filter(
            target_type=Deal._meta.label_lower,
            target_id=str(deal.pk),
            action__in=list(PARTNER_TIMELINE_LABELS),
        )
        .select_related("actor__membership")
        .order_by("id")
    )
    entries = []
    for event in events:
        member = event.actor is not None and hasattr(event.actor, "membership")
        by = event.actor_label if member and event.actor.membership.partner_id == partner.pk else (
            _("Vendor") if event.actor_id else _("System")
        )
        entries.append(TimelineEntry(at=event.created_at, label=str(PARTNER_TIMELINE_LABELS[event.action]), by=str(by)))
    return entries


def staff_deal_list() -> QuerySet[Deal]:
    """Every deal for vendor staff, newest first."""
    return Deal.objects.select_related("partner", "partner__tier", "created_by").order_by(
        "-created_at", "-id"
    )


# What the staff deal page's comparison (reviews.views.deal) and match articles do not
# read of a matched deal: its long, free-text and normalized columns stay unloaded.
TARGET_DEAL_UNSHOWN = tuple(f"target_deal__{name}" for name in (
    "raw_input", "need", "relationship_notes", "lost_reason", "street", "city",
    "postal_code", "region", "industry", "company_size", "contact_title", "timeline",
    "norm_company", "name_words", "norm_domain", "norm_email", "norm_email_domain",
    "norm_phone", "norm_country", "norm_city", "norm_postal_code", "norm_street",
    "norm_address"))


def staff_deal_get(*, pk: int) -> Deal:
    """One deal with what its review page shows loaded (staff only): screening results,
    tasks with their people, questions, decisions and extension requests.

    A fixed number of queries whatever the number of matches, tasks or decisions.
    """
    deal = (
        Deal.objects.select_related("partner", "partner__tier", "created_by", "summary",
                                    "sales_owner")
        .prefetch_related(
            # One deal's rows: their models' orderings start with "deal", which joins the
            # deal table again and costs PostgreSQL more planning than the query itself.
            "products", "questions",
            Prefetch("stop_rule_hits", queryset=StopRuleHit.objects.order_by("id")),
            Prefetch("screening_steps",
                     queryset=ScreeningStep.objects.order_by("started_at", "id")),
            # With the CRM owners the accept form suggests (reviews.views.deal), so that
            # suggestion needs no second read of the matches.
            Prefetch("matches", queryset=DuplicateMatch.objects.select_related(
                "target_deal__partner", "target_account__sales_owner",
                "target_opportunity__owner", "target_opportunity__account__sales_owner")
                .defer(*TARGET_DEAL_UNSHOWN).order_by("-score", "id")),
            Prefetch("review_tasks", queryset=ReviewTask.objects.select_related(
                "assignee", "closed_by")),
            Prefetch("decisions", queryset=Decision.objects.select_related(
                "actor", "reason_code").order_by("-created_at", "-id")),
            Prefetch("extension_requests", queryset=ExtensionRequest.objects.select_related(
                "requested_by", "decided_by")),
        )
        .filter(pk=pk)
        .order_by()[:1]  # one row by its key: no ordering to compile or sort
    )
    if not deal:
        raise Http404
    return deal[0]


# Statuses in which a deal is with its sales owner ("My handoffs").
HANDOFF_STATUSES = (DealStatus.ACCEPTED, DealStatus.CONVERTED, DealStatus.WON, DealStatus.LOST)


def staff_handoff_list(*, sales_owner, statuses=HANDOFF_STATUSES) -> QuerySet[Deal]:
    """The deals handed to `sales_owner`: open handoff tasks first (due soonest), then
    the rest, most recently decided first. One query, whatever the number of deals."""
    handoff = ReviewTask.objects.filter(deal=OuterRef("pk"), kind=TaskKind.SALES_HANDOFF,
                                        status=TaskStatus.OPEN)
    return (
        Deal.objects.filter(sales_owner=sales_owner, status__in=statuses)
        .select_related("partner", "partner__tier", "opportunity")
        .annotate(handoff_due=Subquery(handoff.values("due_at")[:1]),
                  handoff_task_id=Subquery(handoff.values("pk")[:1]))
        .order_by(F("handoff_due").asc(nulls_last=True), F("decided_at").desc(nulls_last=True),
                  "-id")
    )


def staff_handoff_get(*, pk: int) -> Deal:
    """A deal that was handed to a sales owner, with what its handoff page shows (staff
    only). A deal never accepted has no handoff: 404."""
    deal = (
        Deal.objects.select_related("partner", "partner__tier", "sales_owner",
                                    "opportunity__account", "created_by")
        .prefetch_related("products", Prefetch(
            "review_tasks", to_attr="open_handoff_tasks",
            queryset=ReviewTask.objects.filter(kind=TaskKind.SALES_HANDOFF,
                                               status=TaskStatus.OPEN)))
        .filter(pk=pk, sales_owner__isnull=False)
        .first()
    )
    if deal is None:
        raise Http404
    return deal
