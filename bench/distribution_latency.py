"""Vendor lead created → ready with its top 3 on a real Celery worker (PostgreSQL, Redis).

One command (PostgreSQL on 127.0.0.1:5432 as `postgres`, Redis db 1 unless set):

    .venv/bin/python bench/distribution_latency.py [--leads 30]

Runs distribution/tests/test_vendor_lead_worker.py with VLEAD_BENCH_LEADS leads against
the database `h_vlead` (VLEAD_BENCH_DB_URL) and writes p50/p95 of (a) the creating call →
`ready` seen by a poller, (b) created_at → ready_at on the server, and (c) the
recommendation's own time, to the "Vendor lead latency" section of bench/RESULTS.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- vendor-lead-latency:start -->", "<!-- vendor-lead-latency:end -->"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=30)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp()) / "lat.json"
    env = {**os.environ, "VLEAD_BENCH_LEADS": str(args.leads), "VLEAD_BENCH_OUT": str(out),
           "DATABASE_URL": os.environ.get("VLEAD_BENCH_DB_URL",
                                          "postgres://postgres@127.0.0.1:5432/h_vlead"),
           "REDIS_URL": os.environ.get("VLEAD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")}
    subprocess.run([str(ROOT / "bin" / "test"), "distribution/tests/test_vendor_lead_worker.py",
                    "-q", "-p", "no:randomly"], cwd=ROOT, env=env, check=True)
    data = json.loads(out.read_text())
    rows = []
    for name, key, scale in (("created (service call) → ready seen by poller", "latencies", 1000),
                             ("created_at → ready_at (server)", "created_to_ready", 1000),
                             ("recommend() itself", "recommend_ms", 1)):
        values = [v * scale for v in data[key]]
        rows.append(f"| {name} | {len(values)} | {statistics.median(values):.0f} | "
                    f"{pct(values, 0.95):.0f} | {max(values):.0f} |")
    p95 = pct([v * 1000 for v in data["latencies"]], 0.95)
    section = "\n".join([
        START, "## Vendor lead latency", "",
        f"{args.leads} leads, {data['partners']} partner profiles, one real Celery worker "
        "(solo pool) on Redis, PostgreSQL; `bench/distribution_latency.py`.", "",
        "| measure | leads | p50 ms | p95 ms | max ms |", "| --- | --- | --- | --- | --- |",
        *rows, "",
        f"Target p95 ≤ 2 s (lead created to top-3 ready): **{'met' if p95 <= 2000 else 'not met'}** "
        f"(p95 {p95:.0f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "at the end).", "",
        "The worker picks a task up within about 60 ms of the commit (prefetch 1, no countdown). "
        "Until 2026-11-30 the duplicate check cost about 1.4 s per lead: `leads.matching` runs "
        "its candidate queries with `enable_seqscan = off`, whose disable cost pushed a "
        "sub-millisecond plan past `jit_above_cost`, and PostgreSQL JIT-compiled it "
        "(EXPLAIN ANALYZE: JIT 1,410 ms, execution 0.1 ms); p95 was 2,637 ms (15 leads). "
        "`distribution.services._holding_match` now runs it with `SET LOCAL jit = off`.",
        END])
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text() if results.exists() else ""
    if START in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    results.write_text(text)
    print(section)


if __name__ == "__main__":
    sys.exit(main())
