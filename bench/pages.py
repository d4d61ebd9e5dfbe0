"""Page benchmark: requests/s of the product's pages under gunicorn beside a bare Django page.

    .venv/bin/python bench/pages.py [--sizes 10000,100000] [--duration 10] [--rounds 3]

Builds (or reuses) the PostgreSQL database `portal_bench_pages` (BENCH_PAGES_DB_NAME) with the
duplicate benchmark's COPY loader, shaped like a live program by the review-queue benchmark
(statuses, review/conflict/handoff tasks, stop-rule hits) and the measurement benchmark
(decisions, status history, duplicate matches, credit lines, vendor leads): 10k, then 100k
deals; the organization under test holds about 5% of them. Then, per size, it starts gunicorn
(2 sync workers) with production settings (`bench.settings_pages`: the product's settings,
plus a bench-only URL configuration with a bare reference page) and Redis as the cache, and
loads each page with wrk (2 threads, 8 connections, `--duration` s), one page after the
other, `--rounds` times. Requests carry `X-Forwarded-Proto: https` (a TLS proxy). SQL queries
per request are counted in-process with CaptureQueriesContext. It prints the median
requests/s, p50/p99 latency, queries and the ratio to the bare page, and replaces the
section "Pages" of bench/RESULTS.md (between its markers).
"""

import argparse
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_PAGES_DB_NAME", "portal_bench_pages")
REDIS_URL = os.environ.get("BENCH_PAGES_REDIS_URL", "redis://127.0.0.1:6379/13")
SEED = 42
SHARE = 0.05  # of all deals held by the organization under test
SECTION_START = "<!-- pages:start -->"
SECTION_END = "<!-- pages:end -->"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# (name, path, who): who is "partner" (session), "staff" (session with MFA) or "token".
PAGES = [
    ("bare Django page", "/bench/bare/", "partner"),
    ("partner dashboard", "/deals/", "partner"),
    ("partner deal page", "/deals/{partner_deal}/", "partner"),
    ("staff review queue", "/staff/", "staff"),
    ("staff deal page", "/staff/deals/{staff_deal}/", "staff"),
    ("rules of engagement", "/partner/rules/", "partner"),
    ("API deal list", "/api/v1/deals/?page_size=25", "token"),
]
TARGETS = {"partner dashboard": 0.4, "partner deal page": 0.4, "staff review queue": 0.4,
           "staff deal page": 0.4, "API deal list": 0.5}


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class PageResult:
    name: str
    path: str
    queries: int
    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)


@dataclass
class SizeResult:
    deals: int
    partner_deals: int
    related: dict[str, int]
    pages: list[PageResult] = field(default_factory=list)
    loadavg: tuple[float, float] = (0.0, 0.0)


def configure_environment() -> dict[str, str]:
    os.environ.pop("ANTHROPIC_API_KEY_FILE", None)
    os.environ.pop("SECRET_KEY_FILE", None)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings_pages",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "DATABASE_URL": f"{PG_URL}/{DB_NAME}",
        "DATABASE_MIGRATE_URL": "",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "benchpages",
        "ANTHROPIC_API_KEY": "",
        "USE_ANTHROPIC": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Persistent connections, as a deployment behind sync workers runs (a new PostgreSQL
        # connection per request costs more than most pages here).
        "CONN_MAX_AGE": os.environ.get("BENCH_CONN_MAX_AGE", "60"),
        "PYTHONPATH": str(ROOT),
    })
    return dict(os.environ)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="deals to grow to, in order")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    return args


# -- data ------------------------------------------------------------------------------------

def deal_count() -> int | None:
    """Deals in the bench database, or None when it does not exist (or is not migrated)."""
    import psycopg

    try:
        with psycopg.connect(f"{PG_URL}/{DB_NAME}", autocommit=True) as conn:
            return conn.execute("SELECT count(*) FROM leads_deal").fetchone()[0]
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None


def grow_to(size: int, env: dict[str, str], tenancy) -> None:
    import psycopg

    from bench import load, queue_bench

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        after = conn.execute("SELECT coalesce(max(id), 0) FROM leads_deal").fetchone()[0]
    try:
        load.grow(env["DATABASE_URL"], total=2 * size, seed=SEED, partners=tenancy, log=log)
    except ValueError:  # load._counts counts a fourth table (contacts) that grow() does not
        counts = load._counts  # unpack yet: count the first three, and load again (a no-op
        load._counts = lambda conn: counts(conn)[:3]  # for what is already there)
        load.grow(env["DATABASE_URL"], total=2 * size, seed=SEED, partners=tenancy, log=log)
    queue_bench.shape(env["DATABASE_URL"], after_id=after, sales_owner_id=tenancy.sales_owner_id)
    related_rows(env["DATABASE_URL"], after=after, staff_id=tenancy.sales_owner_id)


