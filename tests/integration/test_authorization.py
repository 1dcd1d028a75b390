"""Who may do what to whose customers: role x org-unit scope x RPC, and bearer tokens, over gRPC.

A bank of one head office (unique to this test run) with a Beijing branch, its sub-branch SB01 and
a Shanghai branch. Staff and systems are bound to roles over parts of that tree; every case states
who calls which RPC on which customer and what the bank expects: the answer, NOT_FOUND (a customer
outside the caller's scope does not exist for it) or PERMISSION_DENIED (a visible customer and a
forbidden action). No case may end in INTERNAL.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from google.protobuf import text_format

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError, unpack
from customer_core.crypto import primitives
from customer_core.kernel.customer_number import new_customer_number
from customer_core.ledger.recorder import Provenance
from customer_core.v1 import admin_service_pb2, customer_pb2, customer_service_pb2_grpc
from customer_core.v1 import customer_service_pb2 as svc
from tests.integration.conftest import grant, start_server
from tests.integration.helpers import id_card, mobile, profile, resident_id, unique

OK = grpc.StatusCode.OK
NOT_FOUND = grpc.StatusCode.NOT_FOUND
DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED


def masked(number: str) -> str:
    """An ID number as a caller without `pii.unmask` sees it (mask rule `6,4`)."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


@dataclass
class Bank:
    """The org tree, its customers, and a client per member of staff or system."""

    ho: str
    target: str
    admin: Client
    id_number: str
    sub_branch: customer_pb2.Customer  # <HO>-BJ-SB01: id card, mobile, a CORE cross-reference
    branch: customer_pb2.Customer  # <HO>-BJ
    shanghai: customer_pb2.Customer  # <HO>-SH: the same id number, a mobile, a CORE reference
    xrefs: dict[str, str]  # customer key -> its CORE local id
    records: dict[str, str]  # "<customer key>.<subject>" -> record name
    principals: dict[str, str] = field(default_factory=dict)  # who -> principal name
    tokens: dict[str, str] = field(default_factory=dict)  # who -> its bearer token
    clients: dict[str, Client] = field(default_factory=dict)  # who -> its client

    def unit(self, path: str = "") -> str:
        """An org unit of this bank: `unit("BJ-SB01")` is `<HO>-BJ-SB01`."""
        return f"{self.ho}-{path}" if path else self.ho

    def customer(self, key: str) -> customer_pb2.Customer:
        return {"sub_branch": self.sub_branch, "branch": self.branch, "shanghai": self.shanghai}[
            key
        ]

    def in_tree(self, numbers: list[str]) -> set[str]:
        """Which of our three customers are among `numbers`, by key."""
        keys = ("sub_branch", "branch", "shanghai")
        return {k for k in keys if self.customer(k).customer_number in numbers}


#: who -> its role bindings: (role, org unit below the head office ("" itself, "*" the whole
#: bank), channel read subjects, channel write subjects).
STAFF: dict[str, list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]] = {
    "teller@BJ": [("teller", "BJ", (), ())],
    "teller@SB01": [("teller", "BJ-SB01", (), ())],
    "teller@B": [("teller", "B", (), ())],  # a code that is a prefix of BJ, not a parent
    "rm@BJ": [("relationship_manager", "BJ", (), ())],
    "auditor@HO": [("auditor", "", (), ())],
    "security_admin": [("security_admin", "*", (), ())],
    "auditor@HO+teller@BJ": [("auditor", "", (), ()), ("teller", "BJ", (), ())],
    "channel writes contact": [("channel_system", "", (), ("contact",))],
    "channel reads contact": [("channel_system", "", ("contact",), ())],
    "teller+auditor": [("teller", "", (), ()), ("auditor", "", (), ())],
}
#: The same principal as "teller+auditor", with a token whose roles claim names only auditor.
NARROWED = "teller+auditor as auditor"


def issue(running: RunningServer, principal: str, roles: list[str], ttl: int = 3600) -> str:
    """A token for `principal` restricted to `roles` (all its roles when empty)."""

    def work(connection: Any) -> str:
        token, _ = running.kernel.tokens.issue(
            connection, principal, roles, ttl, "tests", datetime.now(UTC)
        )
        return token

    return running.kernel.run(work, actor=Provenance("tests", "issue"))


