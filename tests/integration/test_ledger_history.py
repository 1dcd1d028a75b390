"""A customer's history, and its 360 view at any past moment, read back from the ledger.

A data steward opens a customer's history: every change, newest first, page by page, of one
subject if she asks, each entry chained to the one before it by its hash; sensitive values in
those entries are ciphertext. A customer outside her scope has no history she can see. An
auditor then asks what the customer 360 looked like at a given moment: after a random run of
writes (records created, changed and deleted, systems linked and unlinked, the customer renamed,
moved and finally closed), the view rebuilt from the ledger for every moment equals what
GetCustomer360 answered at that moment — masked, and in clear with a reason.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf import any_pb2, timestamp_pb2
from sqlalchemy import select

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError, unpack
from customer_core.kernel.customer_number import new_customer_number
from customer_core.ledger.chain import GENESIS, canonical, entry_hash
from customer_core.storage.tables import ledger_offsets
from customer_core.storage.transaction import run_in_transaction
from customer_core.v1 import customer_pb2, customer_service_pb2_grpc, ledger_pb2
from customer_core.v1 import customer_service_pb2 as svc
from customer_core_contact.v1 import contact_pb2
from customer_core_identification.v1 import identification_pb2
from tests.integration.conftest import grant
from tests.integration.helpers import id_card, mobile, profile, unique

CREATE = ledger_pb2.CHANGE_ACTION_CREATE
UPDATE = ledger_pb2.CHANGE_ACTION_UPDATE
DELETE = ledger_pb2.CHANGE_ACTION_DELETE
REASON = "KYC review, ticket 4711"


def _token_client(target: str, token: str) -> Client:
    return Client(target, token=token)


def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(RPCError) as exc:
        call()  # type: ignore[operator]
    return exc.value.code


# History


def test_history_is_newest_first_chained_paged_and_filtered_by_subject(
    server: RunningServer, client: Client
) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Li Si",
        cross_references=[("CORE", unique("C"))], records=[profile("Li Si"), id_card()],
    )  # fmt: skip
    phone = client.create_record(customer.name, mobile("+8613800138001"))
    phone = client.update_record(phone.name, mobile("+8613900139002"), etag=phone.etag)
    cards = unique("K")
    client.link(customer.name, "CARDS", cards)
    client.delete_record(phone.name)
    client.unlink(customer.name, "CARDS", cards)

    entries = list(client.history(customer.customer_number, page_size=2))
    assert [e.sequence for e in entries] == list(range(9, 0, -1))
    assert [(e.subject, e.action) for e in reversed(entries)] == [
        ("customer", CREATE),
        ("cross_reference", CREATE),
        ("individual", CREATE),
        ("identification", CREATE),
        ("contact", CREATE),
        ("contact", UPDATE),
        ("cross_reference", CREATE),
        ("contact", DELETE),
        ("cross_reference", DELETE),
    ]
    assert all(e.customer == customer.name and e.chain == customer.name for e in entries)
    oldest_first = list(reversed(entries))
    prev = GENESIS
    for entry in oldest_first:  # each entry is chained to the one before it
        assert entry.prev_hash == prev
        assert entry.hash == entry_hash(prev, canonical(entry))
        assert entry.offset >= 0  # 0 until a block seals it
        prev = entry.hash

    contact = list(client.history(customer.name, "contact", page_size=1))
    assert [e.action for e in contact] == [DELETE, UPDATE, CREATE]
    assert all(e.resource == phone.name for e in contact)
    # Sensitive values stay ciphertext: the masked number and sealed bytes, never the clear one.
    after = ledger_pb2.RecordSnapshot.FromString(contact[1].after)
    assert unpack(customer_pb2.SubjectRecord(data=_any(after)).data).phone.number == (
        "+86139****9002"
    )
    assert after.sealed and b"8613900139002" not in contact[1].after
    assert b"8613900139002" not in contact[0].before
    assert [e.action for e in client.history(customer.name, "cross_reference")] == [
        DELETE,
        CREATE,
        CREATE,
    ]
    assert list(client.history(customer.name, "loyalty")) == []
    # Once sealed, each entry carries its global offset, as the ledger tables hold it.
    server.sealer.seal_now()
    sealed = list(client.history(customer.name))
    offsets = run_in_transaction(
        server.kernel.engine,
        lambda c: dict(
            c.execute(
                select(ledger_offsets.c.entry_id, ledger_offsets.c.offset).where(
                    ledger_offsets.c.entry_id.in_([uuid.UUID(e.id) for e in sealed])
                )
            ).all()
        ),
        write=False,
    )
    assert [e.offset for e in sealed] == [offsets[uuid.UUID(e.id)] for e in sealed]
    assert all(e.offset > 0 for e in sealed)
    assert [(e.id, e.hash) for e in sealed] == [(e.id, e.hash) for e in entries]


def _any(snapshot: ledger_pb2.RecordSnapshot) -> any_pb2.Any:
    return any_pb2.Any(type_url=snapshot.type_url, value=snapshot.payload)


def test_history_page_tokens_belong_to_their_request(client: Client) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Wang Wu",
        records=[profile("Wang Wu"), mobile(), mobile("+8613900139000")],
    )  # fmt: skip
    stub = client._ledger  # the raw call: the client pages for you
    first = stub.ListCustomerHistory(
        ledger_pb2.ListCustomerHistoryRequest(customer=customer.name, page_size=1),
        metadata=client._metadata,
    )
    assert len(first.entries) == 1 and first.next_page_token
    with pytest.raises(grpc.RpcError) as exc:
        stub.ListCustomerHistory(
            ledger_pb2.ListCustomerHistoryRequest(
                customer=customer.name, subject="contact", page_token=first.next_page_token
            ),
            metadata=client._metadata,
        )
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _code(lambda: list(client.history("customers/123"))) == grpc.StatusCode.INVALID_ARGUMENT


def test_history_follows_the_callers_scope(
    server: RunningServer, target: str, client: Client
) -> None:
    unit = f"H{uuid.uuid4().hex[:8].upper()}"
    mine = client.create_customer(
        type="individual", owning_org_unit=f"{unit}-BJ", display_name="Zhao Liu",
        cross_references=[("CORE", unique("C"))], records=[profile("Zhao Liu"), id_card(), mobile()],
    )  # fmt: skip
    theirs = client.create_customer(
        type="individual", owning_org_unit=f"{unit}-SH", display_name="Qian Qi"
    )
    teller = grant(server.kernel, f"teller-{unit}", "teller", f"{unit}-BJ")
    channel = grant(
        server.kernel, f"app-{unit}", "channel_system", f"{unit}-BJ", read_subjects=("contact",)
    )
    with _token_client(target, teller) as as_teller, _token_client(target, channel) as as_app:
        assert len(list(as_teller.history(mine.name))) == 5
        # Outside the scope: the customer does not exist for the caller.
        assert _code(lambda: list(as_teller.history(theirs.name))) == grpc.StatusCode.NOT_FOUND
        missing = f"customers/{new_customer_number()}"  # well formed, nobody's
        assert _code(lambda: list(as_teller.history(missing))) == grpc.StatusCode.NOT_FOUND
        # A channel system sees the changes of the subjects it may read, no others.
        seen = [e.subject for e in as_app.history(mine.name)]
        assert seen == ["contact", "cross_reference", "customer"]
        assert (
            _code(lambda: list(as_app.history(mine.name, "identification")))
            == grpc.StatusCode.PERMISSION_DENIED
        )


# The 360 view as of a past moment


@dataclass
class Moment:
    """What GetCustomer360 answered right after one write, and when."""

    label: str
    start: datetime  # just before the write was sent
    end: datetime  # after both views were read
    masked: customer_pb2.Customer360
    clear: customer_pb2.Customer360


def _now() -> datetime:
    return datetime.now(UTC)


def _passport(rng: random.Random) -> identification_pb2.IdentificationDocument:
    return identification_pb2.IdentificationDocument(
        id_type=identification_pb2.ID_TYPE_PASSPORT,
        id_number=f"E{rng.randrange(10**7, 10**8)}",
        issuing_country="CHN",
        status=rng.choice(
            [identification_pb2.ID_STATUS_VALID, identification_pb2.ID_STATUS_EXPIRED]
        ),
    )


def _email(rng: random.Random) -> contact_pb2.ContactPoint:
    return contact_pb2.ContactPoint(
        email=contact_pb2.Email(address=f"u{rng.randrange(10**6)}@example.com"),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )


def _phone(rng: random.Random) -> contact_pb2.ContactPoint:
    return mobile(f"+86139{rng.randrange(10**8):08d}")


class Story:
    """One customer's random life, with the 360 view read after every write."""

    def __init__(self, client: Client, seed: int, org_unit: str) -> None:
        self.client = client
        self.rng = random.Random(seed)
        self.org_unit = org_unit
        self.moments: list[Moment] = []
        self.records: dict[str, tuple[str, str]] = {}  # record name -> (kind, etag)
        self.xrefs: list[tuple[str, str]] = []
        self.customer = customer_pb2.Customer()

    def write(self, label: str, action) -> None:  # type: ignore[no-untyped-def]
        start = _now()
        action()
        masked = self.client.get_360(self.customer.name)
        clear = self.client.get_360(self.customer.name, unmask_reason=REASON)
        self.moments.append(Moment(label, start, _now(), masked, clear))

    def open(self) -> None:
        def create() -> None:
            local = unique("C")
            self.customer = self.client.create_customer(
                type="individual", owning_org_unit=self.org_unit, display_name="Sun Ba",
                cross_references=[("CORE", local)], records=[profile("Sun Ba"), id_card()],
            )  # fmt: skip
            self.xrefs.append(("CORE", local))
            records = self.client.list_records(self.customer.name)
            for record in sorted(records, key=lambda r: r.subject):  # (not by random ids)
                self.records[record.name] = (record.subject, record.etag)

        self.write("create", create)

    def add(self, kind: str) -> None:
        make = {"passport": _passport, "email": _email, "phone": _phone}[kind]
        source = self.rng.choice(["", "CORE", "CARDS"])

        def add() -> None:
            record = self.client.create_record(
                self.customer.name, make(self.rng), source_system=source
            )
            self.records[record.name] = (kind, record.etag)

        self.write(f"add {kind}", add)

    def change(self) -> None:
        name = self.rng.choice(list(self.records))  # in creation order: the seed decides
        kind, etag = self.records[name]

        def change() -> None:
            if kind == "individual":
                occupation = self.rng.choice(["teacher", "engineer", "farmer", "nurse"])
                record = self.client.update_record(
                    name, profile(occupation=occupation), etag=etag,
                    update_mask=["data.occupation"],
                )  # fmt: skip
            elif kind == "identification":
                record = self.client.update_record(name, id_card(), etag=etag)
            else:
                make = {"passport": _passport, "email": _email, "phone": _phone}[kind]
                record = self.client.update_record(name, make(self.rng), etag=etag)
            self.records[name] = (kind, record.etag)

        self.write(f"change {kind}", change)

    def remove(self) -> None:
        candidates = [n for n, (k, _) in self.records.items() if k != "individual"]
        if not candidates:
            return self.add("phone")
        name = self.rng.choice(candidates)

        def remove() -> None:
            self.client.delete_record(name, etag=self.records.pop(name)[1])

        self.write("delete record", remove)
        return None

    def link(self) -> None:
        pair = (self.rng.choice(["CORE", "CARDS", "LOANS", "WEALTH"]), unique("L"))

        def link() -> None:
            self.client.link(self.customer.name, *pair)
            self.xrefs.append(pair)

        self.write("link", link)

    def unlink(self) -> None:
        if not self.xrefs:
            return self.link()
        pair = self.xrefs.pop(self.rng.randrange(len(self.xrefs)))
        self.write("unlink", lambda: self.client.unlink(self.customer.name, *pair))
        return None

    def rename(self) -> None:
        name = self.rng.choice(["Sun Ba", "Sun Jiu", "Zhou Shi", "Wu Shiyi"])
        self.write(
            "rename",
            lambda: self.client.update_customer(
                customer_pb2.Customer(name=self.customer.name, display_name=name), ["display_name"]
            ),
        )

    def move(self) -> None:
        unit = self.rng.choice([self.org_unit, f"{self.org_unit}-BJ", f"{self.org_unit}-SH"])
        self.write(
            "move",
            lambda: self.client.update_customer(
                customer_pb2.Customer(name=self.customer.name, owning_org_unit=unit),
                ["owning_org_unit"],
            ),
        )

    def close(self) -> None:
        self.write("close", lambda: self.client.close_customer(self.customer.name, "moved abroad"))

    def run(self, steps: int) -> None:
        self.open()
        actions = [
            lambda: self.add(self.rng.choice(["passport", "email", "phone"])),
            self.change,
            self.change,
            self.remove,
            self.link,
            self.unlink,
            self.rename,
            self.move,
        ]
        first = list(actions)  # every kind of write once, in a random order, then at random
        self.rng.shuffle(first)
        for action in first + [self.rng.choice(actions) for _ in range(steps - len(first))]:
            action()
        self.close()


