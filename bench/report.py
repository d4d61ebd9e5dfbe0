"""RESULTS.md: the numbers of one run, as Markdown (also printed to stdout)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench import latency, quality
from bench.load import LoadStats
from bench.speed import SpeedResult

LATENCY_TARGET_MS = 25.0  # issue 12: p95 at 1M records, median of three runs
F1_TARGET = 0.95
SPEED_TARGET_MS = 2000.0


@dataclass
class Run:
    command: str
    started: str
    seconds: float = 0.0
    machine: dict[str, str] = field(default_factory=dict)
    loads: list[LoadStats] = field(default_factory=list)
    latencies: list[latency.LatencyResult] = field(default_factory=list)
    loadavg: dict[int, tuple[float, float]] = field(default_factory=dict)
    explains: dict[int, list[tuple[str, float, str, str]]] = field(default_factory=dict)
    outcomes: list[quality.Outcome] = field(default_factory=list)
    outcomes_b: list[quality.Outcome] = field(default_factory=list)
    quality_seed: int = 0
    tuning: list[tuple[str, str, quality.Metrics, quality.Metrics]] = field(default_factory=list)
    splink: dict[str, quality.Metrics] = field(default_factory=dict)
    splink_best: dict[str, quality.Metrics] = field(default_factory=dict)
    p95_runs: dict[int, list[float]] = field(default_factory=dict)
    key_counts: dict[int, tuple[int, float]] = field(default_factory=dict)
    speed: list[tuple[int, SpeedResult]] = field(default_factory=list)


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def render(run: Run) -> str:
    out = [
        "# Benchmark results", "",
        f"Run {run.started} with `{run.command}`; {run.seconds / 60:.1f} minutes in all.", "",
        "## Machine", "",
    ]
    out += [f"- {key}: {value}" for key, value in run.machine.items()]
    out += ["", "## Data", "",
            "Existing records are half registrations (`leads_deal`, ~95% of them in a "
            "comparable status, spread over 50 partners with a skewed share), half CRM "
            "accounts (`leads_account`; every fourth has an opportunity). Names combine "
            "12,000 invented brand words, ~600 surnames, 120 place words and 180 industry "
            "words (several languages) in 13 patterns, with 24 countries' legal forms "
            "spelled several ways, typos, case, accents, dropped words; websites as URLs; "
            "contacts at the company domain or at free-mail providers; phones in local "
            "formats. The normalized keys are computed with `leads.normalize` exactly as "
            "`deal_apply_normalization` and the CRM import combine them (checked against "
            "the real service on a sample after each load). The database grows in place; "
            "each size only adds rows, then VACUUM ANALYZE.", ""]
    out += _table(["total records", "registrations", "accounts", "opportunities",
                   "rows added", "load time (s)"],
                  [[f"{s.total:,}", f"{s.deals:,}", f"{s.accounts:,}", f"{s.opportunities:,}",
                    f"{s.added:,}", f"{s.seconds:.0f}"] for s in run.loads])
    out += _latency(run)
    out += _quality(run)
    out += _speed(run)
    return "\n".join(out) + "\n"


def _latency(run: Run) -> list[str]:
    if not run.latencies:
        return []
    out = ["", "## Duplicate check latency", "",
           "`leads.matching.find_matches(deal)` per registration, end to end (its queries, "
           "ORM and scoring), timed with `time.perf_counter` in this process against "
           "PostgreSQL over TCP, like the worker. "
           f"{run.latencies[0].probes} probes per size: a third exact re-registrations of "
           "existing records, a third typed-again variants (typo, case, dropped last "
           "word, website removed), a third companies not in the database; 20 warm-up "
           "calls first. Candidates = deals plus accounts retrieved for scoring.", ""]
    rows = []
    for r in run.latencies:
        s = latency.summary(r.timings_ms)
        avg = run.loadavg.get(r.size, (0.0, 0.0))
        rows.append([f"{r.size:,}", _ms(s["p50"]), _ms(s["p95"]), _ms(s["max"]),
                     f"{sum(r.candidates) / len(r.candidates):.1f} / {max(r.candidates)}",
                     f"{sum(r.matches) / len(r.matches):.2f}", f"{avg[0]:.1f}–{avg[1]:.1f}"])
    out += _table(["records", "p50 ms", "p95 ms", "max ms", "candidates mean / max",
                   "matches mean", "load avg"], rows)
    if run.p95_runs:
        out += ["", "The row of each size is the run with the median p95 of "
                f"{len(next(iter(run.p95_runs.values())))} runs of the same probes; the "
                "p95 of every run (ms), and the key counts rebuilt after loading:", ""]
        out += _table(["records", "p95 of each run", "median", "key-count rows", "rebuild s"],
                      [[f"{size:,}", " / ".join(_ms(v) for v in values),
                        _ms(sorted(values)[len(values) // 2]),
                        f"{run.key_counts.get(size, (0, 0))[0]:,}",
                        f"{run.key_counts.get(size, (0, 0.0))[1]:.1f}"]
                       for size, values in run.p95_runs.items()])
        sizes = sorted(run.p95_runs)
        if len(sizes) >= 2:
            med = {size: sorted(v)[len(v) // 2] for size, v in run.p95_runs.items()}
            small = 100_000 if 100_000 in med else sizes[-2]
            ratio = med[sizes[-1]] / med[small]
            out += ["", f"p95 at {sizes[-1]:,} / p95 at {small:,} = {ratio:.2f} (target ≤ 1.5: "
                    f"{_met(ratio <= 1.5)}); p95 at {sizes[-1]:,} ≤ {LATENCY_TARGET_MS:.0f} ms: "
                    f"{_met(med[sizes[-1]] <= LATENCY_TARGET_MS)}."]
    out += ["", "p95 by probe kind (ms):", ""]
    out += _table(["records"] + list(latency.PROBE_KINDS),
                  [[f"{r.size:,}"] + [_ms(latency.percentile(r.by_kind[k], 95))
                                      for k in latency.PROBE_KINDS if k in r.by_kind]
                   for r in run.latencies])
    largest = run.latencies[-1]
    p95 = latency.percentile(largest.timings_ms, 95)
    out += ["", f"Target p95 ≤ {LATENCY_TARGET_MS:.0f} ms at {largest.size:,} records: "
            f"{_met(p95 <= LATENCY_TARGET_MS)} (p95 {p95:.1f} ms).", "",
            f"### Where the time goes at {largest.size:,} records", "",
            "Each statement of `find_matches`, timed in a second pass (the BEGIN and COMMIT "
            "of the one transaction they run in are not statements and are not "
            "included):", ""]
    diag_mean = sum(largest.diag_ms) / len(largest.diag_ms) if largest.diag_ms else 0.0
    rows = []
    for kind, values in sorted(largest.query_ms.items(), key=lambda kv: -sum(kv[1])):
        s = latency.summary(values)
        rows.append([kind, str(len(values)), _ms(s["p50"]), _ms(s["p95"]), _ms(s["max"]),
                     _ms(sum(values) / largest.probes)])
    out += _table(["statement", "runs", "p50 ms", "p95 ms", "max ms", "ms per probe"], rows)
    statements = sum(sum(v) for v in largest.query_ms.values()) / largest.probes
    out += ["", f"Mean per probe in that pass: {diag_mean:.1f} ms in all, {statements:.1f} ms "
            "inside statements; the rest is BEGIN and COMMIT, building the queries and "
            "rows in the ORM, and scoring.", ""]
    if run.explains:
        out += ["### Plans of the slowest trigram statements", "",
                "The slowest statement of each trigram kind at each size, "
                "`EXPLAIN (ANALYZE, BUFFERS)` right after the measurement (so usually faster "
                "than when it was slowest); plans below the largest size are shortened to "
                "their scan nodes.", ""]
    for size, plans in run.explains.items():
        for kind, ms, sql, plan in plans:
            out += [f"**{kind}, {size:,} records** ({ms:.1f} ms when timed):", ""]
            if size == largest.size:
                out += ["```sql", sql[:1200], "```", "", "```", plan, "```", ""]
            else:
                keep = [line.strip() for line in plan.splitlines()
                        if "Scan" in line or "Rows Removed" in line
                        or line.startswith("Execution Time")]
                out += ["```", *keep, "```", ""]
    return out


def _pair_line(record: quality.Record) -> str:
    subject = quality.subject(record)
    parts = [f"`{record.company_name}`", f"web `{record.website or '–'}`"]
    if record.kind == "deal":
        parts.append(f"mail `{record.contact_email or '–'}`")
        if record.contact_phone:
            parts.append(f"phone `{record.contact_phone}`")
    if record.phone:
        parts.append(f"phone `{record.phone}`")
    if record.city or record.street:
        parts.append(f"address `{', '.join(p for p in (record.street, record.city) if p)}`")
    parts.append(record.country or "no country")
    return (f"{record.kind}: " + ", ".join(parts)
            + f" → `{subject.company}` / `{' '.join(sorted(subject.domains)) or '–'}`")


def _quality(run: Run) -> list[str]:
    if not run.outcomes:
        return []
    sets = [("A", run.quality_seed, run.outcomes), ("B", run.quality_seed + 1, run.outcomes_b)]
    sets = [item for item in sets if item[2]]
    both = [o for _n, _s, outcomes in sets for o in outcomes]
    n_true = sum(o.pair.label for o in run.outcomes)
    out = ["", "## Matching quality", "",
           f"Two generated, labeled sets of {len(run.outcomes)} pairs each: A (seed "
           f"{run.quality_seed}, the fixed set whose errors are listed) and B (seed "
           f"{run.quality_seed + 1}, held out). Each has {n_true} true pairs (one company "
           f"written twice, in {len(quality.TRUE_KINDS)} kinds of variation on top of light "
           f"everyday messiness) and {len(run.outcomes) - n_true} look-alike non-matches "
           f"({len(quality.FALSE_KINDS)} kinds). Each pair is scored by the real code: raw "
           "fields → `deal_apply_normalization` (or the CRM import's normalization for "
           "an account) → `Subject` → `score(new, existing) >= MATCH_THRESHOLD`. Rates "
           "of the background messiness: websites missing on 30% of registrations and "
           "10% of accounts; 25% of contacts on free mail (a fifth of those at regional "
           "providers); 3% of websites and e-mails at the company's other domain; 1.5% of "
           "websites on a platform host; 4% of accounts without a country.", ""]
    rows = []
    for name, seed, outcomes in sets + ([("A+B", "", both)] if len(sets) > 1 else []):
        m = quality.metrics(outcomes)
        rows.append([f"{name}" + (f" (seed {seed})" if seed != "" else ""),
                     f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}", str(m.tp),
                     str(m.fp), str(m.fn), str(m.tn)])
    out += _table(["set", "precision", "recall", "F1", "TP", "FP", "FN", "TN"], rows)
    if run.splink:
        out += ["", "Side by side with splink 5.0 (Fellegi–Sunter on DuckDB: u by random "
                "sampling, m by EM blocked on phone, distinctive name words and domain, "
                "term-frequency adjustments on name, phone and city; match probability "
                "≥ 0.5) on the same pairs and the same normalized fields (name, phone, "
                "domain, e-mail, city, postal code, street, country); see "
                "bench/splink_side.py:", ""]
        rows = []
        for name, _seed, outcomes in sets:
            ours, theirs = quality.metrics(outcomes), run.splink.get(name)
            if theirs is None:
                continue
            best = run.splink_best.get(name, theirs)
            rows.append([name, f"{ours.precision:.3f} / {ours.recall:.3f} / {ours.f1:.3f}",
                         f"{theirs.precision:.3f} / {theirs.recall:.3f} / {theirs.f1:.3f}",
                         f"{best.precision:.3f} / {best.recall:.3f} / {best.f1:.3f}",
                         _met(ours.f1 > max(theirs.f1, best.f1))])
        out += _table(["set", "ours: P / R / F1", "splink at 0.5: P / R / F1",
                       "splink at its best threshold for the set", "ours ahead"], rows)
    worst = min(quality.metrics(outcomes).f1 for _n, _s, outcomes in sets)
    out += ["", f"Target F1 ≥ {F1_TARGET}: {_met(worst >= F1_TARGET)} (lowest set "
            f"{worst:.3f}).", "",
            "Per kind (true kinds: share found; look-alike kinds: share wrongly matched):",
            ""]
    per: dict[tuple[bool, str], dict[str, list[quality.Outcome]]] = defaultdict(
        lambda: defaultdict(list))
    for name, _seed, outcomes in sets:
        for o in outcomes:
            per[o.pair.label, o.pair.kind][name].append(o)
    rows = []
    for (label, kind), by_set in per.items():
        cells = []
        for name, _seed, _outcomes in sets:
            items = by_set[name]
            hit = sum(o.predicted for o in items)
            cells.append(f"{hit}/{len(items)}")
        rows.append(["same company" if label else "different", kind] + cells)
    out += _table(["label", "kind"] + [f"set {name}" for name, _s, _o in sets], rows)
    out += ["", "End to end (A+B), a pair is only found if retrieval brings the record up "
            "(shared domain/e-mail/phone, or pg_trgm word similarity of the new name's "
            "distinctive words to the stored name's distinctive words at least "
            "WORD_SIMILARITY_THRESHOLD; the top-25 cut is ignored here):", ""]
    rows = []
    for threshold in (0.4, 0.5, 0.6):
        for same_country in (False, True):
            e2e = quality.metrics(both, lambda o, t=threshold, c=same_country:
                                  o.predicted and quality.retrieved(o, t, same_country=c))
            rows.append([f"{threshold}", "yes" if same_country else "no",
                         f"{e2e.precision:.3f}", f"{e2e.recall:.3f}", f"{e2e.f1:.3f}"])
    out += _table(["word similarity threshold", "same-country retrieval", "precision", "recall",
                   "F1"], rows)
    out += ["", "### Misclassified examples", ""]
    out += _examples(sets)
    if run.tuning:
        out += ["", "### Tuning what-ifs (bench only)", "",
                "Each variant changes one weight of `leads.evidence` in this process "
                "(see bench/tuning.py). The generator is shared by A and B, so B guards "
                "against fitting examples, not against fitting the generator.", ""]
        rows = [[name, desc, f"{a.precision:.3f} / {a.recall:.3f} / {a.f1:.3f}",
                 f"{b.precision:.3f} / {b.recall:.3f} / {b.f1:.3f}"]
                for name, desc, a, b in run.tuning]
        out += _table(["variant", "change", "A: P / R / F1", "B: P / R / F1"], rows)
    return out


def _examples(sets: list[tuple[str, int, list[quality.Outcome]]], limit: int = 20
              ) -> list[str]:
    wrong = [(name, o) for name, _seed, outcomes in sets for o in outcomes
             if o.predicted != o.pair.label]
    counts = Counter((o.pair.label, o.pair.kind) for _name, o in wrong)
    picked: list[tuple[str, quality.Outcome]] = []
    seen: Counter = Counter()
    for cap in (1, 2, 3, 4):
        for name, o in wrong:
            key = (o.pair.label, o.pair.kind)
            if seen[key] < cap and (name, o) not in picked and len(picked) < limit:
                picked.append((name, o))
                seen[key] += 1
    lines = ["Errors by kind (A+B): " + ", ".join(
        f"{kind} ({'missed' if label else 'false match'}) {n}"
        for (label, kind), n in counts.most_common()) + ".", ""]
    for i, (name, o) in enumerate(picked, 1):
        verdict = "missed" if o.pair.label else "false match"
        lines += [f"{i}. set {name}, **{o.pair.kind}**, {verdict}, score {o.score:.2f} "
                  f"(trigram {o.name_trigram:.2f}): "
                  + ("; ".join(o.reasons) if o.reasons else "no reason to match"),
                  f"   - new {_pair_line(o.pair.b)}",
                  f"   - existing {_pair_line(o.pair.a)}"]
    return lines


def _speed(run: Run) -> list[str]:
    if not run.speed:
        return []
    out = ["", "## Speed to lead", "",
           "Registrations saved with `deal_save_draft` and submitted with `deal_submit`, one "
           "at a time; the on-commit hook publishes to Redis (db 11, a queue of this run) "
           "and a separate `celery worker --pool=solo` process screens the deal: normalize, "
           "match, stop rules, summary (deterministic engine, no API key), review tasks, "
           "then `in_review`. A third re-register a company already in the database. Two "
           "warm-up submissions are not counted.", ""]
    rows = []
    for size, r in run.speed:
        stored, wall, queue = (latency.summary(v) for v in (r.stored_ms, r.wall_ms,
                                                            r.queue_ms))
        rows.append([f"{size:,}", str(r.deals), _ms(stored["p50"]), _ms(stored["p95"]),
                     _ms(stored["max"]), _ms(wall["p50"]), _ms(wall["p95"]),
                     _ms(queue["p50"]), str(r.with_matches),
                     ", ".join(f"{k} {v}" for k, v in r.engines.items())])
    out += _table(["records", "deals", "submitted→finished p50 ms", "p95 ms", "max ms",
                   "submit call→in_review seen p50 ms", "p95 ms", "submitted→worker start "
                   "p50 ms", "deals with matches", "summary engine"], rows)
    worst = max(latency.percentile(r.stored_ms, 95) for _size, r in run.speed)
    out += ["", f"Target p95 < {SPEED_TARGET_MS / 1000:.0f} s: {_met(worst < SPEED_TARGET_MS)} "
            f"(worst p95 {worst:.0f} ms).", "", "Pipeline steps (ScreeningStep.duration_ms):",
            ""]
    rows = []
    for size, r in run.speed:
        for name, values in r.steps_ms.items():
            s = latency.summary(values)
            rows.append([f"{size:,}", name, _ms(s["p50"]), _ms(s["p95"]), _ms(s["max"])])
    out += _table(["records", "step", "p50 ms", "p95 ms", "max ms"], rows)
    return out
