"""Partner pages for deal registrations. Every lookup is scoped to request.partner."""

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from leads import exports, selectors, services
from leads.choices import WITHDRAWABLE_STATUSES, DealStatus
from leads.filters import DealFilter
from leads.forms import AnswerForm, DealForm, ExtensionRequestForm, WithdrawForm
from leads.models import Deal
from partnerportal.csv import csv_streaming_response
from partnerportal.decorators import partner_member_required
from partnerportal.exceptions import ApplicationError
from partnerportal.forms import add_service_error
from partnerportal.htmx import vary_on_htmx, wants_partial
from partnerportal.page_cache import Body, body_kept, body_render, body_response
from partnerportal.versions import DEAL_PAGES
from partners.selectors import program_rules_get
from reviews.choices import ExtensionStatus
from reviews.services import deal_missing_for_acceptance, extension_request

PAGE_SIZE = 25
# The columns a dashboard row shows (leads/partials/deal_table.html): a deal row is wide.
LIST_ROW_FIELDS = ("id", "partner_id", "status", "company_name", "contact_name",
                   "contact_email", "urgency", "estimated_value", "currency",
                   "protected_until", "created_at")


@require_http_methods(["GET"])
@partner_member_required
def deal_list(request: HttpRequest) -> HttpResponse:
    """The organization's deals with filters, search and pagination. The page's body is
    kept under the version of every table the deal pages read (`partnerportal.page_cache`)
    per organization, user and query string; htmx asks for the table alone."""
    if wants_partial(request):
        return vary_on_htmx(render(request, "leads/partials/deal_table.html",
                                   _deal_list_context(request)))
    query = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()
    body = body_kept(
        f"partner-deals:1:{request.partner.pk}:{request.user.pk}:{query}", DEAL_PAGES,
        lambda: body_render("leads/partials/deal_list_page.html", _deal_list_context(request),
                            title=_("Deals"), request=request))
    return vary_on_htmx(body_response(request, body))


def _deal_list_context(request: HttpRequest) -> dict:
    deals = DealFilter(request.GET, queryset=selectors.deal_list(partner=request.partner))
    counts = selectors.deal_status_counts_kept(partner=request.partner)
    paginator = Paginator(deals.qs.select_related(None).only(*LIST_ROW_FIELDS), PAGE_SIZE)
    deals.is_valid()
    if not any(value not in (None, "") for value in deals.form.cleaned_data.values()):
        paginator.count = sum(counts.values())  # no filter: every deal, counted above
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"filter": deals, "page": page, "query": query.urlencode(), "counts": counts}


@require_http_methods(["GET"])
@partner_member_required
def deal_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's deals, with the same filters, as a CSV file (streamed)."""
    deals = DealFilter(request.GET, queryset=selectors.deal_list(partner=request.partner))
    if not deals.is_valid():
        messages.error(request, _("Correct the filters, then download again."))
        return redirect(f"{reverse('leads:deal-list')}?{request.GET.urlencode()}")
    exports.deal_export_record(partner=request.partner, actor=request.user,
                               filters=request.GET.dict())
    columns = exports.deal_export_columns()
    rows = exports.deal_export_rows(
        exports.deal_export_queryset(deals.qs).iterator(chunk_size=exports.CHUNK), columns)
    return csv_streaming_response(filename=exports.deal_export_filename(request.partner),
                                  header=[header for header, _value in columns], rows=rows)


def _save_from_form(request: HttpRequest, form: DealForm, deal: Deal | None) -> HttpResponse | None:
    """Save the draft; submit too if asked. Returns a redirect, or None to re-render."""
    try:
        data = {k: v for k, v in form.cleaned_data.items() if k != "products"}
        deal = services.deal_save_draft(
            partner=request.partner, actor=request.user, data=data,
            products=form.cleaned_data.get("products"), raw=form.raw_input(), deal=deal,
        )
    except (ValidationError, ApplicationError) as error:
        add_service_error(form, error)
        return None
    if "submit" not in request.POST:
        messages.success(request, _("Draft %(ref)s saved.") % {"ref": deal.reference})
        return redirect(deal)
    try:
        services.deal_submit(partner=request.partner, actor=request.user, deal=deal)
    except (ValidationError, ApplicationError) as error:
        add_service_error(form, error)
        form.instance = deal
        messages.warning(request, _("Draft saved, but it is not complete enough to submit yet."))
        return None
    messages.success(request, _("%(ref)s submitted. Screening starts now.") % {"ref": deal.reference})
    return redirect(deal)


@require_http_methods(["GET", "POST"])
@partner_member_required
def deal_create(request: HttpRequest) -> HttpResponse:
    """Register a new deal: save it as a draft, or save and submit at once."""
    rules = program_rules_get()
    if not request.partner.can_register:
        messages.error(request, _("Your organization cannot register deals at the moment."))
        return redirect("leads:deal-list")
    form = DealForm(request.POST or None, required_for_acceptance=rules.required_fields_for_acceptance)
    if request.method == "POST" and form.is_valid():
        response = _save_from_form(request, form, None)
        if response is not None:
            return response
    deal = form.instance if form.instance.pk else None
    return render(request, "leads/deal_form.html", {"form": form, "deal": deal, "rules": rules})