def test_the_360_view_as_of_every_moment_is_what_was_answered_then(client: Client) -> None:
    story = Story(client, seed=20261124, org_unit=f"A{uuid.uuid4().hex[:8].upper()}")
    story.run(30)
    moments = story.moments
    assert len(moments) == 32
    labels = {m.label.split()[0] for m in moments}
    assert {
        "create",
        "add",
        "change",
        "delete",
        "link",
        "unlink",
        "rename",
        "move",
        "close",
    } <= labels
    # The views were really masked and in clear.
    assert moments[0].masked != moments[0].clear
    assert moments[-1].masked.customer.status == customer_pb2.CUSTOMER_STATUS_CLOSED

    name = story.customer.name
    for i, moment in enumerate(moments):
        following = moments[i + 1].start if i + 1 < len(moments) else _now()
        between = moment.end + (following - moment.end) / 2
        for when in (moment.end, between):
            assert client.get_360(name, as_of=when) == moment.masked, (i, moment.label, when)
            assert client.get_360(name, as_of=when, unmask_reason=REASON) == moment.clear, (
                i,
                moment.label,
                when,
            )
    # Before the customer was created it did not exist.
    before = moments[0].start - timedelta(microseconds=1)
    assert _code(lambda: client.get_360(name, as_of=before)) == grpc.StatusCode.NOT_FOUND
    # Now is the live view; the future is refused.
    assert client.get_360(name, as_of=_now()) == client.get_360(name)
    with pytest.raises(RPCError) as exc:
        client.get_360(name, as_of=_now() + timedelta(minutes=5))
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "as_of" in exc.value.field_violations


