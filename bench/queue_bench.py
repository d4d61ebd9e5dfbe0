"""Review-queue benchmark: the staff queue page's server time and SQL query count at 10k
and 100k deals on PostgreSQL.

    .venv/bin/python bench/queue_bench.py [--sizes 10000,100000] [--requests 50]
    .venv/bin/python bench/run.py --only queue          # the same

Drops and recreates the database `portal_bench_queue` (BENCH_QUEUE_DB_NAME) on BENCH_PG_URL,
grows it with the duplicate benchmark's COPY loader (`bench/load.py`: registrations plus
as many CRM accounts), then shapes the registrations like a live program: 20% waiting for a
decision (16% in review, 4% needs info, their SLA clocks paused) with an open acceptance
task each (about a fifth overdue, some escalated, 5% unassigned), 2% with an open
attribution conflict (routing paused, conflict task), stop-rule hits on about a fifth, done
tasks on decided deals and open handoff tasks on some accepted ones. Each scenario is
requested in-process with Django's test Client as a partner owner whose session passed MFA:
5 warm-up requests, then `--requests` timed ones (p50/p95 of the whole request: middleware,
queries, template), and one more with the queries captured (count, and the slowest). The
section "Review queue" of bench/RESULTS.md is replaced with the results.
"""

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_QUEUE_DB_NAME", "portal_bench_queue")
REDIS_URL = os.environ.get("BENCH_QUEUE_REDIS_URL", "redis://127.0.0.1:6379/15")
SEED = 42
REVIEWERS = 8
SECTION_START = "<!-- review-queue:start -->"
SECTION_END = "<!-- review-queue:end -->"

# (name, query string, htmx?) requested at every size.
SCENARIOS = [
    ("landing page (no filter, due soonest)", "", False),
    ("overdue only", "?sla=overdue", False),
    ("assigned to me, with a stop rule", "?assignee=me&stop_rule=any", False),
    ("open conflicts, newest first", "?conflict=1&sort=newest", False),
    ("search by company (htmx partial)", "?q=group", True),
    ("largest partner, newest first, page 3", "?partner={partner}&sort=newest&page=3", True),
]


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Scenario:
    name: str
    path: str
    rows: int
    total: int
    timings_ms: list[float]
    queries: int
    sql_ms: float
    slowest: list[tuple[float, str]]


@dataclass
class SizeResult:
    deals: int
    queue: int
    tasks_open: int
    overdue: int
    conflicts: int
    stop_rule_deals: int
    load_seconds: float
    loadavg: tuple[float, float] = (0.0, 0.0)
    scenarios: list[Scenario] = field(default_factory=list)


def configure_environment() -> dict[str, str]:
    os.environ.pop("ANTHROPIC_API_KEY_FILE", None)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings_queue",
        "DATABASE_URL": f"{PG_URL}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "benchqueue",
        "CELERY_BROKER_URL": REDIS_URL,
        "ANTHROPIC_API_KEY": "",
        "USE_ANTHROPIC": "false",
        "CONN_MAX_AGE": "0",
        "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
    })
    return dict(os.environ)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="deals to grow to, in order")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    return args


