"""The end-of-day consolidation through gRPC, as the bank runs it: Chinese customers loaded as
five source systems hold them (one customer per source record, legacy-load mode), with the
corruptions and look-alikes of `tests.support.chinese_customers`, then the consolidation run,
then `LookupCustomer` for every source record and the similar-customer list. Judged pairwise
against the truth of the generator, for the bank's default policy and with probabilistic
merging enabled."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from customer_core.api.server import RunningServer
from customer_core.client import Client
from customer_core.v1 import consolidation_service_pb2 as pb
from tests.integration.conftest import admin_token, start_server
from tests.support.chinese_customers import Truth, generate

PERSONS = 260


@pytest.fixture(scope="module")
def data() -> tuple[list, Truth]:  # type: ignore[type-arg]
    return generate(PERSONS, seed=5, lookalike_share=0.3)


def _load(running: RunningServer, data: tuple[list, Truth]) -> Client:  # type: ignore[type-arg]
    client = Client(f"127.0.0.1:{running.port}", token=admin_token(running))
    for source in data[0]:
        name = next(r.name for r in source.records if hasattr(r, "birth_date"))
        client.create_customer(
            type="individual", owning_org_unit="HO01", display_name=name,
            cross_references=[(source.system, source.local_id)], records=source.records,
            legacy=True,
        )  # fmt: skip
    return client


def _outcome(client: Client, data: tuple[list, Truth]) -> dict[str, float]:  # type: ignore[type-arg]
    sources, truth = data
    holder = {
        (s.system, s.local_id): client.lookup(s.system, s.local_id).customer_number for s in sources
    }
    listed = {
        frozenset(n.removeprefix("customers/") for n in c.customers)
        for c in client.match_candidates(page_size=1000)
    }
    lookalikes = truth.lookalikes | {(b, a) for a, b in truth.lookalikes}
    merged = found = true = merged_true = lookalike_merged = 0
    listed_pairs = {pair: False for pair in listed}
    for a, b in itertools.combinations(holder, 2):
        same = truth.person[a] == truth.person[b]
        pair = frozenset((holder[a], holder[b]))
        true += same
        if holder[a] == holder[b]:
            merged += 1
            merged_true += same
            lookalike_merged += (truth.person[a], truth.person[b]) in lookalikes
            found += same
        elif pair in listed_pairs:
            found += same
            listed_pairs[pair] = listed_pairs[pair] or same
    precision = merged_true / merged if merged else 1.0
    recall = merged_true / true
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "found": found / true,
        "lookalikes": lookalike_merged,
        "list": len(listed_pairs),
        "list_true": sum(listed_pairs.values()),
    }


def _consolidate(client: Client) -> pb.ConsolidationRun:
    run = client.wait_for_consolidation(client.run_consolidation(), poll=0.2, timeout=600)
    assert run.state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED, run.error
    assert run.phase == "done" and run.compared_pairs > 0
    return run


@pytest.fixture(scope="module")
def default_server(new_database) -> Iterator[RunningServer]:  # type: ignore[no-untyped-def]
    server = start_server(new_database("eod"), match_auto_merge_tiers="highest")
    yield server
    server.stop(grace=1)


def test_the_default_policy_merges_by_tier_only_and_lists_the_rest(
    default_server: RunningServer,
    data: tuple[list, Truth],  # type: ignore[type-arg]
) -> None:
    client = _load(default_server, data)
    before = _outcome(client, data)
    run = _consolidate(client)
    after = _outcome(client, data)
    assert after["lookalikes"] == 0
    assert after["precision"] >= 0.999
    assert after["found"] >= 0.98 and after["found"] > before["found"]
    assert after["list"] <= 2 * after["list_true"]
    assert run.listed >= after["list"] - before["list"]
    # A second run finds nothing new to merge.
    again = _consolidate(client)
    assert again.merged == 0


@pytest.fixture(scope="module")
def scored_server(new_database) -> Iterator[RunningServer]:  # type: ignore[no-untyped-def]
    server = start_server(
        new_database("eod_scored"), match_auto_merge_tiers="highest", match_auto_merge_score=0.99
    )
    yield server
    server.stop(grace=1)


def test_probabilistic_merging_merges_the_fuzzy_duplicates_and_no_look_alike(
    scored_server: RunningServer,
    data: tuple[list, Truth],  # type: ignore[type-arg]
) -> None:
    client = _load(scored_server, data)
    run = _consolidate(client)
    found = _outcome(client, data)
    assert run.merged > 0
    assert found["lookalikes"] == 0
    assert found["precision"] >= 0.995 and found["f1"] >= 0.97, found
    merged_one = next(
        m for m in client.merges(client.lookup(*_any_merged(client, data)).customer_number)
    )
    assert merged_one.reason == "end-of-day consolidation"


def _any_merged(client: Client, data: tuple[list, Truth]) -> tuple[str, str]:  # type: ignore[type-arg]
    seen: dict[str, tuple[str, str]] = {}
    for s in data[0]:
        number = client.lookup(s.system, s.local_id).customer_number
        if number in seen:
            return s.system, s.local_id
        seen[number] = (s.system, s.local_id)
    raise AssertionError("nothing was merged")
