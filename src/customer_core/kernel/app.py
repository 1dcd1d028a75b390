"""The kernel: one object wiring storage, the plugin registry and the request pipeline's write path.

Every write goes through `Kernel.write`, which checks the request id, runs the unit of work in one
retried SERIALIZABLE transaction and records the answer for replays; every read goes through
`Kernel.read`. Servicers call nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy.engine import Connection, Engine

from customer_core.kernel import idempotency
from customer_core.kernel.config import Settings
from customer_core.kernel.registry import Registry, load_registry
from customer_core.kernel.schema_compat import reconcile_schemas
from customer_core.storage import create_engine, run_in_transaction
from customer_core.storage.transaction import DEFAULT_POLICY, RetryPolicy

M = TypeVar("M", bound=Message)
T = TypeVar("T")


class Kernel:
    """The running kernel: database engine, plugin registry and transaction policy."""

    def __init__(
        self, engine: Engine, registry: Registry, *, policy: RetryPolicy = DEFAULT_POLICY
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.policy = policy

    @classmethod
    def open(
        cls, settings: Settings, *, extra_plugins: list[tuple[str, Any]] | None = None
    ) -> Kernel:
        """Connects, loads the plugins and refuses a schema change that would break stored records.

        The database must have been migrated (`customer-core migrate`).

        Raises:
            PluginRegistrationError: a plugin does not fit the contract, or breaks stored records.
        """
        registry = load_registry(settings.enabled_plugins(), extra_plugins or [])
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        try:
            run_in_transaction(engine, lambda c: reconcile_schemas(c, registry))
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, registry)

    def close(self) -> None:
        """Releases the database connections."""
        self.engine.dispose()

    def read(self, work: Callable[[Connection], T]) -> T:
        """Runs a read-only unit of work in one consistent transaction."""
        return run_in_transaction(self.engine, work, write=False, policy=self.policy)

    def write(
        self,
        method: str,
        request: Message,
        response_type: type[M],
        work: Callable[[Connection, datetime], M],
    ) -> M:
        """Runs a write idempotently: a request id seen before returns the first answer.

        Args:
            method: the RPC's name, part of what a request id is bound to.
            request: the request message; its `request_id` field is the idempotency key.
            response_type: the message class of the answer, to replay it.
            work: the unit of work, given the connection and the transaction's timestamp.
        """
        request_id: str = getattr(request, "request_id", "")
        idempotency.check_request_id(request_id)
        fingerprint = idempotency.fingerprint(method, request) if request_id else ""

        def unit(connection: Connection) -> M:
            now = datetime.now(UTC)
            if request_id:
                first = idempotency.replay(
                    connection, request_id, method, fingerprint, response_type
                )
                if first is not None:
                    return first
            response = work(connection, now)
            if request_id:
                idempotency.remember(connection, request_id, method, fingerprint, response, now)
            return response

        return run_in_transaction(self.engine, unit, write=True, policy=self.policy)
