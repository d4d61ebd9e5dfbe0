"""Reads for the staff review queue: open reviews, my tasks, per-filter counts, SLA state.

Staff see every partner's deals, so these selectors take no `partner`: they are reached only
through `staff_required` views. Each returns a queryset (or a few rows) whose related data is
already loaded, so a page of queue rows costs the same number of queries at any page size.
"""

import hashlib
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from leads.choices import DECIDABLE_STATUSES
from leads.models import Deal, StopRuleHit
from partnerportal.local_cache import LocalCache
from partnerportal.versions import TIMEOUT, cached
from partners.choices import StaffRole
from partners.models import PartnerOrganization
from reviews.choices import TaskKind, TaskStatus
from reviews.models import ReviewTask

# "Due within 24 h" is the queue's warning band, whatever the program's SLA length.
DUE_SOON = timedelta(hours=24)
MY_TASKS_LIMIT = 20
# Assignee keys of `QueueCounts.assignee` besides user ids.
ME, UNASSIGNED = "me", "none"


# Values kept under the deals' data version are also kept per process, by key and version:
# a version names its data exactly, so this layer is as exact as the shared cache, and a
# page read no longer unpickles its rows (a sixth of the queue's time at 100,000 deals).
# Callers never change what they are given: rows are copied before they are decorated.
_LOCAL = LocalCache(512)


def _kept(key: str, version: int | None, compute):
    """`partnerportal.versions.cached`, with a per-process layer in front of it."""
    if version is None:
        return compute()
    return _LOCAL.get_or_set(f"{key}:{version}", lambda: cached(key, version, compute))


def _fresh(instance):
    """A shallow copy of a kept model instance, to decorate for one request (its loaded
    relations are shared and only read)."""
    clone = object.__new__(type(instance))
    clone.__dict__.update(instance.__dict__)
    return clone


class SlaState:
    """Where a task (or a deal, by its most urgent task) stands against its due time.

    The values are the staff API's (`reviews.api_filters.SlaState`), so a queue URL's
    `sla=` means the same there."""

    ON_TIME = "on_time"
    DUE_SOON = "due_24h"
    OVERDUE = "overdue"
    WAITING = "paused"  # clock stopped: the partner owes an answer

    choices = [
        (ON_TIME, gettext_lazy("On time")),
        (DUE_SOON, gettext_lazy("Due within 24 h")),
        (OVERDUE, gettext_lazy("Overdue")),
        (WAITING, gettext_lazy("Waiting for partner")),
    ]


@dataclass(frozen=True)
class Sla:
    state: str
    label: str  # "due in 5 h", "overdue by 2 d", "waiting for partner"
    urgent: bool  # shown red: overdue or escalated

    @property
    def badge(self) -> str:
        """The badge's colour classes: red when urgent, else by state."""
        if self.urgent:
            return "text-bg-danger"
        return _SLA_BADGES.get(self.state, "text-bg-light border")


_SLA_BADGES = {SlaState.DUE_SOON: "text-bg-warning", SlaState.WAITING: "text-bg-info"}


