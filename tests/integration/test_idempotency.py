"""Writes carry a request id: a retry returns the first answer and writes nothing twice."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from customer_core.client import Client, RPCError
from customer_core.v1 import customer_pb2, customer_service_pb2
from tests.integration.helpers import mobile, unique


def create_request(
    org_unit: str, request_id: str, name: str = "Retry Me"
) -> customer_service_pb2.CreateCustomerRequest:
    return customer_service_pb2.CreateCustomerRequest(
        customer=customer_pb2.Customer(
            type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL, owning_org_unit=org_unit, display_name=name
        ),
        request_id=request_id,
    )


def create(
    client: Client, request: customer_service_pb2.CreateCustomerRequest
) -> customer_pb2.Customer:
    return client._call(client._customers.CreateCustomer, request)


def test_retried_create_returns_the_first_customer(client: Client, org_unit: str) -> None:
    request_id = str(uuid.uuid4())
    first = create(client, create_request(org_unit, request_id))
    again = create(client, create_request(org_unit, request_id))
    assert again == first
    assert len(list(client.list_customers(filter=f"owning_org_unit = {org_unit}"))) == 1


def test_retried_create_with_cross_references_returns_the_first_customer(
    client: Client, org_unit: str
) -> None:
    # The retry's own checks now fail (its cross-reference belongs to the first call's
    # customer): the first answer stands all the same.
    request = create_request(org_unit, str(uuid.uuid4()))
    request.cross_references.add(source_system="CORE", local_id=unique("C"))
    first = create(client, request)
    with ThreadPoolExecutor(4) as pool:
        again = list(pool.map(lambda _: create(client, request), range(4)))
    assert again == [first] * 4
    assert client.lookup("CORE", request.cross_references[0].local_id) == first
    assert len(list(client.list_customers(filter=f"owning_org_unit = {org_unit}"))) == 1


def test_concurrent_retries_create_one_customer(client: Client, org_unit: str) -> None:
    request_id = str(uuid.uuid4())
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: create(client, create_request(org_unit, request_id)), range(8))
        )
    assert len({a.customer_number for a in answers}) == 1
    assert len(list(client.list_customers(filter=f"owning_org_unit = {org_unit}"))) == 1


def test_reused_request_id_with_another_body_is_invalid(client: Client, org_unit: str) -> None:
    request_id = str(uuid.uuid4())
    create(client, create_request(org_unit, request_id, name="First"))
    with pytest.raises(RPCError) as exc:
        create(client, create_request(org_unit, request_id, name="Second"))
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "different CreateCustomer request" in exc.value.field_violations["request_id"]
    assert [
        c.display_name for c in client.list_customers(filter=f"owning_org_unit = {org_unit}")
    ] == ["First"]


def test_request_id_must_be_a_uuid(client: Client, org_unit: str) -> None:
    with pytest.raises(RPCError) as exc:
        create(client, create_request(org_unit, "not-a-uuid"))
    assert exc.value.field_violations == {"request_id": "must be a UUID (AIP-155)"}


def test_retried_record_create_adds_one_record(client: Client) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Once"
    )
    request_id = str(uuid.uuid4())
    first = client.create_record(customer.customer_number, mobile(), request_id=request_id)
    again = client.create_record(customer.customer_number, mobile(), request_id=request_id)
    assert again == first
    assert len(list(client.list_records(customer.customer_number))) == 1


def test_retried_update_does_not_apply_twice(client: Client) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Before"
    )
    request_id = str(uuid.uuid4())
    change = customer_pb2.Customer(name=customer.name, display_name="After", etag=customer.etag)
    first = client.update_customer(change, ["display_name"], request_id=request_id)
    again = client.update_customer(
        change, ["display_name"], request_id=request_id
    )  # stale etag, yet replayed
    assert again == first


def test_retried_unlink_succeeds_again(client: Client) -> None:
    local = unique("C")
    customer = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name="Unlink",
        cross_references=[("CORE", local)],
    )
    request_id = str(uuid.uuid4())
    client.unlink(customer.customer_number, "CORE", local, request_id=request_id)
    client.unlink(customer.customer_number, "CORE", local, request_id=request_id)
    with pytest.raises(RPCError) as exc:
        client.lookup("CORE", local)
    assert exc.value.code == grpc.StatusCode.NOT_FOUND
