"""The program's measures (DESIGN principle 6), each defined in ONE selector here.

Every measure names its numerator, its denominator and the date that places a record in a
month; its selector reads it with grouped aggregate queries only (GROUP BY month of that
date, and partner and tier, or tier, or nothing: `Scope.by`), never a loop over records.
The Python below only reshapes the aggregated rows (one per group) into `Row`s.

A record counts in the month of its named date, in the server's time zone (TIME_ZONE).
Partner and tier are the partner organization's own and its *current* tier.

Staff read the whole program (`partner=None`) or one partner; a partner's scorecard passes
its own organization as `partner`, the tenant filter every selector applies first, and
`Scope.audience = PARTNER`, which keeps out what DESIGN's invariant 2 forbids a partner
to learn (see `duplicate_rate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import connection, connections, transaction
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attribution.models import Attribution, Dispute
from distribution.choices import OfferStatus, OutcomeStage
from distribution.models import Offer, OutcomeReport
from leads.choices import DealSource, DealStatus, MatchKind
from leads.models import Deal, DealStatusChange, DuplicateMatch
from measurements.expressions import (
    EpochSeconds,
    GroupConcat,
    PercentilesCont,
    parse_concat,
    percentile_cont,
)
from reviews.choices import DecisionKind
from reviews.models import Decision

BY_PARTNER, BY_TIER, BY_MONTH = "partner", "tier", "month"
BY_CHOICES = [(BY_PARTNER, _("Partner and month")), (BY_TIER, _("Tier and month")),
              (BY_MONTH, _("Month (whole selection)"))]
STAFF, PARTNER = "staff", "partner"

COUNT, RATE, PER_100, HOURS = "count", "rate", "per100", "hours"


@dataclass(frozen=True)
class Scope:
    """Which months, tier and grouping a measure is read for (months inclusive)."""

    month_from: date
    month_to: date
    tier_id: int | None = None
    by: str = BY_PARTNER
    audience: str = STAFF

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.month_from.replace(day=1), time.min))

    @property
    def end(self) -> datetime:
        """The first instant after the last month."""
        last = self.month_to
        after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
        return timezone.make_aware(datetime.combine(after, time.min))

    def months(self) -> list[date]:
        out, month, last = [], self.month_from.replace(day=1), self.month_to.replace(day=1)
        while month <= last:
            out.append(month)
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return out


@dataclass(frozen=True)
class Column:
    """One quantity of a measure. A ratio column names the count columns it divides
    (numerator keys summed ÷ denominator keys summed × scale), so month totals can be
    rolled up from finer groups (see `rollup`)."""

    key: str
    label: str
    kind: str = COUNT
    ratio: tuple[tuple[str, ...], tuple[str, ...], int] | None = None


@dataclass
class Row:
    """One group: a month, and the partner and tier when the grouping has them."""

    month: date
    partner_id: int | None
    partner: str
    tier_id: int | None
    tier: str
    values: dict[str, float | int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Measure:
    """A measure's definition (shown beside its table) and the selector that reads it."""

    key: str
    title: str
    numerator: str
    denominator: str
    date: str
    columns: tuple[Column, ...]
    chart: tuple[str, ...]  # the columns its chart draws, month by month
    read: Callable[..., list[Row]]

    @property
    def additive(self) -> bool:
        """Counts and ratios of counts only: totals roll up from finer groups (medians do
        not)."""
        return all(c.kind == COUNT or c.ratio for c in self.columns)


# --- Grouping -------------------------------------------------------------------------------

_GROUPS = {
    BY_PARTNER: ("g_partner", "g_partner_name", "g_tier", "g_tier_name"),
    BY_TIER: ("g_tier", "g_tier_name"),
    BY_MONTH: (),
}
_PATHS = {"g_partner": "partner_id", "g_partner_name": "partner__name",
          "g_tier": "partner__tier_id", "g_tier_name": "partner__tier__name"}


def _grouped(qs: QuerySet, *, when: str, partner, scope: Scope) -> QuerySet:
    """`qs` cut to the scope (months of `when`, the partner, the tier) as a values()
    queryset grouping by month (`g_month`) and the scope's grouping keys."""
    qs = qs.filter(**{f"{when}__gte": scope.start, f"{when}__lt": scope.end})
    if partner is not None:
        qs = qs.filter(partner=partner)
    if scope.tier_id:
        qs = qs.filter(partner__tier_id=scope.tier_id)
    keys = {name: F(_PATHS[name]) for name in _GROUPS[scope.by]}
    # order_by() first: a model's default ordering would join the GROUP BY.
    return qs.order_by().values(g_month=TruncMonth(when), **keys)