def _span(delta: timedelta) -> tuple[str, int]:
    """The unit and count of a time span's label: ("min", 5), ("h", 3) or ("d", 2)."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 60:
        return "min", max(minutes, 1)
    if minutes < 48 * 60:
        return "h", minutes // 60
    return "d", minutes // (24 * 60)


def _span_text(unit: str, n: int) -> str:
    if unit == "min":
        return _("%(n)d min") % {"n": n}
    if unit == "h":
        return _("%(n)d h") % {"n": n}
    return _("%(n)d d") % {"n": n}


# Sla values by language and everything they are made of: a queue page works out one per
# open task and row (about 70), and translating their labels each time cost more than the
# rest of the SLA work. A few hundred distinct values per language at most.
_SLAS = LocalCache(4096)


def _sla(language: str | None, state: str, unit: str, n: int, urgent: bool) -> Sla:
    def make() -> Sla:
        label = (_("overdue by %(span)s") if state == SlaState.OVERDUE
                 else _("due in %(span)s")) % {"span": _span_text(unit, n)}
        return Sla(state, label, urgent)

    return _SLAS.get_or_set((language, state, unit, n, urgent), make)


def sla_for(*, due_at: datetime | None, now: datetime, paused: bool = False,
            escalated: bool = False) -> Sla | None:
    """The SLA state and time-left label of one due time (None when nothing is due)."""
    if paused:
        return Sla(SlaState.WAITING, _("waiting for partner"), False)
    if due_at is None:
        return None
    if due_at < now:
        return _sla(get_language(), SlaState.OVERDUE, *_span(now - due_at), True)
    state = SlaState.DUE_SOON if due_at < now + DUE_SOON else SlaState.ON_TIME
    return _sla(get_language(), state, *_span(due_at - now), escalated)


def _open_task_deals(**filters) -> QuerySet:
    """Ids of deals with an open task (matching `filters`). Used as `pk__in`, which
    PostgreSQL runs as one hashed subplan rather than a lookup per deal."""
    return ReviewTask.objects.filter(status=TaskStatus.OPEN, **filters).values("deal_id")


def _has_open_task(prefix: str = "", **filters) -> Exists:
    """A lookup per row: cheaper than `pk__in` when only a page of rows is read."""
    return Exists(ReviewTask.objects.filter(deal=OuterRef(f"{prefix}pk"),
                                            status=TaskStatus.OPEN, **filters))


def open_conflict_q(prefix: str = "", *, per_row: bool = False) -> Q:
    """A deal has an open attribution conflict: routing paused, or its conflict task open.

    `per_row` for a page of rows; the default (one hashed set) for filters and counts.
    """
    kind = TaskKind.ATTRIBUTION_CONFLICT
    task = (Q(_has_open_task(prefix, kind=kind)) if per_row
            else Q(**{f"{prefix}pk__in": _open_task_deals(kind=kind)}))
    return Q(**{f"{prefix}routing_paused": True}) | task


def due_order() -> list:
    """Due soonest: running clocks by due time, then deals waiting for the partner (oldest
    submission first)."""
    return [F("next_due").asc(nulls_last=True), F("submitted_at").asc(nulls_last=True), "id"]


def _queue_annotations() -> dict:
    next_due = (ReviewTask.objects.filter(deal=OuterRef("pk"), status=TaskStatus.OPEN,
                                          paused_at__isnull=True)
                .order_by("due_at").values("due_at")[:1])
    return {
        "next_due": Subquery(next_due),
        "has_paused_task": ExpressionWrapper(
            Q(pk__in=_open_task_deals(paused_at__isnull=False)), output_field=BooleanField()),
    }


def review_queue() -> QuerySet[Deal]:
    """Every deal waiting for a review decision (in review or needs info), due soonest first.

    `next_due` is the earliest due time of its open tasks whose clock runs; deals whose
    clocks are all paused (`has_paused_task`) come after the running ones. Filter and sort
    this, take one page of ids from it (`values_list("pk")`: a narrow sort without the
    partner join and wide rows), then load that page with `review_queue_rows`.
    """
    return (Deal.objects.filter(status__in=DECIDABLE_STATUSES)
            .annotate(**_queue_annotations()).order_by(*due_order()))


# What a queue row shows (a deal row is wide: loading every column cost more than the rest).
QUEUE_DEAL_FIELDS = ("id", "partner_id", "status", "company_name", "submitted_at",
                     "routing_paused", "partner__name", "partner__tier__name")
QUEUE_TASK_FIELDS = ("id", "deal_id", "kind", "status", "assignee_id", "due_at", "paused_at",
                     "escalated_at")


def review_queue_rows(*, ids: list[int], version: int | None = None) -> list[Deal]:
    """The queue rows of `ids`, in that order, each with `next_due`, `has_conflict`,
    `has_paused_task`, `open_task_list` (open tasks with assignees) and its stop-rule hits
    loaded: three queries whatever the number of rows (none while the page is kept under
    the deals' data `version`, which every column shown here moves). The flags come from
    the open tasks already loaded, not from subqueries per row."""
    if not ids:
        return []
    digest = hashlib.blake2b(",".join(map(str, ids)).encode(), digest_size=12).hexdigest()
    kept = _kept(f"review-queue:rows:{digest}", version, lambda: _queue_rows(ids))
    rows = []
    for deal in kept:
        row = _fresh(deal)
        row.open_task_list = [_fresh(task) for task in deal.open_task_list]
        rows.append(row)
    return rows


def _queue_rows(ids: list[int]) -> list[Deal]:
    tasks = (ReviewTask.objects.filter(status=TaskStatus.OPEN).select_related("assignee")
             .only(*QUEUE_TASK_FIELDS, "assignee__email", "assignee__username")
             .order_by("due_at", "id"))
    deals = (
        Deal.objects.filter(pk__in=ids)
        .select_related("partner", "partner__tier")
        .only(*QUEUE_DEAL_FIELDS)
        .prefetch_related(
            Prefetch("review_tasks", queryset=tasks, to_attr="open_task_list"),
            Prefetch("stop_rule_hits", queryset=StopRuleHit.objects.only(
                "deal_id", "rule", "reason").order_by("rule")),
        )
    )
    by_id = {deal.pk: deal for deal in deals}
    for deal in by_id.values():
        running = [t.due_at for t in deal.open_task_list if t.paused_at is None]
        deal.next_due = min(running, default=None)
        deal.has_paused_task = any(t.paused_at is not None for t in deal.open_task_list)
        deal.has_conflict = deal.routing_paused or any(
            t.kind == TaskKind.ATTRIBUTION_CONFLICT for t in deal.open_task_list)
    return [by_id[pk] for pk in ids if pk in by_id]


def queue_sla_q(state: str, *, now: datetime) -> Q:
    """Deals of `review_queue` in one SLA state, judged by the most urgent running task.

    The earliest running task is due before a moment exactly when some running task is, so
    the states are sets of deals with a running task due before a moment: PostgreSQL reads
    them from the tasks' (status, due) index instead of working out `next_due` for every
    open deal (at 100,000 deals, 30 ms instead of 130 ms for the overdue count)."""
    overdue = Q(pk__in=_open_task_deals(paused_at__isnull=True, due_at__lt=now))
    if state == SlaState.OVERDUE:
        return overdue
    soon = Q(pk__in=_open_task_deals(paused_at__isnull=True, due_at__lt=now + DUE_SOON))
    if state == SlaState.DUE_SOON:
        return soon & ~overdue
    if state == SlaState.ON_TIME:
        return Q(pk__in=_open_task_deals(paused_at__isnull=True)) & ~soon
    return Q(next_due__isnull=True, has_paused_task=True)


def queue_decorate(deals, *, now: datetime) -> None:
    """Attach `sla` to each deal of a page and to each of its open tasks, and `row_key`:
    every value its queue row shows, by which the row's markup is kept (no queries)."""
    for deal in deals:
        for task in deal.open_task_list:
            task.sla = sla_for(due_at=task.due_at, now=now, paused=task.paused_at is not None,
                               escalated=task.escalated_at is not None)
        escalated = any(t.escalated_at for t in deal.open_task_list)
        deal.sla = sla_for(due_at=deal.next_due, now=now, escalated=escalated,
                           paused=deal.next_due is None and deal.has_paused_task)
        deal.row_key = (
            deal.pk, deal.company_name, deal.status, deal.submitted_at, deal.partner.name,
            deal.partner.tier.name, deal.has_conflict, deal.sla,
            tuple((t.pk, t.kind, t.assignee and (t.assignee.email, t.assignee.get_username()),
                   t.sla, t.escalated_at is not None) for t in deal.open_task_list),
            tuple((hit.rule, hit.reason) for hit in deal.stop_rule_hits.all()))


def my_tasks(*, user, now: datetime, limit: int = MY_TASKS_LIMIT,
             version: int | None = None) -> list[ReviewTask]:
    """Open tasks assigned to `user`, due soonest first (paused ones last), with their deal,
    partner, conflict marker and stop-rule hits loaded; at most `limit` + 1 rows, so the
    caller can tell whether there are more.

    Every value the rows show moves the deals' data `version` (`partnerportal.versions`):
    the rows are kept under it, and only their SLA state is worked out per request."""
    rows = [_fresh(task) for task in _kept(f"my-tasks:2:{user.pk}:{limit}", version,
                                           lambda: _my_task_rows(user=user, limit=limit))]
    for task in rows:
        task.sla = sla_for(due_at=task.due_at, now=now, paused=task.paused_at is not None,
                           escalated=task.escalated_at is not None)
        task.row_key = (task.pk, task.kind, task.sla, task.escalated_at is not None,
                        task.deal_id, task.deal.company_name, task.deal.status,
                        task.deal.partner.name, task.deal_has_conflict,
                        tuple((hit.rule, hit.reason) for hit in task.deal.stop_rule_hits.all()))
    return rows


def _my_task_rows(*, user, limit: int) -> list[ReviewTask]:
    ids = _my_task_ids(user=user, limit=limit)
    if not ids:
        return []
    tasks = (ReviewTask.objects.filter(pk__in=ids)
             .select_related("deal", "deal__partner")
             .only(*QUEUE_TASK_FIELDS, "deal__id", "deal__partner_id", "deal__status",
                   "deal__company_name", "deal__partner__name")
             .annotate(deal_has_conflict=ExpressionWrapper(
                 open_conflict_q("deal__", per_row=True), output_field=BooleanField())))
    by_id = {task.pk: task for task in tasks}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    prefetch_related_objects(rows, Prefetch("deal__stop_rule_hits", queryset=(
        StopRuleHit.objects.only("deal_id", "rule", "reason").order_by("rule"))))
    return rows


def _my_task_ids(*, user, limit: int) -> list[int]:
    # Running clocks, then paused ones: two short index scans on (assignee, status,
    # due_at) rather than one sort of every open task the user holds.
    tasks = (ReviewTask.objects.filter(assignee=user, status=TaskStatus.OPEN)
             .order_by("due_at", "id").values_list("pk", flat=True))
    return (list(tasks.filter(paused_at__isnull=True)[: limit + 1])
            + list(tasks.filter(paused_at__isnull=False)[: limit + 1]))[: limit + 1]


@dataclass
class QueueCounts:
    """How many open reviews each filter value would show (over all open reviews)."""

    total: int = 0
    status: Counter = field(default_factory=Counter)
    kind: Counter = field(default_factory=Counter)
    sla: Counter = field(default_factory=Counter)
    conflict: int = 0
    stop_rule: Counter = field(default_factory=Counter)  # rule -> deals; "any" -> deals
    partner: dict = field(default_factory=dict)  # id -> (name, count), by name
    tier: dict = field(default_factory=dict)  # id -> (name, count), by name
    assignee: Counter = field(default_factory=Counter)  # user id, "me", "none" -> deals


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


class QueueOrder:
    """Every open review's id in due order (`review_queue()` unfiltered), as a paginator
    reads it: its length and one page's slice, each a small cache entry under the deals'
    data `version` (`partnerportal.versions`). The order depends on due times and statuses
    only, never on the clock. At 100,000 deals the whole list is 20,000 ids: reading it
    from the cache on every request cost more than the rest of the page, so it is kept in
    pages and the sort runs once per version."""

    def __init__(self, *, version: int, per_page: int) -> None:
        self.prefix = f"v:review-queue:due-order:2:{per_page}:{version}"
        self.per_page = per_page
        self._ids = None
        self._count = self._get(f"{self.prefix}:count")
        if self._count is None:
            self._fill()

    @staticmethod
    def _get(key: str):
        return _LOCAL.get_or_set(key, lambda: cache.get(key))

    def _fill(self) -> list[int]:
        ids = self._ids = list(review_queue().values_list("pk", flat=True))
        self._count = len(ids)
        pages = {f"{self.prefix}:{n}": ids[start:start + self.per_page]
                 for n, start in enumerate(range(0, len(ids), self.per_page))}
        cache.set_many({**pages, f"{self.prefix}:count": len(ids)}, TIMEOUT)
        return ids

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[int]:
        if self._ids is None and not self._count:
            return []
        if self._ids is None:
            start, stop = index.start or 0, index.stop
            if start % self.per_page == 0 and stop is not None and stop - start <= self.per_page:
                page = self._get(f"{self.prefix}:{start // self.per_page}")
                if page is not None:
                    return page[: stop - start]
            self._fill()
        return self._ids[index]


def review_queue_counts(*, user, now: datetime, version: int | None = None) -> QueueCounts:
    """Counts per filter value over all open reviews.

    What does not move with the clock or the reader is counted by `_queue_tallies` (cached
    under the deals' data `version`, `partnerportal.versions`); the SLA counts come from
    `_sla_window` at `now`.
    """
    tallies = _kept("review-queue:tallies:3", version, _queue_tallies)
    counts = QueueCounts(total=tallies["total"], conflict=tallies["conflict"],
                         status=Counter(tallies["status"]), kind=Counter(tallies["kind"]),
                         stop_rule=Counter(tallies["stop_rule"]),
                         assignee=Counter(tallies["assignee"]))
    hour = now.replace(minute=0, second=0, microsecond=0)
    window = _kept(f"review-queue:sla:{_micros(hour)}", version,
                   lambda: _sla_window(hour))
    overdue = window["before"] + bisect_left(window["dues"], _micros(now))
    soon_or_overdue = window["before"] + bisect_left(window["dues"], _micros(now + DUE_SOON))
    counts.sla[SlaState.OVERDUE] = overdue
    counts.sla[SlaState.DUE_SOON] = soon_or_overdue - overdue
    counts.sla[SlaState.ON_TIME] = window["running"] - soon_or_overdue
    counts.sla[SlaState.WAITING] = tallies["with_task"] - window["running"]
    counts.assignee[ME] = tallies["assignee"].get(user.pk, 0)
    per_partner = tallies["partner"]
    for pk, partner_name, tier_id, tier_name in tallies["partners"]:
        n = per_partner[pk]
        counts.partner[pk] = (partner_name, n)
        name, seen = counts.tier.get(tier_id, (tier_name, 0))
        counts.tier[tier_id] = (name, seen + n)
    counts.tier = dict(sorted(counts.tier.items(), key=lambda item: item[1][0]))
    return counts


def _queue_tallies() -> dict:
    """The queue's counts that hold until its data changes, in five queries. Deals are
    grouped by ids only (a hash aggregate, no sort on names)."""
    tallies = {"total": 0, "conflict": 0, "status": Counter(), "stop_rule": Counter(),
               "partner": Counter()}
    by_partner = (
        Deal.objects.filter(status__in=DECIDABLE_STATUSES)
        .values("status", "partner_id")
        .annotate(n=Count("id"), conflicts=Count("id", filter=open_conflict_q()),
                  with_hits=Count("id", filter=Q(
                      pk__in=StopRuleHit.objects.values("deal_id"))))
        .order_by()
    )
    for row in by_partner:
        n = row["n"]
        tallies["total"] += n
        tallies["status"][row["status"]] += n
        tallies["conflict"] += row["conflicts"]
        tallies["stop_rule"]["any"] += row["with_hits"]
        tallies["partner"][row["partner_id"]] += n
    # Names too: a rename or a new tier bumps the version (migration partnerportal 0003).
    tallies["partners"] = list(
        PartnerOrganization.objects.filter(pk__in=list(tallies["partner"]))
        .order_by("name", "id").values_list("pk", "name", "tier_id", "tier__name"))
    tallies["stop_rule"].update({row["rule"]: row["n"] for row in (
        StopRuleHit.objects.filter(deal__status__in=DECIDABLE_STATUSES)
        .values("rule").annotate(n=Count("deal", distinct=True)).order_by())})
    tasks = ReviewTask.objects.filter(status=TaskStatus.OPEN,
                                      deal__status__in=DECIDABLE_STATUSES)
    # One open task per (deal, kind) is a constraint, so tasks of a kind count deals.
    kinds = {kind: Count("id", filter=Q(kind=kind)) for kind in TaskKind.values}
    totals = tasks.aggregate(
        with_task=Count("deal", distinct=True),
        unassigned=Count("deal", distinct=True, filter=Q(assignee__isnull=True)), **kinds)
    tallies["kind"] = Counter({kind: totals[kind] for kind in TaskKind.values})
    tallies["with_task"] = totals["with_task"]
    tallies["assignee"] = {row["assignee_id"]: row["n"] for row in (
        tasks.filter(assignee__isnull=False).values("assignee_id")
        .annotate(n=Count("deal", distinct=True)).order_by())}
    tallies["assignee"][UNASSIGNED] = totals["unassigned"]
    return tallies


def _sla_window(hour: datetime) -> dict:
    """What the SLA counts need at any moment of the `hour` that starts then: each open
    review's earliest due time among its running clocks, sorted; kept are those due before
    the hour (as a count) and those due within the hour and the day after it, so that the
    counts at `now` and `now + DUE_SOON` are two binary searches in a short list."""
    dues = sorted(_micros(due) for due in (
        ReviewTask.objects.filter(status=TaskStatus.OPEN, deal__status__in=DECIDABLE_STATUSES,
                                  paused_at__isnull=True)
        .values("deal_id").annotate(due=Min("due_at")).order_by()
        .values_list("due", flat=True)))
    first = bisect_left(dues, _micros(hour))
    last = bisect_left(dues, _micros(hour + timedelta(hours=1) + DUE_SOON))
    return {"before": first, "dues": dues[first:last], "running": len(dues)}


def assignee_choices(*, version: int | None = None) -> list:
    """Staff a queue can be filtered by: active staff users, by e-mail (kept under the deals'
    data `version`, which a staff user's change of e-mail or standing moves)."""
    return _kept("review-queue:assignees", version, lambda: list(
        get_user_model().objects.filter(is_active=True, is_staff=True)
        .only("id", "email", "username").order_by("email", "id")))


def sales_owner_choices():
    """Active staff a reviewer may pick as a deal's sales owner (sales owners first)."""
    User = get_user_model()
    return (User.objects.filter(is_active=True, is_staff=True)
            .filter(Q(groups__name=StaffRole.SALES_OWNER) | Q(groups__name=StaffRole.PARTNER_OWNER))
            .distinct().order_by("email"))