@pytest.fixture(scope="module")
def bank(server: RunningServer, target: str, client: Client) -> Iterator[Bank]:
    ho = f"H{uuid.uuid4().hex[:8].upper()}"
    id_number = resident_id()
    xrefs = {key: unique("B") for key in ("sub_branch", "branch", "shanghai")}
    sub_branch = client.create_customer(
        type="individual",
        owning_org_unit=f"{ho}-BJ-SB01",
        display_name="Li Si",
        cross_references=[("CORE", xrefs["sub_branch"])],
        records=[profile("Li Si"), id_card(id_number), mobile()],
    )
    branch = client.create_customer(
        type="individual",
        owning_org_unit=f"{ho}-BJ",
        display_name="Wang Wu",
        cross_references=[("CORE", xrefs["branch"])],
    )
    shanghai = client.create_customer(
        type="individual",
        owning_org_unit=f"{ho}-SH",
        display_name="Zhao Liu",
        cross_references=[("CORE", xrefs["shanghai"])],
        records=[id_card(id_number), mobile("+8613900139000")],
    )
    records = {}
    for key, customer in (("sub_branch", sub_branch), ("shanghai", shanghai)):
        for record in client.list_records(customer.customer_number):
            records[f"{key}.{record.subject}"] = record.name
    made = Bank(ho, target, client, id_number, sub_branch, branch, shanghai, xrefs, records)
    for who, bindings in STAFF.items():
        principal = f"{re.sub('[^A-Za-z0-9]+', '-', who)}-{uuid.uuid4().hex[:8]}"
        for role, unit, read, write in bindings:
            scope = "*" if unit == "*" else made.unit(unit)
            token = grant(
                server.kernel, principal, role, scope, read_subjects=read, write_subjects=write
            )
        made.principals[who], made.tokens[who] = principal, token
    made.principals[NARROWED] = made.principals["teller+auditor"]
    made.tokens[NARROWED] = issue(server, made.principals[NARROWED], ["auditor"])
    made.clients = {who: Client(target, token=token) for who, token in made.tokens.items()}
    yield made
    for c in made.clients.values():
        c.close()


# The table: who calls what, and what the bank expects.


@dataclass(frozen=True)
class Case:
    id: str
    who: str
    act: Callable[[Client, Bank], Any]
    expect: grpc.StatusCode = OK
    check: Callable[[Any, Bank], bool | None] | None = None


def get(key: str) -> Callable[[Client, Bank], Any]:
    return lambda c, b: c.get_customer(b.customer(key).name)


def rename(key: str) -> Callable[[Client, Bank], Any]:
    def act(c: Client, b: Bank) -> Any:
        customer = customer_pb2.Customer(name=b.customer(key).name, display_name=unique("Name "))
        return c.update_customer(customer, ["display_name"])

    return act


def move(key: str, to: str) -> Callable[[Client, Bank], Any]:
    def act(c: Client, b: Bank) -> Any:
        customer = customer_pb2.Customer(name=b.customer(key).name, owning_org_unit=b.unit(to))
        return c.update_customer(customer, ["owning_org_unit"])

    return act


def create_in(unit: str) -> Callable[[Client, Bank], Any]:
    return lambda c, b: c.create_customer(
        type="individual", owning_org_unit=b.unit(unit), display_name="Qian Qi"
    )


def listed(c: Client, b: Bank) -> list[customer_pb2.Customer]:
    return list(c.list_customers(page_size=50))


def searched(c: Client, b: Bank) -> list[customer_pb2.Customer]:
    return c.search("identification", "id_number", b.id_number)


def view(key: str, reason: str = "") -> Callable[[Client, Bank], Any]:
    return lambda c, b: c.get_360(b.customer(key).name, unmask_reason=reason)


def list_roles(c: Client, b: Bank) -> admin_service_pb2.ListRolesResponse:
    """ListRoles, which the client does not wrap."""
    return c._call(c._admin.ListRoles, admin_service_pb2.ListRolesRequest())


def numbers_of(result: list[customer_pb2.Customer]) -> list[str]:
    return [c.customer_number for c in result]


