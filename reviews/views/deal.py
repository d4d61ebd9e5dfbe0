"""The staff deal review page: what screening found, the decision panel, tasks, record.

Only vendor staff who signed in with a second factor reach these (see `staff_required`).
Every POST calls one service; a service's `ValidationError` is shown beside its field on
the re-rendered page (status 400), a deal that moved on meanwhile is named in a message.
"""

from collections.abc import Callable
from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from audit.selectors import audit_trail_for
from distribution import selectors as distribution_selectors
from leads import selectors as lead_selectors
from leads.choices import DECIDABLE_STATUSES, DealStatus, StopRule
from leads.models import Deal, DuplicateMatch
from partnerportal.decorators import staff_required
from partnerportal.exceptions import ApplicationError, InvalidTransition, NotAllowed
from partnerportal.page_cache import Body, body_kept, body_render, body_response
from partnerportal.versions import DEAL_PAGES, data_version
from partners.choices import REVIEWER_ROLES
from partners.selectors import partner_record_kept, program_rules_get, user_staff_roles
from reviews import selectors, services
from reviews.choices import MANUALLY_CLOSABLE_KINDS, ExtensionStatus, TaskStatus
from reviews.forms import (
    AcceptForm,
    ExtensionDecideForm,
    QuestionForm,
    RejectForm,
    TaskAssignForm,
    TaskCloseForm,
    apply_errors,
)
from reviews.models import ExtensionRequest, ReviewTask

# The rows of the side-by-side comparison: (key in DuplicateMatch.matched_fields, label).
COMPARED_FIELDS = (
    ("company", gettext_lazy("Company")),
    ("domain", gettext_lazy("Website / domain")),
    ("email", gettext_lazy("E-mail")),
    ("phone", gettext_lazy("Phone")),
    ("country", gettext_lazy("Country")),
    ("contact_name", gettext_lazy("Contact")),
    ("dates", gettext_lazy("Registered")),
)
# What a match may also agree on, beyond the compared rows.
OTHER_FIELD_LABELS = {"need": gettext_lazy("need and use case")}
BLOCKER_LABELS = {"conflict": gettext_lazy("open attribution conflict"),
                  "missing_fields": gettext_lazy("missing required fields")}
# Statuses a competing decision (or the sales work after it) leaves the deal in.
DECIDED_STATUSES = {DealStatus.ACCEPTED, DealStatus.REJECTED, DealStatus.CONVERTED,
                    DealStatus.WON, DealStatus.LOST, DealStatus.EXPIRED}


# --- The page -------------------------------------------------------------------------------


@require_GET
@staff_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The page; its body is kept under the version of every table the deal pages read
    (`partnerportal.page_cache`) per deal and user, until a task's SLA badge would change
    with the clock."""
    body = body_kept(f"staff-deal:1:{pk}:{request.user.pk}", DEAL_PAGES,
                     lambda: _body(request, lead_selectors.staff_deal_get(pk=pk)))
    return body_response(request, body)


def _page(request: HttpRequest, deal: Deal, *, status: int = 200,
          bound: dict | None = None) -> HttpResponse:
    """Render the review page anew; `bound` replaces the panel's forms by ones with errors."""
    return body_response(request, _body(request, deal, bound=bound), status=status)


def _body(request: HttpRequest, deal: Deal, *, bound: dict | None = None) -> Body:
    bound = bound or {}
    is_reviewer = bool(user_staff_roles(user=request.user) & REVIEWER_ROLES)
    version = data_version()  # what is kept per change of the deals (partnerportal.versions)
    now = timezone.now()
    context = {
        "deal": deal,
        "audit_trail": audit_trail_for(target=deal),
        "summary": getattr(deal, "summary", None),
        "is_reviewer": is_reviewer,
        "comparisons": [_side_by_side(deal, match) for match in deal.matches.all()],
        "record": partner_record_kept(partner=deal.partner, version=version),
        "decisions": _with_override_labels(deal.decisions.all()),
        "outcome_comparison": distribution_selectors.deal_outcome_comparison(deal=deal),
        **_tasks_context(request, deal, is_reviewer=is_reviewer, bound=bound,
                         version=version, now=now),
        **_extension_context(deal, is_reviewer=is_reviewer, form=bound.get("extension_form")),
    }
    if is_reviewer and deal.status in DECIDABLE_STATUSES:
        context.update({
            "can_decide": True,
            "accept_form": bound.get("accept_form") or _accept_form(deal),
            "reject_form": bound.get("reject_form") or RejectForm(),
            "question_form": bound.get("question_form") or QuestionForm(),
            "open_panel": next(iter(bound), "accept_form"),
        })
    return body_render("reviews/partials/deal_page.html", context,
                       title=f"{deal.reference} {deal.company_name}",
                       changes_at=_sla_changes_at(context["tasks"], now))


