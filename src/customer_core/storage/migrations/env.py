"""Alembic environment: migrates the database named by the configuration's `sqlalchemy.url`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from customer_core.storage.engine import create_engine
from customer_core.storage.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None

if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, pool_size=1)
    engine.pool = pool.NullPool(engine.pool._creator)  # type: ignore[attr-defined]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
