"""The end-of-day consolidation's comparison against Splink, on the same generated Chinese customers.

`tests.support.chinese_customers` makes `--persons` people as five source systems hold them (as in
`bench/consolidation.py`, whose steps this reuses); each source record is normalized by the
built-in plugins' hooks (legacy-load mode) once, and both matchers start from the result:

- **ours**: profiles, blocking, Fellegi-Sunter scoring and clustering without chaining, exactly as
  `bench/consolidation.py` runs probabilistic merging at `--score` (after the highest tier's
  merges), in memory;
- **Splink** (DuckDB backend, in memory, deduplication): one row per source record with the
  values our profiles compare (folded name, its pinyin, document type and number, birth date,
  gender, phone, street); blocking on the ID number, the phone, name + birth date, pinyin + birth
  date and name + street; comparisons: name (exact with term frequencies, same pinyin,
  Levenshtein <= 1, Jaro-Winkler of the pinyin >= 0.9), document (another type, exact with term
  frequencies, Damerau-Levenshtein <= 1), birth date (`DateOfBirthComparison`), phone (exact with
  term frequencies), street (exact with term frequencies, one within the other, Levenshtein <= 2)
  and gender; the prior from deterministic rules, u by random sampling, m by EM over three
  blocking rules; clustered (connected components) at a match probability of `--score`.

Printed for each: wall time from the normalized records to the clusters (the profiles' folding
and pinyin, which Splink's rows are read from, count in both), records/s, and, pairwise over
source records as `bench/consolidation.py` counts them, precision, recall, F1 and look-alike
pairs merged; then the speed ratio ours/Splink (records/s). Splink's clusters are also shown at
the threshold that gives it its best F1 (chosen with the truth, which flatters it: a bank has no
truth to choose by). Splink's time is mostly the u estimate: `--u-pairs` (1e7, what Splink's
documentation suggests as adequate) is most of it, and 1e6 gave the same clusters at 0.99 here.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/splink_comparison.py [--persons 20000] [--seed 7] [--score 0.99] \
        [--u-pairs 1e7]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: Thresholds of match probability tried for Splink's best F1.
SWEEP = (0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999, 0.999999)


def main() -> None:
    sys.path.insert(0, str(HERE.parent))  # the repo, for tests.*
    sys.path.insert(0, str(HERE))  # bench/, for consolidation
    import consolidation as ours

    from tests.support.chinese_customers import generate

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--score", type=float, default=0.99)
    parser.add_argument(
        "--u-pairs", type=float, default=1e7, help="random pairs for Splink's u estimates"
    )
    args = parser.parse_args()

    sources, truth = generate(args.persons, seed=args.seed)
    person = [truth.person[(s.system, s.local_id)] for s in sources]
    lookalikes = truth.lookalikes | {(b, a) for a, b in truth.lookalikes}
    true_pairs = ours._true_pairs(person)
    print(
        f"{len(sources)} source records of {args.persons} people, {len(true_pairs)} true pairs, "
        f"{len(truth.lookalikes)} look-alike pairs of people"
    )
    started = time.perf_counter()
    records = ours.normalized(sources)
    normalizing = time.perf_counter() - started
    print(f"plugin normalization (shared, in neither time): {normalizing:.1f} s")

    started = time.perf_counter()
    profiles = ours.profiles_of(records)
    profiling = time.perf_counter() - started
    started = time.perf_counter()
    model, pairs, _, scored = ours.score(profiles)
    initial = ours.highest_tier(profiles, scored)
    groups = ours.probabilistic(profiles, model, scored, args.score, initial)
    matching = time.perf_counter() - started
    mine = profiling + matching
    _, members = ours.components(len(profiles), groups)
    got = ours.accuracy(ours.merged_pairs(members), person, true_pairs, lookalikes)
    _print(
        f"ours (probabilistic merging at {args.score})", len(profiles), mine, got,
        f"profiles {profiling:.1f} s, blocking + scoring {len(pairs):,} pairs + clustering "
        f"{matching:.1f} s",
    )  # fmt: skip

    seconds, splink_groups, predictions, detail = _splink(
        profiles, args.score, args.u_pairs, args.seed
    )
    theirs = profiling + seconds
    _, members = ours.components(len(profiles), splink_groups)
    got = ours.accuracy(ours.merged_pairs(members), person, true_pairs, lookalikes)
    _print(
        f"Splink (match probability {args.score})", len(profiles), theirs, got,
        f"profiles {profiling:.1f} s, {detail}",
    )  # fmt: skip
    best = None
    for threshold in SWEEP:
        edges = [(a, b) for a, b, p in predictions if p >= threshold]
        _, members = ours.components(len(profiles), edges)
        swept = ours.accuracy(ours.merged_pairs(members), person, true_pairs, lookalikes)
        if best is None or swept.f1 > best[1].f1:
            best = (threshold, swept)
    assert best is not None
    threshold, swept = best
    print(
        f"Splink at its best F1 (match probability {threshold}, chosen with the truth among "
        f"{', '.join(map(str, SWEEP))}): merged pairs {swept.merged}, precision "
        f"{swept.precision:.5f}, recall {swept.recall:.4f}, F1 {swept.f1:.4f}, look-alike pairs "
        f"merged {swept.lookalikes}"
    )
    print(
        f"speed ratio ours/Splink (records/s): {theirs / mine:.2f} "
        f"(ours {mine:.1f} s, Splink {theirs:.1f} s)"
    )


def _print(label: str, records: int, seconds: float, got: Any, detail: str) -> None:
    print(
        f"{label}: {seconds:.1f} s, {records / seconds:,.0f} records/s; merged pairs {got.merged}, "
        f"precision {got.precision:.5f}, recall {got.recall:.4f}, F1 {got.f1:.4f}, look-alike "
        f"pairs merged {got.lookalikes} ({detail})"
    )


def _first(values: Any) -> str | None:
    return min(values) if values else None


def _rows(profiles: Sequence[Any]) -> list[dict[str, Any]]:
    """One row per profile: the values it compares, one of each (a source record has one)."""
    from customer_core.kernel.matching.keys import fold
    from customer_core.quality.names import is_chinese, pinyin_of

    rows = []
    for i, p in enumerate(profiles):
        name = _first(p.names)
        kind = _first(p.documents)
        rows.append(
            {
                "unique_id": i,
                "name": name,
                "name_pinyin": (fold(pinyin_of(name)) if is_chinese(name) else name)
                if name
                else None,
                "id_type": kind,
                "id_number": _first(p.documents[kind]) if kind else None,
                "birth_date": _first(p.birth_dates),
                "gender": _first(p.genders),
                "phone": _first(p.phones),
                "street": _first(p.streets),
            }
        )
    return rows


def _splink(
    profiles: Sequence[Any], score: float, u_pairs: float, seed: int
) -> tuple[float, list[tuple[int, int]], list[tuple[int, int, float]], str]:
    """The seconds Splink took from the profiles to its clusters at `score`, the clusters (as
    pairs to join), every pair it scored with its probability, and where its time went."""
    import pandas as pd
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    spent: list[str] = []
    laps: list[float] = []
    clock = time.perf_counter()

    def lap(what: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        laps.append(now - clock)
        spent.append(f"{what} {now - clock:.1f} s")
        clock = now

    frame = pd.DataFrame(_rows(profiles))
    lap("rows")
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_pinyin", term_frequency_adjustments=True),
            cll.LevenshteinLevel("name", 1),
            cll.JaroWinklerLevel("name_pinyin", 0.9),
            cll.ElseLevel(),
        ],
    )
    document = cl.CustomComparison(
        output_column_name="id_number",
        comparison_levels=[
            cll.NullLevel("id_number"),
            cll.CustomLevel("id_type_l <> id_type_r", "documents of different types"),
            cll.ExactMatchLevel("id_number", term_frequency_adjustments=True),
            cll.DamerauLevenshteinLevel("id_number", 1),
            cll.ElseLevel(),
        ],
    )
    street = cl.CustomComparison(
        output_column_name="street",
        comparison_levels=[
            cll.NullLevel("street"),
            cll.ExactMatchLevel("street", term_frequency_adjustments=True),
            cll.CustomLevel(
                "contains(street_l, street_r) OR contains(street_r, street_l)", "one within other"
            ),
            cll.LevenshteinLevel("street", 2),
            cll.ElseLevel(),
        ],
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("phone"),
            block_on("name", "birth_date"),
            block_on("name_pinyin", "birth_date"),
            block_on("name", "street"),
        ],
        comparisons=[
            name,
            document,
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            street,
            cl.ExactMatch("gender"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("id_number", "name"), block_on("phone", "name", "birth_date")], recall=0.8
    )
    lap("prior")
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    lap(f"u from {u_pairs:,.0f} random pairs")
    for rule in (
        block_on("name", "birth_date"),
        block_on("id_number"),
        block_on("phone"),
    ):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    lap("EM")
    predictions = linker.inference.predict(warning_mode="never")
    lap("predict")
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=score
    )
    cluster_of = clustered.as_pandas_dataframe()[["cluster_id", "unique_id"]]
    lap("clustering")
    seconds = sum(laps)
    joined = []
    for _, ids in cluster_of.groupby("cluster_id")["unique_id"]:
        first = int(ids.iloc[0])
        joined.extend((first, int(x)) for x in ids.iloc[1:])
    scored = predictions.as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_probability"]]
    pairs = [(int(a), int(b), float(p)) for a, b, p in scored.itertuples(index=False)]
    spent[-2] = f"predict {len(pairs):,} pairs {laps[-2]:.1f} s"
    return seconds, joined, pairs, ", ".join(spent)


if __name__ == "__main__":
    main()