def _accept_form(deal: Deal, data=None) -> AcceptForm:
    """The accept form for this deal as it stands: the override field only with blockers."""
    blockers = services.deal_acceptance_blockers(deal=deal, rules=program_rules_get())
    # The matches staff_deal_get loaded, best first with their CRM owners: no second read.
    suggested = services.deal_suggested_sales_owner(deal, matches=deal.matches.all())
    owners = selectors.sales_owner_choices()
    if suggested is not None:  # the CRM's owner may hold no sales role: offer them too
        owners = get_user_model().objects.filter(
            Q(pk__in=owners.values("pk")) | Q(pk=suggested.pk)).order_by("email")
    return AcceptForm(data, sales_owners=owners, suggested=suggested,
                      blockers=[b.message for b in blockers])


def _sla_state(task: ReviewTask, now) -> str:
    """on_time / due_soon / overdue from the due time; paused while the partner owes an answer."""
    if task.status != TaskStatus.OPEN:
        return ""
    if task.paused_at:
        return "paused"
    if task.due_at < now:
        return "overdue"
    return "due_soon" if task.due_at < now + selectors.DUE_SOON else "on_time"


def _staff_choices(version: int | None) -> list[tuple[int, str]]:
    """Active vendor staff a task may be given to (the queue's assignee list, kept under the
    deals' data version, which a staff user's change of e-mail or standing moves)."""
    return [(user.pk, user.email) for user in selectors.assignee_choices(version=version)]


def _sla_changes_at(tasks: list[ReviewTask], now: datetime) -> datetime | None:
    """The first moment after `now` an open task's SLA badge changes (`_sla_state`)."""
    moments = [moment for task in tasks
               if task.status == TaskStatus.OPEN and not task.paused_at
               for moment in (task.due_at - selectors.DUE_SOON, task.due_at) if moment > now]
    return min(moments, default=None)


def _tasks_context(request: HttpRequest, deal: Deal, *, is_reviewer: bool, bound: dict,
                   version: int | None, now: datetime) -> dict:
    tasks = list(deal.review_tasks.all())
    staff_choices = []
    if is_reviewer and any(t.status == TaskStatus.OPEN for t in tasks):
        staff_choices = _staff_choices(version)
    for task in tasks:
        task.sla_state = _sla_state(task, now)
        is_open = task.status == TaskStatus.OPEN
        task.can_claim = is_open and task.assignee_id != request.user.pk
        task.can_close = is_open and task.kind in MANUALLY_CLOSABLE_KINDS and (
            is_reviewer or task.assignee_id == request.user.pk)
        task.assign_form = None
        if is_open and is_reviewer:
            task.assign_form = bound.get(f"assign_form_{task.pk}") or TaskAssignForm(
                staff_choices=staff_choices, initial={"assignee": task.assignee_id})
    return {"tasks": tasks}


def _extension_context(deal: Deal, *, is_reviewer: bool, form: forms.Form | None) -> dict:
    requests = list(deal.extension_requests.all())
    pending = next((r for r in requests if r.status == ExtensionStatus.PENDING), None)
    return {"extension_requests": requests, "pending_extension": pending,
            "extension_form": (form or ExtensionDecideForm()) if pending and is_reviewer else None}


def _side_by_side(deal: Deal, match: DuplicateMatch) -> dict:
    """The registration's values next to the matched record's, matched fields marked."""
    mine = _values_of_deal(deal)
    if match.target_deal is not None:
        theirs = _values_of_deal(match.target_deal)
    else:
        account = match.target_account or getattr(match.target_opportunity, "account", None)
        theirs = {"company": getattr(account, "name", ""), "domain": getattr(account, "website", ""),
                  "country": getattr(account, "country", "")}
    matched = set(match.matched_fields)
    rows = [{"key": key, "label": label, "mine": mine.get(key, ""), "theirs": theirs.get(key, ""),
             "matched": key in matched} for key, label in COMPARED_FIELDS]
    return {"match": match, "rows": rows,
            "other_fields": [OTHER_FIELD_LABELS.get(f, f) for f in match.matched_fields
                             if f not in dict(COMPARED_FIELDS)]}


def _with_override_labels(decisions) -> list:
    """Decisions with `overridden_labels`: what each override went past, in words."""
    decisions = list(decisions)
    for decision in decisions:
        decision.overridden_labels = [_blocker_label(code) for code in decision.overridden]
    return decisions


