"""`customer-core ledger verify|seal-now`: check the tamper-evident ledger, seal it on demand.

`verify` needs only the database (no master key): an auditor can run it on a copy; with
`--digests` it also compares every block with its digest in the object store the settings name
(`ledger.digests`), which catches a database rewritten wholesale. `seal-now` signs, so it needs
the master key like the server.
"""

from __future__ import annotations

import json
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
    digests: Annotated[
        bool,
        typer.Option(
            "--digests",
            help="Also compare every block with its digest in the object store (the settings')",
        ),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Recompute block links, Merkle roots and signatures; exit 1 naming the first mismatch."""
    from customer_core.ledger import digests as ledger_digests
    from customer_core.ledger.verify import verify as run
    from customer_core.objects import open_store
    from customer_core.storage import create_engine, run_in_transaction

    settings = Settings(**({"database_url": database_url} if database_url else {}))  # type: ignore[arg-type]
    engine = create_engine(settings.database_url, pool_size=1)
    store = open_store(settings) if digests else None
    compared: ledger_digests.Comparison | None = None
    try:
        result = run_in_transaction(engine, lambda c: run(c, first, last, chains), write=False)
        if store is not None:
            compared = run_in_transaction(
                engine, lambda c: ledger_digests.compare(c, store, first, last), write=False
            )
    except CustomerCoreError as exc:
        typer.echo(f"error: {exc.code.name}: {exc.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    output = MessageToJson(result, indent=None, preserving_proto_field_name=True)
    if compared is not None:
        fields = json.loads(output)
        fields["digests_checked"] = compared.checked
        if not compared.ok:
            fields["digest_failure"] = compared.failure
            fields["digest_failed_block"] = compared.failed_block
        output = json.dumps(fields)
    typer.echo(output)
    if not result.ok:
        typer.echo(f"LEDGER DOES NOT VERIFY: {result.first_failure}", err=True)
    if compared is not None and not compared.ok:
        typer.echo(f"LEDGER DOES NOT MATCH ITS DIGESTS: {compared.failure}", err=True)
    if not result.ok or (compared is not None and not compared.ok):
        raise typer.Exit(1)
    typer.echo(
        f"ledger OK: {result.blocks_checked} blocks, {result.entries_checked} entries"
        + (f", {compared.checked} digests" if compared is not None else ""),
        err=True,
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
