"""The staff deal page: what screening found, the decision panel, tasks, audit trail.

Only vendor staff who signed in with a second factor reach these (see `staff_required`).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.selectors import audit_trail_for
from leads import selectors as lead_selectors
from leads.choices import DealStatus
from partnerportal.decorators import staff_required
from partnerportal.exceptions import ApplicationError
from partners.choices import REVIEWER_ROLES
from partners.selectors import user_staff_roles
from reviews.forms import QuestionForm
from reviews.services import deal_request_info

PAGE_SIZE = 50


@require_GET
@staff_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = lead_selectors.staff_deal_get(pk=pk)
    context = {
        "deal": deal,
        "audit_trail": audit_trail_for(target=deal),
        "summary": getattr(deal, "summary", None),
        "question_form": QuestionForm(),
        "can_ask": deal.status in {DealStatus.IN_REVIEW, DealStatus.NEEDS_INFO}
        and bool(user_staff_roles(user=request.user) & REVIEWER_ROLES),
    }
    return render(request, "reviews/deal_detail.html", context)


@require_POST
@staff_required(roles=REVIEWER_ROLES)
def question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    deal = lead_selectors.staff_deal_get(pk=pk)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(form.errors["question"]))
    else:
        try:
            deal_request_info(actor=request.user, deal=deal, question=form.cleaned_data["question"])
            messages.success(request, _("Question sent to the partner."))
        except (ValidationError, ApplicationError) as error:
            messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
    return redirect(reverse("reviews:deal-detail", args=[deal.pk]))