def test_as_of_an_erased_customer_stays_masked(client: Client) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zheng Shier",
        records=[profile("Zheng Shier"), id_card(), mobile()],
    )  # fmt: skip
    masked = client.get_360(customer.name)
    clear = client.get_360(customer.name, unmask_reason=REASON)
    then = _now()
    assert unpack(clear.subjects[1].records[0].data).id_number == "11010519491231002X"
    assert client.get_360(customer.name, as_of=then, unmask_reason=REASON) == clear
    client.close_customer(customer.name, "deceased")
    client.erase_customer(customer.name, "PIPL art. 47, request 99")
    # Its data keys are destroyed: the past is shown masked, and the call does not fail.
    assert client.get_360(customer.name, as_of=then, unmask_reason=REASON) == masked


def test_as_of_follows_the_callers_scope_like_the_live_view(
    server: RunningServer, target: str, client: Client
) -> None:
    unit = f"S{uuid.uuid4().hex[:8].upper()}"
    customer = client.create_customer(
        type="individual", owning_org_unit=unit, display_name="Feng Shisan",
        cross_references=[("CORE", unique("C"))], records=[profile("Feng Shisan"), id_card(), mobile()],
    )  # fmt: skip
    other = client.create_customer(type="individual", owning_org_unit=f"X{unit}", display_name="X")
    then = _now()
    app = grant(
        server.kernel,
        f"app-{unit}",
        "channel_system",
        unit,
        read_subjects=("contact", "individual"),
    )
    with _token_client(target, app) as as_app:
        live = as_app.get_360(customer.name)
        assert [g.subject for g in live.subjects] == ["contact", "individual"]
        assert as_app.get_360(customer.name, as_of=then) == live
        # No pii.unmask: the same refusal as live.
        for when in (None, then):
            with pytest.raises(RPCError) as exc:
                as_app.get_360(customer.name, as_of=when, unmask_reason=REASON)
            assert exc.value.code == grpc.StatusCode.PERMISSION_DENIED
        assert _code(lambda: as_app.get_360(other.name, as_of=then)) == grpc.StatusCode.NOT_FOUND