def related_rows(db_url: str, *, after: int, staff_id: int) -> None:
    """Decisions, status history and duplicate matches of deals with id > after (the
    measurement benchmark's statements, deterministic by id)."""
    import psycopg

    from bench.measurements import insert_select

    p = {"after": after, "staff": staff_id}
    decided = "leads_deal d WHERE d.id > %(after)s AND d.decided_at IS NOT NULL"
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO reviews_rejectionreason (code, label, active, position) "
                     "VALUES ('existing-customer', 'Existing customer', true, 0) "
                     "ON CONFLICT (code) DO NOTHING")
        insert_select(conn, "reviews_decision", {
            "deal_id": "d.id", "partner_id": "d.partner_id", "actor_id": "%(staff)s",
            "kind": "CASE WHEN d.status = 'rejected' THEN 'reject' ELSE 'accept' END",
            "reason_code_id": "CASE WHEN d.status = 'rejected' THEN "
                              "(SELECT min(id) FROM reviews_rejectionreason) END",
            "reason": "'Checked against the CRM.'", "overridden": "'[]'::jsonb",
            "created_at": "d.decided_at"}, decided, p)
        insert_select(conn, "reviews_decision", {
            "deal_id": "d.id", "partner_id": "d.partner_id", "actor_id": "%(staff)s",
            "kind": "'needs_info'", "partner_note": "'Who signs the order?'",
            "overridden": "'[]'::jsonb", "created_at": "d.submitted_at + interval '1 hour'"},
            decided + " AND d.submitted_at IS NOT NULL AND d.id %% 5 = 0", p)
        for before, after_status, when, where in [
            ("''", "'in_review'", "coalesce(d.screening_finished_at, d.submitted_at)",
             "d.submitted_at IS NOT NULL"),
            ("'in_review'", "d.status", "d.decided_at", "d.decided_at IS NOT NULL"),
        ]:
            insert_select(conn, "leads_dealstatuschange", {
                "deal_id": "d.id", "partner_id": "d.partner_id", "from_status": before,
                "to_status": after_status, "at": when},
                f"leads_deal d WHERE d.id > %(after)s AND {where}", p)
        for kind, modulus, target in (("same_partner", 4, 1), ("cross_partner", 7, 2),
                                      ("existing_customer", 3, 0)):
            values = {"deal_id": "d.id", "kind": f"'{kind}'", "target_type": "'deal'",
                      "target_deal_id": f"d.id - {target}",
                      "target_key": f"'deal:' || (d.id - {target})", "score": "0.9",
                      "matched_fields": "'[\"company\", \"domain\"]'::jsonb",
                      "reasons": "'[\"same website\"]'::jsonb", "created_at": "d.submitted_at"}
            if not target:
                values.update({"target_type": "'account'", "target_deal_id": "NULL",
                               "target_account_id": "(SELECT max(id) FROM leads_account "
                                                    "WHERE id <= d.id)",
                               "target_key": "'account:' || d.id"})
            insert_select(conn, "leads_duplicatematch", values,
                          f"leads_deal d WHERE d.id > %(after)s AND d.submitted_at IS NOT NULL "
                          f"AND d.id %% {modulus} = 0 AND d.id - {target} > 0", p)
        for table in ("reviews_decision", "leads_dealstatuschange", "leads_duplicatematch"):
            conn.execute(f"VACUUM (ANALYZE) {table}")


def partner_under_test(partner_ids: tuple[int, ...]) -> int:
    """The organization whose share of all deals is nearest 5%."""
    from django.db.models import Count

    from leads.models import Deal

    counts = dict(Deal.objects.values_list("partner").annotate(n=Count("pk")))
    total = sum(counts.values()) or 1
    return min(partner_ids, key=lambda pk: abs(counts.get(pk, 0) / total - SHARE))


def related_counts() -> dict[str, int]:
    from leads.models import DealStatusChange, DuplicateMatch, StopRuleHit
    from reviews.models import Decision, ReviewTask

    return {"review tasks": ReviewTask.objects.count(), "decisions": Decision.objects.count(),
            "duplicate matches": DuplicateMatch.objects.count(),
            "stop-rule hits": StopRuleHit.objects.count(),
            "status changes": DealStatusChange.objects.count()}


