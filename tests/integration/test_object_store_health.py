"""An SRE's view of the object store: health names it (`customer_core.objects`) and says when
it is down, without taking the customer services down with it, and the server finds out at
start-up which retention protection is in force."""

from __future__ import annotations

import logging
import time
import uuid

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.integration.conftest import start_server
from tests.support.s3 import S3Server

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def status(port: int, service: str) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=5
        )
        return int(answer.status)


def wait_for(port: int, service: str, wanted: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    seen = status(port, service)
    while seen != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
        seen = status(port, service)
    return seen


def test_local_store_is_serving_and_says_the_kernel_alone_enforces_retention(
    new_database, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="customer_core.kernel.app"):
        running = start_server(new_database("objects-local"), objects_dir=str(tmp_path / "objects"))
    try:
        assert status(running.port, "customer_core.objects") == SERVING
        assert "kernel only" in running.kernel.objects_protection
        assert any("kernel only" in r.getMessage() for r in caplog.records)
    finally:
        running.stop(grace=1)


def test_s3_store_outage_is_reported_and_recovers_without_a_restart(
    new_database,
) -> None:  # type: ignore[no-untyped-def]
    store = S3Server().start()
    running = None
    try:
        running = start_server(
            new_database("objects-s3"),
            health_check_interval=0.3,
            **store.settings(f"cc-{uuid.uuid4().hex[:10]}"),
        )
        # SeaweedFS 4.x refuses to delete an object under COMPLIANCE retention: the probe finds it.
        assert "object lock" in running.kernel.objects_protection
        assert status(running.port, "customer_core.objects") == SERVING
        store.stop()
        assert wait_for(running.port, "customer_core.objects", NOT_SERVING) == NOT_SERVING
        # Everything that does not keep objects goes on serving.
        assert status(running.port, "customer_core.v1.CustomerService") == SERVING
        store.start()
        assert wait_for(running.port, "customer_core.objects", SERVING, 60) == SERVING
    finally:
        if running is not None:
            running.stop(grace=1)
        store.remove()
