"""A tenth subject model from one .proto and one small module, with no kernel change and no DDL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import grpc
import pytest

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError, unpack
from tests.integration.conftest import admin_token, start_server
from tests.plugins.build import build


@pytest.fixture(scope="module")
def loyalty(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    build(Path(tmp_path_factory.mktemp("stubs")))
    from tests.plugins import loyalty_plugin

    return loyalty_plugin


@pytest.fixture(scope="module")
def server_with_loyalty(new_database, loyalty: ModuleType) -> Iterator[RunningServer]:  # type: ignore[no-untyped-def]
    running = start_server(str(new_database("loyalty")), extra_plugins=[("loyalty", loyalty)])
    yield running
    running.stop(grace=1)


@pytest.fixture
def client(server_with_loyalty: RunningServer) -> Iterator[Client]:
    with Client(
        f"127.0.0.1:{server_with_loyalty.port}", token=admin_token(server_with_loyalty)
    ) as c:
        yield c


def test_new_model_is_listed_with_its_field_flags(client: Client) -> None:
    models = {m.name: m for m in client.subject_models()}
    assert set(models) == {"contact", "identification", "individual", "loyalty"}
    loyalty = models["loyalty"]
    assert loyalty.plugin == "loyalty" and loyalty.singleton and loyalty.schema_version == 1
    card = next(f for f in loyalty.fields if f.path == "card_number")
    assert card.sensitive and card.match_key and card.required


def test_new_model_records_are_stored_validated_and_served(client: Client) -> None:
    from customer_core_loyalty.v1 import loyalty_pb2

    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Member"
    )
    membership = loyalty_pb2.LoyaltyMembership(
        card_number="LC0000000042", tier=loyalty_pb2.TIER_GOLD, points=1200
    )
    client.create_record(customer.customer_number, membership)
    view = client.get_360(customer.customer_number, unmask_reason="loyalty dispute 17")
    assert [g.subject for g in view.subjects] == ["loyalty"]
    assert unpack(view.subjects[0].records[0].data) == membership
    with pytest.raises(RPCError) as exc:
        client.create_record(
            customer.customer_number, loyalty_pb2.LoyaltyMembership(card_number="42", points=-1)
        )
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(exc.value.field_violations) == {"record.data.card_number", "record.data.tier"}
    with pytest.raises(RPCError) as exc:
        other = client.create_customer(
            type="individual", owning_org_unit="HO01", display_name="Debtor"
        )
        client.create_record(
            other.customer_number,
            loyalty_pb2.LoyaltyMembership(
                card_number="LC0000000043", tier=loyalty_pb2.TIER_SILVER, points=-5
            ),
        )
    assert exc.value.field_violations == {"record.data.points": "must not be negative"}
