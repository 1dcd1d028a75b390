"""The gRPC server: `create_server` builds and starts one; `serve` runs it until stopped."""

from __future__ import annotations

import logging
import signal
import threading
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from customer_core.api.customer_servicer import CustomerServicer
from customer_core.api.errors import ErrorInterceptor
from customer_core.api.health import DatabaseHealth
from customer_core.api.subject_model_servicer import SubjectModelServicer
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.v1 import (
    customer_service_pb2,
    customer_service_pb2_grpc,
    subject_model_service_pb2,
    subject_model_service_pb2_grpc,
)

log = logging.getLogger(__name__)

#: Full names of the services this server implements, from their descriptors.
SERVICE_NAMES = [
    customer_service_pb2.DESCRIPTOR.services_by_name["CustomerService"].full_name,
    subject_model_service_pb2.DESCRIPTOR.services_by_name["SubjectModelService"].full_name,
]


@dataclass
class RunningServer:
    """A started server with what it owns."""

    server: grpc.Server
    port: int
    kernel: Kernel
    health: DatabaseHealth

    def stop(self, grace: float | None = 5.0) -> None:
        """Stops accepting calls, lets running ones finish within `grace` seconds, closes the kernel."""
        self.health.stop()
        self.server.stop(grace).wait()
        self.kernel.close()


def create_server(kernel: Kernel, settings: Settings) -> RunningServer:
    """Builds and starts a server for `kernel` on `settings.host:settings.port` (port 0: any free one)."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=settings.max_workers, thread_name_prefix="rpc"),
        interceptors=[ErrorInterceptor()],
        options=[("grpc.so_reuseport", 0)],
    )
    customer_service_pb2_grpc.add_CustomerServiceServicer_to_server(
        CustomerServicer(kernel), server
    )
    subject_model_service_pb2_grpc.add_SubjectModelServiceServicer_to_server(
        SubjectModelServicer(kernel.registry), server
    )
    db_health = DatabaseHealth(kernel.engine, SERVICE_NAMES, settings.health_check_interval)
    health_pb2_grpc.add_HealthServicer_to_server(db_health.servicer, server)
    reflection.enable_server_reflection(
        [
            *SERVICE_NAMES,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    port = server.add_insecure_port(f"{settings.host}:{settings.port}")
    if port == 0:
        raise OSError(f"cannot listen on {settings.host}:{settings.port}")
    db_health.start()
    server.start()
    return RunningServer(server, port, kernel, db_health)


def serve(settings: Settings, *, announce: Any = print) -> None:
    """Opens the kernel, serves until SIGINT or SIGTERM, then drains and stops."""
    kernel = Kernel.open(settings)
    running = create_server(kernel, settings)
    target = f"{settings.host}:{running.port}"
    models = ", ".join(m.name for m in kernel.registry.models())
    announce(
        f"customer-core listening on {target} (database {kernel.engine.url.render_as_string()})"
    )
    announce(f"subject models: {models}")
    announce(
        f"try: customer-core customers create --target {target} --type individual "
        '--org-unit HO01 --display-name "Zhang San"'
    )
    announce(f"  or: grpcurl -plaintext {target} list")
    stopped = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stopped.wait()
    running.stop()
