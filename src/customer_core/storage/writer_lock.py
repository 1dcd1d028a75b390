"""SQLite's writers, one at a time: a lock that wakes the next writer instead of letting it sleep,
held from a transaction's first statement to its end.

SQLite has one writer per database; `writer_lock` is held by every writing transaction on a
SQLite engine, from just before its first statement (when `storage.driver.begin_now` sends the
BEGIN `begin_later` held back) until it ends (`end`; see `storage.transaction`). What a unit of
work computes before its first statement (validating, sealing, hashing ledger entries: a write
whose inserts are deferred runs no statement until it flushes them) runs outside the lock,
alongside the other writers, instead of holding all of them up. Other engines take no lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from contextlib import AbstractContextManager, nullcontext

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

#: Seconds a SQLite writer waits for the writer lock, as long as SQLite's own busy timeout.
WRITER_WAIT = 30.0


class WriterBusy(OperationalError):
    """The SQLite writer lock stayed taken for `WRITER_WAIT` seconds ("database is locked", so
    the transaction helper retries it and finally answers ABORTED, as it would SQLite's own)."""

    def __init__(self) -> None:
        super().__init__("BEGIN IMMEDIATE", None, Exception("database is locked (writer lock)"))


class _WriterLock:
    """One writer at a time across the threads (a mutex) and processes (`flock` on a file beside
    the database) that write one SQLite database. Within a process the next writer is woken at
    once; across processes it polls the lock every millisecond or so. Neither waits longer than
    `WRITER_WAIT`: a writer that hangs holding the lock cannot stop the others for good."""

    def __init__(self, database: str | None) -> None:
        self._mutex = threading.Lock()
        self._path = f"{database}-writer.lock" if database and database != ":memory:" else None
        self._fd: int | None = None

    def __enter__(self) -> None:
        deadline = time.monotonic() + WRITER_WAIT
        if not self._mutex.acquire(timeout=WRITER_WAIT):
            raise WriterBusy()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                weakref.finalize(self, os.close, self._fd)  # closed with the engine
            pause = 0.0002
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WriterBusy() from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.002)
        except BaseException:
            self._mutex.release()
            raise

    def __exit__(self, *_exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._mutex.release()


#: SQLite engines' writer locks (see `writer_lock`).
_WRITER_LOCKS: weakref.WeakKeyDictionary[Engine, _WriterLock] = weakref.WeakKeyDictionary()


def add_writer_lock(engine: Engine, database: str | None) -> None:
    """Gives a SQLite engine of `database` (a file path, or None or ":memory:") its writer lock."""
    _WRITER_LOCKS[engine] = _WriterLock(database)


def writer_lock(engine: Engine) -> AbstractContextManager[object]:
    """Held by a writing transaction from its first statement to its end (`hold`, `end`):
    on SQLite, one writer at a time, woken in turn.

    SQLite has one writer per database. Writers that meet at BEGIN IMMEDIATE wait in SQLite's
    busy handler, which sleeps in growing steps (up to 100 ms) rather than being woken: under
    load most of a write's time went in sleeping, and the slowest writes took over a second.
    A writer kept waiting `WRITER_WAIT` seconds gets `WriterBusy`, which is retried like
    SQLite's own "database is locked".
    Other engines take no lock: their writers run concurrently. Not reentrant: a writing unit
    of work never starts another (on SQLite that could never have worked).
    """
    lock = _WRITER_LOCKS.get(engine)
    return lock if lock is not None else nullcontext()


_BEGIN = (
    "customer_core.sqlite_begin"  # the BEGIN a transaction will send before its first statement
)
_HELD = "customer_core.sqlite_writer_held"  # the writer lock the transaction holds


def begin_later(connection: Connection, mode: str) -> None:
    """Has `connection`'s transaction send `BEGIN <mode>` just before its first statement
    (`storage.driver.begin_now`), taking the writer lock first when `mode` is IMMEDIATE (a
    write); with no `mode` (autocommit), none."""
    if mode:
        connection.info[_BEGIN] = mode
    else:  # nor one an earlier transaction on the connection left unsent
        connection.info.pop(_BEGIN, None)


def held_back_begin(connection: Connection) -> str | None:
    """The mode of the BEGIN `begin_later` held back, if any, now no longer held back (the
    caller sends it: `storage.driver.begin_now`)."""
    mode: str | None = connection.info.pop(_BEGIN, None)
    return mode


def hold(connection: Connection) -> None:
    """Takes `connection`'s engine's writer lock for its transaction, until `end`.

    Raises:
        WriterBusy: the writer lock stayed taken for `WRITER_WAIT` seconds.
    """
    lock = writer_lock(connection.engine)
    lock.__enter__()
    connection.info[_HELD] = lock


def end(connection: Connection) -> None:
    """Releases the writer lock after `connection`'s transaction has committed or rolled back
    (and forgets a BEGIN that was never needed)."""
    connection.info.pop(_BEGIN, None)
    lock = connection.info.pop(_HELD, None)
    if lock is not None:
        lock.__exit__(None, None, None)
