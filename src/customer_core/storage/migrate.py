"""Schema migrations with Alembic, run programmatically (`customer-core migrate`)."""

from __future__ import annotations

import io
from typing import TextIO

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection

from customer_core.storage.engine import normalize_url

SCRIPT_LOCATION = "customer_core.storage:migrations"


def alembic_config(url: str | URL, *, output: TextIO | None = None) -> Config:
    """An Alembic configuration for the database at `url` (no alembic.ini needed).

    `output` receives the SQL of an offline (`sql=True`) run.
    """
    config = Config(stdout=io.StringIO(), output_buffer=output)
    config.set_main_option("script_location", SCRIPT_LOCATION)
    rendered = normalize_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def migrate(url: str | URL, revision: str = "head") -> None:
    """Upgrades the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


def offline_sql(url: str | URL, revision: str = "head") -> str:
    """The SQL that migrating a database of `url`'s dialect to `revision` would run (nothing connects)."""
    out = io.StringIO()
    command.upgrade(alembic_config(url, output=out), revision, sql=True)
    return out.getvalue()


def behind_by(connection: Connection) -> tuple[str | None, str] | None:
    """(the database's revision, this code's head) if the database is not migrated to the head
    (not at all: None); None if it is, or if it is at a revision this code does not know (a
    newer release migrated it: its migrations are additive, so this code still runs on it)."""
    current = MigrationContext.configure(connection).get_current_revision()
    script = ScriptDirectory.from_config(alembic_config(connection.engine.url))
    head = script.get_current_head()
    assert head is not None
    if current == head:
        return None
    known = {revision.revision for revision in script.walk_revisions()}
    if current is not None and current not in known:
        return None
    return current, head
