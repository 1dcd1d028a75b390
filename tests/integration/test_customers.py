"""A channel system creates, reads, changes, closes and lists customers."""

from __future__ import annotations

import grpc
import pytest

from customer_core.client import Client, NotFoundError, RPCError
from customer_core.kernel.customer_number import check_character
from customer_core.v1 import customer_pb2, customer_service_pb2


def new(client: Client, org_unit: str = "HO01", name: str = "Zhang San") -> customer_pb2.Customer:
    return client.create_customer(type="individual", owning_org_unit=org_unit, display_name=name)


def test_created_customer_gets_a_checked_bank_wide_number(client: Client) -> None:
    customer = new(client)
    number = customer.customer_number
    assert len(number) == 18 and number[:17].isdigit()
    assert check_character(number[:17]) == number[17]
    assert customer.name == f"customers/{number}"
    assert customer.status == customer_pb2.CUSTOMER_STATUS_ACTIVE
    assert customer.etag
    assert client.get_customer(number) == customer


def test_numbers_are_unique(client: Client) -> None:
    numbers = {new(client).customer_number for _ in range(30)}
    assert len(numbers) == 30


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("customers/12345", "must be 17 digits"),
        ("customers/", "must be 17 digits"),
        ("clients/110105194912310021", "customers/{customer_number}"),
        ("", "is required"),
    ],
    ids=["too-short", "empty-number", "wrong-collection", "missing"],
)
def test_malformed_customer_name_is_invalid_argument(
    client: Client, name: str, expected: str
) -> None:
    with pytest.raises(RPCError) as exc:
        client._call(
            client._customers.GetCustomer, customer_service_pb2.GetCustomerRequest(name=name)
        )
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert expected in exc.value.field_violations["name"]


def test_mistyped_customer_number_fails_its_check_character(client: Client) -> None:
    number = new(client).customer_number
    swapped = number[:3] + number[4] + number[3] + number[5:]
    if swapped == number:  # two equal adjacent digits: mistype one instead
        swapped = number[:3] + str((int(number[3]) + 1) % 10) + number[4:]
    with pytest.raises(RPCError) as exc:
        client.get_customer(swapped)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "check character" in exc.value.field_violations["name"]


def test_unknown_customer_is_not_found(client: Client) -> None:
    body = "12345678901234567"
    with pytest.raises(NotFoundError) as exc:  # the client's error class of the status code
        client.get_customer(body + check_character(body))
    assert exc.value.code == grpc.StatusCode.NOT_FOUND
    assert exc.value.reason == "NOT_FOUND"


def test_create_names_every_missing_field(client: Client) -> None:
    with pytest.raises(RPCError) as exc:
        client.create_customer(type=0, owning_org_unit="", display_name=" ")
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(exc.value.field_violations) == {
        "customer.type",
        "customer.owning_org_unit",
        "customer.display_name",
    }


def test_oversized_display_name_is_rejected(client: Client) -> None:
    with pytest.raises(RPCError) as exc:
        new(client, name="x" * 201)
    assert "at most 200" in exc.value.field_violations["customer.display_name"]


def test_update_changes_only_the_masked_field(client: Client) -> None:
    customer = new(client, org_unit="HO01")
    changed = customer_pb2.Customer(
        name=customer.name, display_name="Zhang San (VIP)", owning_org_unit="BR99"
    )
    updated = client.update_customer(changed, ["display_name"])
    assert updated.display_name == "Zhang San (VIP)"
    assert updated.owning_org_unit == "HO01"
    assert updated.etag != customer.etag


def test_stale_etag_is_aborted(client: Client) -> None:
    customer = new(client)
    client.update_customer(
        customer_pb2.Customer(name=customer.name, display_name="A", etag=customer.etag),
        ["display_name"],
    )
    with pytest.raises(RPCError) as exc:
        client.update_customer(
            customer_pb2.Customer(name=customer.name, display_name="B", etag=customer.etag),
            ["display_name"],
        )
    assert exc.value.code == grpc.StatusCode.ABORTED
    assert exc.value.reason == "ETAG_MISMATCH"
    assert client.get_customer(customer.name).display_name == "A"


