"""Measurement-dashboard benchmark: the staff page's server time and SQL query count with
10k and 100k deals on PostgreSQL.

    .venv/bin/python bench/measurements.py [--sizes 10000,100000] [--requests 30]

Drops and recreates the database `portal_bench_measure` (BENCH_MEASURE_DB_NAME) on
BENCH_PG_URL, grows it with the duplicate benchmark's COPY loader (`bench/load.py`:
registrations over three years plus as many CRM accounts, 50 partners in three tiers), then
gives the new deals, with set-based INSERT ... SELECT statements, what the measures read:
review decisions (accept or reject on every decided deal, a needs-info question on a fifth
of them), status history (submission, needs-info stays, decision, conversion), duplicate
matches (same-partner on 1 in 8, cross-partner on 1 in 13), an approved attribution on each
accepted deal and a dispute on 1 in 40 of them, conversions, and vendor leads for 1 in 20
accepted deals (a declined offer to another partner, then the accepted one that made the
deal, 1 in 7 an override; outcome reports contacted and won). No Redis and no worker.

Each scenario is requested in-process with Django's test Client as vendor staff whose
session passed MFA: 3 warm-up requests, then `--requests` timed ones (p50/p95 of the whole
request), and one more with the queries captured. The section "Measurement dashboard" of
bench/RESULTS.md is replaced with the results.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_MEASURE_DB_NAME", "portal_bench_measure")
SEED = 42
SECTION_START = "<!-- measurements:start -->"
SECTION_END = "<!-- measurements:end -->"

# (name, query string) requested at every size; {last}/{first12}/{first36}/{partner} filled in.
SCENARIOS = [
    ("default: last 6 months by partner", ""),
    ("12 months by tier", "?month_from={first12}&month_to={last}&by=tier"),
    ("36 months by month (whole program)", "?month_from={first36}&month_to={last}&by=month"),
    ("one partner, 12 months", "?month_from={first12}&month_to={last}&partner={partner}"),
    ("CSV export, 12 months by partner", "export.csv?month_from={first12}&month_to={last}"),
]


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Scenario:
    name: str
    path: str
    timings_ms: list[float]
    queries: int
    sql_ms: float
    groups: int


@dataclass
class SizeResult:
    facts: dict[str, int]
    load_seconds: float
    loadavg: tuple[float, float] = (0.0, 0.0)
    scenarios: list[Scenario] = field(default_factory=list)


def configure_environment() -> dict[str, str]:
    os.environ.pop("ANTHROPIC_API_KEY_FILE", None)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings.test",
        "DATABASE_URL": f"{PG_URL}/{DB_NAME}",
        "REDIS_URL": "", "CELERY_BROKER_URL": "memory://",
        "ANTHROPIC_API_KEY": "", "USE_ANTHROPIC": "false", "CONN_MAX_AGE": "0",
        "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
    })
    return dict(os.environ)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="deals to grow to, in order")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per scenario")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    return args


def setup_program(partner_ids: tuple[int, ...]) -> int:
    """Three tiers over the partners (round robin); a staff user; returns the user's id."""
    from django.contrib.auth import get_user_model

    from partners.models import PartnerOrganization, Tier

    tiers = [Tier.objects.get_or_create(name=name, defaults={"rank": rank})[0]
             for name, rank in (("Registered", 10), ("Silver", 20), ("Gold", 30))]
    for n, pk in enumerate(partner_ids):
        PartnerOrganization.objects.filter(pk=pk).update(tier=tiers[n % 3])
    user, _created = get_user_model().objects.get_or_create(
        username="analyst@vendor.test", defaults={"email": "analyst@vendor.test", "is_staff": True})
    return user.pk


# Fillers for NOT NULL columns a statement leaves out (Django keeps defaults in Python).
_FILL = {"text": "''", "character varying": "''", "jsonb": "'{}'::jsonb", "boolean": "false",
         "integer": "0", "smallint": "0", "bigint": "0", "numeric": "0"}


