"""Partner pages for attribution and compensation: the organization's own credit lines,
disputes (with attachments), commissions and payout statements.

Every lookup goes through a selector scoped with `for_partner(request.partner)`: another
organization's id answers 404, exactly like an id that does not exist. A partner never
sees a proposed line, a case, or another party's share (DESIGN security invariant 2); a
line on a deal its registration was merged into is shown under its own registration.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from attribution import selectors
from attribution.choices import AttributionStatus
from attribution.compensation import PAYOUT_CSV_HEADER, payout_statement_rows
from attribution.disputes import dispute_open
from attribution.forms import CommissionFilterForm, DisputeForm
from partnerportal.csv import csv_response
from partnerportal.decorators import partner_member_required
from partnerportal.exceptions import ApplicationError
from partnerportal.forms import add_service_error

PAGE_SIZE = 50


def _page(request: HttpRequest, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


@require_GET
@partner_member_required
def attribution_list(request: HttpRequest) -> HttpResponse:
    """My attributions: each decided credit line with its registration, role, share,
    status and the end of its dispute window (with a Dispute action while it is open)."""
    page = _page(request, selectors.attribution_list(partner=request.partner))
    now = timezone.now()
    rows = [{"line": line, "own": line.source_deal or line.deal,
             "can_dispute": line.status == AttributionStatus.APPROVED
             and line.dispute_until is not None and line.dispute_until > now}
            for line in page]
    return render(request, "attribution/attribution_list.html", {"page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
@partner_member_required
def dispute_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Dispute one of the organization's own approved attributions within its window."""
    line = selectors.attribution_get(partner=request.partner, pk=pk)
    form = DisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute_open(partner=request.partner, actor=request.user, attribution=line,
                         text=form.cleaned_data["text"], files=form.cleaned_data["attachments"])
        except (ValidationError, ApplicationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Dispute sent. The vendor's partner owner decides."))
            return redirect("attribution:dispute-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "attribution/dispute_form.html",
                  {"line": line, "own": line.source_deal or line.deal, "form": form}, status=status)


@require_GET
@partner_member_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """The organization's disputes, with their status, outcome and attachments."""
    page = _page(request, selectors.dispute_list(partner=request.partner))
    rows = [{"dispute": d, "own": d.attribution.source_deal or d.attribution.deal} for d in page]
    return render(request, "attribution/dispute_list.html", {"page": page, "rows": rows})


@require_GET
@partner_member_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment of one of the organization's disputes: always a download (never
    rendered by the browser as whatever it claims to be), never cached by a proxy."""
    item = selectors.dispute_attachment_get(partner=request.partner, pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
@partner_member_required
def commission_list(request: HttpRequest) -> HttpResponse:
    """The organization's commissions: proposed, approved and paid."""
    form = CommissionFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else None
    page = _page(request, selectors.commission_list(partner=request.partner, status=status))
    rows = [{"commission": c, "own": c.attribution.source_deal or c.deal} for c in page]
    return render(request, "attribution/commission_list.html",
                  {"page": page, "rows": rows, "form": form, "status": status or ""})


@require_GET
@partner_member_required
def statement_list(request: HttpRequest) -> HttpResponse:
    """The organization's payout statements."""
    page = _page(request, selectors.payout_statement_list(partner=request.partner))
    return render(request, "attribution/statement_list.html", {"page": page})


@require_GET
@partner_member_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A payout statement as a printable page."""
    statement = selectors.payout_statement_get(partner=request.partner, pk=pk)
    lines = statement.commissions.select_related("deal", "attribution__source_deal").order_by(
        "approved_at", "id")
    rows = [{"commission": c, "own": c.attribution.source_deal or c.deal} for c in lines]
    return render(request, "attribution/statement_detail.html", {"statement": statement, "rows": rows})


@require_GET
@partner_member_required
def statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """A payout statement as CSV, through the shared formula-safe writer."""
    statement = selectors.payout_statement_get(partner=request.partner, pk=pk)
    return csv_response(filename=f"{statement.reference}.csv", header=PAYOUT_CSV_HEADER,
                        rows=payout_statement_rows(statement))
