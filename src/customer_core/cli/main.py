"""`customer-core`: serve, migrate, list plugins, and work with customers through the client."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from customer_core.cli.admin import audit_app, bindings_app, keys_app, tokens_app
from customer_core.cli.backup import backup_app
from customer_core.cli.customers import customers_app
from customer_core.cli.documents import documents_app
from customer_core.cli.ledger import ledger_app
from customer_core.cli.matching import match_app
from customer_core.cli.quality import quality_app
from customer_core.cli.records import records_app
from customer_core.errors import ConfigurationError, PluginRegistrationError
from customer_core.kernel.config import Settings

app = typer.Typer(
    help="customer-core: the bank's customer master (ECIF) as a gRPC microkernel.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(customers_app, name="customers")
app.add_typer(tokens_app, name="tokens")
app.add_typer(bindings_app, name="bindings")
app.add_typer(keys_app, name="keys")
app.add_typer(records_app, name="records")
app.add_typer(audit_app, name="audit")
app.add_typer(ledger_app, name="ledger")
app.add_typer(quality_app, name="quality")
app.add_typer(match_app, name="match")
app.add_typer(backup_app, name="backup")
app.add_typer(documents_app, name="documents")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="Database URL [env CUSTOMER_CORE_DATABASE_URL; default sqlite:///var/customer-core.db]"
    ),
]


def _settings(database_url: str | None = None, **overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]


@app.command()
def serve(
    database_url: DatabaseUrl = None,
    host: Annotated[
        str | None, typer.Option(help="Listen address [env CUSTOMER_CORE_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Listen port [env CUSTOMER_CORE_PORT]")] = None,
) -> None:
    """Run the gRPC server until SIGINT or SIGTERM."""
    from customer_core.api.processes import WorkerFailed
    from customer_core.api.server import serve as run

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        run(_settings(database_url, host=host, port=port), announce=typer.echo)
    except (PluginRegistrationError, ConfigurationError) as exc:
        typer.echo(f"refusing to start: {exc}", err=True)
        raise typer.Exit(3) from None
    except WorkerFailed as exc:  # the others were stopped: let the supervisor restart us whole
        typer.echo(f"customer-core stopped: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Create or upgrade the database schema to the current version."""
    from customer_core.storage import migrate as run

    settings = _settings(database_url)
    run(settings.database_url)
    typer.echo(f"database migrated: {make_url(settings.database_url).render_as_string()}")


plugins_app = typer.Typer(help="The installed plugins; a new plugin package.")
app.add_typer(plugins_app, name="plugins")


@plugins_app.callback(invoke_without_command=True)
def plugins(ctx: typer.Context) -> None:
    """List the installed plugins, the hooks they implement and their subject models."""
    if ctx.invoked_subcommand is not None:
        return
    from customer_core.kernel.registry import load_registry

    settings = Settings()
    try:
        registry = load_registry(settings.enabled_plugins())
    except PluginRegistrationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3) from None
    models_by_plugin: dict[str, list[str]] = {}
    for model in registry.models():
        models_by_plugin.setdefault(model.plugin, []).append(
            f"{model.name} v{model.schema_version} ({model.message_type})"
        )
    for name, hooks in registry.plugins():
        typer.echo(f"{name}: hooks {', '.join(hooks) or 'none'}")
        for line in models_by_plugin.get(name, []):
            typer.echo(f"  model {line}")


@plugins_app.command("new")
def new_plugin(
    name: Annotated[str, typer.Argument(help="The subject model's name, e.g. loan_collateral")],
    directory: Annotated[
        Path, typer.Option(help="Where to write the package (a directory of its own is made)")
    ] = Path("."),
) -> None:
    """Make a plugin package: its .proto, module, packaging and a test. It builds, installs
    (`pip install --no-build-isolation .`) and is served with no further edit."""
    from customer_core.cli import scaffold

    if not scaffold.NAME.fullmatch(name):
        raise typer.BadParameter(scaffold.NAME_RULE, param_hint="NAME")
    target = directory / f"customer-core-{name.replace('_', '-')}"
    if target.exists():
        raise typer.BadParameter(f"{target} exists already", param_hint="--directory")
    root = scaffold.write(name, directory)
    typer.echo(
        f"plugin {name} written to {root}; install it with: pip install --no-build-isolation {root}"
    )


def main() -> None:
    """Entry point of the console script."""
    sys.exit(app())
