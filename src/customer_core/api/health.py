"""gRPC health checking: SERVING while the database answers, NOT_SERVING while it does not;
and, under the name `customer_core.objects`, whether the object store answers (the features
that keep objects answer UNAVAILABLE while it does not; everything else keeps serving).

Every replica probes for itself, so the probe is a plain periodic loop, not a leased role.
"""

from __future__ import annotations

import logging

from grpc_health.v1 import health, health_pb2
from sqlalchemy import text
from sqlalchemy.engine import Engine

from customer_core.coordination.background import Periodic
from customer_core.objects import ObjectStore, StoreUnavailable

#: The health-checking name of the object store.
OBJECTS_SERVICE = "customer_core.objects"

log = logging.getLogger(__name__)


class DatabaseHealth:
    """Probes the database every `interval` seconds and reports the result for `services`."""

    def __init__(
        self,
        engine: Engine,
        services: list[str],
        interval: float,
        store: ObjectStore | None = None,
    ) -> None:
        self.servicer = health.HealthServicer()
        self._engine = engine
        self._services = [health.OVERALL_HEALTH, *services]
        self._prober = Periodic("db-health", interval, self.probe)
        self._serving: bool | None = None
        self._store = store
        self._store_serving: bool | None = None
        self._store_prober = Periodic("objects-health", interval, self.probe_store)

    def start(self) -> None:
        """Probes once, then every `interval` seconds in the background."""
        self.probe()
        self._prober.start()
        if self._store is not None:
            self.probe_store()
            self._store_prober.start()

    def stop(self) -> None:
        """Stops probing and reports NOT_SERVING from then on."""
        self._prober.stop(timeout=5)
        self._store_prober.stop(timeout=5)
        for name in [*self._services, OBJECTS_SERVICE]:
            self.servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

    def probe_store(self) -> bool:
        """Checks the object store once and publishes the outcome as `customer_core.objects`."""
        assert self._store is not None
        try:
            self._store.check()
            serving = True
        except StoreUnavailable as exc:
            log.warning("object store health probe failed: %s", exc)
            serving = False
        if serving != self._store_serving:
            self.servicer.set(
                OBJECTS_SERVICE,
                health_pb2.HealthCheckResponse.SERVING
                if serving
                else health_pb2.HealthCheckResponse.NOT_SERVING,
            )
            self._store_serving = serving
        return serving

    def probe(self) -> bool:
        """Checks the database once and publishes the outcome."""
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            serving = True
        except Exception as exc:  # any failure to reach the database means not serving
            log.warning("database health probe failed: %s", exc.__class__.__name__)
            serving = False
        if serving != self._serving:
            status = (
                health_pb2.HealthCheckResponse.SERVING
                if serving
                else health_pb2.HealthCheckResponse.NOT_SERVING
            )
            for name in self._services:
                self.servicer.set(name, status)
            self._serving = serving
        return serving
