"""Relationship discovery through gRPC, as data stewards meet it: the end-of-day consolidation
proposes possible family (individuals at one address sharing a surname or a phone) and links from
an organization to the individual customer who is its legal representative or executive; a
steward confirms (the relationship record is written, with the proposal as its origin) or rejects
(never proposed again); proposals are scoped like every read."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import grpc
import pytest
from customer_core_organization.v1 import organization_pb2
from customer_core_relationship.v1 import relationship_pb2 as rp
from google.rpc import error_details_pb2

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError
from customer_core.client._client import unpack
from customer_core.v1 import consolidation_service_pb2 as pb
from customer_core.v1 import customer_pb2
from customer_core_contact.v1 import contact_pb2
from tests.integration.conftest import admin_token, grant, start_server
from tests.integration.helpers import mobile, person, unique
from tests.integration.test_cli import run

STREET = "北京市朝阳区建国路88号院3号楼2单元501"


@pytest.fixture(scope="module")
def running(new_database) -> Iterator[RunningServer]:  # type: ignore[no-untyped-def]
    server = start_server(new_database("relationships"))
    yield server
    server.stop(grace=1)


@pytest.fixture(scope="module")
def steward(running: RunningServer) -> Iterator[Client]:
    with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as c:
        yield c


def _home(street: str) -> contact_pb2.ContactPoint:
    return contact_pb2.ContactPoint(
        address=contact_pb2.PostalAddress(street=street), purpose=contact_pb2.CONTACT_PURPOSE_HOME
    )


def _individual(
    client: Client, name: str, *contacts: contact_pb2.ContactPoint, org_unit: str = "HO01"
) -> tuple[customer_pb2.Customer, str]:
    profile, card = person(name)
    made = client.create_customer(
        type="individual", owning_org_unit=org_unit, display_name=name,
        cross_references=[("CORE", unique("P"))], records=[profile, card, *contacts],
    )  # fmt: skip
    return made, card.id_number


def _organization(client: Client, name: str, *records: object) -> customer_pb2.Customer:
    return client.create_customer(
        type="organization", owning_org_unit="HO01", display_name=name,
        cross_references=[("CORE", unique("O"))],
        records=[organization_pb2.OrganizationProfile(legal_name=name), *records],  # type: ignore[list-item]
    )  # fmt: skip


def _consolidate(client: Client) -> pb.ConsolidationRun:
    run = client.wait_for_consolidation(client.run_consolidation(), poll=0.2, timeout=300)
    assert run.state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED, run.error
    return run


def _proposals(
    client: Client, status: str = "open"
) -> dict[tuple[str, str, str], pb.RelationshipProposal]:
    return {
        (p.owner, p.counterparty, p.kind): p
        for p in client.relationship_proposals(status=status, page_size=2)
    }


@pytest.fixture(scope="module")
def base(steward: Client) -> dict[str, customer_pb2.Customer]:
    """A household, a stranger at its address, a dormitory, and two companies naming people."""
    father, father_id = _individual(steward, "王建国", _home(STREET), mobile("+8613900000001"))
    son, _ = _individual(steward, "王小明", _home(STREET))  # surname and address
    wife, wife_id = _individual(steward, "李芳", _home(STREET), mobile("+8613900000001"))
    stranger, _ = _individual(steward, "赵六", _home(STREET))  # address alone
    dormitory = [
        _individual(steward, f"张{given}", _home("北京市海淀区学院路37号职工宿舍"))[0]
        for given in "一二三四五六七八九"
    ]
    rep = organization_pb2.OrganizationProfile(
        legal_name="北京建国科技有限公司",
        legal_representative=organization_pb2.LegalRepresentative(
            name="王建国", id_type="ID_TYPE_RESIDENT_ID_CARD", id_number=father_id
        ),
    )
    company = steward.create_customer(
        type="organization", owning_org_unit="HO01", display_name="建国科技",
        cross_references=[("CORE", unique("O"))], records=[rep],
    )  # fmt: skip
    employer = _organization(steward, "上海芳华贸易有限公司")
    steward.create_record(
        employer.customer_number,
        rp.Relationship(
            kind=rp.RELATIONSHIP_KIND_EXECUTIVE,
            title="CFO",
            outside_party=rp.OutsideParty(
                name="李芳", id_type="ID_TYPE_RESIDENT_ID_CARD", id_number=wife_id
            ),
        ),
    )
    run = _consolidate(steward)
    assert run.proposed_relationships == 4
    return {"father": father, "son": son, "wife": wife, "stranger": stranger,
            "dorm": dormitory[0], "company": company, "employer": employer}  # fmt: skip


def test_households_and_named_people_are_proposed_with_their_evidence(
    steward: Client, base: dict[str, customer_pb2.Customer]
) -> None:
    f, s, w = (base[k].name for k in ("father", "son", "wife"))
    found = _proposals(steward)
    family = rp.RelationshipKind.Name(rp.RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER)
    assert set(found) == {
        (f, s, family),
        (f, w, family),
        (base["company"].name, f, "RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE"),
        (base["employer"].name, w, "RELATIONSHIP_KIND_EXECUTIVE"),
    }
    assert list(found[(f, s, family)].evidence) == ["address", "surname"]
    assert list(found[(f, w, family)].evidence) == ["address", "phone"]
    assert list(
        found[(base["company"].name, f, "RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE")].evidence
    ) == ["id_number"]
    assert found[(base["employer"].name, w, "RELATIONSHIP_KIND_EXECUTIVE")].title == "CFO"
    involved = {n for key in found for n in key[:2]}
    assert base["stranger"].name not in involved and base["dorm"].name not in involved


def test_confirming_writes_the_relationship_record_and_rejecting_is_final(
    steward: Client, base: dict[str, customer_pb2.Customer]
) -> None:
    f, s, w = (base[k].name for k in ("father", "son", "wife"))
    found = _proposals(steward)
    family = "RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER"
    spouse = steward.confirm_relationship(
        found[(f, w, family)].name, "married, per the branch", kind="RELATIONSHIP_KIND_SPOUSE"
    )
    assert spouse.status == pb.RELATIONSHIP_PROPOSAL_STATUS_CONFIRMED and spouse.record
    record = unpack(steward.get_record(spouse.record).data)
    assert record.kind == rp.RELATIONSHIP_KIND_SPOUSE and record.counterparty == w
    cfo = steward.confirm_relationship(
        found[(base["employer"].name, w, "RELATIONSHIP_KIND_EXECUTIVE")].name, "annual report"
    )
    linked = unpack(steward.get_record(cfo.record).data)
    assert (linked.kind, linked.counterparty, linked.title) == (
        rp.RELATIONSHIP_KIND_EXECUTIVE,
        w,
        "CFO",
    )
    rejected = steward.reject_relationship(found[(f, s, family)].name, "a lodger, not a son")
    assert rejected.status == pb.RELATIONSHIP_PROPOSAL_STATUS_REJECTED
    with pytest.raises(RPCError) as again:
        steward.confirm_relationship(rejected.name, "changed my mind")
    assert again.value.code == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(RPCError) as bad_kind:
        steward.confirm_relationship(
            found[(base["company"].name, f, "RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE")].name,
            "x", kind="RELATIONSHIP_KIND_SPOUSE",
        )  # fmt: skip
    assert bad_kind.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = bad_kind.value.detail(error_details_pb2.BadRequest)
    assert [v.field for v in bad.field_violations] == ["kind"]

    run = _consolidate(steward)
    open_now = _proposals(steward)
    assert set(open_now) == {(base["company"].name, f, "RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE")}
    assert run.proposed_relationships == 1  # the open one refreshed; decided and linked ones not
    assert {p.name for p in steward.relationship_proposals(status="rejected")} == {rejected.name}


def test_proposals_are_scoped_and_need_the_merge_permission(
    running: RunningServer, steward: Client, base: dict[str, customer_pb2.Customer]
) -> None:
    elsewhere = grant(running.kernel, f"steward-{uuid.uuid4().hex[:6]}", "data_steward", "BR99")
    with Client(f"127.0.0.1:{running.port}", token=elsewhere) as client:
        assert list(client.relationship_proposals()) == []
        some = next(iter(_proposals(steward).values()))
        with pytest.raises(RPCError) as call:
            client.reject_relationship(some.name, "not mine")
        assert call.value.code == grpc.StatusCode.NOT_FOUND  # its customers are out of scope
        assert some.name in {p.name for p in steward.relationship_proposals()}
    teller = grant(running.kernel, f"teller-{uuid.uuid4().hex[:6]}", "teller", "HO01")
    with Client(f"127.0.0.1:{running.port}", token=teller) as client:
        with pytest.raises(RPCError) as call:
            list(client.relationship_proposals())
        assert call.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_a_steward_decides_proposals_from_the_shell(
    running: RunningServer, steward: Client, base: dict[str, customer_pb2.Customer]
) -> None:
    token, target = admin_token(running), f"127.0.0.1:{running.port}"
    listed = run("match", "relationships", "--target", target, token=token)
    assert listed.returncode == 0, listed.stderr
    shown = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {(p["owner"], p["kind"]) for p in shown} == {
        (base["company"].name, "RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE")
    }
    done = run(
        "match", "confirm-relationship", shown[0]["name"], "--comment", "business licence",
        "--target", target, token=token,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    confirmed = json.loads(done.stdout)
    assert confirmed["status"] == "RELATIONSHIP_PROPOSAL_STATUS_CONFIRMED"
    record = unpack(steward.get_record(confirmed["record"]).data)
    assert record.kind == rp.RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE
    assert record.counterparty == base["father"].name
    again = run(
        "match", "reject-relationship", shown[0]["name"], "--comment", "x",
        "--target", target, token=token,
    )  # fmt: skip
    assert again.returncode != 0 and "FAILED_PRECONDITION" in again.stderr
