"""The one helper every database transaction goes through: SERIALIZABLE, retried on conflict.

CockroachDB (and PostgreSQL at SERIALIZABLE) abort a transaction that would break serializability
with SQLSTATE 40001 and expect the client to run it again; SQLite reports a busy database instead.
`run_in_transaction` re-runs the whole unit of work with capped exponential backoff and full
jitter, so callers write plain straight-line code and never see a transient conflict.
"""

from __future__ import annotations

import logging
import random
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from customer_core.errors import Aborted, Unavailable
from customer_core.storage.writer_lock import end as end_sqlite_transaction

T = TypeVar("T")

log = logging.getLogger(__name__)

#: serialization_failure and deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


_MEMO = "customer_core.transaction_memo"


def transaction_memo(connection: Connection, name: str) -> dict[Any, Any]:
    """A dict that lives as long as the current transaction (emptied at every BEGIN).

    For facts a unit of work learns and must not re-read (chain tips, keys it made), and must
    not carry into the next attempt, which may follow a rollback.
    """
    memo: dict[str, dict[Any, Any]] = connection.info.setdefault(_MEMO, {})
    return memo.setdefault(name, {})


def _new_transaction(connection: Connection) -> None:
    connection.info.pop(_MEMO, None)


#: Engines `install` has been given (those of `storage.create_engine`).
_INSTALLED: weakref.WeakSet[Engine] = weakref.WeakSet()


def install(engine: Engine) -> None:
    """Has every transaction on `engine` start with an empty `transaction_memo` (called by
    `storage.create_engine`; `run_in_transaction` refuses other engines)."""
    event.listen(engine, "begin", _new_transaction)
    _INSTALLED.add(engine)


_BEFORE_COMMIT: list[Callable[[Connection], object]] = []


def before_commit(hook: Callable[[Connection], object]) -> None:
    """Has `run_in_transaction` call `hook(connection)` after each unit of work, before it
    commits (in the transaction: an error there rolls back, and retries like one of the work's)."""
    _BEFORE_COMMIT.append(hook)


class RetryTransaction(Exception):
    """Raised inside a unit of work to run it again from the start (e.g. after losing an insert race)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a conflicting transaction is retried."""

    max_attempts: int = 25
    base_delay: float = 0.002
    max_delay: float = 0.5

    def delay(self, attempt: int) -> float:
        """Full-jitter backoff before attempt `attempt + 1`."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


DEFAULT_POLICY = RetryPolicy()


def sqlstate(error: DBAPIError) -> str | None:
    """The SQLSTATE of a driver error, when the driver reports one."""
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(code) if code else None


def is_retryable(error: BaseException) -> bool:
    """True for errors that mean "run the same transaction again"."""
    if isinstance(error, RetryTransaction):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if sqlstate(error) in RETRYABLE_SQLSTATES:
        return True
    # SQLite: another writer holds the lock beyond busy_timeout.
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def is_unreachable(error: BaseException) -> bool:
    """True for errors that mean the database cannot be reached at all."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    state = sqlstate(error)
    return isinstance(error, OperationalError) and (state is None or state.startswith("08"))


def run_in_transaction(
    engine: Engine,
    work: Callable[[Connection], T],
    *,
    write: bool = True,
    autocommit: bool = False,
    policy: RetryPolicy = DEFAULT_POLICY,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Runs `work(connection)` in one SERIALIZABLE transaction, retrying it on conflict.

    `work` may run several times, so it must have no effect outside the database. It commits
    when `work` returns and rolls back when it raises.

    Args:
        engine: from `customer_core.storage.create_engine`.
        work: the unit of work.
        write: the transaction writes (on SQLite it then takes the write lock at BEGIN).
        autocommit: a read whose consistency rests on one statement: no BEGIN and no COMMIT
            (each statement is a transaction of its own, and a single statement reads one
            snapshot on every engine), which saves two round trips. Not with `write`.
        policy: attempts and backoff.
        on_retry: called with the attempt number and the error before each retry.

    Raises:
        Aborted: the transaction still conflicted after `policy.max_attempts` attempts.
        Unavailable: the database cannot be reached.
    """
    if autocommit and write:
        raise ValueError("a write runs in a transaction")
    if engine not in _INSTALLED:  # its transactions would share memos and lose deferred rows
        raise ValueError(
            "run_in_transaction takes an engine of customer_core.storage.create_engine"
        )
    # On SQLite a writer takes the writer lock at its first statement (see `storage.writer_lock`).
    begin = {"sqlite_begin": "IMMEDIATE" if write else "DEFERRED"}
    for attempt in range(1, policy.max_attempts + 1):
        try:
            with engine.connect() as connection:
                if autocommit:
                    with _autocommitting(connection):
                        return work(connection)
                try:
                    with connection.execution_options(**begin).begin():
                        result = work(connection)
                        for hook in _BEFORE_COMMIT:
                            hook(connection)
                        return result
                finally:
                    end_sqlite_transaction(connection)
        except (DBAPIError, RetryTransaction) as error:
            stale = isinstance(error, DBAPIError) and error.connection_invalidated and attempt == 1
            if (stale or is_retryable(error)) and attempt < policy.max_attempts:
                if on_retry is not None:
                    on_retry(attempt, error)
                time.sleep(policy.delay(attempt))
                continue
            if is_retryable(error):
                raise Aborted(
                    f"transaction still conflicting after {attempt} attempts; retry the call",
                    reason="TRANSACTION_CONFLICT",
                ) from error
            if is_unreachable(error):
                log.warning("database unreachable: %s", error.__class__.__name__)
                raise Unavailable(
                    "the database is unreachable", reason="DATABASE_UNAVAILABLE"
                ) from error
            raise
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def _autocommitting(connection: Connection) -> Iterator[Connection]:
    """`connection` with each statement a transaction of its own (no BEGIN, no COMMIT).

    SQLite connections are in the driver's autocommit mode already (BEGIN is ours, see
    `storage.engine`), so only our BEGIN is left out. On PostgreSQL and CockroachDB the psycopg
    connection is put in autocommit mode and back: SQLAlchemy's AUTOCOMMIT isolation level
    does the same through its execution options, and resets it on every return to the pool,
    at several times the cost of the read it serves.
    """
    if connection.dialect.name == "sqlite":
        yield connection.execution_options(sqlite_begin="")
        return
    driver: Any = connection.connection.driver_connection
    driver.autocommit = True
    try:
        yield connection
    finally:
        if not (driver.closed or driver.broken):  # a lost connection is discarded, not reused
            driver.autocommit = False