def sees_only(*keys: str, scope: str) -> Callable[[Any, Bank], None]:
    """Of our customers exactly `keys`, and nothing outside the caller's `scope` subtree at all."""

    def check(result: list[customer_pb2.Customer], b: Bank) -> None:
        assert b.in_tree(numbers_of(result)) == set(keys)
        top = b.unit(scope)
        assert all(
            c.owning_org_unit == top or c.owning_org_unit.startswith(top + "-") for c in result
        ), [c.owning_org_unit for c in result]

    return check


def id_numbers(result: customer_pb2.Customer360) -> list[str]:
    groups = {g.subject: g for g in result.subjects}
    documents: list[Any] = [unpack(r.data) for r in groups["identification"].records]
    return [d.id_number for d in documents]


CASES = [
    # Reading across the org tree: a binding covers its unit and everything below it.
    Case("teller_reads_customer_of_own_branch", "teller@BJ", get("branch")),
    Case("teller_at_branch_reads_customer_of_its_sub_branch", "teller@BJ", get("sub_branch")),
    Case("teller_outside_branch_sees_not_found", "teller@BJ", get("shanghai"), NOT_FOUND),
    Case("teller_at_sub_branch_cannot_see_parent_branch", "teller@SB01", get("branch"), NOT_FOUND),
    Case("binding_at_prefix_code_does_not_cover_branch", "teller@B", get("branch"), NOT_FOUND),
    Case("binding_at_prefix_code_does_not_cover_sub_branch", "teller@B", get("sub_branch"), NOT_FOUND),
    Case("teller_outside_branch_cannot_rename_sees_not_found", "teller@BJ", rename("shanghai"), NOT_FOUND),
    # What a teller may and may not do within its own scope.
    Case("teller_renames_customer_of_own_branch", "teller@BJ", rename("branch"),
         check=lambda r, b: r.owning_org_unit == b.unit("BJ")),
    Case("teller_opens_customer_in_own_sub_branch", "teller@BJ", create_in("BJ-SB02"),
         check=lambda r, b: r.owning_org_unit == b.unit("BJ-SB02")),
    Case("teller_cannot_open_customer_in_other_branch", "teller@BJ", create_in("SH"), DENIED),
    Case("teller_cannot_open_customer_at_head_office", "teller@BJ", create_in(""), DENIED),
    Case("teller_cannot_move_customer_to_other_branch", "teller@BJ", move("branch", "SH"), DENIED),
    Case("teller_cannot_close_customer_in_scope", "teller@BJ",
         lambda c, b: c.close_customer(b.branch.name, "customer request"), DENIED),
    Case("teller_cannot_erase_customer", "teller@BJ",
         lambda c, b: c.erase_customer(b.branch.name, "PIPL art. 47"), DENIED),
    # A principal who reads the whole head office but changes only Beijing.
    Case("auditing_teller_reads_other_branch", "auditor@HO+teller@BJ", get("shanghai")),
    Case("auditing_teller_cannot_rename_other_branch_customer", "auditor@HO+teller@BJ",
         rename("shanghai"), DENIED),
    Case("auditing_teller_renames_own_branch_customer", "auditor@HO+teller@BJ", rename("branch")),
    # Auditors read everything and change nothing.
    Case("auditor_reads_customer", "auditor@HO", get("shanghai")),
    Case("auditor_cannot_update_customer", "auditor@HO", rename("branch"), DENIED),
    Case("auditor_cannot_open_customer", "auditor@HO", create_in("BJ"), DENIED),
    Case("auditor_cannot_add_records", "auditor@HO",
         lambda c, b: c.create_record(b.branch.customer_number, mobile()), DENIED),
    Case("auditor_reads_audit_log", "auditor@HO",
         lambda c, b: list(c.list_audit_events(customer=b.shanghai.customer_number)),
         check=lambda r, b: any(e.method.endswith("/CreateCustomer") for e in r)),
    # Security administrators manage access and see no customer data.
    Case("security_admin_cannot_read_customer", "security_admin", get("branch"), DENIED),
    Case("security_admin_cannot_list_customers", "security_admin", listed, DENIED),
    Case("security_admin_lists_roles", "security_admin", list_roles,
         check=lambda r, b: {"teller", "auditor", "security_admin", "admin"}
         <= {role.name for role in r.roles}),
    # Sensitive values: masked by default, in clear with pii.unmask and a reason.
    Case("teller_sees_masked_id_number", "teller@BJ", view("sub_branch"),
         check=lambda r, b: id_numbers(r) == [masked(b.id_number)]),
    Case("teller_asking_to_unmask_is_denied", "teller@BJ",
         view("sub_branch", "KYC review, ticket 4711"), DENIED),
    Case("relationship_manager_without_reason_sees_masked", "rm@BJ", view("sub_branch"),
         check=lambda r, b: id_numbers(r) == [masked(b.id_number)]),
    Case("relationship_manager_with_reason_sees_clear_values", "rm@BJ",
         view("sub_branch", "KYC review, ticket 4711"),
         check=lambda r, b: id_numbers(r) == [b.id_number]),
    Case("relationship_manager_unmasking_other_branch_sees_not_found", "rm@BJ",
         view("shanghai", "KYC review, ticket 4711"), NOT_FOUND),
    # Lists, lookups and searches keep to the caller's scope.
    Case("teller_lists_only_customers_of_own_branch_tree", "teller@BJ", listed,
         check=sees_only("sub_branch", "branch", scope="BJ")),
    Case("teller_at_sub_branch_lists_only_sub_branch", "teller@SB01", listed,
         check=sees_only("sub_branch", scope="BJ-SB01")),
    Case("binding_at_prefix_code_lists_nothing_of_branch", "teller@B", listed,
         check=sees_only(scope="B")),
    Case("auditor_lists_whole_head_office", "auditor@HO", listed,
         check=sees_only("sub_branch", "branch", "shanghai", scope="")),
    Case("teller_looks_up_own_customer_by_source_reference", "teller@BJ",
         lambda c, b: c.lookup("CORE", b.xrefs["sub_branch"]),
         check=lambda r, b: r.customer_number == b.sub_branch.customer_number),
    Case("teller_looks_up_other_branch_reference_sees_not_found", "teller@BJ",
         lambda c, b: c.lookup("CORE", b.xrefs["shanghai"]), NOT_FOUND),
    Case("teller_search_finds_only_own_branch_customer", "teller@BJ", searched,
         check=lambda r, b: numbers_of(r) == [b.sub_branch.customer_number]),
    Case("auditor_search_finds_both_holders_of_the_id", "auditor@HO", searched,
         check=lambda r, b: b.in_tree(numbers_of(r)) == {"sub_branch", "shanghai"}),
    Case("binding_at_prefix_code_search_finds_nothing", "teller@B", searched,
         check=lambda r, b: r == []),
    # Channel systems: narrowed to the subject models of their channel scope.
    Case("contact_channel_cannot_write_identification", "channel writes contact",
         lambda c, b: c.create_record(b.branch.customer_number, id_card(resident_id())), DENIED),
    Case("contact_channel_writes_contact", "channel writes contact",
         lambda c, b: c.create_record(b.branch.customer_number, mobile("+8613700137000")),
         check=lambda r, b: r.subject == "contact"),
    Case("contact_reading_channel_sees_only_contact_in_360", "channel reads contact", view("sub_branch"),
         check=lambda r, b: [g.subject for g in r.subjects] == ["contact"]
         and len(r.cross_references) == 1),
    Case("contact_reading_channel_cannot_get_identification_record", "channel reads contact",
         lambda c, b: c.get_record(b.records["sub_branch.identification"]), DENIED),
    Case("contact_reading_channel_cannot_list_identification_records", "channel reads contact",
         lambda c, b: list(c.list_records(b.sub_branch.name, subject="identification")), DENIED),
    Case("contact_reading_channel_lists_only_contact_records", "channel reads contact",
         lambda c, b: list(c.list_records(b.sub_branch.name)),
         check=lambda r, b: [x.subject for x in r] == ["contact"]),
    # A token's roles claim narrows what its principal may do with it.
    Case("token_narrowed_to_auditor_reads", NARROWED, get("branch")),
    Case("token_narrowed_to_auditor_cannot_update", NARROWED, rename("branch"), DENIED),
    Case("token_narrowed_to_auditor_cannot_open_customer", NARROWED,
         create_in("BJ"), DENIED),
    Case("token_narrowed_to_auditor_cannot_add_records", NARROWED,
         lambda c, b: c.create_record(b.branch.customer_number, mobile()), DENIED),
    Case("same_principal_with_full_token_updates", "teller+auditor", rename("branch")),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_who_may_do_what(bank: Bank, case: Case) -> None:
    caller = bank.clients[case.who]
    if case.expect == OK:
        result = case.act(caller, bank)
        if case.check is not None:
            assert case.check(result, bank) is not False, result
        return
    with pytest.raises(RPCError) as raised:
        case.act(caller, bank)
    error = raised.value
    assert error.code == case.expect, error
    assert error.reason == case.expect.name, error


def test_table_covers_every_member_of_staff(bank: Bank) -> None:
    assert {c.who for c in CASES} == set(bank.clients)


# Out of scope reads exactly like nonexistent.


def _hidden_calls() -> dict[str, Callable[[Client, str, str], Any]]:
    """RPCs naming a customer (and one of its records); each called with a number and record id."""

    def record(number: str, record_id: str) -> str:
        return f"customers/{number}/records/{record_id}"

    return {
        "GetCustomer": lambda c, n, r: c.get_customer(n),
        "GetCustomer360": lambda c, n, r: c.get_360(n),
        "UpdateCustomer": lambda c, n, r: c.update_customer(
            customer_pb2.Customer(name=f"customers/{n}", display_name="X"), ["display_name"]
        ),
        "LinkCrossReference": lambda c, n, r: c.link(n, "CORE", unique("L")),
        "UnlinkCrossReference": lambda c, n, r: c.unlink(n, "CORE", unique("L")),
        "CreateSubjectRecord": lambda c, n, r: c.create_record(n, mobile()),
        "GetSubjectRecord": lambda c, n, r: c.get_record(record(n, r)),
        "UpdateSubjectRecord": lambda c, n, r: c.update_record(record(n, r), mobile()),
        "DeleteSubjectRecord": lambda c, n, r: c.delete_record(record(n, r)),
        "ListSubjectRecords": lambda c, n, r: list(c.list_records(n)),
    }


def _fingerprint(error: RPCError, *secrets: str) -> tuple[Any, ...]:
    """The error as a caller sees it, with the identifiers it was asked about blanked out."""

    def blank(text: str) -> str:
        for s in secrets:
            text = text.replace(s, "<id>")
        return text

    details = [(type(d).__name__, blank(text_format.MessageToString(d))) for d in error.details]
    return error.code, error.reason, blank(error.message), details


def _error(call: Callable[[], Any]) -> RPCError:
    with pytest.raises(RPCError) as raised:
        call()
    return raised.value


@pytest.mark.parametrize("rpc", list(_hidden_calls()))
def test_teller_outside_branch_cannot_tell_customer_exists(bank: Bank, rpc: str) -> None:
    call = _hidden_calls()[rpc]
    teller = bank.clients["teller@BJ"]
    real = bank.shanghai.customer_number
    real_record = bank.records["shanghai.contact"].rpartition("/")[2]
    ghost, ghost_record = new_customer_number(), str(uuid.uuid4())
    hidden = _error(lambda: call(teller, real, real_record))
    missing = _error(lambda: call(teller, ghost, ghost_record))
    assert hidden.code == NOT_FOUND, hidden
    assert _fingerprint(hidden, real, real_record) == _fingerprint(missing, ghost, ghost_record)


def test_teller_outside_branch_cannot_tell_source_reference_is_linked(bank: Bank) -> None:
    teller = bank.clients["teller@BJ"]
    linked, never = bank.xrefs["shanghai"], unique("B")
    hidden = _error(lambda: teller.lookup("CORE", linked))
    missing = _error(lambda: teller.lookup("CORE", never))
    assert hidden.code == NOT_FOUND, hidden
    assert _fingerprint(hidden, linked) == _fingerprint(missing, never)


def test_refused_move_leaves_customer_in_its_branch(bank: Bank) -> None:
    teller = bank.clients["teller@BJ"]
    with pytest.raises(RPCError) as raised:
        move("sub_branch", "SH")(teller, bank)
    assert raised.value.code == DENIED
    assert teller.get_customer(bank.sub_branch.name).owning_org_unit == bank.unit("BJ-SB01")


def test_relationship_manager_unmask_is_audited_with_reason(bank: Bank) -> None:
    reason = f"KYC review, ticket {uuid.uuid4().hex[:6]}"
    bank.clients["rm@BJ"].get_360(bank.sub_branch.name, unmask_reason=reason)
    events = [
        e
        for e in bank.admin.list_audit_events(principal=bank.principals["rm@BJ"])
        if e.reason == reason
    ]
    assert len(events) == 1, events
    assert events[0].method.endswith("/GetCustomer360") and events[0].outcome == "OK"
    assert list(events[0].customers) == [bank.sub_branch.name]
    assert any(f.endswith("#id_number") for f in events[0].unmasked_fields)


# Tokens: every way a bearer token can be wrong is UNAUTHENTICATED with its reason.


def _call_with(target: str, authorization: str | None) -> RPCError:
    """GetCustomer of a random number with exactly this `authorization` header (or none)."""
    metadata = (("authorization", authorization),) if authorization is not None else ()
    with grpc.insecure_channel(target) as channel:
        try:
            customer_service_pb2_grpc.CustomerServiceStub(channel).GetCustomer(
                svc.GetCustomerRequest(name=f"customers/{new_customer_number()}"),
                metadata=metadata,
                timeout=10,
            )
        except grpc.RpcError as error:
            return RPCError.from_call(error)
    raise AssertionError("the call succeeded")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Tokens:
    """A teller's genuine token and the principal names needed to bend it."""

    genuine: str
    admin_principal: str
    expired: str
    expire_time: datetime


@pytest.fixture(scope="module")
def tokens(server: RunningServer, bank: Bank) -> Tokens:
    teller = bank.principals["teller@BJ"]
    genuine = bank.tokens["teller@BJ"]

    def work(connection: Any) -> tuple[str, datetime]:
        token, claims = server.kernel.tokens.issue(
            connection, teller, [], 1, "tests", datetime.now(UTC)
        )
        return token, claims.expire_time

    expired, expire_time = server.kernel.run(work, actor=Provenance("tests", "issue"))
    return Tokens(genuine, f"admin-{uuid.uuid4().hex[:8]}", expired, expire_time)


def _tampered(token: str) -> str:
    """One character of the payload changed."""
    prefix, payload, tag = token.split(".")
    i = len(payload) // 2
    flipped = "A" if payload[i] != "A" else "B"
    return f"{prefix}.{payload[:i]}{flipped}{payload[i + 1 :]}.{tag}"


def _reclaimed(token: str, principal: str) -> str:
    """The payload rewritten to claim another principal, the original signature kept."""
    prefix, payload, tag = token.split(".")
    claims = json.loads(_unb64(payload))
    claims["sub"] = principal
    return f"{prefix}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}.{tag}"


def _forged(token: str, principal: str) -> str:
    """Well-formed, unexpired claims for `principal`, signed with a key the bank never had."""
    prefix, payload, _ = token.split(".")
    claims = json.loads(_unb64(payload))
    claims.update(sub=principal, jti=str(uuid.uuid4()), exp=int(time.time()) + 3600)
    body = f"{prefix}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
    return f"{body}.{_b64(primitives.hmac_sm3(os.urandom(32), body.encode()))}"


TOKEN_CASES: dict[str, tuple[Callable[[Tokens], str | None], set[str]]] = {
    "no_credentials": (lambda t: None, {"NO_CREDENTIALS"}),
    "empty_bearer": (lambda t: "Bearer ", {"TOKEN_MALFORMED"}),
    "basic_scheme": (lambda t: "Basic dGVsbGVyOnNlY3JldA==", {"TOKEN_MALFORMED"}),
    "not_a_token": (lambda t: "Bearer not-a-token", {"TOKEN_MALFORMED"}),
    "payload_character_flipped": (
        lambda t: f"Bearer {_tampered(t.genuine)}",
        {"TOKEN_MALFORMED", "TOKEN_INVALID"},
    ),
    "payload_rewritten_to_claim_admin": (
        lambda t: f"Bearer {_reclaimed(t.genuine, t.admin_principal)}",
        {"TOKEN_INVALID"},
    ),
    "signed_with_another_key": (
        lambda t: f"Bearer {_forged(t.genuine, t.admin_principal)}",
        {"TOKEN_INVALID"},
    ),
    "signature_cut_off": (
        lambda t: f"Bearer {t.genuine.rpartition('.')[0]}",
        {"TOKEN_MALFORMED"},
    ),
}


@pytest.mark.parametrize("case", list(TOKEN_CASES))
def test_bad_credentials_are_unauthenticated(bank: Bank, tokens: Tokens, case: str) -> None:
    make, reasons = TOKEN_CASES[case]
    error = _call_with(bank.target, make(tokens))
    assert error.code == UNAUTHENTICATED, error
    assert error.reason in reasons, error


def test_genuine_token_is_accepted(bank: Bank, tokens: Tokens) -> None:
    error = _call_with(bank.target, f"Bearer {tokens.genuine}")
    assert error.code == NOT_FOUND, error  # authenticated: the random customer does not exist


def test_expired_token_is_unauthenticated(bank: Bank, tokens: Tokens) -> None:
    wait = (tokens.expire_time - datetime.now(UTC)).total_seconds() + 0.05
    time.sleep(max(0.0, wait))
    error = _call_with(bank.target, f"Bearer {tokens.expired}")
    assert (error.code, error.reason) == (UNAUTHENTICATED, "TOKEN_EXPIRED"), error


def test_revoked_token_is_refused_at_once_by_the_revoking_replica(bank: Bank) -> None:
    issued = bank.admin.issue_token(bank.principals["teller@BJ"])
    with Client(bank.target, token=issued.token) as teller:
        assert teller.get_customer(bank.branch.name).customer_number  # works, and is cached
        bank.admin.revoke_token(issued.token_id, "teller's laptop stolen")
        with pytest.raises(RPCError) as raised:
            teller.get_customer(bank.branch.name)
    assert (raised.value.code, raised.value.reason) == (UNAUTHENTICATED, "TOKEN_REVOKED")


def test_revoked_token_is_refused_by_another_replica_within_the_revocation_interval(
    bank: Bank, database_url: str
) -> None:
    replica = start_server(database_url)
    try:
        issued = bank.admin.issue_token(bank.principals["teller@BJ"])
        with Client(f"127.0.0.1:{replica.port}", token=issued.token) as teller:
            teller.get_customer(bank.branch.name)  # the replica caches the token as valid
            bank.admin.revoke_token(issued.token_id, "teller left the bank")  # on the other one
            revoked = time.monotonic()
            while True:
                try:
                    teller.get_customer(bank.branch.name)
                except RPCError as error:
                    assert (error.code, error.reason) == (UNAUTHENTICATED, "TOKEN_REVOKED")
                    break
                # CUSTOMER_CORE_TOKEN_REVOCATION_INTERVAL (1 s) and a read, on a loaded machine
                assert time.monotonic() - revoked < 2.0, "revocation not effective within 2 s"
                time.sleep(0.1)
    finally:
        replica.stop(grace=1)


def test_revoking_needs_token_permission(bank: Bank) -> None:
    issued = bank.admin.issue_token(bank.principals["teller@BJ"])
    with pytest.raises(RPCError) as raised:
        bank.clients["teller@BJ"].revoke_token(issued.token_id, "revoking my own colleague")
    assert raised.value.code == DENIED
    with Client(bank.target, token=issued.token) as teller:
        assert teller.get_customer(bank.branch.name).customer_number  # still valid


def test_unauthenticated_calls_are_audited(bank: Bank) -> None:
    with Client(bank.target) as anonymous, pytest.raises(RPCError) as raised:
        anonymous.get_customer(bank.branch.name)
    assert (raised.value.code, raised.value.reason) == (UNAUTHENTICATED, "NO_CREDENTIALS")
    latest = itertools.islice(bank.admin.list_audit_events(page_size=50), 200)
    assert any(
        e.principal == "(unauthenticated)" and e.outcome == "UNAUTHENTICATED" for e in latest
    )
