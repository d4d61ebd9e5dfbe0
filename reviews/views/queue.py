"""The staff review queue and the list of every deal."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from leads import selectors as lead_selectors
from leads.filters import DealFilter
from partnerportal.decorators import staff_required

PAGE_SIZE = 50


@require_GET
@staff_required
def deal_list(request: HttpRequest) -> HttpResponse:
    deals = DealFilter(request.GET, queryset=lead_selectors.staff_deal_list())
    page = Paginator(deals.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reviews/deal_list.html",
                  {"filter": deals, "page": page, "query": query.urlencode()})
