"""Staff pages for attribution and compensation: conflict cases, commissions, payout
statements and disputes.

Reading is open to vendor staff with a second factor; resolving cases and disputes and
approving commissions to partner owners and program admins; issuing statements and marking
them paid to program admins (the services check the same roles). Every POST calls one
service; its `ValidationError` is shown beside the field (400), an `InvalidTransition`
(someone acted first) is named in a message on the page it leads back to.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Sum, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attribution import compensation
from attribution.choices import (
    AttributionStatus,
    CaseStatus,
    CommissionStatus,
    DisputeStatus,
    Resolution,
)
from attribution.disputes import dispute_resolve
from attribution.models import (
    Attribution,
    Commission,
    ConflictCase,
    Dispute,
    DisputeAttachment,
    PayoutStatement,
)
from attribution.services import case_members, conflict_case_resolve, holding_registration
from leads.models import Deal
from partnerportal.csv import csv_response
from partnerportal.decorators import staff_required
from partnerportal.exceptions import InvalidTransition
from partners.choices import REVIEWER_ROLES, StaffRole
from partners.selectors import user_staff_roles
from reviews.attribution_forms import (
    DIRECT,
    CommissionApproveForm,
    CommissionFilterForm,
    ConflictResolveForm,
    DisputeResolveForm,
    PayoutIssueForm,
    share_formset,
    share_target_choices,
    shares_of,
)
from reviews.forms import apply_errors

PAGE_SIZE = 50
PROGRAM_ADMIN = {StaffRole.PROGRAM_ADMIN}


def _open_first(open_value: str):
    return Case(When(status=open_value, then=Value(0)), default=Value(1), output_field=IntegerField())


def _is_reviewer(request: HttpRequest) -> bool:
    return bool(user_staff_roles(user=request.user) & REVIEWER_ROLES)


# --- Conflict cases ---------------------------------------------------------------------------


@require_GET
@staff_required
def conflict_list(request: HttpRequest) -> HttpResponse:
    """Every case, open ones first, with their registrations and the counts by status."""
    members = Prefetch("deals", queryset=Deal.objects.select_related("partner")
                       .order_by("submitted_at", "id"))
    cases = (ConflictCase.objects.annotate(member_count=Count("deals"))
             .prefetch_related(members).select_related("resolved_by", "surviving_deal")
             .order_by(_open_first(CaseStatus.OPEN), "-created_at", "-id"))
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    counts = dict(ConflictCase.objects.values_list("status").annotate(n=Count("id")))
    return render(request, "reviews/conflict_list.html", {
        "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "counts": {value: counts.get(value, 0) for value in CaseStatus.values},
        "status": status, "statuses": CaseStatus.choices,
        "query": f"status={status}" if status in CaseStatus.values else "",
    })


def _matched_with(member: Deal, member_ids: set[int]) -> list[dict]:
    """What screening matched this registration on: each other member (or the vendor's
    own records), and the fields that agreed."""
    rows = []
    for match in member.matches.all():
        if match.target_deal_id in member_ids or match.target_deal_id is None:
            rows.append({"kind": match.get_kind_display(), "target": match.target_deal_id,
                         "fields": match.matched_fields, "holds": match.holds_registration})
    return rows


def _conflict_page(request: HttpRequest, case: ConflictCase, *, form=None, formset=None,
                   status: int = 200) -> HttpResponse:
    members = list(case_members(case).select_related("summary").prefetch_related("matches"))
    ids = {m.pk for m in members}
    refs = {m.pk: m.reference for m in members}
    for member in members:
        member.matched_with = [{**row, "target_ref": refs.get(row["target"], _("vendor records"))}
                               for row in _matched_with(member, ids)]
    holder = holding_registration(case) if members else None
    context = {
        "case": case, "members": members, "holder": holder,
        "proposed": Attribution.objects.filter(case=case, status=AttributionStatus.PROPOSED)
        .select_related("deal__partner").first(),
        "lines": Attribution.objects.filter(case=case).current()
        .exclude(status=AttributionStatus.PROPOSED).select_related("partner", "source_deal"),
        "is_reviewer": _is_reviewer(request),
    }
    if case.status == CaseStatus.OPEN and context["is_reviewer"]:
        targets = share_target_choices(members)
        context.update({
            "form": form or ConflictResolveForm(members=members, initial={
                "deal": getattr(holder, "pk", None)}),
            "formset": formset or share_formset(targets=targets, rows=max(3, len(members) + 1)),
            "resolutions": Resolution,
        })
    return render(request, "reviews/conflict_detail.html", context, status=status)


@require_GET
@staff_required
def conflict_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _conflict_page(request, get_object_or_404(ConflictCase, pk=pk))


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def conflict_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Resolve a case: one partner, a split, direct sales or reject, with a reason."""
    case = get_object_or_404(ConflictCase, pk=pk)
    members = list(case_members(case))
    form = ConflictResolveForm(request.POST, members=members)
    formset = share_formset(request.POST, targets=share_target_choices(members), rows=0)
    split = request.POST.get("resolution") == Resolution.SPLIT
    if form.is_valid() and (not split or formset.is_valid()):
        data = form.cleaned_data
        try:
            conflict_case_resolve(
                actor=request.user, case=case, resolution=data["resolution"],
                reason=data["reason"], deal=data["deal"] or None,
                shares=shares_of(formset) if split else None,
                survivor=data["survivor"] if split else None,
                reason_code=data["reason_code"].code if data["reason_code"] else "",
                note=data["note"])
        except InvalidTransition as error:
            messages.error(request, _("Not saved: %(m)s") % {"m": error.message})
            return redirect(case.get_absolute_url())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(ref)s resolved; each partner has been told its own outcome.")
                             % {"ref": case.reference})
            return redirect(case.get_absolute_url())
    return _conflict_page(request, case, form=form, formset=formset, status=400)


