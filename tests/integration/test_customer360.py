"""A channel system reads everything about a customer in one call."""

from __future__ import annotations

from customer_core.client import Client, unpack
from tests.integration.helpers import id_card, mobile, profile, unique


def test_360_holds_customer_records_by_subject_and_cross_references(client: Client) -> None:
    core, cards = unique("C"), unique("K")
    customer = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name="Zhang San",
        cross_references=[("CORE", core), ("CARDS", cards)],
        records=[profile(), id_card(), mobile()],
    )
    second_phone = client.create_record(customer.customer_number, mobile("+8613900139000"))
    view = client.get_360(customer.customer_number, unmask_reason="KYC refresh, ticket 4711")
    assert view.customer == client.get_customer(customer.customer_number)
    assert [g.subject for g in view.subjects] == ["contact", "identification", "individual"]
    contact = view.subjects[0].records
    assert [unpack(r.data).phone.number for r in contact] == ["+8613800138000", "+8613900139000"]
    assert contact[1].name == second_phone.name
    assert (
        unpack(second_phone.data).phone.number == "+86139****9000"
    )  # what a write answers: masked
    assert unpack(view.subjects[2].records[0].data).name == "张三"
    assert {(x.source_system, x.local_id) for x in view.cross_references} == {
        ("CORE", core),
        ("CARDS", cards),
    }
    assert all(x.customer == customer.name for x in view.cross_references)


def test_360_of_a_customer_without_records(client: Client) -> None:
    customer = client.create_customer(
        type="organization", owning_org_unit="HO01", display_name="ACME Ltd"
    )
    view = client.get_360(customer.name)
    assert view.customer.customer_number == customer.customer_number
    assert list(view.subjects) == [] and list(view.cross_references) == []
