"""`customer-core ledger verify|seal-now`: check the tamper-evident ledger, seal it on demand.

`verify` needs only the database (no master key): an auditor can run it on a copy. `seal-now`
signs, so it needs the master key like the server.
"""

from __future__ import annotations

from typing import Annotated

import typer
from google.protobuf.json_format import MessageToJson

from customer_core.cli.admin import DatabaseUrl, _kernel
from customer_core.errors import CustomerCoreError
from customer_core.kernel.config import Settings

ledger_app = typer.Typer(
    help="Verify the ledger's chains, blocks and signatures; seal pending entries.",
    no_args_is_help=True,
)


@ledger_app.command("verify")
def verify(
    first: Annotated[int, typer.Option("--from", help="First block height")] = 1,
    last: Annotated[int, typer.Option("--to", help="Last block height; 0: the latest")] = 0,
    chains: Annotated[
        bool, typer.Option("--chains", help="Also recompute every hash chain of those entries")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Recompute block links, Merkle roots and signatures; exit 1 naming the first mismatch."""
    from customer_core.ledger.verify import verify as run
    from customer_core.storage import create_engine, run_in_transaction

    settings = Settings(**({"database_url": database_url} if database_url else {}))  # type: ignore[arg-type]
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        result = run_in_transaction(engine, lambda c: run(c, first, last, chains), write=False)
    except CustomerCoreError as exc:
        typer.echo(f"error: {exc.code.name}: {exc.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    typer.echo(MessageToJson(result, indent=None, preserving_proto_field_name=True))
    if not result.ok:
        typer.echo(f"LEDGER DOES NOT VERIFY: {result.first_failure}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"ledger OK: {result.blocks_checked} blocks, {result.entries_checked} entries", err=True
    )


@ledger_app.command("seal-now")
def seal_now(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the sealing replica")] = 30.0,
    database_url: DatabaseUrl = None,
) -> None:
    """Seal every committed entry now (or wait for the replica holding the sealer lease to)."""
    with _kernel(database_url, "ledger seal-now") as kernel:
        sealed = kernel.ledger_sealer.seal_now(timeout)
        typer.echo(f"sealed {sealed} entries" if sealed else "every committed entry is sealed")


__all__ = ["ledger_app"]