# --- Commissions ------------------------------------------------------------------------------


def _commission_page(request: HttpRequest, *, bound: tuple[int, CommissionApproveForm] | None = None,
                     status: int = 200) -> HttpResponse:
    filters = CommissionFilterForm(request.GET or None)
    commissions = (Commission.objects.select_related(
        "partner", "deal", "approved_by", "statement", "attribution__source_deal")
        .order_by(_open_first(CommissionStatus.PROPOSED), "-created_at", "-id"))
    if filters.is_valid():
        data = filters.cleaned_data
        for key, value in (("status", data["status"]), ("partner", data["partner"]),
                           ("currency", data["currency"])):
            if value:
                commissions = commissions.filter(**{key: value})
    page = Paginator(commissions, PAGE_SIZE).get_page(request.GET.get("page"))
    can_approve = _is_reviewer(request)
    for commission in page:
        commission.approve_form = None
        if can_approve and commission.status == CommissionStatus.PROPOSED:
            if bound and bound[0] == commission.pk:
                commission.approve_form = bound[1]
            else:
                commission.approve_form = CommissionApproveForm(auto_id=f"c{commission.pk}_%s")
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "reviews/commission_list.html", {
        "page": page, "filters": filters, "query": params.urlencode(),
        "can_approve": can_approve}, status=status)


@require_GET
@staff_required
def commission_list(request: HttpRequest) -> HttpResponse:
    """Commissions, proposals first; filters: status, partner, currency."""
    return _commission_page(request)


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def commission_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve a proposal as it is, or with another amount and a reason."""
    commission = get_object_or_404(Commission, pk=pk)
    form = CommissionApproveForm(request.POST, auto_id=f"c{commission.pk}_%s")
    back = reverse("reviews:commission-list") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if form.is_valid():
        try:
            compensation.commission_approve(actor=request.user, commission=commission,
                                            amount=form.cleaned_data["amount"],
                                            reason=form.cleaned_data["reason"])
        except InvalidTransition as error:
            messages.error(request, _("Not saved: %(m)s") % {"m": error.message})
            return redirect(back)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Commission approved."))
            return redirect(back)
    return _commission_page(request, bound=(commission.pk, form), status=400)


# --- Payout statements ------------------------------------------------------------------------


def _payout_page(request: HttpRequest, *, form: PayoutIssueForm | None = None,
                 status: int = 200) -> HttpResponse:
    statements = (PayoutStatement.objects.select_related("partner", "issued_by", "paid_by")
                  .annotate(line_count=Count("commissions")).order_by("-period_end", "-id"))
    is_admin = bool(user_staff_roles(user=request.user) & PROGRAM_ADMIN)
    waiting = (Commission.objects.filter(status=CommissionStatus.APPROVED, statement__isnull=True)
               .values("partner__name", "currency").annotate(count=Count("id"), total=Sum("amount"))
               .order_by("partner__name", "currency"))
    return render(request, "reviews/payout_list.html", {
        "page": Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page")),
        "waiting": waiting, "is_program_admin": is_admin,
        "form": (form or PayoutIssueForm()) if is_admin else None}, status=status)


@require_GET
@staff_required
def payout_list(request: HttpRequest) -> HttpResponse:
    """Statements, newest period first; commissions waiting for one; the issue form."""
    return _payout_page(request)


@require_POST
@staff_required(roles=PROGRAM_ADMIN)
def payout_issue(request: HttpRequest) -> HttpResponse:
    form = PayoutIssueForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            statement = compensation.payout_statement_issue(
                actor=request.user, partner=data["partner"], period_start=data["period_start"],
                period_end=data["period_end"], currency=data["currency"])
        except InvalidTransition as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(ref)s issued.") % {"ref": statement.reference})
            return redirect("reviews:payout-detail", pk=statement.pk)
    return _payout_page(request, form=form, status=400)


@require_GET
@staff_required
def payout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable statement (static/css/print_payout.css lays it out for paper)."""
    statement = get_object_or_404(
        PayoutStatement.objects.select_related("partner", "issued_by", "paid_by"), pk=pk)
    lines = statement.commissions.select_related("deal", "attribution__source_deal").order_by(
        "approved_at", "id")
    return render(request, "reviews/payout_detail.html", {
        "statement": statement, "lines": lines,
        "is_program_admin": bool(user_staff_roles(user=request.user) & PROGRAM_ADMIN)})