def insert_select(conn, table: str, values: dict[str, str], source: str, params: dict) -> int:
    """INSERT INTO table (columns) SELECT values FROM source: every NOT NULL column without
    a default that `values` does not name gets its type's empty value."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        [table]).fetchall()
    filled = {**{name: _FILL[kind] for name, kind in rows if name not in values}, **values}
    sql = (f"INSERT INTO {table} ({', '.join(filled)}) "  # noqa: S608 (our own SQL text)
           f"SELECT {', '.join(filled.values())} FROM {source}")
    return conn.execute(sql, params).rowcount


def shape(db_url: str, *, after: int, staff_id: int) -> None:
    """Give deals with id > after the decisions, history, matches, credit lines, disputes,
    conversions and vendor-lead offers the measures read (deterministic by id)."""
    import psycopg

    p = {"after": after, "staff": staff_id}
    decided = ("leads_deal d WHERE d.id > %(after)s AND d.decided_at IS NOT NULL")
    with psycopg.connect(db_url, autocommit=True) as conn:
        # Vendor leads: 1 in 20 accepted-path deals came from an accepted offer.
        insert_select(conn, "distribution_vendorlead", {
            "status": "'assigned'", "source": "'form'", "created_by_id": "%(staff)s",
            "company_name": "d.company_name", "import_row": "d.id", "currency": "'USD'",
            "created_at": "d.decided_at - interval '3 days'", "updated_at": "d.decided_at",
            "assigned_at": "d.decided_at"},
            decided + " AND d.id %% 20 = 0 AND d.status IN "
            "('accepted', 'converted', 'won', 'lost', 'expired')", p)
        conn.execute("UPDATE leads_deal d SET source = 'vendor', vendor_lead_id = v.id "
                     "FROM distribution_vendorlead v WHERE v.import_row = d.id "
                     "AND d.id > %(after)s", p)
        lead_deal = ("distribution_vendorlead v JOIN leads_deal d ON d.vendor_lead_id = v.id "
                     "WHERE d.id > %(after)s")
        insert_select(conn, "distribution_offer", {
            "lead_id": "v.id", "status": "'declined'", "decline_reason": "'No capacity'",
            "partner_id": "(SELECT min(id) FROM partners_partnerorganization "
                          "WHERE id <> d.partner_id)",
            "explanation": "'{}'::jsonb", "created_at": "d.decided_at - interval '3 days'",
            "offered_at": "d.decided_at - interval '2 days'",
            "responded_at": "d.decided_at - interval '1 day'"}, lead_deal, p)
        insert_select(conn, "distribution_offer", {
            "lead_id": "v.id", "partner_id": "d.partner_id", "status": "'accepted'",
            "deal_id": "d.id", "is_override": "d.id %% 7 = 0",
            "override_reason": "CASE WHEN d.id %% 7 = 0 THEN 'Knows the customer' ELSE '' END",
            "explanation": "'{}'::jsonb", "created_at": "d.decided_at - interval '1 day'",
            "offered_at": "d.decided_at - interval '1 day'", "responded_at": "d.decided_at"},
            lead_deal, p)
        insert_select(conn, "distribution_outcomereport", {
            "partner_id": "d.partner_id", "deal_id": "d.id", "stage": "'contacted'",
            "reported_by_id": "d.created_by_id", "reported_at": "d.decided_at + interval '3 days'"},
            "leads_deal d WHERE d.id > %(after)s AND d.vendor_lead_id IS NOT NULL", p)
        insert_select(conn, "distribution_outcomereport", {
            "partner_id": "d.partner_id", "deal_id": "d.id", "stage": "'won'",
            "reported_by_id": "d.created_by_id", "reported_at": "d.decided_at + interval '20 days'"},
            "leads_deal d WHERE d.id > %(after)s AND d.vendor_lead_id IS NOT NULL "
            "AND d.status = 'won'", p)
        reviewed = decided + " AND d.vendor_lead_id IS NULL"
        # Review decisions, a needs-info question on 1 in 5 (asked at 30% of the wait).
        insert_select(conn, "reviews_decision", {
            "deal_id": "d.id", "partner_id": "d.partner_id", "actor_id": "%(staff)s",
            "kind": "CASE WHEN d.status = 'rejected' THEN 'reject' ELSE 'accept' END",
            "reason_code_id": "CASE WHEN d.status = 'rejected' THEN "
                              "(SELECT min(id) FROM reviews_rejectionreason) END",
            "overridden": "'[]'::jsonb", "created_at": "d.decided_at"}, reviewed, p)
        stay = "d.submitted_at + (d.decided_at - d.submitted_at) * %s"
        insert_select(conn, "reviews_decision", {
            "deal_id": "d.id", "partner_id": "d.partner_id", "actor_id": "%(staff)s",
            "kind": "'needs_info'", "overridden": "'[]'::jsonb",
            "created_at": stay % "0.3"}, reviewed + " AND d.id %% 5 = 0", p)
        # Status history: submitted, the needs-info stay, the decision, the conversion.
        for before, after_status, when, where in [
            ("''", "'in_review'", "coalesce(d.screening_finished_at, d.submitted_at)",
             "d.submitted_at IS NOT NULL"),
            ("'in_review'", "'needs_info'", stay % "0.3", "d.decided_at IS NOT NULL "
             "AND d.vendor_lead_id IS NULL AND d.id %% 5 = 0"),
            ("'needs_info'", "'in_review'", stay % "0.6", "d.decided_at IS NOT NULL "
             "AND d.vendor_lead_id IS NULL AND d.id %% 5 = 0"),
            ("'in_review'", "CASE WHEN d.status = 'rejected' THEN 'rejected' ELSE 'accepted' END",
             "d.decided_at", "d.decided_at IS NOT NULL"),
            ("'in_review'", "'needs_info'", "d.screening_finished_at + interval '1 hour'",
             "d.status = 'needs_info'"),
            ("'accepted'", "'converted'", "d.decided_at + interval '2 days'",
             "d.status IN ('converted', 'won', 'lost')"),
        ]:
            insert_select(conn, "leads_dealstatuschange", {
                "deal_id": "d.id", "partner_id": "d.partner_id", "from_status": before,
                "to_status": after_status, "at": when},
                f"leads_deal d WHERE d.id > %(after)s AND {where}", p)
        conn.execute("UPDATE leads_deal d SET converted_at = d.decided_at + interval '2 days', "
                     "opportunity_id = CASE WHEN d.id %% 2 = 0 THEN (SELECT min(id) FROM "
                     "leads_opportunity) END WHERE d.id > %(after)s "
                     "AND d.status IN ('converted', 'won', 'lost')", p)
        # Duplicate matches.
        for kind, modulus, target in (("same_partner", 8, 1), ("cross_partner", 13, 2)):
            insert_select(conn, "leads_duplicatematch", {
                "deal_id": "d.id", "kind": f"'{kind}'", "target_type": "'deal'",
                "target_deal_id": f"d.id - {target}", "target_key": f"'deal:' || (d.id - {target})",
                "score": "0.9", "matched_fields": "'[]'::jsonb", "reasons": "'[]'::jsonb",
                "created_at": "d.submitted_at"},
                f"leads_deal d WHERE d.id > %(after)s AND d.submitted_at IS NOT NULL "
                f"AND d.id %% {modulus} = 0 AND d.id - {target} > 0", p)
        # Credit lines on accepted-path deals; a dispute on 1 in 40 of them.
        insert_select(conn, "attribution_attribution", {
            "deal_id": "d.id", "partner_id": "d.partner_id", "source_deal_id": "d.id",
            "role": "'sourced'", "share": "100", "status": "'approved'",
            "approved_by_id": "%(staff)s", "approved_at": "d.decided_at + interval '1 hour'",
            "dispute_until": "d.decided_at + interval '30 days'", "created_at": "d.decided_at"},
            decided + " AND d.status <> 'rejected'", p)
        insert_select(conn, "attribution_dispute", {
            "attribution_id": "a.id", "partner_id": "a.partner_id",
            "opened_by_id": "d.created_by_id", "text": "'Our sourcing came first.'",
            "status": "'dismissed'", "created_at": "a.approved_at + interval '5 days'"},
            "attribution_attribution a JOIN leads_deal d ON d.id = a.deal_id "
            "WHERE d.id > %(after)s AND d.id %% 40 = 0", p)
        for table in ("leads_deal", "reviews_decision", "leads_dealstatuschange",
                      "leads_duplicatematch", "attribution_attribution", "attribution_dispute",
                      "distribution_offer", "distribution_outcomereport"):
            conn.execute(f"VACUUM (ANALYZE) {table}")


def data_facts() -> dict[str, int]:
    from attribution.models import Attribution, Dispute
    from distribution.models import Offer, OutcomeReport
    from leads.models import Deal, DealStatusChange, DuplicateMatch
    from reviews.models import Decision

    return {"deals": Deal.objects.count(), "decisions": Decision.objects.count(),
            "status changes": DealStatusChange.objects.count(),
            "matches": DuplicateMatch.objects.count(),
            "attributions": Attribution.objects.count(), "disputes": Dispute.objects.count(),
            "offers": Offer.objects.count(), "outcome reports": OutcomeReport.objects.count()}


def measure(client, name: str, path: str, requests: int) -> Scenario:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    body = response.content.decode("utf-8-sig")
    groups = (body.count("\n") - 1 if "csv" in response["Content-Type"]
              else body.count("<tr>") - body.count("<thead"))
    return Scenario(name=name, path=path, timings_ms=timings, queries=len(captured),
                    sql_ms=sum(float(q["time"]) * 1000 for q in captured.captured_queries),
                    groups=groups)


def render(results: list[SizeResult], *, started: str, command: str, requests: int,
           seconds: float) -> str:
    from bench.queue_bench import percentile
    from bench.report import _table

    out = [SECTION_START, "## Measurement dashboard", "",
           f"Run {started} with `{command}`; {seconds / 60:.1f} minutes in all.", "",
           "The staff measurement dashboard (`/staff/measurements/`, "
           "`reviews.views.measurements` over `measurements.selectors`) and its CSV export, "
           "requested in-process with Django's test Client as vendor staff whose session "
           "passed MFA, against PostgreSQL over TCP on the machine above (database "
           f"`{DB_NAME}`, no Redis, no worker). Server time is the whole request: session, "
           "filter form, the six measures read for the tables (grouped aggregate queries; "
           "medians and p90 by `percentile_cont`; JIT off), the medians read again by month "
           "for the charts (the other charts are rolled up from the tables' groups), and the "
           f"template. Per scenario 3 warm-up requests, then {requests} timed ones; the query "
           "count and SQL time come from one more request with the statements captured.", "",
           "Data: the duplicate benchmark's generated registrations over three years (and as "
           "many CRM accounts), 50 partners in three tiers, then shaped with INSERT ... SELECT "
           "(see the docstring of `bench/measurements.py`): accept or reject decisions on "
           "decided deals and a needs-info stay on a fifth, status history, same-partner "
           "(1 in 8) and cross-partner (1 in 13) matches, an approved credit line per accepted "
           "deal and a dispute on 1 in 40, conversions, and vendor leads for 1 in 20 accepted "
           "deals with a declined and an accepted offer each (1 in 7 an override) and outcome "
           "reports.", ""]
    names = list(results[0].facts)
    out += _table([*names, "load + shape (s)", "load avg"],
                  [[f"{r.facts[n]:,}" for n in names]
                   + [f"{r.load_seconds:.0f}", f"{r.loadavg[0]:.1f}–{r.loadavg[1]:.1f}"]
                   for r in results])
    out += ["", "Server time per request (ms), SQL statements and SQL time per request, rows:", ""]
    header, rows = ["scenario"], []
    for r in results:
        header += [f"p50 / p95 at {r.facts['deals']:,}", "queries", "SQL ms", "rows"]
    for i, scenario in enumerate(results[0].scenarios):
        row = [f"{scenario.name} `{scenario.path}`"]
        for r in results:
            s = r.scenarios[i]
            row += [f"{statistics.median(s.timings_ms):.0f} / {percentile(s.timings_ms, 95):.0f}",
                    f"{s.queries}", f"{s.sql_ms:.0f}", f"{s.groups:,}"]
        rows.append(row)
    out += _table(header, rows)
    grows = any(len({r.scenarios[i].queries for r in results}) > 1
                for i in range(len(results[0].scenarios)))
    out += ["", "The machine was shared: the load average beside each size shows how busy "
            "its 2 cores were (other sessions' test suites), so the times are upper bounds.",
            "", f"Query count {'GROWS' if grows else 'does not grow'} with the number of deals "
            "(the same statements at every size; `measurements/tests/` also asserts it for 5 "
            "and 50 deals, page and selectors).", "", SECTION_END]
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of RESULTS.md (or append it), leaving the rest."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if SECTION_START in text and SECTION_END in text:
        head, rest = text.split(SECTION_START, 1)
        text = head + section.rstrip("\n") + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


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
    from bench.queue_bench import percentile, signed_in_client
    from leads.models import Deal
    from measurements.forms import months_back, this_month

    tenancy = load.create_partners()
    staff_id = setup_program(tenancy.partner_ids)
    last = this_month()
    fill = {"last": f"{last:%Y-%m}", "first12": f"{months_back(last, 12):%Y-%m}",
            "first36": f"{months_back(last, 36):%Y-%m}", "partner": tenancy.partner_ids[0]}
    results, shaped = [], 0
    for size in args.sizes:
        log(f"Growing to {size:,} deals")
        t0 = time.monotonic()
        load.grow(env["DATABASE_URL"], total=2 * size, seed=SEED, partners=tenancy, log=log)
        shape(env["DATABASE_URL"], after=shaped, staff_id=staff_id)
        shaped = Deal.objects.order_by("-id").values_list("id", flat=True).first()
        result = SizeResult(facts=data_facts(), load_seconds=time.monotonic() - t0)
        log(f"  {result.facts} ({result.load_seconds:.0f} s)")
        client = signed_in_client(staff_id)
        before = os.getloadavg()[0]
        for name, query in SCENARIOS:
            path = "/staff/measurements/" + query.format(**fill)
            scenario = measure(client, name, path, args.requests)
            result.scenarios.append(scenario)
            log(f"  {name}: p50 {statistics.median(scenario.timings_ms):.0f} ms, "
                f"p95 {percentile(scenario.timings_ms, 95):.0f} ms, {scenario.queries} "
                f"queries ({scenario.sql_ms:.0f} ms SQL), {scenario.groups} rows")
        result.loadavg = (before, os.getloadavg()[0])
        results.append(result)
    section = render(results, started=stamp, requests=args.requests, seconds=time.monotonic() - started,
                     command="bench/measurements.py " + " ".join(argv if argv is not None
                                                            else sys.argv[1:]))
    write_section(Path(args.output), section)
    print("\n" + section)
    log(f"Written to {args.output}")


if __name__ == "__main__":
    main()
