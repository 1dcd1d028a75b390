"""Standard gRPC services an SRE's tools expect: health checking and reflection."""

from __future__ import annotations

import socket
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from customer_core.client import Client, RPCError
from customer_core.storage import migrate
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import BUILT_IN_MODELS
from tests.support.postgres import PostgresServer


def test_health_reports_serving_for_each_service(target: str) -> None:
    with grpc.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in (
            "",
            "customer_core.v1.CustomerService",
            "customer_core.v1.SubjectModelService",
        ):
            answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_services(target: str) -> None:
    with grpc.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        answers = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        names = {s.name for a in answers for s in a.list_services_response.service}
    assert {
        "customer_core.v1.CustomerService",
        "customer_core.v1.SubjectModelService",
        "grpc.health.v1.Health",
    } <= names


def test_subject_models_are_listed(client: Client) -> None:
    models = {m.name: m for m in client.subject_models()}
    assert set(models) == BUILT_IN_MODELS
    assert (
        models["identification"].message_type
        == "customer_core_identification.v1.IdentificationDocument"
    )
    id_number = next(f for f in models["identification"].fields if f.path == "id_number")
    assert (
        id_number.sensitive
        and id_number.match_key
        and id_number.required
        and id_number.type == "string"
    )


@pytest.mark.postgresql_only
def test_lost_database_turns_health_not_serving_and_calls_unavailable() -> None:
    with PostgresServer() as postgres:
        url = postgres.create_database("outage")
        migrate(url)
        running = start_server(url, health_check_interval=0.2)
        target = f"127.0.0.1:{running.port}"
        try:
            with (
                grpc.insecure_channel(target) as channel,
                Client(target, token=admin_token(running), timeout=10) as client,
            ):
                health = health_pb2_grpc.HealthStub(channel)
                customer = client.create_customer(
                    type="individual", owning_org_unit="HO01", display_name="Up"
                )
                postgres.stop()
                deadline = time.monotonic() + 15
                status = health_pb2.HealthCheckResponse.SERVING
                while (
                    status == health_pb2.HealthCheckResponse.SERVING and time.monotonic() < deadline
                ):
                    time.sleep(0.2)
                    status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                assert status == health_pb2.HealthCheckResponse.NOT_SERVING
                with pytest.raises(RPCError) as exc:
                    client.get_customer(customer.customer_number)
                assert exc.value.code == grpc.StatusCode.UNAVAILABLE
                # The 360 view reads on the driver (storage.prepared): the same answer.
                with pytest.raises(RPCError) as exc:
                    client.get_360(customer.customer_number)
                assert exc.value.code == grpc.StatusCode.UNAVAILABLE
        finally:
            running.stop(grace=1)


def test_separate_health_port_answers_without_credentials(database_url: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    running = start_server(database_url, health_port=free)
    try:
        assert running.health_port == free
        with grpc.insecure_channel(f"127.0.0.1:{free}") as channel:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        running.stop(grace=1)
