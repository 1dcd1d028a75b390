"""The gRPC server: `create_server` builds and starts one; `serve` runs it until stopped."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from concurrent import futures
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from customer_core.api.admin_servicer import AdminServicer, AuditServicer
from customer_core.api.backup_servicer import BackupServicer
from customer_core.api.consolidation_servicer import ConsolidationServicer
from customer_core.api.customer_servicer import CustomerServicer
from customer_core.api.document_servicer import DocumentServicer
from customer_core.api.health import DatabaseHealth
from customer_core.api.ledger_servicer import LedgerServicer
from customer_core.api.memory import cap_malloc_arenas
from customer_core.api.pipeline import Pipeline
from customer_core.api.policy import unguarded
from customer_core.api.processes import ProcessGroup, cpu_count
from customer_core.api.quality_servicer import DataQualityServicer
from customer_core.api.subject_model_servicer import SubjectModelServicer
from customer_core.authz.principal import WHOLE_BANK
from customer_core.errors import ConfigurationError, PluginRegistrationError
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.kernel.service_context import KernelServiceContext
from customer_core.ledger.sealer import LedgerSealer
from customer_core.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    backup_service_pb2,
    backup_service_pb2_grpc,
    consolidation_service_pb2,
    consolidation_service_pb2_grpc,
    customer_service_pb2,
    customer_service_pb2_grpc,
    document_service_pb2,
    document_service_pb2_grpc,
    ledger_pb2,
    ledger_pb2_grpc,
    quality_service_pb2,
    quality_service_pb2_grpc,
    subject_model_service_pb2,
    subject_model_service_pb2_grpc,
)

log = logging.getLogger(__name__)

#: Full names of the services this server implements, from their descriptors.
SERVICE_NAMES = [
    customer_service_pb2.DESCRIPTOR.services_by_name["CustomerService"].full_name,
    subject_model_service_pb2.DESCRIPTOR.services_by_name["SubjectModelService"].full_name,
    admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
    admin_service_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name,
    ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"].full_name,
    quality_service_pb2.DESCRIPTOR.services_by_name["DataQualityService"].full_name,
    consolidation_service_pb2.DESCRIPTOR.services_by_name["ConsolidationService"].full_name,
    document_service_pb2.DESCRIPTOR.services_by_name["DocumentService"].full_name,
    backup_service_pb2.DESCRIPTOR.services_by_name["BackupService"].full_name,
]
#: Each call's HTTP/2 receive window: fixed at 1 MiB (the largest message a document stream
#: carries) instead of grown by gRPC's bandwidth-delay probing, which, while a call consumes
#: more slowly than its client sends (a document part being encrypted), lets the window and the
#: bytes buffered for it grow by tens of megabytes per upload.
STREAM_WINDOW = [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 1024 * 1024)]
#: The principal the development token is for.
DEV_ADMIN = "dev-admin"


@dataclass
class RunningServer:
    """A started server with what it owns."""

    server: grpc.Server
    port: int
    kernel: Kernel
    health: DatabaseHealth
    pipeline: Pipeline
    health_server: grpc.Server | None = None
    health_port: int = 0

    @property
    def sealer(self) -> LedgerSealer:
        """The kernel's ledger sealer (its thread runs while the server does)."""
        return self.kernel.ledger_sealer

    def stop(self, grace: float | None = 5.0) -> None:
        """Stops accepting calls, lets running ones finish within `grace` seconds, closes the kernel."""
        self.health.stop()
        if self.health_server is not None:
            self.health_server.stop(grace).wait()
        self.server.stop(grace).wait()
        self.kernel.close()


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials from the settings (client certificates required when a client CA is set)."""
    if not settings.tls_cert_file:
        return None
    ca = Path(settings.tls_client_ca_file).read_bytes() if settings.tls_client_ca_file else None
    return grpc.ssl_server_credentials(
        [(Path(settings.tls_key_file).read_bytes(), Path(settings.tls_cert_file).read_bytes())],
        root_certificates=ca,
        require_client_auth=ca is not None,
    )


def create_server(kernel: Kernel, settings: Settings, *, reuse_port: bool = False) -> RunningServer:
    """Builds and starts a server for `kernel` on `settings.host:settings.port` (port 0: any free one).

    With `reuse_port`, other processes may listen on the same port (see `api.processes`); without
    it, a port already taken is an error rather than shared by surprise.

    Raises:
        PluginRegistrationError: an RPC has no entry in the permission table (fail closed).
    """
    missing = unguarded(SERVICE_NAMES)
    if missing:
        raise PluginRegistrationError([f"{m} has no permission in api/policy.py" for m in missing])
    pipeline = Pipeline(kernel)
    plugin_services = [s.descriptor.full_name for s in kernel.registry.services]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=settings.max_workers, thread_name_prefix="rpc"),
        interceptors=[pipeline],
        options=[("grpc.so_reuseport", int(reuse_port)), *STREAM_WINDOW],
    )
    customer_service_pb2_grpc.add_CustomerServiceServicer_to_server(
        CustomerServicer(kernel), server
    )
    subject_model_service_pb2_grpc.add_SubjectModelServiceServicer_to_server(
        SubjectModelServicer(kernel.registry), server
    )
    admin_service_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(kernel, pipeline.grants.clear), server
    )
    admin_service_pb2_grpc.add_AuditServiceServicer_to_server(AuditServicer(kernel), server)
    ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(kernel), server)
    quality_service_pb2_grpc.add_DataQualityServiceServicer_to_server(
        DataQualityServicer(kernel), server
    )
    consolidation_service_pb2_grpc.add_ConsolidationServiceServicer_to_server(
        ConsolidationServicer(kernel), server
    )
    document_service_pb2_grpc.add_DocumentServiceServicer_to_server(
        DocumentServicer(kernel), server
    )
    backup_service_pb2_grpc.add_BackupServiceServicer_to_server(BackupServicer(kernel), server)
    context = KernelServiceContext(kernel.read, kernel.codec)
    for service in kernel.registry.services:  # through the same pipeline (its permission table)
        service.add_to_server(service.servicer(context), server)
    db_health = DatabaseHealth(
        kernel.engine,
        [*SERVICE_NAMES, *plugin_services],
        settings.health_check_interval,
        store=kernel.objects,
    )
    health_pb2_grpc.add_HealthServicer_to_server(db_health.servicer, server)
    reflection.enable_server_reflection(
        [
            *SERVICE_NAMES,
            *plugin_services,
            health.SERVICE_NAME,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    address = f"{settings.host}:{settings.port}"
    credentials = server_credentials(settings)
    port = (
        server.add_secure_port(address, credentials)
        if credentials
        else server.add_insecure_port(address)
    )
    if port == 0:
        raise OSError(f"cannot listen on {address}")
    health_server, health_port = None, 0
    if settings.health_port:
        health_server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="health"),
            options=[("grpc.so_reuseport", int(reuse_port))],
        )
        health_pb2_grpc.add_HealthServicer_to_server(db_health.servicer, health_server)
        health_port = health_server.add_insecure_port(f"{settings.host}:{settings.health_port}")
    db_health.start()
    server.start()
    kernel.start()
    if health_server is not None:
        health_server.start()
    return RunningServer(server, port, kernel, db_health, pipeline, health_server, health_port)


def development_token(kernel: Kernel) -> str:
    """Binds the development administrator (once) and issues it a token valid for 12 hours."""
    return kernel.bind_and_issue_token(
        admin_service_pb2.RoleBinding(principal=DEV_ADMIN, role="admin", org_unit=WHOLE_BANK),
        ttl_seconds=12 * 3600,
        issued_by="customer-core serve (development)",
        only_if_unbound=True,
    )


def serve(
    settings: Settings,
    *,
    announce: Callable[[str], object] = print,
    ready: Callable[[int], object] | None = None,
) -> None:
    """Opens the kernel, serves until SIGINT or SIGTERM, then drains and stops.

    With `settings.processes` other than 1, this process checks the database and plugins (and
    issues the development token) once, then serves from a group of worker processes. `ready` is
    called with the port once every process serves.

    Raises:
        ConfigurationError: production settings that may not serve.
        WorkerFailed: a worker process failed to start, or died while serving.
    """
    problems = settings.check_production()
    if problems:
        raise ConfigurationError("production settings: " + "; ".join(problems))
    cap_malloc_arenas()  # before the RPC threads start (see api.memory)
    count = settings.processes or cpu_count()
    kernel = Kernel.open(settings)
    token = development_token(kernel) if settings.environment == "development" else ""
    stopped = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with ExitStack() as stack:
        if count == 1:
            running = create_server(kernel, settings)
            stack.callback(running.stop)
            port = running.port
        else:
            try:
                group = stack.enter_context(ProcessGroup(settings, count))
            finally:
                kernel.close()  # it only checked and bootstrapped: the workers serve
            port = group.port
        _announce(kernel, settings, port, count, token, announce)
        if ready is not None:
            ready(port)
        if count == 1:
            stopped.wait()
        else:
            group.wait(stopped)


def _announce(
    kernel: Kernel,
    settings: Settings,
    port: int,
    count: int,
    token: str,
    announce: Callable[[str], object],
) -> None:
    target = f"{settings.host}:{port}"
    models = ", ".join(m.name for m in kernel.registry.models())
    tls = (
        "TLS with client certificates"
        if settings.tls_client_ca_file
        else "TLS"
        if settings.tls_cert_file
        else "plaintext"
    )
    workers = f"{count} processes" if count > 1 else "1 process"
    database = kernel.engine.url.render_as_string()
    announce(f"customer-core listening on {target} ({tls}; {workers}; database {database})")
    announce(f"subject models: {models}")
    if not token:
        return
    announce("DEVELOPMENT TOKEN (admin over the whole bank, 12 hours; never use in production):")
    announce(f"  export CUSTOMER_CORE_TOKEN={token}")
    announce(
        f"try: customer-core customers create --target {target} --type individual "
        '--org-unit HO01 --display-name "Zhang San"'
    )
    announce(
        f'  or: grpcurl -plaintext -H "authorization: Bearer $CUSTOMER_CORE_TOKEN" {target} list'
    )
