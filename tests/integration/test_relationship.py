"""The `relationship` subject model over gRPC, as a relationship manager records a customer's
family, guarantors, officers, owners and group: every link names a real customer (or an outside
party, its ID number sealed), is seen from both ends, and the group's graph shows a teller only
the customers in its branch, the others as opaque masked nodes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc
import pytest
from customer_core_relationship.v1 import relationship_pb2 as rp
from customer_core_relationship.v1 import relationship_pb2_grpc
from google.rpc import error_details_pb2

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError, unpack
from customer_core.kernel.customer_number import new_customer_number
from customer_core.v1 import customer_pb2
from tests.integration.conftest import grant

REASON = "KYC review"
K = rp.RelationshipKind


def customer(
    client: Client, kind: str, org_unit: str = "HO01", name: str = ""
) -> customer_pb2.Customer:
    return client.create_customer(
        type=kind, owning_org_unit=org_unit, display_name=name or f"{kind} {uuid.uuid4().hex[:6]}"
    )


def link(kind: int, counterparty: str = "", **fields: object) -> rp.Relationship:
    return rp.Relationship(kind=kind, counterparty=counterparty, **fields)  # type: ignore[arg-type]


def refused(client: Client, number: str, record: rp.Relationship) -> list[tuple[str, str]]:
    with pytest.raises(RPCError) as exc:
        client.create_record(number, record)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = exc.value.detail(error_details_pb2.BadRequest)
    return [(v.field, v.reason) for v in bad.field_violations]


def graph(target: str, token: str, root: str, depth: int = 0) -> rp.RelationshipGraph:
    with grpc.insecure_channel(target) as channel:
        stub = relationship_pb2_grpc.RelationshipServiceStub(channel)
        try:
            return stub.GetRelationshipGraph(  # type: ignore[no-any-return]
                rp.GetRelationshipGraphRequest(customer=root, depth=depth),
                metadata=(("authorization", f"Bearer {token}"),),
                timeout=30,
            )
        except grpc.RpcError as error:
            raise RPCError.from_call(error) from None


def test_every_kind_links_a_customer_or_an_outside_party(client: Client) -> None:
    person, other = customer(client, "individual"), customer(client, "individual")
    company, group = customer(client, "organization"), customer(client, "organization")
    for kind in (K.RELATIONSHIP_KIND_SPOUSE, K.RELATIONSHIP_KIND_PARENT, K.RELATIONSHIP_KIND_CHILD,
                 K.RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER, K.RELATIONSHIP_KIND_GUARANTOR):  # fmt: skip
        made = client.create_record(
            person.customer_number,
            link(kind, other.name, valid_from="2020-05-01", disclosed_by="CORE"),
        )
        assert unpack(made.data).counterparty == other.name and made.quality_issues == []
    company_links = [
        link(K.RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE, person.name),
        link(K.RELATIONSHIP_KIND_EXECUTIVE, person.name, title=" CFO "),
        link(K.RELATIONSHIP_KIND_SHAREHOLDER, person.name, percentage="12.5"),
        link(K.RELATIONSHIP_KIND_SHAREHOLDER, group.name, percentage="100"),
        link(K.RELATIONSHIP_KIND_ACTUAL_CONTROLLER, person.name),
        link(K.RELATIONSHIP_KIND_PARENT_COMPANY, group.name, valid_from="2019-01-01", valid_to="2030-12-31"),
        link(K.RELATIONSHIP_KIND_SUBSIDIARY, group.name),
        link(K.RELATIONSHIP_KIND_GROUP_MEMBER, group.name),
    ]  # fmt: skip
    for record in company_links:
        made = client.create_record(company.customer_number, record)
        assert made.quality_issues == []
    kinds = [
        unpack(r.data).kind
        for r in client.list_records(company.customer_number, subject="relationship")
    ]
    assert kinds == [r.kind for r in company_links]
    titled = [
        unpack(r.data) for r in client.list_records(company.customer_number, subject="relationship")
    ]
    assert titled[1].title == "CFO"
    outside = rp.Relationship(
        kind=K.RELATIONSHIP_KIND_GUARANTOR,
        outside_party=rp.OutsideParty(
            name=" Wang Wu ", id_type="ID_TYPE_RESIDENT_ID_CARD", id_number="11010519491231002x"
        ),
    )
    made = client.create_record(company.customer_number, outside)
    masked = unpack(made.data).outside_party
    assert masked.name == "Wang Wu" and masked.id_number != "11010519491231002X"
    assert masked.id_number.startswith("110") and masked.id_number.endswith("002X")
    clear = unpack(client.get_record(made.name, unmask_reason=REASON).data).outside_party
    assert clear.id_number == "11010519491231002X"
    unidentified = client.create_record(
        company.customer_number,
        rp.Relationship(
            kind=K.RELATIONSHIP_KIND_GUARANTOR, outside_party=rp.OutsideParty(name="Zhao Liu")
        ),
    )
    assert [(i.rule_id, i.field) for i in unidentified.quality_issues] == [
        ("RELATIONSHIP_OUTSIDE_PARTY_UNIDENTIFIED", "data.outside_party.id_number")
    ]


def test_a_link_to_a_customer_that_does_not_exist_is_refused_naming_the_field(
    client: Client,
) -> None:
    person = customer(client, "individual")
    nobody = f"customers/{new_customer_number()}"
    with pytest.raises(RPCError) as exc:
        client.create_record(person.customer_number, link(K.RELATIONSHIP_KIND_SPOUSE, nobody))
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert exc.value.reason == "CUSTOMER_REF_NOT_FOUND"
    assert "does not exist" in exc.value.field_violations["record.data.counterparty"]
    with pytest.raises(RPCError) as exc:
        client.create_customer(
            type="individual", owning_org_unit="HO01", display_name="Sun Qi",
            records=[link(K.RELATIONSHIP_KIND_SPOUSE, nobody)],
        )  # fmt: skip
    assert exc.value.reason == "CUSTOMER_REF_NOT_FOUND"
    assert list(exc.value.field_violations) == ["records[0].data.counterparty"]
    # special's payer is a customer_ref too
    from customer_core_special.v1 import special_pb2 as sp

    payroll = sp.SpecialInformation(
        agency_payment=sp.AgencyPayment(
            payer=nobody, payer_name="Nobody Ltd", account_number="6222021234567890123",
            service=sp.AGENCY_SERVICE_PAYROLL,
        )
    )  # fmt: skip
    with pytest.raises(RPCError) as exc:
        client.create_record(person.customer_number, payroll)
    assert list(exc.value.field_violations) == ["record.data.agency_payment.payer"]


def test_a_batch_rejects_the_request_whose_link_names_no_customer_alone(client: Client) -> None:
    from customer_core.client import pack
    from customer_core.v1 import customer_service_pb2 as svc

    spouse = customer(client, "individual")

    def request(counterparty: str) -> svc.CreateCustomerRequest:
        return svc.CreateCustomerRequest(
            customer=customer_pb2.Customer(
                type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL, owning_org_unit="HO01",
                display_name="Batch Person",
            ),
            records=[customer_pb2.SubjectRecord(
                subject="relationship", data=pack(link(K.RELATIONSHIP_KIND_SPOUSE, counterparty))
            )],
        )  # fmt: skip

    outcomes = client.batch_create_customers(
        [request(spouse.name), request(f"customers/{new_customer_number()}")]
    )
    applied, rejected = outcomes
    assert (applied.state, rejected.state) == (applied.STATE_APPLIED, rejected.STATE_REJECTED)
    assert rejected.reason == "CUSTOMER_REF_NOT_FOUND"
    assert [v.field for v in rejected.field_violations] == ["records[0].data.counterparty"]
    (reference,) = client.inbound_references(spouse.customer_number)
    assert reference.customer == applied.customer.name and reference.field == "counterparty"


def test_bad_links_are_refused(client: Client) -> None:
    person, other = customer(client, "individual"), customer(client, "individual")
    company = customer(client, "organization")
    number = person.customer_number
    assert refused(client, number, link(K.RELATIONSHIP_KIND_SPOUSE, person.name)) == [
        ("record.data.counterparty", "")
    ]
    assert refused(client, number, link(K.RELATIONSHIP_KIND_SPOUSE)) == [
        ("record.data.counterparty", "")
    ]
    for percentage in ("0", "100.5", "0.000"):
        assert refused(
            client, company.customer_number,
            link(K.RELATIONSHIP_KIND_SHAREHOLDER, person.name, percentage=percentage),
        ) == [("record.data.percentage", "RELATIONSHIP_DETAILS_FIT_KIND")], percentage  # fmt: skip
    assert refused(
        client, company.customer_number, link(K.RELATIONSHIP_KIND_SHAREHOLDER, person.name, percentage="1e2")
    ) == [("record.data.percentage", "FIELD_PATTERN")]  # fmt: skip
    assert refused(
        client, company.customer_number, link(K.RELATIONSHIP_KIND_SHAREHOLDER, person.name)
    ) == [("record.data.percentage", "RELATIONSHIP_DETAILS_FIT_KIND")]
    assert refused(
        client, company.customer_number, link(K.RELATIONSHIP_KIND_EXECUTIVE, person.name)
    ) == [("record.data.title", "RELATIONSHIP_DETAILS_FIT_KIND")]
    assert refused(
        client, number, link(K.RELATIONSHIP_KIND_SPOUSE, other.name, valid_from="2024-02-01", valid_to="2024-01-31")
    ) == [("record.data.valid_to", "RELATIONSHIP_DATES")]  # fmt: skip
    assert refused(
        client, number, link(K.RELATIONSHIP_KIND_SPOUSE, other.name, valid_from="2024-02-30")
    ) == [("record.data.valid_from", "RELATIONSHIP_DATES")]
    assert refused(
        client, company.customer_number, link(K.RELATIONSHIP_KIND_SPOUSE, person.name)
    ) == [("record.data.kind", "RELATIONSHIP_KIND_FITS_CUSTOMER_TYPE")]
    assert refused(client, number, link(K.RELATIONSHIP_KIND_SUBSIDIARY, company.name)) == [
        ("record.data.kind", "RELATIONSHIP_KIND_FITS_CUSTOMER_TYPE")
    ]


def test_a_new_link_to_a_closed_customer_is_refused_but_one_held_is_kept(client: Client) -> None:
    person, spouse = customer(client, "individual"), customer(client, "individual")
    made = client.create_record(
        person.customer_number, link(K.RELATIONSHIP_KIND_SPOUSE, spouse.name)
    )
    client.close_customer(spouse.customer_number, reason="deceased")
    with pytest.raises(RPCError) as exc:
        client.create_record(person.customer_number, link(K.RELATIONSHIP_KIND_PARENT, spouse.name))
    assert exc.value.reason == "CUSTOMER_REF_NOT_ACTIVE"
    assert "CLOSED" in exc.value.field_violations["record.data.counterparty"]
    updated = client.update_record(
        made.name, link(K.RELATIONSHIP_KIND_SPOUSE, spouse.name, valid_to="2026-01-31")
    )
    assert unpack(updated.data).valid_to == "2026-01-31"


def test_the_link_is_seen_from_both_ends_and_follows_the_record(client: Client) -> None:
    person, first, second = (customer(client, "individual") for _ in range(3))
    made = client.create_record(
        person.customer_number, link(K.RELATIONSHIP_KIND_GUARANTOR, first.name)
    )
    (reference,) = client.inbound_references(first.customer_number)
    assert (reference.record, reference.customer, reference.subject, reference.field, reference.masked) == (
        made.name, person.name, "relationship", "counterparty", False
    )  # fmt: skip
    client.update_record(made.name, link(K.RELATIONSHIP_KIND_GUARANTOR, second.name))
    assert list(client.inbound_references(first.customer_number)) == []
    assert [r.record for r in client.inbound_references(second.customer_number)] == [made.name]
    assert list(client.inbound_references(second.customer_number, subject="special")) == []
    client.delete_record(made.name)
    assert list(client.inbound_references(second.customer_number)) == []


@pytest.fixture
def branch_teller(server: RunningServer, org_unit: str) -> Iterator[tuple[str, str]]:
    """A teller of branch `{org_unit}-IN` only: (its token, the org unit prefix)."""
    token = grant(server.kernel, f"teller-{uuid.uuid4().hex[:8]}", "teller", f"{org_unit}-IN")
    yield token, org_unit


def test_a_link_from_outside_the_callers_scope_is_seen_masked(
    client: Client, target: str, branch_teller: tuple[str, str]
) -> None:
    token, unit = branch_teller
    mine = customer(client, "individual", f"{unit}-IN")
    theirs = customer(client, "individual", f"{unit}-OUT")
    client.create_record(theirs.customer_number, link(K.RELATIONSHIP_KIND_GUARANTOR, mine.name))
    with Client(target, token=token) as teller:
        (reference,) = teller.inbound_references(mine.customer_number)
        assert reference.masked and reference.opaque_id
        assert reference.record == "" and reference.customer == ""
        with pytest.raises(RPCError) as exc:
            list(teller.inbound_references(theirs.customer_number))
        assert exc.value.code == grpc.StatusCode.NOT_FOUND
    (seen,) = client.inbound_references(mine.customer_number)
    assert (
        not seen.masked and seen.customer == theirs.name and seen.opaque_id == reference.opaque_id
    )


def test_the_group_graph_shows_a_teller_its_branch_and_masks_the_rest(
    client: Client, target: str, token: str, branch_teller: tuple[str, str]
) -> None:
    teller_token, unit = branch_teller
    inside, outside = f"{unit}-IN", f"{unit}-OUT"
    holding = customer(client, "organization", inside, "Holding Co")
    owner = customer(client, "individual", inside, "Owner Person")
    investor = customer(client, "organization", outside, "Investor Co")
    ultimate = customer(client, "individual", inside, "Ultimate Owner")
    first = customer(client, "organization", inside, "First Sub")
    second = customer(client, "organization", outside, "Second Sub")
    number = holding.customer_number
    client.create_record(number, link(K.RELATIONSHIP_KIND_SHAREHOLDER, owner.name, percentage="60"))
    client.create_record(
        number, link(K.RELATIONSHIP_KIND_SHAREHOLDER, investor.name, percentage="40")
    )
    client.create_record(number, link(K.RELATIONSHIP_KIND_SUBSIDIARY, first.name))
    client.create_record(
        investor.customer_number,
        link(K.RELATIONSHIP_KIND_SHAREHOLDER, ultimate.name, percentage="100"),
    )
    client.create_record(
        first.customer_number, link(K.RELATIONSHIP_KIND_PARENT_COMPANY, holding.name)
    )
    client.create_record(first.customer_number, link(K.RELATIONSHIP_KIND_GROUP_MEMBER, second.name))
    client.create_record(
        second.customer_number, link(K.RELATIONSHIP_KIND_PARENT_COMPANY, holding.name)
    )

    whole = graph(target, token, holding.name, depth=3)
    names = {n.customer for n in whole.nodes}
    assert {
        holding.name,
        owner.name,
        investor.name,
        ultimate.name,
        first.name,
        second.name,
    } == names
    assert not any(n.masked for n in whole.nodes) and not whole.truncated
    shares = sorted(e.percentage for e in whole.edges if e.kind == K.RELATIONSHIP_KIND_SHAREHOLDER)
    assert shares == ["100", "40", "60"]
    assert len(whole.edges) == 7  # each record once, the cycle holding <-> first included

    seen = graph(target, teller_token, holding.name, depth=3)
    by_id = {n.id: n for n in seen.nodes}
    visible = {n.customer: n for n in seen.nodes if not n.masked}
    assert set(visible) == {
        holding.name,
        owner.name,
        first.name,
    }  # ultimate is only reached via investor
    assert (
        visible[holding.name].distance == 0 and visible[holding.name].display_name == "Holding Co"
    )
    assert seen.root == visible[holding.name].id
    hidden = [n for n in seen.nodes if n.masked]
    assert len(hidden) == 2  # investor and second
    for node in hidden:
        assert node.customer == "" and node.display_name == "" and node.id.startswith("p")
        assert investor.customer_number not in node.id and second.customer_number not in node.id
    text = str(seen)
    for secret in (
        investor.customer_number,
        second.customer_number,
        "Investor Co",
        "Second Sub",
        ultimate.customer_number,
    ):
        assert secret not in text
    masked_edges = [e for e in seen.edges if e.masked]
    assert len(masked_edges) == 1  # second's own PARENT_COMPANY record: only that a link exists
    (stated,) = masked_edges
    assert by_id[stated.source].masked and stated.target == seen.root
    assert stated.record == "" and stated.kind == K.RELATIONSHIP_KIND_UNSPECIFIED
    to_investor = [e for e in seen.edges if by_id[e.target].masked and not e.masked]
    assert sorted(e.kind for e in to_investor) == [
        K.RELATIONSHIP_KIND_SHAREHOLDER,
        K.RELATIONSHIP_KIND_GROUP_MEMBER,
    ]
    # The masked ids are stable: the same node in the administrator's graph has the same id.
    assert {n.id for n in hidden} <= {n.id for n in whole.nodes}

    one = graph(target, teller_token, holding.name, depth=1)
    assert first.name in {n.customer for n in one.nodes}
    assert all(n.distance <= 1 for n in one.nodes)


def test_the_graph_needs_a_root_in_scope_and_a_bounded_depth(
    client: Client, target: str, token: str, branch_teller: tuple[str, str]
) -> None:
    teller_token, unit = branch_teller
    elsewhere = customer(client, "organization", f"{unit}-OUT")
    with pytest.raises(RPCError) as exc:
        graph(target, teller_token, elsewhere.name)
    assert exc.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(RPCError) as exc:
        graph(target, token, elsewhere.name, depth=6)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "depth" in exc.value.field_violations
    with pytest.raises(RPCError) as exc:
        graph(target, token, "customers/123")
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "customer" in exc.value.field_violations
