"""Bench-only prototypes of faster candidate retrieval, measured against the baseline.

Nothing here changes leads/: each variant swaps functions of `leads.matching` inside this
process for the duration of one measurement, and the extra indexes it needs are dropped
afterwards so the database is again exactly what the migrations build.

Why "same country" retrieval changes no result: a candidate found only by its name (no
shared domain, e-mail or phone, which the exact-key queries find anyway) whose country
differs scores at most 0.88 - 0.20 + 0.04 + 0.02 = 0.74 < MATCH_THRESHOLD (0.75).
Why "open or own" changes nothing screening stores: `classify` keeps a match with another
partner's registration only while that registration is open (OPEN_STATUSES); closed ones
matter only as the same partner's resubmissions.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from bench import latency
from leads import matching
from leads.choices import OPEN_STATUSES
from leads.models import Deal
from partners.selectors import program_rules_get

OPEN_SQL = ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
INDEXES = [
    ("bench_proto_deal_country_trgm",
     "CREATE INDEX bench_proto_deal_country_trgm ON leads_deal "
     "USING gin (norm_country, norm_company gin_trgm_ops)"),
    ("bench_proto_account_country_trgm",
     "CREATE INDEX bench_proto_account_country_trgm ON leads_account "
     "USING gin (country, norm_company gin_trgm_ops)"),
    ("bench_proto_deal_open_trgm",
     "CREATE INDEX bench_proto_deal_open_trgm ON leads_deal "
     f"USING gin (norm_country, norm_company gin_trgm_ops) WHERE status IN ({OPEN_SQL})"),
    ("bench_proto_deal_partner_trgm",
     "CREATE INDEX bench_proto_deal_partner_trgm ON leads_deal "
     "USING gin (partner_id, norm_country, norm_company gin_trgm_ops)"),
]


@dataclass
class Variant:
    name: str
    description: str
    result: latency.LatencyResult
    lost: int  # classified matches of the baseline this variant no longer finds
    gained: int  # classified matches only this variant finds


@contextmanager
def _same_country(*, open_or_own: bool = False) -> Iterator[None]:
    """Wrap the current retrieval: its trigram searches see only rows of the deal's country
    (accounts: also those without one) and, with `open_or_own`, only open registrations
    or the deal's own partner's. Everything else stays the code as committed."""
    similar, deals, accounts = (matching._similar_names, matching.deal_candidates,
                                matching.account_candidates)
    current: dict = {"country": "", "partner": None}

    def similar_names(queryset, name: str) -> list[int]:
        country = current["country"]
        if not country:
            return similar(queryset, name)
        if queryset.model is Deal:
            mine = queryset.filter(norm_country=country)
            if not open_or_own:
                return similar(mine, name)
            return (similar(mine.filter(status__in=sorted(OPEN_STATUSES)), name)
                    + similar(mine.filter(partner_id=current["partner"]), name))
        # Two index scans (GIN has no IN): this country, and accounts without one.
        return (similar(queryset.filter(country=country), name)
                + similar(queryset.filter(country=""), name))

    def with_country(retrieve: Callable) -> Callable:
        def inner(deal: Deal) -> list:
            current.update(country=deal.norm_country, partner=deal.partner_id)
            try:
                return retrieve(deal)
            finally:
                current.update(country="", partner=None)

        return inner

    matching._similar_names = similar_names
    matching.deal_candidates = with_country(deals)
    matching.account_candidates = with_country(accounts)
    try:
        yield
    finally:
        matching._similar_names, matching.deal_candidates, matching.account_candidates = (
            similar, deals, accounts)


@contextmanager
def patched(*, threshold: float | None = None, same_country: bool = False,
            open_or_own: bool = False) -> Iterator[None]:
    saved = matching.WORD_SIMILARITY_THRESHOLD
    try:
        if threshold is not None:
            matching.WORD_SIMILARITY_THRESHOLD = threshold
        if same_country:
            with _same_country(open_or_own=open_or_own):
                yield
        else:
            yield
    finally:
        matching.WORD_SIMILARITY_THRESHOLD = saved


def _signature(probe: latency.Probe, window: int) -> frozenset:
    """What screening would store: the matches `classify` keeps, with their scores."""
    return frozenset((type(m.target).__name__, m.target.pk, m.score)
                     for m in matching.find_matches(probe.deal)
                     if matching.classify(probe.deal, m, protection_window_days=window))


def create_indexes(log: Callable[[str], None]) -> float:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, sql in INDEXES:
            cursor.execute(sql)
        cursor.execute("ANALYZE leads_deal")
        cursor.execute("ANALYZE leads_account")
    seconds = time.monotonic() - started
    log(f"  prototype indexes built in {seconds:.0f} s")
    return seconds


def drop_indexes() -> None:
    with connection.cursor() as cursor:
        for name, _sql in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("DROP EXTENSION IF EXISTS btree_gin")


SPECS = [
    ("baseline", "the code as committed", {}),
    ("threshold 0.6", "WORD_SIMILARITY_THRESHOLD 0.5 → 0.6", {"threshold": 0.6}),
    ("same country", "trigram search only among same-country (or blank-country) rows, "
     "on GIN (country, norm_company gin_trgm_ops)", {"same_country": True}),
    ("same country + 0.6", "both", {"threshold": 0.6, "same_country": True}),
    ("same country, open or own", "same country; registrations only open ones "
     "(partial GIN index WHERE status IN OPEN_STATUSES) plus the partner's own (GIN "
     "(partner_id, norm_country, norm_company gin_trgm_ops))",
     {"same_country": True, "open_or_own": True}),
]


def measure(*, size: int, probes: list[latency.Probe],
            log: Callable[[str], None]) -> list[Variant]:
    """Time every variant on each probe back to back (rotating the order, so a busy moment
    on the machine hits all of them alike); then per variant count candidates, time each
    statement and compare its matches with the baseline's."""
    window = program_rules_get().protection_window_days
    baseline = [_signature(p, window) for p in probes]
    timings: dict[str, list[float]] = {name: [] for name, _d, _o in SPECS}
    for i, probe in enumerate(probes):
        for name, _description, options in SPECS[i % len(SPECS):] + SPECS[:i % len(SPECS)]:
            with patched(**options):
                started = time.perf_counter()
                matching.find_matches(probe.deal)
                timings[name].append((time.perf_counter() - started) * 1000)
    variants = []
    for name, description, options in SPECS:
        with patched(**options):
            result = latency.run(size=size, probes=probes, warmup=0)
            found = [_signature(p, window) for p in probes]
        lost = sum(len(b - f) for b, f in zip(baseline, found, strict=True))
        gained = sum(len(f - b) for b, f in zip(baseline, found, strict=True))
        result.timings_ms = timings[name]
        variants.append(Variant(name, description, result, lost, gained))
        log(f"  {name}: p50 {latency.percentile(result.timings_ms, 50):.1f} ms, "
            f"p95 {latency.percentile(result.timings_ms, 95):.1f} ms, "
            f"{lost} matches lost, {gained} gained")
    return variants
