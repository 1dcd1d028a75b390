"""Migrations build exactly the schema the code declares, and run again harmlessly."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from customer_core.storage import migrate
from customer_core.storage.tables import metadata


def test_migrated_schema_matches_the_table_definitions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    migrate(url)  # already at head: nothing to do, no error
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diff == []