@require_http_methods(["GET", "POST"])
@partner_member_required
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft (only drafts are editable)."""
    deal = selectors.deal_get(partner=request.partner, pk=pk)
    if not deal.is_editable or not request.partner.can_register:
        messages.error(request, _("Only drafts can be edited."))
        return redirect(deal)
    rules = program_rules_get()
    form = DealForm(request.POST or None, instance=deal,
                    required_for_acceptance=rules.required_fields_for_acceptance)
    if request.method == "POST" and form.is_valid():
        response = _save_from_form(request, form, deal)
        if response is not None:
            return response
    return render(request, "leads/deal_form.html", {"form": form, "deal": deal, "rules": rules})


def _missing_for_acceptance(deal: Deal) -> list[str]:
    """The program's required-for-acceptance fields a draft lacks, beyond those needed
    to submit (which the page lists first)."""
    required_to_submit = set(services.SUBMIT_REQUIRED_FIELDS)
    return [field for field in deal_missing_for_acceptance(deal, program_rules_get())
            if field not in required_to_submit]


def _deal_detail_context(request: HttpRequest, deal: Deal, **forms) -> dict:
    """What the partner's deal page shows: status and stage, timeline, questions, the
    rejection's reason and note, protection extensions, and the forms of its actions."""
    extensions = selectors.deal_extension_list(partner=request.partner, deal=deal)
    return {
        "deal": deal,
        "timeline": selectors.deal_timeline(partner=request.partner, deal=deal),
        "questions": list(deal.questions.all()),
        "missing": services.deal_missing_for_submit(deal) if deal.is_editable else {},
        "missing_for_acceptance": _missing_for_acceptance(deal) if deal.is_editable else [],
        "withdraw_form": WithdrawForm(),
        "can_withdraw": deal.status in WITHDRAWABLE_STATUSES,
        "answer_form": AnswerForm(),
        "rejection": (selectors.deal_rejection_get(partner=request.partner, deal=deal)
                      if deal.status == DealStatus.REJECTED else None),
        "extensions": extensions,
        "extension_form": forms.get("extension_form") or ExtensionRequestForm(),
        "can_request_extension": deal.status == DealStatus.ACCEPTED
        and request.partner.can_register
        and not any(item.status == ExtensionStatus.PENDING for item in extensions),
    }


@require_http_methods(["GET"])
@partner_member_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A deal with its status and stage, timeline, questions and extension requests. The
    page's body is kept under the version of every table the deal pages read
    (`partnerportal.page_cache`) per organization, deal and user; htmx asks for the status
    fragment alone (polled while screening runs)."""
    if wants_partial(request):
        deal = selectors.deal_get(partner=request.partner, pk=pk)
        return vary_on_htmx(render(request, "leads/partials/deal_status.html",
                                   _deal_detail_context(request, deal)))
    body = body_kept(
        f"partner-deal:1:{request.partner.pk}:{pk}:{request.user.pk}", DEAL_PAGES,
        lambda: _deal_body(request, selectors.deal_get(partner=request.partner, pk=pk)))
    return vary_on_htmx(body_response(request, body))


def _deal_body(request: HttpRequest, deal: Deal, **forms) -> Body:
    context = {**_deal_detail_context(request, deal, **forms), "current_partner": request.partner}
    return body_render("leads/partials/deal_page.html", context,
                       title=f"{deal.reference} {deal.company_name}")


@require_POST
@partner_member_required
def deal_extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the vendor to extend an accepted deal's protection window, with a reason."""
    deal = selectors.deal_get(partner=request.partner, pk=pk)
    form = ExtensionRequestForm(request.POST)
    if form.is_valid():
        try:
            extension_request(partner=request.partner, actor=request.user, deal=deal,
                              reason=form.cleaned_data["reason"])
            messages.success(request, _("Extension requested. The vendor's partner owner decides."))
            return redirect(deal)
        except (ValidationError, ApplicationError) as error:
            add_service_error(form, error)
    return body_response(request, _deal_body(request, deal, extension_form=form), status=400)


@require_POST
@partner_member_required
def deal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(partner=request.partner, pk=pk)
    try:
        services.deal_submit(partner=request.partner, actor=request.user, deal=deal)
    except ValidationError as error:
        missing = ", ".join(DealForm.base_fields[f].label or f for f in error.message_dict)
        messages.error(request, _("Complete these fields before submitting: %(f)s") % {"f": missing})
        return redirect("leads:deal-edit", pk=deal.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(deal)
    messages.success(request, _("%(ref)s submitted. Screening starts now.") % {"ref": deal.reference})
    return redirect(deal)


@require_POST
@partner_member_required
def deal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(partner=request.partner, pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.deal_withdraw(partner=request.partner, actor=request.user, deal=deal,
                                   reason=form.cleaned_data["reason"])
            messages.success(request, _("%(ref)s withdrawn.") % {"ref": deal.reference})
        except ApplicationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("The reason is too long (1,000 characters at most)."))
    return redirect(deal)


@require_POST
@partner_member_required
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a draft that was never submitted; back to the dashboard."""
    deal = selectors.deal_get(partner=request.partner, pk=pk)
    reference = deal.reference
    try:
        services.deal_delete_draft(partner=request.partner, actor=request.user, deal=deal)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(deal)
    messages.success(request, _("Draft %(ref)s deleted.") % {"ref": reference})
    return redirect("leads:deal-list")


@require_POST
@partner_member_required
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.deal_question_get(partner=request.partner, pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.deal_question_answer(partner=request.partner, actor=request.user, item=item,
                                          answer=form.cleaned_data["answer"])
            messages.success(request, _("Answer sent."))
        except (ValidationError, ApplicationError) as error:
            messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
    else:
        messages.error(request, "; ".join(form.errors.get("answer", [])))
    return redirect(item.deal)