@dataclass
class Actors:
    partner_id: int
    partner_user_id: int
    staff_user_id: int
    partner_deal: int
    staff_deal: int


def actors(tenancy) -> Actors:
    """The organization under test, its admin, a partner owner of it (staff) and the deals
    their detail pages show (ones with decisions, matches, tasks and stop rules)."""
    from django.db.models import Count

    from bench.queue_bench import create_reviewers
    from leads.models import Deal
    from partners.models import PartnerOrganization

    partner_id = partner_under_test(tenancy.partner_ids)
    user_id = tenancy.user_ids[tenancy.partner_ids.index(partner_id)]
    staff_id = create_reviewers(tenancy.partner_ids)[0]
    PartnerOrganization.objects.filter(pk=partner_id).update(partner_owner_id=staff_id)
    mine = Deal.objects.filter(partner_id=partner_id)
    partner_deal = (mine.filter(status="accepted").annotate(
        d=Count("decisions", distinct=True), m=Count("matches", distinct=True))
        .filter(d__gt=0).order_by("-m", "-d", "-pk").values_list("pk", flat=True).first())
    staff_deal = (mine.filter(status="in_review").annotate(
        t=Count("review_tasks", distinct=True), m=Count("matches", distinct=True),
        s=Count("stop_rule_hits", distinct=True))
        .order_by("-m", "-s", "-t", "-pk").values_list("pk", flat=True).first())
    return Actors(partner_id, user_id, staff_id, partner_deal, staff_deal)


# -- sessions and requests -------------------------------------------------------------------