def _ordered(qs: QuerySet, scope: Scope) -> QuerySet:
    names = [n for n in ("g_tier_name", "g_partner_name") if n in _GROUPS[scope.by]]
    return qs.order_by("g_month", *names)


def _month(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _key(group: dict) -> tuple:
    return (_month(group["g_month"]), group.get("g_partner"), group.get("g_tier"))


def _row(group: dict) -> Row:
    return Row(month=_month(group["g_month"]), partner_id=group.get("g_partner"),
               partner=group.get("g_partner_name") or "", tier_id=group.get("g_tier"),
               tier=group.get("g_tier_name") or "")


def _merge(*parts: Iterable[dict]) -> list[tuple[Row, dict]]:
    """Aggregated rows of several queries joined on their group key (each query already
    grouped, so this walks groups, not records); counts of the same name are added."""
    merged: dict[tuple, tuple[Row, dict]] = {}
    for part in parts:
        for group in part:
            row, sums = merged.setdefault(_key(group), (_row(group), {}))
            for name, number in group.items():
                if not name.startswith("g_"):
                    sums[name] = sums.get(name, 0) + (number or 0)
    return sorted(merged.values(), key=lambda item: (item[0].month, item[0].tier,
                                                     item[0].partner))


def _ratio(numerator, denominator, scale: int = 1) -> float | None:
    return round(scale * numerator / denominator, 4) if denominator else None


def _is_postgresql(qs: QuerySet) -> bool:
    return connections[qs.db].vendor == "postgresql"


# --- The measures ---------------------------------------------------------------------------


def decisions_after_review(partner=None, *, scope: Scope) -> list[Row]:
    """Partner leads accepted and rejected after review: `Decision` rows of kind accept and
    reject, in the month of the decision (`Decision.created_at`); rate = accepted ÷
    (accepted + rejected)."""
    qs = _grouped(Decision.objects.filter(kind__in=[DecisionKind.ACCEPT, DecisionKind.REJECT]),
                  when="created_at", partner=partner, scope=scope)
    groups = _ordered(qs.annotate(
        accepted=Count("id", filter=Q(kind=DecisionKind.ACCEPT)),
        rejected=Count("id", filter=Q(kind=DecisionKind.REJECT))), scope)
    rows = []
    for row, n in _merge(groups):
        row.values = {"accepted": n["accepted"], "rejected": n["rejected"],
                      "rate": _ratio(n["accepted"], n["accepted"] + n["rejected"])}
        rows.append(row)
    return rows


def duplicate_rate(partner=None, *, scope: Scope) -> list[Row]:
    """Duplicate submission rate: submitted registrations (partner-submitted: `submitted_at`
    set, not vendor leads) with a same-partner or cross-partner `DuplicateMatch` ÷ all
    submitted registrations, in the month of submission (`Deal.submitted_at`).

    On a partner's own scorecard only same-partner resubmissions count: a cross-partner
    match would tell the partner that another partner registered its customer, which it
    must never learn (DESIGN, security invariant 2).
    """
    kinds = [MatchKind.SAME_PARTNER]
    if scope.audience == STAFF:
        kinds.append(MatchKind.CROSS_PARTNER)
    # An uncorrelated IN (hashed once by PostgreSQL), not an EXISTS probe per registration.
    matched = Q(pk__in=DuplicateMatch.objects.filter(kind__in=kinds).values("deal_id"))
    qs = _grouped(Deal.objects.filter(submitted_at__isnull=False).exclude(source=DealSource.VENDOR),
                  when="submitted_at", partner=partner, scope=scope)
    groups = _ordered(qs.annotate(submitted=Count("id"),
                                  duplicates=Count("id", filter=matched)), scope)
    rows = []
    for row, n in _merge(groups):
        row.values = {"duplicates": n["duplicates"], "submitted": n["submitted"],
                      "rate": _ratio(n["duplicates"], n["submitted"])}
        rows.append(row)
    return rows


def attribution_disputes(partner=None, *, scope: Scope) -> list[Row]:
    """Attribution disputes: disputes opened, in the month of opening
    (`Dispute.created_at`), and per 100 attributions: partner credit lines approved in
    that month (`Attribution.approved_at`; direct-sales lines are nobody's to dispute)."""
    disputes = _grouped(Dispute.objects.all(), when="created_at", partner=partner, scope=scope)
    lines = _grouped(Attribution.objects.filter(partner__isnull=False), when="approved_at",
                     partner=partner, scope=scope)
    rows = []
    for row, n in _merge(disputes.annotate(disputes=Count("id")),
                         lines.annotate(attributions=Count("id"))):
        opened, approved = n.get("disputes", 0), n.get("attributions", 0)
        row.values = {"disputes": opened, "attributions": approved,
                      "per_100": _ratio(opened, approved, 100)}
        rows.append(row)
    return rows


def opportunity_conversion(partner=None, *, scope: Scope) -> list[Row]:
    """Partner-to-opportunity conversion: accepted deals converted to an opportunity
    (`Deal.opportunity` or `converted_at` set) ÷ accepted deals, in the month of
    acceptance: the accept `Decision`'s date, or `decided_at` for a vendor lead's deal
    (accepted by the partner through an offer, with no review decision)."""
    converted = Q(deal__opportunity__isnull=False) | Q(deal__converted_at__isnull=False)
    # A vendor lead's deal is counted once, by its offer (it never has an accept decision).
    reviewed = _grouped(Decision.objects.filter(kind=DecisionKind.ACCEPT,
                                                deal__vendor_lead__isnull=True),
                        when="created_at", partner=partner, scope=scope).annotate(
        accepted=Count("deal", distinct=True),
        converted=Count("deal", distinct=True, filter=converted))
    offered = _grouped(Deal.objects.filter(vendor_lead__isnull=False), when="decided_at",
                       partner=partner, scope=scope).annotate(
        accepted=Count("id"),
        converted=Count("id", filter=Q(opportunity__isnull=False) | Q(converted_at__isnull=False)))
    rows = []
    for row, n in _merge(reviewed, offered):
        row.values = {"converted": n["converted"], "accepted": n["accepted"],
                      "rate": _ratio(n["converted"], n["accepted"])}
        rows.append(row)
    return rows


def _needs_info_seconds() -> Subquery:
    """Seconds the decided deal (OuterRef) spent in needs_info before its decision
    (OuterRef created_at), from its status history: each stay ends at the change that
    leaves needs_info, or at the decision when none did before it."""
    changes = DealStatusChange.objects.filter(deal_id=OuterRef("deal_id"),
                                              at__lte=OuterRef("created_at"))
    leave, enter = Q(from_status=DealStatus.NEEDS_INFO), Q(to_status=DealStatus.NEEDS_INFO)
    # Entering adds (decision − entry), leaving takes back (decision − exit): the sum is
    # every stay's exit − entry, with a stay still open at the decision ending there.
    until_decision = ExpressionWrapper(
        EpochSeconds(OuterRef("created_at")) - EpochSeconds("at"), output_field=FloatField())
    signed = Case(When(enter, then=until_decision), When(leave, then=-until_decision),
                  default=Value(0.0), output_field=FloatField())
    return Subquery(changes.order_by().values("deal_id").annotate(s=Sum(signed)).values("s"),
                    output_field=FloatField())


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def decision_time(partner=None, *, scope: Scope) -> list[Row]:
    """Time to acceptance decision: decision time − submission time of each accept or
    reject `Decision` (`created_at` − `Deal.submitted_at`), median and p90 in hours, with
    and without the time the deal spent in needs_info (from `DealStatusChange`), in the
    month of the decision.

    PostgreSQL: `percentile_cont` in the grouped query. SQLite: the grouped query returns
    each group's durations concatenated, and a bounded Python step computes the same
    interpolated percentiles over that aggregated list (see measurements.expressions).
    """
    gross = EpochSeconds("created_at") - EpochSeconds("deal__submitted_at")
    # The per-decision history subquery runs only for deals that ever entered needs_info
    # (an uncorrelated set, hashed once), not for every decision.
    stayed = DealStatusChange.objects.filter(to_status=DealStatus.NEEDS_INFO).values("deal_id")
    waited = Case(When(deal_id__in=stayed, then=Coalesce(_needs_info_seconds(), Value(0.0))),
                  default=Value(0.0), output_field=FloatField())
    net = gross - waited
    qs = _grouped(Decision.objects.filter(kind__in=[DecisionKind.ACCEPT, DecisionKind.REJECT],
                                          deal__submitted_at__isnull=False),
                  when="created_at", partner=partner, scope=scope)
    postgres = _is_postgresql(qs)
    if postgres:
        qs = qs.annotate(decisions=Count("id"), gross=PercentilesCont(gross, (0.5, 0.9)),
                         net=PercentilesCont(net, (0.5, 0.9)))
    else:
        qs = qs.annotate(decisions=Count("id"), gross=GroupConcat(gross), net=GroupConcat(net))
    rows = []
    for group in _ordered(qs, scope):
        row = _row(group)
        if postgres:
            (g50, g90), (n50, n90) = group["gross"] or (None, None), group["net"] or (None, None)
        else:
            gross_list, net_list = parse_concat(group["gross"]), parse_concat(group["net"])
            g50, g90 = percentile_cont(gross_list, 0.5), percentile_cont(gross_list, 0.9)
            n50, n90 = percentile_cont(net_list, 0.5), percentile_cont(net_list, 0.9)
        row.values = {"decisions": group["decisions"], "median": _hours(g50),
                      "p90": _hours(g90), "median_net": _hours(n50), "p90_net": _hours(n90)}
        rows.append(row)
    return rows


def distribution_funnel(partner=None, *, scope: Scope) -> list[Row]:
    """The distribution funnel of vendor-lead offers, in the month of the offer
    (`Offer.offered_at`; offers still awaiting approval were never offered): offered,
    accepted (the partner took it), contacted (the partner reported any outcome stage on
    the deal, or it was won), won (reported won, or the sales owner recorded the deal
    won), and overrides
    (offers made to another partner than the recommendation, with a reason)."""
    reported = OutcomeReport.objects.values("deal_id")  # uncorrelated sets, hashed once
    won = Q(deal__status=DealStatus.WON) | Q(deal_id__in=reported.filter(stage=OutcomeStage.WON))
    contacted = Q(deal__status=DealStatus.WON) | Q(deal_id__in=reported)
    qs = _grouped(Offer.objects.filter(offered_at__isnull=False), when="offered_at",
                  partner=partner, scope=scope)
    groups = _ordered(qs.annotate(
        offered=Count("id"), accepted=Count("id", filter=Q(status=OfferStatus.ACCEPTED)),
        contacted=Count("id", filter=contacted), won=Count("id", filter=won),
        overrides=Count("id", filter=Q(is_override=True))), scope)
    rows = []
    for row, n in _merge(groups):
        row.values = {name: n[name] for name in
                      ("offered", "accepted", "contacted", "won", "overrides")}
        rows.append(row)
    return rows


MEASURES: tuple[Measure, ...] = (
    Measure(
        "decisions", _("Partner leads accepted and rejected after review"),
        _("Accept decisions (and, beside them, reject decisions)"),
        _("Accept and reject decisions"), _("Decision date"),
        (Column("accepted", _("Accepted")), Column("rejected", _("Rejected")),
         Column("rate", _("Accepted share"), RATE, (("accepted",), ("accepted", "rejected"), 1))),
        ("accepted", "rejected"), decisions_after_review),
    Measure(
        "duplicates", _("Duplicate submission rate"),
        _("Submitted registrations with a same-partner or cross-partner duplicate match"),
        _("All submitted registrations"), _("Submission date"),
        (Column("duplicates", _("With a duplicate")), Column("submitted", _("Submitted")),
         Column("rate", _("Rate"), RATE, (("duplicates",), ("submitted",), 1))),
        ("rate",), duplicate_rate),
    Measure(
        "disputes", _("Attribution disputes"),
        _("Disputes opened"), _("Partner attributions approved (per 100)"),
        _("Opening date (disputes); approval date (attributions)"),
        (Column("disputes", _("Disputes opened")), Column("attributions", _("Attributions")),
         Column("per_100", _("Per 100 attributions"), PER_100,
                (("disputes",), ("attributions",), 100))),
        ("disputes",), attribution_disputes),
    Measure(
        "conversion", _("Partner-to-opportunity conversion"),
        _("Accepted deals converted to an opportunity"), _("Accepted deals"),
        _("Acceptance date (accept decision, or the offer's acceptance for vendor leads)"),
        (Column("converted", _("Converted")), Column("accepted", _("Accepted")),
         Column("rate", _("Conversion"), RATE, (("converted",), ("accepted",), 1))),
        ("rate",), opportunity_conversion),
    Measure(
        "decision_time", _("Time to acceptance decision"),
        _("Decision time − submission time, per accept or reject decision"),
        _("Accept and reject decisions (median and p90)"), _("Decision date"),
        (Column("decisions", _("Decisions")), Column("median", _("Median (h)"), HOURS),
         Column("p90", _("p90 (h)"), HOURS),
         Column("median_net", _("Median without needs info (h)"), HOURS),
         Column("p90_net", _("p90 without needs info (h)"), HOURS)),
        ("median", "median_net"), decision_time),
    Measure(
        "funnel", _("Distribution funnel"),
        _("Offers accepted, contacted, won; overrides of the recommendation"),
        _("Offers made"), _("Offer date"),
        (Column("offered", _("Offered")), Column("accepted", _("Accepted")),
         Column("contacted", _("Contacted")), Column("won", _("Won")),
         Column("overrides", _("Overrides"))),
        ("offered", "accepted", "contacted", "won"), distribution_funnel),
)
PARTNER_DUPLICATES_NUMERATOR = _("Submitted registrations that resubmitted one of your own")


@dataclass
class MeasureResult:
    measure: Measure
    rows: list[Row]
    numerator: str


@contextmanager
def _without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiles these short grouped queries for longer than they run
    (their cost estimates pass jit_above_cost): switch it off for this transaction."""
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _result(measure: Measure, partner, scope: Scope) -> MeasureResult:
    numerator = measure.numerator
    if measure.key == "duplicates" and scope.audience == PARTNER:
        numerator = PARTNER_DUPLICATES_NUMERATOR
    return MeasureResult(measure, measure.read(partner, scope=scope), numerator)


def measure_read(measure: Measure, partner=None, *, scope: Scope) -> MeasureResult:
    """One measure for `scope` (its selector, without JIT on PostgreSQL)."""
    with _without_jit():
        return _result(measure, partner, scope)


def measurements_read(partner=None, *, scope: Scope) -> list[MeasureResult]:
    """Every measure for `scope` (and only `partner`'s records when given): a fixed number
    of grouped queries (8, plus one SET on PostgreSQL), whatever the records or groups."""
    with _without_jit():
        return [_result(measure, partner, scope) for measure in MEASURES]


def rollup(result: MeasureResult) -> MeasureResult:
    """An additive measure's rows summed per month (what a `BY_MONTH` read returns): counts
    added, ratios recomputed from the summed counts. Walks the aggregated rows only."""
    months: dict[date, dict] = {}
    for row in result.rows:
        sums = months.setdefault(row.month, {})
        for column in result.measure.columns:
            if column.kind == COUNT:
                sums[column.key] = sums.get(column.key, 0) + (row.values.get(column.key) or 0)
    rows = []
    for month, sums in sorted(months.items()):
        for column in result.measure.columns:
            if column.ratio:
                over, under, scale = column.ratio
                sums[column.key] = _ratio(sum(sums[k] for k in over),
                                          sum(sums[k] for k in under), scale)
        rows.append(Row(month=month, partner_id=None, partner="", tier_id=None, tier="",
                        values={c.key: sums[c.key] for c in result.measure.columns}))
    return MeasureResult(result.measure, rows, result.numerator)


def _chart_value(value, kind: str):
    """A month without records is 0 for a count and a gap for anything else; rates are
    drawn in percent."""
    if value is None:
        return 0 if kind == COUNT else None
    return round(value * 100, 1) if kind == RATE else value


def chart_series(results: list[MeasureResult], scope: Scope) -> dict:
    """Month-by-month series for the charts: the rows of a `BY_MONTH` read laid out over
    every month of the scope (a month without records is 0, or a gap for a rate)."""
    labels = [m.strftime("%Y-%m") for m in scope.months()]
    charts = {}
    for result in results:
        by_month = {row.month.strftime("%Y-%m"): row.values for row in result.rows}
        labels_of = {c.key: str(c.label) for c in result.measure.columns}
        kinds = {c.key: c.kind for c in result.measure.columns}
        charts[result.measure.key] = {
            "title": str(result.measure.title), "labels": labels,
            "datasets": [{"label": labels_of[key] + (" (%)" if kinds[key] == RATE else ""),
                          "data": [_chart_value(by_month.get(m, {}).get(key), kinds[key])
                                   for m in labels]}
                         for key in result.measure.chart],
        }
    return charts