@require_GET
@staff_required
def payout_csv(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(PayoutStatement.objects.select_related("partner"), pk=pk)
    return csv_response(filename=f"{statement.reference}.csv", header=compensation.PAYOUT_CSV_HEADER,
                        rows=compensation.payout_statement_rows(statement))


@require_POST
@staff_required(roles=PROGRAM_ADMIN)
def payout_mark_paid(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(PayoutStatement, pk=pk)
    try:
        compensation.payout_statement_mark_paid(actor=request.user, statement=statement)
    except InvalidTransition as error:
        messages.error(request, _("Not saved: %(m)s") % {"m": error.message})
    else:
        messages.success(request, _("%(ref)s marked paid; its commissions are paid.")
                         % {"ref": statement.reference})
    return redirect("reviews:payout-detail", pk=statement.pk)


# --- Disputes ---------------------------------------------------------------------------------


@require_GET
@staff_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """Disputes, open ones first."""
    disputes = (Dispute.objects.select_related("partner", "opened_by", "attribution__deal")
                .annotate(attachment_count=Count("attachments"))
                .order_by(_open_first(DisputeStatus.OPEN), "-created_at", "-id"))
    counts = dict(Dispute.objects.values_list("status").annotate(n=Count("id")))
    return render(request, "reviews/dispute_list.html", {
        "page": Paginator(disputes, PAGE_SIZE).get_page(request.GET.get("page")),
        "open_count": counts.get(DisputeStatus.OPEN, 0), "total": sum(counts.values())})


def _dispute_lines(dispute: Dispute) -> list[Attribution]:
    return list(Attribution.objects.filter(deal=dispute.attribution.deal_id).current()
                .select_related("partner", "source_deal").order_by("id"))


def _dispute_page(request: HttpRequest, dispute: Dispute, *, form=None, formset=None,
                  status: int = 200) -> HttpResponse:
    lines = _dispute_lines(dispute)
    context = {"dispute": dispute, "lines": lines, "attachments": dispute.attachments.all(),
               "is_reviewer": _is_reviewer(request)}
    if dispute.status == DisputeStatus.OPEN and context["is_reviewer"]:
        sources = [line.source_deal for line in lines if line.source_deal_id]
        initial = [{"target": str(line.source_deal_id) if line.source_deal_id else DIRECT,
                    "role": line.role, "share": line.share} for line in lines]
        context.update({
            "form": form or DisputeResolveForm(),
            "formset": formset or share_formset(targets=share_target_choices(sources), rows=1,
                                                initial=initial)})
    return render(request, "reviews/dispute_detail.html", context, status=status)


def _dispute_get(pk: int) -> Dispute:
    return get_object_or_404(Dispute.objects.select_related(
        "partner", "opened_by", "resolved_by", "attribution__deal__partner",
        "attribution__source_deal"), pk=pk)


@require_GET
@staff_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _dispute_page(request, _dispute_get(pk))


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def dispute_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Dismiss (the attribution stands, final) or uphold with new shares."""
    dispute = _dispute_get(pk)
    sources = [line.source_deal for line in _dispute_lines(dispute) if line.source_deal_id]
    form = DisputeResolveForm(request.POST)
    formset = share_formset(request.POST, targets=share_target_choices(sources), rows=0)
    uphold = request.POST.get("outcome") == DisputeResolveForm.UPHOLD
    if form.is_valid() and (not uphold or formset.is_valid()):
        try:
            dispute_resolve(actor=request.user, dispute=dispute, uphold=uphold,
                            note=form.cleaned_data["note"],
                            shares=shares_of(formset) if uphold else None)
        except InvalidTransition as error:
            messages.error(request, _("Not saved: %(m)s") % {"m": error.message})
            return redirect("reviews:dispute-detail", pk=dispute.pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Dispute resolved; the partner has been told."))
            return redirect("reviews:dispute-detail", pk=dispute.pk)
    return _dispute_page(request, dispute, form=form, formset=formset, status=400)


@require_GET
@staff_required
def dispute_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, from storage through this view only: always a download, never
    rendered by the browser as whatever it claims to be."""
    item = get_object_or_404(DisputeAttachment, pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