def create_reviewers(partner_ids: tuple[int, ...]) -> list[int]:
    """Partner owners (staff with TOTP-passed sessions later), each owning some partners."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from partners.choices import StaffRole
    from partners.models import PartnerOrganization

    group, _created = Group.objects.get_or_create(name=StaffRole.PARTNER_OWNER)
    ids = []
    for i in range(REVIEWERS):
        user, _created = get_user_model().objects.get_or_create(
            username=f"owner{i}@vendor.test",
            defaults={"email": f"owner{i}@vendor.test", "is_staff": True})
        user.groups.add(group)
        ids.append(user.pk)
    for n, partner_id in enumerate(partner_ids):
        PartnerOrganization.objects.filter(pk=partner_id).update(partner_owner_id=ids[n % len(ids)])
    return ids


def shape(db_url: str, *, after_id: int, sales_owner_id: int) -> int:
    """Give deals with id > after_id the statuses, tasks, conflicts and stop-rule hits of a
    live program (deterministic by id); return the new highest deal id."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        top = conn.execute("SELECT coalesce(max(id), 0) FROM leads_deal").fetchone()[0]
        params = {"after": after_id, "sales": sales_owner_id}
        for sql in SHAPE_SQL:
            conn.execute(sql, params)
        for table in ("leads_deal", "reviews_reviewtask", "leads_stoprulehit"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return top


# Statuses: id % 100 < 16 in review, < 20 needs info; the loader's own in_review/needs_info
# rows become accepted, so exactly a fifth wait for a decision.
SHAPE_SQL = [
    """UPDATE leads_deal SET
         status = CASE WHEN id %% 100 < 16 THEN 'in_review' WHEN id %% 100 < 20 THEN 'needs_info'
                       WHEN status IN ('in_review', 'needs_info') THEN 'accepted' ELSE status END,
         submitted_at = coalesce(submitted_at, created_at),
         decided_at = CASE WHEN id %% 100 < 20 THEN NULL
                           ELSE coalesce(decided_at, screening_finished_at) END,
         routing_paused = (id %% 100 IN (3, 11)),
         owner_id = created_by_id
       WHERE id > %(after)s""",
    # Open acceptance review per waiting deal: due from 48 h ago to 8 days ahead, so about a
    # fifth is overdue; escalated an hour after its due time; needs-info clocks paused.
    """INSERT INTO reviews_reviewtask (kind, deal_id, partner_id, assignee_id, status, due_at,
         paused_at, escalated_at, note, created_at, closed_at, closed_by_id)
       SELECT 'acceptance_review', d.id, d.partner_id,
              CASE WHEN d.id %% 20 = 7 THEN NULL ELSE p.partner_owner_id END, 'open',
              now() + ((d.id * 7919 %% 240) - 48) * interval '1 hour',
              CASE WHEN d.status = 'needs_info' THEN now() - (d.id %% 72) * interval '1 hour' END,
              CASE WHEN d.status = 'in_review' AND (d.id * 7919 %% 240) < 47
                   THEN now() + ((d.id * 7919 %% 240) - 47) * interval '1 hour' END,
              '', d.submitted_at, NULL, NULL
       FROM leads_deal d JOIN partners_partnerorganization p ON p.id = d.partner_id
       WHERE d.id > %(after)s AND d.status IN ('in_review', 'needs_info')""",
    """INSERT INTO reviews_reviewtask (kind, deal_id, partner_id, assignee_id, status, due_at,
         paused_at, escalated_at, note, created_at, closed_at, closed_by_id)
       SELECT 'attribution_conflict', d.id, d.partner_id, p.partner_owner_id, 'open',
              now() + (d.id %% 96) * interval '1 hour', NULL, NULL, '', d.submitted_at, NULL, NULL
       FROM leads_deal d JOIN partners_partnerorganization p ON p.id = d.partner_id
       WHERE d.id > %(after)s AND d.routing_paused""",
    # History: every decided deal had an acceptance review, done when it was decided.
    """INSERT INTO reviews_reviewtask (kind, deal_id, partner_id, assignee_id, status, due_at,
         paused_at, escalated_at, note, created_at, closed_at, closed_by_id)
       SELECT 'acceptance_review', d.id, d.partner_id, p.partner_owner_id, 'done',
              d.submitted_at + interval '48 hours', NULL, NULL, '', d.submitted_at,
              d.decided_at, p.partner_owner_id
       FROM leads_deal d JOIN partners_partnerorganization p ON p.id = d.partner_id
       WHERE d.id > %(after)s AND d.decided_at IS NOT NULL""",
    """INSERT INTO reviews_reviewtask (kind, deal_id, partner_id, assignee_id, status, due_at,
         paused_at, escalated_at, note, created_at, closed_at, closed_by_id)
       SELECT 'sales_handoff', d.id, d.partner_id, %(sales)s, 'open',
              now() + (d.id %% 120 - 24) * interval '1 hour', NULL, NULL, '', d.decided_at,
              NULL, NULL
       FROM leads_deal d
       WHERE d.id > %(after)s AND d.status = 'accepted' AND d.id %% 3 = 0""",
    """INSERT INTO leads_stoprulehit (deal_id, rule, reason, created_at)
       SELECT d.id, r.rule, r.reason, coalesce(d.screening_finished_at, d.created_at)
       FROM leads_deal d CROSS JOIN (VALUES
         (7, 'unclear_authority', 'The contact''s authority is unknown.'),
         (11, 'commitments', 'The need mentions pricing or procurement terms.'),
         (13, 'incomplete_consent', 'The customer has not consented to vendor contact.'),
         (50, 'duplicate_conflict', 'Another registration of this customer is open.'))
         AS r(modulus, rule, reason)
       WHERE d.id > %(after)s AND d.status <> 'draft' AND d.id %% r.modulus = 0
         AND (r.rule <> 'duplicate_conflict' OR d.routing_paused OR d.id %% 100 = 50)""",
]


def data_facts(size: int, seconds: float) -> SizeResult:
    from django.db.models import Q
    from django.utils import timezone

    from leads.choices import DECIDABLE_STATUSES
    from leads.models import Deal, StopRuleHit
    from reviews.models import ReviewTask

    queue = Deal.objects.filter(status__in=DECIDABLE_STATUSES)
    open_tasks = ReviewTask.objects.filter(status="open")
    return SizeResult(
        deals=Deal.objects.count(), queue=queue.count(), tasks_open=open_tasks.count(),
        overdue=open_tasks.filter(paused_at__isnull=True, due_at__lt=timezone.now(),
                                  deal__status__in=DECIDABLE_STATUSES).count(),
        conflicts=queue.filter(Q(routing_paused=True)).count(),
        stop_rule_deals=StopRuleHit.objects.filter(deal__status__in=DECIDABLE_STATUSES)
        .values("deal").distinct().count(),
        load_seconds=seconds)


def signed_in_client(user_id: int):
    """A test Client whose session belongs to `user_id` and records a TOTP sign-in."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(pk=user_id)
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "type": "totp", "id": 0},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def measure(client, name: str, path: str, htmx: bool, requests: int) -> Scenario:
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for _ in range(5):
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, **headers)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    page = response.content.decode()
    rows = page.count('<tr data-deal="')
    found = re.search(r"(\d[\d,]*) open reviews?\s*</caption>", page)
    total = int(found.group(1).replace(",", "")) if found else 0
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    return Scenario(name=name, path=path, rows=rows, total=total, timings_ms=timings,
                    queries=len(queries), sql_ms=sum(ms for ms, _sql in queries),
                    slowest=sorted(queries, reverse=True)[:3])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5))) - 1]


def _sql_head(sql: str) -> str:
    """What a captured statement reads, in a few words: its kind and outermost table."""
    import re

    depth, outer = 0, []
    for token in re.finditer(r'\(|\)|FROM "(\w+)"', sql):
        if token.group(0) == "(":
            depth += 1
        elif token.group(0) == ")":
            depth -= 1
        elif depth == 0:
            outer.append(token.group(1))
    table = outer[0] if outer else "?"
    head = sql[:200]
    kind = ("count" if "COUNT(*)" in head and "GROUP BY" not in sql
            else "counts per value" if "GROUP BY" in sql or "FILTER (WHERE" in head
            else "page rows" if "LIMIT" in sql else "rows")
    return f"{kind} of {table}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render(results: list[SizeResult], *, started: str, machine: dict[str, str],
           command: str, requests: int, seconds: float) -> str:
    out = [SECTION_START, "## Review queue", "",
           f"Run {started} with `{command}`; {seconds / 60:.1f} minutes in all.", "",
           *[f"- {key}: {value}" for key, value in machine.items()], "",
           "The staff review queue page (`/staff/`, `reviews.views.queue.review_queue`) "
           "requested in-process with Django's test Client, as a partner owner whose "
           "session passed MFA, against PostgreSQL over TCP "
           f"(database `{DB_NAME}`). Server time is the whole request: session and user, "
           "counts per filter value, my tasks, the filtered page of 50 rows with their "
           "tasks and stop rules, and the template. Per scenario 5 warm-up requests, then "
           f"{requests} timed ones; the query count and SQL time come from one more request "
           "with the statements captured.", "",
           "Data: the duplicate benchmark's generated registrations (and as many CRM "
           "accounts), 50 partners, then shaped like a live program: a fifth of the deals "
           "wait for a decision (16% in review, 4% needs info with the SLA clock paused), "
           "each with an open acceptance task (due from 48 h ago to 8 days ahead, so about "
           "a fifth overdue, those more than an hour late escalated; 5% unassigned), 2% of "
           "all deals with an open attribution conflict (routing paused, a conflict task), "
           "stop-rule hits on about a fifth, a done review task on every decided deal and "
           f"an open handoff task on a third of the accepted ones. {REVIEWERS} partner "
           "owners share the partners.", ""]
    out += _table(
        ["deals", "waiting for a decision", "open tasks", "overdue reviews",
         "open conflicts", "with stop rules", "load + shape (s)", "load avg"],
        [[f"{r.deals:,}", f"{r.queue:,}", f"{r.tasks_open:,}", f"{r.overdue:,}",
          f"{r.conflicts:,}", f"{r.stop_rule_deals:,}", f"{r.load_seconds:.0f}",
          f"{r.loadavg[0]:.1f}–{r.loadavg[1]:.1f}"] for r in results])
    out += ["", "Server time per request (ms) and SQL statements per request:", ""]
    rows = []
    for i, scenario in enumerate(results[0].scenarios):
        row = [f"{scenario.name} `{scenario.path or '/staff/'}`"]
        for r in results:
            s = r.scenarios[i]
            row += [f"{statistics.median(s.timings_ms):.0f} / {percentile(s.timings_ms, 95):.0f}",
                    f"{s.queries}", f"{s.rows} of {s.total:,}"]
        rows.append(row)
    header = ["scenario"]
    for r in results:
        header += [f"p50 / p95 at {r.deals:,}", "queries", "rows shown"]
    out += _table(header, rows)
    counts = {s.queries for r in results for s in r.scenarios[:1]}
    grows = any(len({r.scenarios[i].queries for r in results}) > 1
                for i in range(len(results[0].scenarios)))
    out += ["", f"Query count {'GROWS' if grows else 'does not grow'} with the number of "
            f"deals (landing page: {', '.join(str(c) for c in sorted(counts))} statements "
            "at every size; a test, `reviews/tests/test_review_queue.py`, also asserts it is "
            "the same for 5 and 40 rows on the page).", ""]
    last = results[-1]
    out += [f"Where the SQL time goes on the landing page at {last.deals:,} deals "
            f"({last.scenarios[0].sql_ms:.0f} ms of SQL in all), slowest statements:", ""]
    out += _table(["ms", "statement"],
                  [[f"{ms:.1f}", _sql_head(sql)] for ms, sql in last.scenarios[0].slowest])
    out += ["", SECTION_END]
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the review-queue section of RESULTS.md (or append it), leaving the rest."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if SECTION_START in text and SECTION_END in text:
        head, rest = text.split(SECTION_START, 1)
        text = head + section.rstrip("\n") + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def keep_section(old: str, new: str) -> str:
    """`new` RESULTS.md text with the review-queue section of `old` carried over."""
    if SECTION_START not in old or SECTION_END not in old or SECTION_START in new:
        return new
    section = SECTION_START + old.split(SECTION_START, 1)[1].split(SECTION_END, 1)[0] + SECTION_END
    return new.rstrip("\n") + "\n\n" + section + "\n"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    env = configure_environment()
    from bench import load

    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    log(f"Recreating database {DB_NAME} and migrating")
    load.recreate_database(f"{PG_URL}/postgres", DB_NAME)
    load.migrate(env)
    import django

    django.setup()
    from bench.run import machine_facts

    machine = machine_facts()
    tenancy = load.create_partners()
    reviewers = create_reviewers(tenancy.partner_ids)
    results, shaped = [], 0
    for size in args.sizes:
        log(f"Growing to {size:,} deals")
        t0 = time.monotonic()
        load.grow(env["DATABASE_URL"], total=2 * size, seed=SEED, partners=tenancy, log=log)
        shaped = shape(env["DATABASE_URL"], after_id=shaped,
                       sales_owner_id=tenancy.sales_owner_id)
        result = data_facts(size, time.monotonic() - t0)
        log(f"  {result.deals:,} deals, {result.queue:,} waiting, {result.tasks_open:,} open "
            f"tasks, {result.overdue:,} overdue ({result.load_seconds:.0f} s)")
        client = signed_in_client(reviewers[0])
        before = os.getloadavg()[0]
        for name, path, htmx in SCENARIOS:
            scenario = measure(client, name, "/staff/" + path.format(partner=tenancy.partner_ids[0]), htmx,
                               args.requests)
            result.scenarios.append(scenario)
            log(f"  {name}: p50 {statistics.median(scenario.timings_ms):.0f} ms, "
                f"p95 {percentile(scenario.timings_ms, 95):.0f} ms, "
                f"{scenario.queries} queries, {scenario.rows} rows of {scenario.total:,}")
        result.loadavg = (before, os.getloadavg()[0])
        results.append(result)
    raw = ROOT / "var" / "bench-queue.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps({"results": [asdict(r) for r in results], "machine": machine,
                               "started": stamp}, indent=1))
    log(f"Raw results in {raw}")
    section = render(results, started=stamp, machine=machine, requests=args.requests,
                     command="bench/queue_bench.py " + " ".join(argv if argv is not None
                                                          else sys.argv[1:]),
                     seconds=time.monotonic() - started)
    write_section(Path(args.output), section)
    print("\n" + section)
    log(f"Written to {args.output}")


if __name__ == "__main__":
    main()