@pytest.mark.parametrize("path", ["customer_number", "status", "type", "nonsense"])
def test_update_of_a_non_updatable_field_is_invalid(client: Client, path: str) -> None:
    customer = new(client)
    with pytest.raises(RPCError) as exc:
        client.update_customer(customer_pb2.Customer(name=customer.name), [path])
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask" in exc.value.field_violations


def test_closed_customer_keeps_its_data_and_refuses_changes(client: Client) -> None:
    customer = new(client)
    closed = client.close_customer(customer.customer_number, "customer request at counter")
    assert closed.status == customer_pb2.CUSTOMER_STATUS_CLOSED
    assert closed.close_reason == "customer request at counter"
    assert closed.HasField("close_time")
    with pytest.raises(RPCError) as exc:
        client.update_customer(
            customer_pb2.Customer(name=customer.name, display_name="X"), ["display_name"]
        )
    assert exc.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert exc.value.reason == "CUSTOMER_NOT_ACTIVE"
    with pytest.raises(RPCError) as exc:
        client.close_customer(customer.customer_number, "again")
    assert exc.value.code == grpc.StatusCode.FAILED_PRECONDITION


def test_close_needs_a_reason(client: Client) -> None:
    customer = new(client)
    with pytest.raises(RPCError) as exc:
        client.close_customer(customer.customer_number, "")
    assert exc.value.field_violations == {"reason": "is required"}


def test_list_pages_through_a_branch_in_number_order(client: Client, org_unit: str) -> None:
    created = sorted(new(client, org_unit=org_unit).customer_number for _ in range(7))
    listed = [
        c.customer_number
        for c in client.list_customers(filter=f'owning_org_unit = "{org_unit}"', page_size=3)
    ]
    assert listed == created


def test_list_filters_by_status(client: Client, org_unit: str) -> None:
    keep = new(client, org_unit=org_unit)
    gone = new(client, org_unit=org_unit)
    client.close_customer(gone.customer_number, "deceased")
    active = list(client.list_customers(filter=f"status = ACTIVE AND owning_org_unit = {org_unit}"))
    closed = list(
        client.list_customers(
            filter=f"owning_org_unit = {org_unit} AND status = CUSTOMER_STATUS_CLOSED"
        )
    )
    assert [c.customer_number for c in active] == [keep.customer_number]
    assert [c.customer_number for c in closed] == [gone.customer_number]


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("colour = red", "unknown field"),
        ("status = SLEEPING", "must be one of"),
        ("status ACTIVE", "cannot parse"),
        ("status = ACTIVE AND status = CLOSED", "appears twice"),
    ],
    ids=["unknown-field", "unknown-status", "no-operator", "repeated-field"],
)
def test_bad_filter_is_invalid_argument(client: Client, filter_text: str, expected: str) -> None:
    with pytest.raises(RPCError) as exc:
        list(client.list_customers(filter=filter_text))
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert expected in exc.value.field_violations["filter"]


@pytest.mark.parametrize(
    "page_token",
    ["garbage", "eyJ2IjoxfQ", "e30"],
    ids=["not-base64-json", "no-key", "empty-object"],
)
def test_unknown_page_token_is_invalid_argument(client: Client, page_token: str) -> None:
    with pytest.raises(RPCError) as exc:
        client._call(
            client._customers.ListCustomers,
            customer_service_pb2.ListCustomersRequest(page_token=page_token),
        )
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in exc.value.field_violations


def test_page_token_of_another_filter_is_refused(client: Client, org_unit: str) -> None:
    for _ in range(3):
        new(client, org_unit=org_unit)
    first = client._call(
        client._customers.ListCustomers,
        customer_service_pb2.ListCustomersRequest(
            filter=f"owning_org_unit = {org_unit}", page_size=1
        ),
    )
    assert first.next_page_token
    with pytest.raises(RPCError) as exc:
        client._call(
            client._customers.ListCustomers,
            customer_service_pb2.ListCustomersRequest(
                filter="status = ACTIVE", page_token=first.next_page_token
            ),
        )
    assert "different filter" in exc.value.field_violations["page_token"]


def test_negative_page_size_is_invalid(client: Client) -> None:
    with pytest.raises(RPCError) as exc:
        client._call(
            client._customers.ListCustomers, customer_service_pb2.ListCustomersRequest(page_size=-1)
        )
    assert exc.value.field_violations == {"page_size": "must not be negative"}
