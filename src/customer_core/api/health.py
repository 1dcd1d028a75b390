"""gRPC health checking: SERVING while the database answers, NOT_SERVING while it does not."""

from __future__ import annotations

import logging
import threading

from grpc_health.v1 import health, health_pb2
from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


class DatabaseHealth:
    """Probes the database every `interval` seconds and reports the result for `services`."""

    def __init__(self, engine: Engine, services: list[str], interval: float) -> None:
        self.servicer = health.HealthServicer()
        self._engine = engine
        self._services = ["", *services]
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="db-health", daemon=True)
        self._serving: bool | None = None

    def start(self) -> None:
        self.probe()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        for name in self._services:
            self.servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

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

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.probe()