def credentials(who: Actors) -> dict[str, tuple[str, str]]:
    """Request headers per kind of caller: a session cookie (staff: passed MFA) or a token."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.queue_bench import signed_in_client

    users = get_user_model().objects
    partner = Client()
    partner.force_login(users.get(pk=who.partner_user_id))
    staff = signed_in_client(who.staff_user_id)  # as conftest.login_with_mfa
    token, _created = Token.objects.get_or_create(user_id=who.partner_user_id)
    name = "sessionid"
    return {"partner": ("Cookie", f"{name}={partner.cookies[name].value}"),
            "staff": ("Cookie", f"{name}={staff.cookies[name].value}"),
            "token": ("Authorization", f"Token {token.key}")}


def count_queries(path: str, header: tuple[str, str]) -> tuple[int, str]:
    """SQL statements of one request, in-process (after a warm-up request), and the body."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    key = "HTTP_" + header[0].upper().replace("-", "_")
    extra = {key: header[1], "HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "127.0.0.1"}
    client = Client()
    client.get(path, **extra)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries), response.content.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(GUNICORN), "partnerportal.wsgi:application", "--workers", "2",
         "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/",
                                             headers={"X-Forwarded-Proto": "https"})
            urllib.request.build_opener(_NoRedirect).open(request, timeout=2)
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited") from None
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_live(port: int, path: str, header: tuple[str, str]) -> None:
    """The page answers 200 through gunicorn (wrk would count a redirect as a success)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={
        header[0]: header[1], "X-Forwarded-Proto": "https"})
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=30) as response:
        assert response.status == 200, (path, response.status)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(port: int, path: str, header: tuple[str, str], duration: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) of wrk -t2 -c8 on one page."""
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{duration}s", "--latency", "--timeout", "10s",
         "-H", f"{header[0]}: {header[1]}", "-H", "X-Forwarded-Proto: https",
         f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors on {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    return rps, p50, p99


def measure(size: int, env: dict[str, str], who: Actors, args) -> SizeResult:
    from leads.models import Deal

    result = SizeResult(deals=Deal.objects.count(),
                        partner_deals=Deal.objects.filter(partner_id=who.partner_id).count(),
                        related=related_counts())
    headers = credentials(who)
    pages = []
    for name, template, kind in PAGES:
        path = template.format(partner_deal=who.partner_deal, staff_deal=who.staff_deal)
        queries, _body = count_queries(path, headers[kind])
        pages.append((PageResult(name, path, queries), headers[kind]))
    port = free_port()
    log(f"  gunicorn on 127.0.0.1:{port}, {args.rounds} rounds of {args.duration} s per page")
    server = start_gunicorn(env, port)
    try:
        for page, header in pages:
            check_live(port, page.path, header)
            wrk(port, page.path, header, 2)  # warm both workers' caches
        before = os.getloadavg()[0]
        for round_no in range(1, args.rounds + 1):
            for page, header in pages:
                rps, p50, p99 = wrk(port, page.path, header, args.duration)
                page.rps.append(rps)
                page.p50_ms.append(p50)
                page.p99_ms.append(p99)
                log(f"  round {round_no} {page.name}: {rps:.0f} req/s, p50 {p50:.0f} ms, "
                    f"p99 {p99:.0f} ms, {page.queries} queries")
        result.loadavg = (before, os.getloadavg()[0])
    finally:
        server.terminate()
        server.wait(timeout=30)
    result.pages = [page for page, _header in pages]
    return result


# -- report ----------------------------------------------------------------------------------

def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def page_rows(result: SizeResult) -> list[list[str]]:
    bare = statistics.median(result.pages[0].rps)
    rows = []
    for page in result.pages:
        ratio = statistics.median(page.rps) / bare
        target = TARGETS.get(page.name)
        verdict = "" if target is None else (" ✓" if ratio >= target else f" ✗ (≥ {target:.0%})")
        rows.append([f"{page.name} `{page.path}`", f"{statistics.median(page.rps):.0f}",
                     f"{statistics.median(page.p50_ms):.0f}",
                     f"{statistics.median(page.p99_ms):.0f}", str(page.queries),
                     f"{ratio:.0%}{verdict}"])
    return rows


def render(results: list[SizeResult], *, started: str, machine: dict[str, str], command: str,
           args, seconds: float) -> str:
    out = [SECTION_START, "## Pages", "",
           f"Run {started} with `{command}`; {seconds / 60:.1f} minutes in all.", "",
           *[f"- {key}: {value}" for key, value in machine.items()], "",
           "gunicorn (2 sync workers) with production settings (`bench.settings_pages`: DEBUG "
           "off, cached template loader, Redis cache, manifest static files) on PostgreSQL "
           f"(database `{DB_NAME}`), loaded with wrk (2 threads, 8 connections, "
           f"{args.duration} s per page), one page after the other, {args.rounds} rounds; "
           "medians of the rounds. Every request carries `X-Forwarded-Proto: https`. The bare "
           "page (bench-only URL, `bench/urls_bench.py`) is a login-required view listing 25 "
           "of 1,000 deals with their count through a small template, behind the same "
           "middleware. Queries per request are counted in-process (CaptureQueriesContext). "
           "Partners are a partner admin of the organization under test (session cookie); "
           "staff are its partner owner with an MFA session; the API uses the admin's token. "
           "Every page shows 25 rows (the API list is asked for them with `page_size=25`; "
           "its default stays 50).",
           ""]
    for r in results:
        related = ", ".join(f"{n:,} {name}" for name, n in r.related.items())
        out += [f"### {r.deals:,} deals", "",
                f"The organization under test holds {r.partner_deals:,} "
                f"({r.partner_deals / r.deals:.1%}); {related}. Load average "
                f"{r.loadavg[0]:.1f}–{r.loadavg[1]:.1f}.", ""]
        out += _table(["page", "requests/s", "p50 ms", "p99 ms", "SQL queries",
                       "of the bare page"], page_rows(r))
        out.append("")
    out.append(SECTION_END)
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the pages section of RESULTS.md (or append it), leaving the rest."""
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
    existing = deal_count()
    if existing is None or existing > args.sizes[0]:
        log(f"Recreating database {DB_NAME} and migrating")
        load.recreate_database(f"{PG_URL}/postgres", DB_NAME)
        load.migrate(env)
    else:
        log(f"Reusing database {DB_NAME} ({existing:,} deals)")
    log("Collecting static files (manifest storage)")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from bench.run import machine_facts

    machine = machine_facts()
    tenancy = load.create_partners()
    results = []
    for size in args.sizes:
        if (deal_count() or 0) < size:
            log(f"Growing to {size:,} deals")
            grow_to(size, env, tenancy)
        who = actors(tenancy)
        log(f"At {size:,} deals: partner {who.partner_id}, partner deal {who.partner_deal}, "
            f"staff deal {who.staff_deal}")
        result = measure(size, env, who, args)
        results.append(result)
        print("\n".join(_table(["page", "req/s", "p50", "p99", "queries", "ratio"],
                               page_rows(result))), flush=True)
    section = render(results, started=stamp, machine=machine, args=args,
                     command="bench/pages.py " + " ".join(argv if argv is not None
                                                         else sys.argv[1:]),
                     seconds=time.monotonic() - started)
    write_section(Path(args.output), section)
    print("\n" + section)
    log(f"Written to {args.output}")


if __name__ == "__main__":
    main()
