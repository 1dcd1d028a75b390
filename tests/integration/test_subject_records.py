"""Subject records of the plugins' models, carried as Any and validated against their type."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import any_pb2

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2, customer_service_pb2
from customer_core_individual.v1 import individual_pb2
from tests.integration.helpers import RESIDENT_ID, id_card, mobile, profile


def person(client: Client) -> customer_pb2.Customer:
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zhang San"
    )


def raw_create(
    client: Client, customer: customer_pb2.Customer, record: customer_pb2.SubjectRecord
) -> RPCError:
    with pytest.raises(RPCError) as exc:
        client._call(
            client._customers.CreateSubjectRecord,
            customer_service_pb2.CreateSubjectRecordRequest(parent=customer.name, record=record),
        )
    return exc.value


def test_record_round_trips_as_the_plugin_message(client: Client) -> None:
    customer = person(client)
    created = client.create_record(customer.customer_number, id_card(), source_system="CORE")
    assert created.subject == "identification"
    assert created.schema_version == 1
    assert created.name.startswith(customer.name + "/records/")
    fetched = client.get_record(created.name, unmask_reason="account opening check")
    assert unpack(fetched.data) == id_card()
    assert unpack(created.data).id_number == "110105********002X"  # without a reason: masked
    assert fetched.source_system == "CORE"


def test_plugin_normalizes_before_storing(client: Client) -> None:
    customer = person(client)
    created = client.create_record(customer.customer_number, id_card(RESIDENT_ID.lower()))
    fetched = client.get_record(created.name, unmask_reason="verify normalization")
    assert unpack(fetched.data).id_number == RESIDENT_ID


def test_unknown_subject_model_is_invalid(client: Client) -> None:
    customer = person(client)
    record = customer_pb2.SubjectRecord(subject="horoscope", data=any_pb2.Any())
    error = raw_create(client, customer, record)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "unknown subject model" in error.field_violations["record.subject"]


def test_any_of_the_wrong_type_is_invalid(client: Client) -> None:
    customer = person(client)
    data = any_pb2.Any()
    data.Pack(mobile())
    error = raw_create(
        client, customer, customer_pb2.SubjectRecord(subject="identification", data=data)
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "ContactPoint" in error.field_violations["record.data"]


def test_undecodable_payload_is_invalid(client: Client) -> None:
    customer = person(client)
    data = any_pb2.Any(
        type_url="type.googleapis.com/customer_core_identification.v1.IdentificationDocument",
        value=b"\xff\xff\xff",
    )
    error = raw_create(
        client, customer, customer_pb2.SubjectRecord(subject="identification", data=data)
    )
    assert "cannot be decoded" in error.field_violations["record.data"]


def test_missing_required_fields_are_each_named(client: Client) -> None:
    customer = person(client)
    data = any_pb2.Any()
    data.Pack(individual_pb2.IndividualProfile(occupation="teacher"))
    error = raw_create(
        client, customer, customer_pb2.SubjectRecord(subject="individual", data=data)
    )
    assert error.field_violations == {"record.data.name": "is required"}


@pytest.mark.parametrize(
    ("record", "field", "expected"),
    [
        (profile(name="x" * 101), "record.data.name", "at most 100"),
        (profile(pinyin_name="zhang san"), "record.data.pinyin_name", None),
        (profile(former_names=["a"] * 21), "record.data.former_names", "at most 20"),
        (profile(birth_date="2999-01-01"), "record.data.birth_date", "future"),
        (profile(nationality="China"), "record.data.nationality", "pattern"),
    ],
    ids=[
        "oversized-name",
        "pinyin-normalized-not-rejected",
        "too-many-former-names",
        "future-birth",
        "bad-country",
    ],
)
def test_field_rules_and_plugin_checks(
    client: Client, record: individual_pb2.IndividualProfile, field: str, expected: str | None
) -> None:
    customer = person(client)
    if expected is None:  # the plugin upper-cases pinyin, so this one is accepted as normalized
        created = client.create_record(customer.customer_number, record)
        assert unpack(created.data).pinyin_name == "ZHANG SAN"
        return
    with pytest.raises(RPCError) as exc:
        client.create_record(customer.customer_number, record)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert expected in exc.value.field_violations[field]


def test_wrong_resident_id_check_character_is_invalid(client: Client) -> None:
    customer = person(client)
    with pytest.raises(RPCError) as exc:
        client.create_record(customer.customer_number, id_card("110105194912310021"))
    assert "record.data.id_number" in exc.value.field_violations


def test_individual_model_does_not_apply_to_organizations(client: Client) -> None:
    org = client.create_customer(
        type="organization", owning_org_unit="HO01", display_name="ACME Ltd"
    )
    with pytest.raises(RPCError) as exc:
        client.create_record(org.customer_number, profile())
    assert "INDIVIDUAL customers only" in exc.value.field_violations["record.subject"]


def test_singleton_model_allows_one_record(client: Client) -> None:
    customer = person(client)
    client.create_record(customer.customer_number, profile())
    with pytest.raises(RPCError) as exc:
        client.create_record(customer.customer_number, profile(name="Other Name"))
    assert exc.value.code == grpc.StatusCode.ALREADY_EXISTS


def test_masked_update_changes_one_field_and_keeps_the_rest(client: Client) -> None:
    customer = person(client)
    created = client.create_record(customer.customer_number, profile(occupation="teacher"))
    updated = client.update_record(
        created.name,
        individual_pb2.IndividualProfile(occupation="engineer"),
        etag=created.etag,
        update_mask=["data.occupation"],
    )
    data = unpack(updated.data)
    assert data.occupation == "engineer"
    assert data.name == "张三"
    assert updated.etag != created.etag


def test_stale_record_etag_is_aborted(client: Client) -> None:
    customer = person(client)
    created = client.create_record(customer.customer_number, profile())
    client.update_record(created.name, profile(occupation="a"), etag=created.etag)
    with pytest.raises(RPCError) as exc:
        client.update_record(created.name, profile(occupation="b"), etag=created.etag)
    assert exc.value.code == grpc.StatusCode.ABORTED
    assert unpack(client.get_record(created.name).data).occupation == "a"


def test_update_mask_outside_data_is_invalid(client: Client) -> None:
    customer = person(client)
    created = client.create_record(customer.customer_number, profile())
    for mask in (["subject"], ["data.shoe_size"]):
        with pytest.raises(RPCError) as exc:
            client.update_record(created.name, profile(), update_mask=mask)
        assert "update_mask" in exc.value.field_violations


def test_update_with_invalid_data_leaves_the_record_unchanged(client: Client) -> None:
    customer = person(client)
    created = client.create_record(customer.customer_number, profile(occupation="teacher"))
    with pytest.raises(RPCError):
        client.update_record(created.name, profile(name="", occupation="pilot"))
    assert client.get_record(created.name) == created


def test_deleted_record_is_gone(client: Client) -> None:
    customer = person(client)
    created = client.create_record(customer.customer_number, mobile())
    client.delete_record(created.name, etag=created.etag)
    with pytest.raises(RPCError) as exc:
        client.get_record(created.name)
    assert exc.value.code == grpc.StatusCode.NOT_FOUND


def test_record_of_another_customer_is_not_found(client: Client) -> None:
    a, b = person(client), person(client)
    record = client.create_record(a.customer_number, mobile())
    foreign = record.name.replace(a.customer_number, b.customer_number)
    with pytest.raises(RPCError) as exc:
        client.get_record(foreign)
    assert exc.value.code == grpc.StatusCode.NOT_FOUND


def test_list_records_by_subject_in_pages(client: Client) -> None:
    customer = person(client)
    phones = [
        client.create_record(customer.customer_number, mobile(f"+86138001380{i:02d}"))
        for i in range(5)
    ]
    client.create_record(customer.customer_number, id_card())
    listed = list(client.list_records(customer.customer_number, subject="contact", page_size=2))
    assert [r.name for r in listed] == [p.name for p in phones]
    assert len(list(client.list_records(customer.customer_number))) == 6


def test_create_customer_with_a_bad_record_writes_nothing(client: Client, org_unit: str) -> None:
    with pytest.raises(RPCError) as exc:
        client.create_customer(
            type="individual",
            owning_org_unit=org_unit,
            display_name="Half",
            cross_references=[("CORE", "HALF-" + org_unit)],
            records=[profile(), id_card("BAD")],
        )
    assert "records[1].data.id_number" in exc.value.field_violations
    assert list(client.list_customers(filter=f"owning_org_unit = {org_unit}")) == []
    with pytest.raises(RPCError):
        client.lookup("CORE", "HALF-" + org_unit)
