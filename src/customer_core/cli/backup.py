"""`customer-core backup create|list|verify|restore|prune`: backups through the object store.

`create` reads the database (with the master key, like the server) while it serves writes;
`verify` and `restore` need only the object store and the master key, never the database the
backup was taken of. Exit status: 0 done, 1 the backup does not verify, 2 refused (a non-empty
target, another schema revision) or an error.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from customer_core.backup import manifest
from customer_core.backup.catalog import catalog, summary
from customer_core.backup.jobs import prune_expired, take_backup
from customer_core.backup.manifest import BackupCorrupt
from customer_core.backup.reshred import reshred
from customer_core.backup.restore import RestoreRefused, restore_backup
from customer_core.backup.retention import prune
from customer_core.backup.verify import verify_backup
from customer_core.cli.admin import DatabaseUrl, _kernel
from customer_core.errors import CustomerCoreError
from customer_core.kernel.app import master_key_provider
from customer_core.kernel.config import Settings
from customer_core.objects import StoreUnavailable, open_store

backup_app = typer.Typer(
    help="Back up the database to the object store, verify and restore backups.",
    no_args_is_help=True,
)

BackupId = Annotated[str, typer.Argument(help="The backup's id (see `backup list`)")]


def _settings(database_url: str | None = None) -> Settings:
    return Settings(**({"database_url": database_url} if database_url else {}))  # type: ignore[arg-type]


def _check_id(backup_id: str) -> str:
    try:
        return manifest.check_id(backup_id)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="BACKUP_ID") from None


@backup_app.command("create")
def create(database_url: DatabaseUrl = None) -> None:
    """Take a consistent backup while the server serves writes; then remove expired ones."""
    with _kernel(database_url, "backup create") as kernel:
        body = take_backup(kernel)
        typer.echo(json.dumps(summary(body)))
        for backup_id in prune_expired(kernel):
            typer.echo(f"removed expired backup {backup_id}", err=True)
        typer.echo(f"backup {body['id']} taken", err=True)


@backup_app.command("list")
def list_command() -> None:
    """List the backups, oldest first, one JSON object per line."""
    for line in catalog(open_store(_settings())):
        typer.echo(json.dumps(line))


@backup_app.command("verify")
def verify(backup_id: BackupId) -> None:
    """Re-read a backup and check its manifest's MAC and every checksum, restoring nothing."""
    settings = _settings()
    try:
        backup = verify_backup(
            open_store(settings), _check_id(backup_id), master_key_provider(settings)
        )
    except BackupCorrupt as exc:
        typer.echo(f"BACKUP DOES NOT VERIFY: {exc}", err=True)
        raise typer.Exit(1) from None
    except (CustomerCoreError, StoreUnavailable) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(summary(backup.manifest)))
    typer.echo(f"backup {backup_id} OK", err=True)


@backup_app.command("restore")
def restore(
    backup_id: BackupId,
    database_url: Annotated[
        str | None, typer.Option(help="The empty target database [env CUSTOMER_CORE_DATABASE_URL]")
    ] = None,
) -> None:
    """Verify a backup, restore it into an empty database, shred again whoever was erased since."""
    settings = _settings(database_url)
    store = open_store(settings)
    try:
        restored = restore_backup(
            store, _check_id(backup_id), master_key_provider(settings), settings.database_url,
            on_table=lambda name, rows: typer.echo(f"restored {name}: {rows} rows", err=True),
        )  # fmt: skip
        shredded = reshred(settings, store)
    except BackupCorrupt as exc:
        typer.echo(f"BACKUP DOES NOT VERIFY, nothing restored: {exc}", err=True)
        raise typer.Exit(1) from None
    except RestoreRefused as exc:
        typer.echo(f"refusing to restore: {exc}", err=True)
        raise typer.Exit(2) from None
    except (CustomerCoreError, StoreUnavailable) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(summary(restored.backup.manifest) | {"shred_list": shredded}))
    typer.echo(f"backup {backup_id} restored", err=True)


@backup_app.command("prune")
def prune_command() -> None:
    """Remove the backups retention no longer keeps (`backup create` does it after each)."""
    settings = _settings()
    for backup_id in prune(
        open_store(settings), settings.backup_keep_last, settings.backup_keep_days
    ):
        typer.echo(f"removed {backup_id}")


__all__ = ["backup_app"]