def _blocker_label(code: str) -> str:
    rule = code.removeprefix("stop_rule:")
    if rule != code and rule in StopRule.values:
        return str(StopRule(rule).label)
    return str(BLOCKER_LABELS.get(code, code))


def _values_of_deal(deal: Deal) -> dict:
    at = deal.submitted_at or deal.created_at
    return {"company": deal.company_name, "domain": deal.website, "email": deal.contact_email,
            "phone": deal.contact_phone, "country": str(deal.country or ""),
            "contact_name": deal.contact_name,
            "dates": formats.date_format(timezone.localtime(at), "DATE_FORMAT") if at else ""}


# --- Decisions ------------------------------------------------------------------------------


def _detail_url(deal_id: int, anchor: str = "") -> str:
    return reverse("reviews:deal-detail", args=[deal_id]) + (f"#{anchor}" if anchor else "")


def _moved_on(error: InvalidTransition) -> str:
    status = DealStatus(error.current_status).label if error.current_status in DealStatus.values \
        else error.current_status
    if error.current_status in DECIDED_STATUSES:
        return _("Someone else decided this deal first: it is %(status)s now.") % {"status": status}
    return _("This deal changed before your decision was saved: it is %(status)s now.") % {
        "status": status}


def _submit(request: HttpRequest, deal: Deal, *, form: forms.Form, key: str,
            action: Callable[[dict], object], done: str, moved_on=_moved_on) -> HttpResponse:
    """Validate `form`, call the service; redirect on success or when the object moved on,
    else re-render the page with the errors beside the fields (400)."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except NotAllowed:
            raise
        except InvalidTransition as error:
            messages.warning(request, moved_on(error))
            return redirect(_detail_url(deal.pk))
        except ValidationError as error:
            apply_errors(form, error)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, done)
            return redirect(_detail_url(deal.pk))
    return _page(request, deal, status=400, bound={key: form})


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def deal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    deal = lead_selectors.staff_deal_get(pk=pk)
    return _submit(
        request, deal, form=_accept_form(deal, request.POST), key="accept_form",
        action=lambda data: services.deal_accept(
            actor=request.user, deal=deal, reason=data["reason"],
            override_reason=data.get("override_reason", ""), sales_owner=data["sales_owner"]),
        done=_("Deal accepted."))


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def deal_reject(request: HttpRequest, pk: int) -> HttpResponse:
    deal = lead_selectors.staff_deal_get(pk=pk)
    return _submit(
        request, deal, form=RejectForm(request.POST), key="reject_form",
        action=lambda data: services.deal_reject(
            actor=request.user, deal=deal, reason_code=data["reason_code"].code,
            note=data["note"], reason=data["reason"]),
        done=_("Deal rejected; the partner has been told why."))


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    deal = lead_selectors.staff_deal_get(pk=pk)
    return _submit(
        request, deal, form=QuestionForm(request.POST), key="question_form",
        action=lambda data: services.deal_request_info(
            actor=request.user, deal=deal, question=data["question"]),
        done=_("Question sent to the partner."))


# --- Tasks and extension requests -----------------------------------------------------------


def _message_of(error: InvalidTransition) -> str:
    return error.message


@require_POST
@staff_required
def task_claim(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(ReviewTask, pk=pk)
    try:
        services.review_task_assign(actor=request.user, task=task, assignee=request.user)
    except InvalidTransition as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, _("The task is yours."))
    return redirect(_detail_url(task.deal_id, "tasks"))


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(ReviewTask, pk=pk)
    form = TaskAssignForm(request.POST, staff_choices=_staff_choices(data_version()))
    return _submit(
        request, lead_selectors.staff_deal_get(pk=task.deal_id), form=form,
        key=f"assign_form_{task.pk}",
        action=lambda data: services.review_task_assign(
            actor=request.user, task=task, assignee=data["assignee"]),
        done=_("Task reassigned."), moved_on=_message_of)


@require_POST
@staff_required
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(ReviewTask, pk=pk)
    form = TaskCloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.review_task_close(actor=request.user, task=task, note=note)
    except InvalidTransition as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, _("Task closed."))
    return redirect(_detail_url(task.deal_id, "tasks"))


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ExtensionRequest, pk=pk)
    form = ExtensionDecideForm(request.POST)
    return _submit(
        request, lead_selectors.staff_deal_get(pk=item.deal_id), form=form, key="extension_form",
        action=lambda data: services.extension_decide(
            actor=request.user, item=item, approve=data["decision"] == form.APPROVE,
            note=data["note"]),
        done=_("Extension decided; the partner has been told."), moved_on=_message_of)
