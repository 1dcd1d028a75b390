"""Storage: SQLAlchemy engines (SQLite, PostgreSQL, CockroachDB), retried transactions, migrations."""

from __future__ import annotations

from customer_core.storage.engine import create_engine
from customer_core.storage.migrate import migrate
from customer_core.storage.transaction import RetryPolicy, RetryTransaction, run_in_transaction

__all__ = [
    "RetryPolicy",
    "RetryTransaction",
    "create_engine",
    "migrate",
    "run_in_transaction",
]
