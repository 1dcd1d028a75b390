"""The two entry modes of the data-quality rules and the trail of what they changed, over gRPC.

An online write that breaks an ERROR rule is refused; the same record loaded from a legacy source
(QUALITY_MODE_LEGACY_LOAD, which needs `quality.legacy_load`) is kept with its ERROR issues, so no
customer is lost for a bad value an old system held. Every correction the rules make is on the
write's answer (sensitive values masked) and in its ledger entry (sensitive originals sealed).
"""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.rpc import error_details_pb2

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2, ledger_pb2
from customer_core_identification.v1 import identification_pb2
from tests.integration.conftest import grant
from tests.integration.helpers import RESIDENT_ID, id_card, profile

#: RESIDENT_ID with a wrong check character.
BAD_ID = RESIDENT_ID[:17] + "1"
ERROR = customer_pb2.QUALITY_SEVERITY_ERROR


def _as(target: str, server: RunningServer, role: str, org_unit: str = "*") -> Client:
    token = grant(server.kernel, f"{role}-{uuid.uuid4().hex[:8]}", role, org_unit)
    return Client(target, token=token)


def test_an_online_write_of_a_bad_id_is_refused_naming_the_field(client: Client) -> None:
    with pytest.raises(RPCError) as refused:
        client.create_customer(
            type="individual", owning_org_unit="HO01", display_name="Zhang San",
            records=[id_card(BAD_ID)],
        )  # fmt: skip
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = refused.value.detail(error_details_pb2.BadRequest)
    assert [(v.field, v.reason) for v in bad.field_violations] == [
        ("records[0].data.id_number", "IDENTIFICATION_NUMBER_CHECK")
    ]


def test_a_legacy_load_keeps_a_bad_id_and_a_missing_value_as_error_issues(
    server: RunningServer, target: str
) -> None:
    loader = _as(target, server, "batch_system")
    no_number = identification_pb2.IdentificationDocument(
        id_type=identification_pb2.ID_TYPE_PASSPORT, status=identification_pb2.ID_STATUS_VALID
    )
    customer = loader.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zhang San",
        records=[profile(), id_card(BAD_ID), no_number], legacy=True,
    )  # fmt: skip
    stored = list(loader.list_records(customer.customer_number, subject="identification"))
    assert sorted(bool(unpack(r.data).id_number) for r in stored) == [False, True]  # both kept
    missing = loader.create_record(customer.customer_number, no_number, legacy=True)
    bad = loader.create_record(customer.customer_number, id_card(BAD_ID), legacy=True)
    assert [(i.rule_id, i.severity, i.field) for i in missing.quality_issues] == [
        ("FIELD_REQUIRED", ERROR, "data.id_number")
    ]
    assert [
        (i.rule_id, i.severity, i.field) for i in bad.quality_issues if i.severity == ERROR
    ] == [("IDENTIFICATION_NUMBER_CHECK", ERROR, "data.id_number")]
    # The bad value is kept as the source sent it (masked on read like every sensitive value).
    assert unpack(loader.get_record(bad.name).data).id_number == (
        BAD_ID[:6] + "********" + BAD_ID[-4:]
    )
    # An online update of the record is still held to the rules.
    with pytest.raises(RPCError) as refused:
        loader.update_record(bad.name, id_card(BAD_ID), etag=bad.etag)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    fixed = loader.update_record(bad.name, id_card(RESIDENT_ID), etag=bad.etag)
    assert [i.rule_id for i in fixed.quality_issues if i.severity == ERROR] == []


def test_a_legacy_load_needs_its_permission(server: RunningServer, target: str) -> None:
    teller = _as(target, server, "teller", "HO01")
    with pytest.raises(RPCError) as denied:
        teller.create_customer(
            type="individual", owning_org_unit="HO01", display_name="Zhang San",
            records=[id_card(BAD_ID)], legacy=True,
        )  # fmt: skip
    assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED
    customer = teller.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zhang San", records=[profile()]
    )
    with pytest.raises(RPCError) as denied:
        teller.create_record(customer.customer_number, id_card(BAD_ID), legacy=True)
    assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED
    # A legacy load still refuses what is not a bad value (a second record of a singleton).
    loader = _as(target, server, "batch_system")
    with pytest.raises(RPCError) as refused:
        loader.create_record(customer.customer_number, profile(), legacy=True)  # a second one
    assert refused.value.code == grpc.StatusCode.ALREADY_EXISTS


def test_a_correction_is_on_the_answer_masked_and_in_the_ledger_sealed(client: Client) -> None:
    sent = " " + RESIDENT_ID[:9] + " " + RESIDENT_ID[9:-1] + "x"  # a space, a lower-case x
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zhang San", records=[profile()]
    )
    created = client.create_record(customer.customer_number, id_card(sent))
    assert unpack(client.get_record(created.name, unmask_reason="test").data).id_number == (
        RESIDENT_ID
    )
    (change,) = [c for c in created.quality_changes if c.field == "data.id_number"]
    assert change.kind == customer_pb2.QUALITY_RULE_KIND_CORRECT and change.rule_id
    assert RESIDENT_ID not in change.value and sent.strip() not in change.original
    assert change.value == f'"{RESIDENT_ID[:6]}********{RESIDENT_ID[-4:]}"'

    (entry,) = client.history(customer.customer_number, "identification")
    after = ledger_pb2.RecordSnapshot.FromString(entry.after)
    (trace,) = [t for t in after.quality_changes if t.field == "id_number"]
    assert (trace.rule_id, trace.kind, trace.sealed) == (change.rule_id, "CORRECT", True)
    assert trace.original and trace.value == b""  # the new value is the record's own
    assert b"002x" not in entry.after and RESIDENT_ID[6:14].encode() not in trace.original


def test_an_uncorrected_write_leaves_no_trail(client: Client) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zhang San", records=[profile()]
    )
    created = client.create_record(customer.customer_number, id_card())
    assert [c.field for c in created.quality_changes] == []
    (entry,) = client.history(customer.customer_number, "identification")
    assert list(ledger_pb2.RecordSnapshot.FromString(entry.after).quality_changes) == []
