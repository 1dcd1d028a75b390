"""Identification and consolidation through gRPC, as source systems and data stewards meet it:
the bank's precision tiers on create and on a match-key update, the similar-customer list, merges
with survivorship, lookups through moved cross-references, merged customers, chains, unmerges
and the merge permission. Every test runs on a server with the bank's default policy (the
highest tier merges automatically)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import grpc
import pytest
from customer_core_organization.v1 import organization_pb2

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError
from customer_core.v1 import consolidation_service_pb2 as pb
from customer_core.v1 import customer_pb2, options_pb2
from customer_core_contact.v1 import contact_pb2
from customer_core_identification.v1 import identification_pb2
from customer_core_individual.v1 import individual_pb2
from tests.integration.conftest import admin_token, grant, start_server
from tests.integration.helpers import mobile, person, unique


@pytest.fixture(scope="module")
def running(new_database) -> Iterator[RunningServer]:  # type: ignore[no-untyped-def]
    server = start_server(new_database("ident"), match_auto_merge_tiers="highest")
    yield server
    server.stop(grace=1)


@pytest.fixture(scope="module")
def steward(running: RunningServer) -> Iterator[Client]:
    with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as c:
        yield c


def _create(
    client: Client, records: list, system: str = "CORE", **kw: object
) -> customer_pb2.Customer:  # type: ignore[type-arg]
    name = next(r.name for r in records if isinstance(r, individual_pb2.IndividualProfile))
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name=name,
        cross_references=[(system, unique("L"))], records=records, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _xref(customer: customer_pb2.Customer, client: Client) -> tuple[str, str]:
    view = client.get_360(customer.customer_number)
    x = view.cross_references[0]
    return x.source_system, x.local_id


def _open_pairs(client: Client, number: str) -> list[pb.MatchCandidate]:
    return list(client.match_candidates(customer=number))


def test_the_highest_tier_identifies_an_existing_customer_on_create(steward: Client) -> None:
    profile, card = person("王小明")
    first = _create(steward, [profile, card, mobile()])
    assert not first.identified
    # Another source system sends the same person: the ID typed in lower case with full-width
    # digits and the name in traditional characters.
    sent = identification_pb2.IdentificationDocument()
    sent.CopyFrom(card)
    sent.id_number = card.id_number.lower().replace("1", chr(0xFF11))  # full-width 1
    twin = _create(steward, [profile, sent], system="CARDS")
    assert twin.identified and twin.customer_number == first.customer_number
    assert twin.status == customer_pb2.CUSTOMER_STATUS_ACTIVE
    systems = {x.source_system for x in steward.get_360(first.customer_number).cross_references}
    assert systems == {"CORE", "CARDS"}


def test_traditional_script_and_legacy_15_digit_ids_are_the_same_customer(steward: Client) -> None:
    profile, card = person("陈东")
    first = _create(steward, [profile, card])
    traditional = individual_pb2.IndividualProfile()
    traditional.CopyFrom(profile)
    traditional.name = "陳東"
    legacy = identification_pb2.IdentificationDocument()
    legacy.CopyFrom(card)
    legacy.id_number = card.id_number[:6] + card.id_number[8:17]  # the card's 15-digit form
    twin = _create(steward, [traditional, legacy], system="LOANS")
    assert twin.identified and twin.customer_number == first.customer_number
    local = _xref(twin, steward)
    assert (
        steward.lookup("LOANS", _loans_id(steward, first.customer_number)).customer_number
        == (first.customer_number)
        and local
    )


def _loans_id(client: Client, number: str) -> str:
    return next(
        x.local_id for x in client.get_360(number).cross_references if x.source_system == "LOANS"
    )


def test_a_caller_may_ask_for_already_exists_and_nothing_is_written(steward: Client) -> None:
    profile, card = person("赵六")
    first = _create(steward, [profile, card])
    local = unique("L")
    with pytest.raises(RPCError) as call:
        steward.create_customer(
            type="individual", owning_org_unit="HO01", display_name="赵六",
            cross_references=[("CRM", local)], records=[profile, card], refuse_identified=True,
        )  # fmt: skip
    assert call.value.code == grpc.StatusCode.ALREADY_EXISTS
    assert call.value.reason == "CUSTOMER_IDENTIFIED"
    assert first.customer_number in call.value.message
    with pytest.raises(RPCError) as missing:
        steward.lookup("CRM", local)
    assert missing.value.code == grpc.StatusCode.NOT_FOUND


def test_the_high_tier_lists_the_pair_for_a_steward_masked(steward: Client) -> None:
    profile, card = person("孙七")
    first = _create(steward, [profile, card])
    other = individual_pb2.IndividualProfile()
    other.CopyFrom(profile)
    other.name = "孙启"  # the same ID number given to someone else (an issuing error)
    second = _create(steward, [other, card], system="CARDS")
    assert not second.identified and second.customer_number != first.customer_number
    (pair,) = _open_pairs(steward, second.customer_number)
    assert pair.tier == options_pb2.MATCH_TIER_HIGH
    assert list(pair.customers) == [first.name, second.name]
    by = {a.attribute: a for a in pair.attributes}
    assert by["identification.id_number"].agreement == pb.AGREEMENT_AGREE
    assert by["individual.name"].agreement == pb.AGREEMENT_DIFFER
    assert list(by["individual.name"].first_values) == ["孙七"]
    shown = by["identification.id_number"].first_values[0]
    assert shown != card.id_number and "*" in shown  # masked
    assert card.id_number.encode() not in pair.SerializeToString()


def test_documents_of_type_other_and_revoked_documents_never_identify(steward: Client) -> None:
    profile, card = person("周八")
    other = identification_pb2.IdentificationDocument(
        id_type=identification_pb2.ID_TYPE_OTHER, id_number="X" + card.id_number,
        status=identification_pb2.ID_STATUS_VALID,
    )  # fmt: skip
    first = _create(steward, [profile, other])
    second = _create(steward, [profile, other], system="CARDS")
    assert not second.identified and second.customer_number != first.customer_number
    assert all(
        p.tier == options_pb2.MATCH_TIER_LOW or p.tier == 0
        for p in _open_pairs(steward, second.customer_number)
    )
    revoked = identification_pb2.IdentificationDocument()
    revoked.CopyFrom(card)
    revoked.status = identification_pb2.ID_STATUS_REVOKED
    third = _create(steward, [profile, revoked])
    fourth = _create(steward, [profile, revoked], system="CARDS")
    assert not fourth.identified and fourth.customer_number != third.customer_number


def test_a_match_key_update_merges_and_the_loser_refuses_writes(steward: Client) -> None:
    profile, card = person("吴九")
    first = _create(steward, [profile, card])
    _, other_card = person("吴九")
    second = _create(steward, [profile, other_card], system="CARDS")
    assert not second.identified
    record = next(
        r
        for g in steward.get_360(second.customer_number).subjects
        if g.subject == "identification"
        for r in g.records
    )
    fixed = identification_pb2.IdentificationDocument()
    fixed.CopyFrom(card)
    steward.update_record(record.name, fixed)
    merged = steward.get_customer(second.customer_number, follow_merges=False)
    assert merged.status == customer_pb2.CUSTOMER_STATUS_MERGED
    assert merged.merged_into == first.name
    assert steward.get_customer(second.customer_number).customer_number == first.customer_number
    with pytest.raises(RPCError) as call:
        steward.create_record(second.customer_number, mobile("+8613911112222"))
    assert call.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert call.value.reason == "CUSTOMER_MERGED" and first.customer_number in call.value.message
    actions = [e.action for e in steward.history(second.customer_number, "merge")]
    assert actions == [_MERGE]
    assert [e.action for e in steward.history(first.customer_number, "merge")] == [_MERGE]


_MERGE = 4  # CHANGE_ACTION_MERGE
_UNMERGE = 5


def _view(client: Client, number: str) -> bytes:
    """A 360 view without update times and etags (what an unmerge may change)."""
    view = client.get_360(number)
    view.customer.ClearField("update_time")
    view.customer.ClearField("etag")
    for group in view.subjects:
        for record in group.records:
            record.ClearField("update_time")
            record.ClearField("etag")
            record.ClearField("quality_changes")
    return view.SerializeToString(deterministic=True)


def _two_people(client: Client) -> tuple[customer_pb2.Customer, customer_pb2.Customer]:
    p1, c1 = person("郑一")
    p2, c2 = person("冯二")
    a = _create(client, [p1, c1, mobile("+8613700000001")])
    b = _create(client, [p2, c2, mobile("+8613700000002")], system="CARDS")
    return a, b


def test_a_steward_merge_moves_everything_and_an_unmerge_restores_both_exactly(
    steward: Client,
) -> None:
    a, b = _two_people(steward)
    before = (_view(steward, a.customer_number), _view(steward, b.customer_number))
    b_xref = _xref(b, steward)
    merge = steward.merge_customers(a.customer_number, b.customer_number, "same person, checked")
    assert merge.survivor == a.name and merge.loser == b.name  # CORE outranks CARDS
    assert len(merge.moved_records) == 2 and len(merge.moved_cross_references) == 1
    assert len(merge.merged_records) == 1  # the golden individual record
    assert steward.lookup(*b_xref).customer_number == a.customer_number
    view = steward.get_360(a.customer_number)
    by = {g.subject: len(g.records) for g in view.subjects}
    assert by == {"contact": 2, "identification": 2, "individual": 1}
    undone = steward.unmerge_customers(merge.name, "two people after all")
    assert undone.HasField("unmerge_time")
    assert (_view(steward, a.customer_number), _view(steward, b.customer_number)) == before
    assert steward.lookup(*b_xref).customer_number == b.customer_number
    history = list(steward.merges(b.customer_number))
    assert [m.name for m in history] == [merge.name] and history[0].HasField("unmerge_time")
    assert [e.action for e in steward.history(b.customer_number, "merge")] == [_UNMERGE, _MERGE]


def test_an_unmerge_gives_back_what_the_losers_source_wrote_since(steward: Client) -> None:
    a, b = _two_people(steward)
    merge = steward.merge_customers(a.customer_number, b.customer_number, "same person")
    since = steward.create_record(
        a.customer_number, mobile("+8613700000003"), source_system="CARDS"
    )
    own = steward.create_record(a.customer_number, mobile("+8613700000004"), source_system="CORE")
    steward.unmerge_customers(merge.name, "not the same")
    ids = {
        g.subject: [r.name.rsplit("/", 1)[1] for r in g.records]
        for g in steward.get_360(b.customer_number).subjects
    }
    assert since.name.rsplit("/", 1)[1] in ids["contact"]
    a_ids = [
        r.name.rsplit("/", 1)[1]
        for g in steward.get_360(a.customer_number).subjects
        for r in g.records
    ]
    assert own.name.rsplit("/", 1)[1] in a_ids
    # The pair is now marked not the same: not merged again automatically.
    (pair,) = steward.match_candidates(status="not_same", customer=a.customer_number)
    assert b.name in pair.customers


def test_merge_chains_resolve_to_the_last_survivor(steward: Client) -> None:
    a, b = _two_people(steward)
    p3, c3 = person("褚三")
    c = _create(steward, [p3, c3], system="CRM")
    first_x = _xref(a, steward)
    steward.merge_customers(a.customer_number, b.customer_number, "one", survivor=b.customer_number)
    steward.merge_customers(b.customer_number, c.customer_number, "two", survivor=c.customer_number)
    assert steward.get_customer(a.customer_number, follow_merges=False).merged_into == c.name
    assert steward.get_customer(a.customer_number).customer_number == c.customer_number
    assert steward.lookup(*first_x).customer_number == c.customer_number


def test_a_merge_needs_the_merge_permission_over_both(
    running: RunningServer, steward: Client
) -> None:
    a, b = _two_people(steward)
    teller = grant(running.kernel, f"teller-{uuid.uuid4().hex[:6]}", "teller", "HO01")
    with (
        Client(f"127.0.0.1:{running.port}", token=teller) as client,
        pytest.raises(RPCError) as call,
    ):
        client.merge_customers(a.customer_number, b.customer_number, "mine")
    assert call.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_a_pair_marked_not_same_is_not_proposed_again(steward: Client) -> None:
    profile, card = person("卫四")
    first = _create(steward, [profile, card])
    other = individual_pb2.IndividualProfile()
    other.CopyFrom(profile)
    other.name = "卫思"
    second = _create(steward, [other, card], system="CARDS")
    (pair,) = _open_pairs(steward, second.customer_number)
    marked = steward.mark_not_same(pair.name, "different people, same number issued twice")
    assert marked.status == pb.MATCH_CANDIDATE_STATUS_NOT_SAME
    email = contact_pb2.ContactPoint(
        email=contact_pb2.Email(address=f"{unique('w')}@example.com"),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
    steward.create_record(second.customer_number, email)  # no match key changes
    assert _open_pairs(steward, second.customer_number) == []
    # A match key that changes and meets the other again puts the pair back on the list.
    record = next(
        r
        for g in steward.get_360(second.customer_number).subjects
        if g.subject == "identification"
        for r in g.records
    )
    _, elsewhere = person("卫思")
    steward.update_record(record.name, elsewhere)
    assert _open_pairs(steward, second.customer_number) == []
    steward.create_record(second.customer_number, card)  # the shared number, beside another
    (again,) = _open_pairs(steward, second.customer_number)
    assert again.name == pair.name
    steward.mark_not_same(again.name, "still different people")
    assert _open_pairs(steward, second.customer_number) == []
    with pytest.raises(RPCError) as call:
        steward.mark_not_same(pair.name, "again")
    assert call.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert first.customer_number


def test_concurrent_creates_of_one_person_make_one_customer(steward: Client) -> None:
    profile, card = person("蒋五")
    answers: list[customer_pb2.Customer] = []
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            answers.append(_create(steward, [profile, card], system=f"SYS{i}"))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({a.customer_number for a in answers}) == 1
    assert sum(not a.identified for a in answers) == 1
    (number,) = {a.customer_number for a in answers}
    assert len(steward.get_360(number).cross_references) == 6


def test_organizations_are_identified_by_code_and_name(steward: Client) -> None:
    code = "91110000" + uuid.uuid4().hex[:9].upper().replace("I", "1").replace("O", "0")
    org = organization_pb2.OrganizationProfile(legal_name="北京某某科技有限公司")
    org.unified_social_credit_code = _uscc(code)
    first = steward.create_customer(
        type="organization", owning_org_unit="HO01", display_name="某某科技",
        cross_references=[("CORE", unique("O"))], records=[org],
    )  # fmt: skip
    again = steward.create_customer(
        type="organization", owning_org_unit="HO01", display_name="某某科技",
        cross_references=[("TRADE", unique("O"))], records=[org],
    )  # fmt: skip
    assert again.identified and again.customer_number == first.customer_number


_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc(body17: str) -> str:
    body = "".join(ch if ch in _USCC else "0" for ch in body17[:17])
    total = sum(_USCC.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC[(31 - total % 31) % 31]


def test_contact_points_are_unioned_with_exact_duplicates_collapsed(steward: Client) -> None:
    p1, c1 = person("韩六")
    p2, c2 = person("杨七")
    a = _create(steward, [p1, c1, mobile("+8613700000009")])
    b = _create(steward, [p2, c2, mobile("+8613700000009")], system="CARDS")
    merge = steward.merge_customers(a.customer_number, b.customer_number, "same")
    assert len(merge.moved_records) == 1  # the identification; the same phone is collapsed
    phones = [
        r for g in steward.get_360(a.customer_number).subjects if g.subject == "contact"
        for r in g.records
    ]  # fmt: skip
    assert len(phones) == 1
