"""Source systems link their own records to customers and find customers by them."""

from __future__ import annotations

import grpc
import pytest

from customer_core.client import Client, RPCError
from tests.integration.helpers import unique


def test_customer_is_found_by_any_of_its_source_records(client: Client) -> None:
    core, cards = unique("C"), unique("K")
    customer = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name="Li Si",
        cross_references=[("CORE", core)],
    )
    link = client.link(customer.customer_number, "CARDS", cards)
    assert link.customer == customer.name
    assert client.lookup("CORE", core).customer_number == customer.customer_number
    assert client.lookup("CARDS", cards).customer_number == customer.customer_number


def test_linking_the_same_record_again_is_harmless(client: Client) -> None:
    local = unique("C")
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Wang Wu"
    )
    first = client.link(customer.customer_number, "CORE", local)
    again = client.link(customer.customer_number, "CORE", local)
    assert again == first


def test_record_owned_by_another_customer_is_already_exists(client: Client) -> None:
    local = unique("C")
    owner = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name="Owner",
        cross_references=[("CORE", local)],
    )
    other = client.create_customer(type="individual", owning_org_unit="HO01", display_name="Other")
    with pytest.raises(RPCError) as exc:
        client.link(other.customer_number, "CORE", local)
    assert exc.value.code == grpc.StatusCode.ALREADY_EXISTS
    assert exc.value.reason == "CROSS_REFERENCE_OWNED_BY_ANOTHER_CUSTOMER"
    assert owner.customer_number not in exc.value.message  # never tell who owns it
    assert client.lookup("CORE", local).customer_number == owner.customer_number


def test_create_with_a_taken_record_writes_nothing(client: Client, org_unit: str) -> None:
    local = unique("C")
    client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name="First",
        cross_references=[("CORE", local)],
    )
    with pytest.raises(RPCError) as exc:
        client.create_customer(
            type="individual",
            owning_org_unit=org_unit,
            display_name="Second",
            cross_references=[("WEALTH", unique("W")), ("CORE", local)],
        )
    assert exc.value.code == grpc.StatusCode.ALREADY_EXISTS
    assert list(client.list_customers(filter=f"owning_org_unit = {org_unit}")) == []


def test_unlinked_record_no_longer_finds_the_customer(client: Client) -> None:
    local = unique("C")
    customer = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name="Zhao Liu",
        cross_references=[("CORE", local)],
    )
    client.unlink(customer.customer_number, "CORE", local)
    with pytest.raises(RPCError) as exc:
        client.lookup("CORE", local)
    assert exc.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(RPCError) as exc:
        client.unlink(customer.customer_number, "CORE", local)
    assert exc.value.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("system", "local_id", "field"),
    [
        ("core", "1", "cross_reference.source_system"),
        ("", "1", "cross_reference.source_system"),
        ("CORE", "", "cross_reference.local_id"),
        ("CORE", "x" * 129, "cross_reference.local_id"),
        ("CORE", "has space", "cross_reference.local_id"),
    ],
    ids=[
        "lower-case-system",
        "no-system",
        "no-local-id",
        "oversized-local-id",
        "space-in-local-id",
    ],
)
def test_malformed_cross_reference_is_invalid(
    client: Client, system: str, local_id: str, field: str
) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Sun Qi"
    )
    with pytest.raises(RPCError) as exc:
        client.link(customer.customer_number, system, local_id)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field in exc.value.field_violations


def test_record_listed_twice_in_one_create_is_invalid(client: Client) -> None:
    local = unique("C")
    with pytest.raises(RPCError) as exc:
        client.create_customer(
            type="individual",
            owning_org_unit="HO01",
            display_name="Twice",
            cross_references=[("CORE", local), ("CORE", local)],
        )
    assert exc.value.field_violations == {"cross_references[1]": "is listed twice"}


def test_concurrent_onboardings_of_one_source_record_make_one_customer(client: Client) -> None:
    """The cross-reference lookup runs outside the write's transaction; the unique index still
    decides: of many callers onboarding the same source record at once, one creates it and the
    others are told another customer has it."""
    import threading

    local_id = unique("RACE")
    barrier = threading.Barrier(8)
    made: list[str] = []
    refused: list[str] = []

    def onboard(k: int) -> None:
        barrier.wait()
        try:
            made.append(
                client.create_customer(
                    type="individual", owning_org_unit="HO01", display_name=f"Racer {k}",
                    cross_references=[("CRM", local_id)],
                ).customer_number
            )  # fmt: skip
        except RPCError as exc:
            assert exc.code == grpc.StatusCode.ALREADY_EXISTS, exc
            refused.append(exc.reason)

    threads = [threading.Thread(target=onboard, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(made) == 1 and refused == ["CROSS_REFERENCE_OWNED_BY_ANOTHER_CUSTOMER"] * 7
    assert client.lookup("CRM", local_id).customer_number == made[0]
