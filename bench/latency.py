"""Duplicate-check latency: `leads.matching.find_matches` per registration, end to end.

Probes are registrations as screening sees them (normalized by the real service, with a
primary key so the queries are exactly the production ones): exact re-registrations of
existing records, typed-again variants of them, and companies not in the database.
"""

import random
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from bench import data
from leads import matching
from leads.models import Deal
from leads.services import deal_apply_normalization

PROBE_KINDS = ("exact", "variant", "new")
NEW_COMPANY_BASE = 90_000_000


@dataclass
class Probe:
    kind: str
    deal: Deal


@dataclass
class LatencyResult:
    size: int
    probes: int
    timings_ms: list[float]
    by_kind: dict[str, list[float]]
    candidates: list[int]
    matches: list[int]
    query_ms: dict[str, list[float]] = field(default_factory=dict)
    slowest: list[tuple[float, str, str]] = field(default_factory=list)
    diag_ms: list[float] = field(default_factory=list)  # whole calls of the timed pass
    slowest_by_kind: dict[str, tuple[float, str]] = field(default_factory=dict)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values), "p95": percentile(values, 95),
            "max": max(values), "mean": statistics.fmean(values)}


def _sample(table: str, columns: str, rng: random.Random, n: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {table}")  # noqa: S608
        low, high = cursor.fetchone()
        found = []
        for _ in range(n):
            cursor.execute(f"SELECT {columns} FROM {table} WHERE id >= %s "  # noqa: S608
                           "ORDER BY id LIMIT 1", [rng.randint(low, high)])
            found.append(cursor.fetchone())
    return found


def make_probes(*, seed: int, n: int, partner_id: int) -> list[Probe]:
    """`n` registrations: a third exact copies, a third variants, a third new companies."""
    rng = random.Random(seed)
    deal_cols = "company_name, website, country, contact_name, contact_email, contact_phone"
    existing = [("deal", row) for row in _sample("leads_deal", deal_cols, rng, n // 3)]
    existing += [("account", row) for row in _sample("leads_account", "name, website, country",
                                                     rng, n // 3 - n // 6)]
    rng.shuffle(existing)
    probes = []
    for i in range(n):
        kind = PROBE_KINDS[i % 3] if i < 2 * len(existing) else "new"
        if kind == "new" or not existing:
            record = data.render_deal(rng, data.company(seed, NEW_COMPANY_BASE + i))
            fields = vars(record)
        else:
            source, row = existing.pop()
            who = data.person(rng)
            fields = {"company_name": row[0], "website": row[1], "country": row[2],
                      "contact_name": f"{who[0]} {who[1]}",
                      "contact_email": f"{data.ascii_fold(who[0]).lower()}@gmail.com"}
            if source == "deal":
                fields.update(contact_name=row[3], contact_email=row[4], contact_phone=row[5])
            if kind == "variant":
                fields["company_name"] = data.perturb_name(rng, row[0])
                fields["website"] = "" if rng.random() < 0.4 else fields["website"]
        probes.append(Probe(kind, _deal(i, partner_id, fields)))
    return probes


def _deal(i: int, partner_id: int, fields: dict) -> Deal:
    deal = Deal(pk=-(i + 1), partner_id=partner_id, status="screening",
                company_name=fields["company_name"], website=fields.get("website", ""),
                country=fields.get("country", ""), contact_name=fields.get("contact_name", ""),
                contact_email=fields.get("contact_email", ""),
                contact_phone=fields.get("contact_phone", ""),
                need=fields.get("need", "Consolidate reporting."), submitted_at=timezone.now())
    deal_apply_normalization(deal)
    return deal


@contextmanager
def query_timer() -> Iterator[list[tuple[str, float]]]:
    """Collect (sql, ms) of every statement run on the default connection."""
    seen: list[tuple[str, float]] = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append((sql % tuple(_quote(p) for p in (params or ())) if params else sql,
                         (time.perf_counter() - started) * 1000))

    with connection.execute_wrapper(wrapper):
        yield seen


def _quote(value: object) -> str:
    if isinstance(value, list):
        # A list parameter is an array (`column = ANY(%s)`, leads.matching's statements).
        return "ARRAY[" + ", ".join(_quote(v) for v in value) + "]::text[]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_quote(v) for v in value) + ")"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def query_kind(sql: str) -> str:
    """A short label for one of find_matches' statements."""
    table = "account" if 'FROM "leads_account"' in sql else \
        "opportunity" if 'FROM "leads_opportunity"' in sql else "deal"
    if sql.startswith("SET LOCAL"):
        return "SET LOCAL (transaction settings)"
    if 'FROM "distribution_vendorlead"' in sql:
        return "open vendor leads: keys and names"
    if 'FROM "leads_keycount"' in sql:
        return "key counts (value frequencies)"
    if "%>" in sql:
        return f"{table}: candidate rows (exact keys ∪ trigram names)"
    if "norm_domain" in sql.split("WHERE")[-1] or "norm_email" in sql.split("WHERE")[-1]:
        return f"{table}: exact keys"
    if sql.startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")):
        return "transaction"
    return f"{table}: load rows"


def run(*, size: int, probes: list[Probe], warmup: int = 20) -> LatencyResult:
    """Time find_matches for each probe, then count candidates and time each query."""
    for probe in probes[:warmup]:
        matching.find_matches(probe.deal)
    timings, by_kind, found = [], defaultdict(list), []
    for probe in probes:
        started = time.perf_counter()
        matches = matching.find_matches(probe.deal)
        elapsed = (time.perf_counter() - started) * 1000
        timings.append(elapsed)
        by_kind[probe.kind].append(elapsed)
        found.append(len(matches))
    candidates = [sum(len(found) for found in matching.candidates(p.deal)) for p in probes]
    query_ms: dict[str, list[float]] = defaultdict(list)
    slowest: list[tuple[float, str, str]] = []
    slowest_by_kind: dict[str, tuple[float, str]] = {}
    diag = []
    for probe in probes:
        with query_timer() as seen:
            started = time.perf_counter()
            matching.find_matches(probe.deal)
            diag.append((time.perf_counter() - started) * 1000)
        for sql, ms in seen:
            kind = query_kind(sql)
            query_ms[kind].append(ms)
            slowest.append((ms, probe.deal.norm_company, sql))
            if ms > slowest_by_kind.get(kind, (0.0, ""))[0]:
                slowest_by_kind[kind] = (ms, sql)
    slowest.sort(reverse=True)
    return LatencyResult(size, len(probes), timings, dict(by_kind), candidates, found,
                         dict(query_ms), slowest[:5], diag, slowest_by_kind)


def explain(sql: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one captured statement, with the trigram threshold."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s",
                       [matching.WORD_SIMILARITY_THRESHOLD])
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("%%", "%"))
        return "\n".join(row[0] for row in cursor.fetchall())