def test_malformed_as_of_is_invalid_argument(target: str, token: str, client: Client) -> None:
    customer = client.create_customer(type="organization", owning_org_unit="HO01", display_name="Y")
    with grpc.insecure_channel(target) as channel:
        stub = customer_service_pb2_grpc.CustomerServiceStub(channel)
        for bad in (
            timestamp_pb2.Timestamp(seconds=1, nanos=-1),
            timestamp_pb2.Timestamp(seconds=10**12),
            timestamp_pb2.Timestamp(seconds=-(10**12)),
        ):
            with pytest.raises(grpc.RpcError) as exc:
                stub.GetCustomer360(
                    svc.GetCustomer360Request(name=customer.name, as_of=bad),
                    metadata=[("authorization", f"Bearer {token}")],
                    timeout=10,
                )
            assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_garbage_history_requests_get_caller_errors(target: str, token: str) -> None:
    rng = random.Random("ListCustomerHistory")
    alphabet = "customers/0123456789X客户\x00%_-"
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(
            "/customer_core.v1.LedgerService/ListCustomerHistory",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=ledger_pb2.ListCustomerHistoryResponse.FromString,
        )
        for _ in range(30):
            request = ledger_pb2.ListCustomerHistoryRequest(
                customer="".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))),
                subject="".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))),
                page_size=rng.randint(-5, 5000),
                page_token="".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))),
            )
            try:
                call(request, timeout=10, metadata=[("authorization", f"Bearer {token}")])
            except grpc.RpcError as error:
                assert error.code() in {
                    grpc.StatusCode.INVALID_ARGUMENT,
                    grpc.StatusCode.NOT_FOUND,
                }, (request, error.details())
