"""Splink 5 (Fellegi–Sunter, DuckDB) on the bench's labeled pairs, for side-by-side numbers.

Runs in its own interpreter (bench-only requirements, `bench/requirements.txt`), so the
portal's runtime never imports splink:

    python bench/splink_side.py IN.json OUT.json

IN holds `records` (left = the new registrations, right = the existing records), each with
`unique_id`, `pair` and the same normalized fields our scorer reads (name, name_words,
phone, domain, email, city, postal, street, country); OUT gets one probability per pair.
The model is the usual one: u from random sampling, m by EM over blocking on phone and on
name, term-frequency adjustments on name, phone and city; then every labeled pair is
predicted (blocked on its pair id).
"""

import json
import sys

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def run(records: list[dict]) -> dict[str, float]:
    con = duckdb.connect()
    fields = ["unique_id", "pair", "name", "name_words", "phone", "domain", "email", "city",
              "postal", "street", "country"]
    for side in ("left", "right"):
        rows = [[r.get(f) or None for f in fields] for r in records if r["side"] == side]
        con.execute(f"CREATE TABLE {side}_t ({', '.join(f + ' VARCHAR' for f in fields)})")
        con.executemany(f"INSERT INTO {side}_t VALUES ({', '.join('?' * len(fields))})", rows)
    api = DuckDBAPI(connection=con)
    left, right = api.register("left_t"), api.register("right_t")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.8]).configure(
                term_frequency_adjustments=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            cl.ExactMatch("domain"),
            cl.ExactMatch("email"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postal"),
            cl.LevenshteinAtThresholds("street", [2, 5]),
            cl.ExactMatch("country"),
        ],
        blocking_rules_to_generate_predictions=[block_on("pair")],
        additional_columns_to_retain=["pair"],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([left, right], settings, log_level=40)
    # The prior from rules that find matches almost only (not from the labeled pairing,
    # which would tell splink half of all pairs match).
    linker.training.estimate_probability_two_random_records_match(
        [block_on("domain"), block_on("email"), block_on("phone")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("phone"), block_on("name_words"), block_on("domain")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as error:  # a rule with too few pairs to train on
            print(f"splink EM skipped for a blocking rule: {error}", file=sys.stderr)
    predictions = linker.inference.predict().as_duckdbpyrelation()
    out = {}
    for pair_l, pair_r, probability in predictions.select(
            "pair_l, pair_r, match_probability").fetchall():
        if pair_l == pair_r:
            out[pair_l] = float(probability)
    return out


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        payload = json.load(handle)
    with open(sys.argv[2], "w") as handle:
        json.dump(run(payload["records"]), handle)
