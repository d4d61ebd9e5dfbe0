"""The staff review queue (where staff land) and the list of every deal."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from leads import selectors as lead_selectors
from leads.filters import DealFilter
from partnerportal.decorators import staff_required
from partnerportal.htmx import render_page_or_partial
from partnerportal.versions import data_version
from reviews import selectors
from reviews.filters import ReviewQueueFilter, form_key

PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 25


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """My tasks first, then every open review, filtered, sorted and paged.

    Any staff user may read the queue; deciding is checked on the deal page. The query
    count does not depend on the page size (a test asserts it).
    """
    now = timezone.now()
    version = data_version()  # counts and due order are cached under it
    counts = selectors.review_queue_counts(user=request.user, now=now, version=version)
    assignees = selectors.assignee_choices(version=version)

    def queue_filter() -> ReviewQueueFilter:
        return ReviewQueueFilter(request.GET, queryset=selectors.review_queue(),
                                 request=request, counts=counts, now=now, assignees=assignees)

    if set(request.GET) <= {"page"}:
        # Nothing chosen: the whole queue by due time. The filter set is built only if the
        # form's markup, kept by `filter_key`, is not (queue.html).
        queue, whole = SimpleLazyObject(queue_filter), True
    else:
        queue = queue_filter()
        whole = queue.is_whole_queue_by_due_time()
    if version is not None and whole:
        ids = selectors.QueueOrder(version=version, per_page=QUEUE_PAGE_SIZE)
    else:
        ids = queue.qs.values_list("pk", flat=True)
    page = Paginator(ids, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.review_queue_rows(ids=list(page.object_list), version=version)
    selectors.queue_decorate(rows, now=now)
    mine = selectors.my_tasks(user=request.user, now=now, version=version)
    context = {
        "filter": queue,
        "filter_key": form_key(query=request.GET.urlencode(), counts=counts,
                               assignees=assignees),
        "page": page,
        "rows": rows,
        "query": _query_without_page(request),
        "counts": counts,
        "my_tasks": mine[: selectors.MY_TASKS_LIMIT],
        "more_tasks": len(mine) > selectors.MY_TASKS_LIMIT,
    }
    return render_page_or_partial(request, "reviews/queue.html",
                                  "reviews/partials/queue_table.html", context)


@require_GET
@staff_required
def deal_list(request: HttpRequest) -> HttpResponse:
    """Every deal registration of every partner, newest first, with filters."""
    deals = DealFilter(request.GET, queryset=lead_selectors.staff_deal_list())
    page = Paginator(deals.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/deal_list.html",
                  {"filter": deals, "page": page, "query": _query_without_page(request)})
