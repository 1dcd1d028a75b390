"""`customer-core records expire|expiring`: the credential lifecycle, from the shell.

Like the other administration commands these work on the database directly, as `cli:<os user>`,
over the whole bank.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from customer_core.authz.context import CallContext, acting_as
from customer_core.authz.principal import WHOLE_BANK, Grant, Principal
from customer_core.authz.roles import BUILT_IN
from customer_core.cli.admin import DatabaseUrl, _kernel, operator
from customer_core.cli.progress import follow_job
from customer_core.kernel import expiry

records_app = typer.Typer(
    help="The lifecycle of records that lapse (identity documents past their validity).",
    no_args_is_help=True,
)


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("must be a date, YYYY-MM-DD", param_hint="--on") from None


@records_app.command("expire")
def expire(
    on: Annotated[
        str | None, typer.Option(help="Expire what lapsed before this day (default today)")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Mark every record that has lapsed as expired (a ledgered change), with a progress bar.

    Runs here, or follows the run of the same day a server is running; resumable.
    """
    with _kernel(database_url, "records expire") as kernel:
        run_id = kernel.expiry.start(_parse_day(on), created_by=operator())
        run = follow_job(
            "expiring lapsed records", kernel.jobs, run_id, lambda: kernel.expiry.run(run_id)
        )
        typer.echo(
            json.dumps(
                {"name": f"expiryRuns/{run.id}", "on": run.on.isoformat(), "state": run.state,
                 "checked": run.done, "expired": run.expired, "error": run.error or ""}
            )
        )  # fmt: skip
        if run.state != "succeeded":
            raise typer.Exit(1)


@records_app.command("expiring")
def expiring(
    days: Annotated[int, typer.Option(help="How many days ahead to look")] = 30,
    database_url: DatabaseUrl = None,
) -> None:
    """List the records that lapse within DAYS days (or have lapsed and are not marked so), one
    JSON object per line, soonest first."""
    everything = Grant("admin", WHOLE_BANK, BUILT_IN["admin"].permissions)
    context = CallContext(Principal(operator(), (everything,), authenticated_by="internal"))
    with _kernel(database_url, "records expiring") as kernel, acting_as(context):
        for item in kernel.read(lambda c: expiry.expiring(c, kernel.codec, days)):
            typer.echo(
                json.dumps(
                    {"customer": f"customers/{item.customer_number}", "record": item.record,
                     "subject": item.subject, "expires_on": item.expires_on.isoformat()}
                )
            )  # fmt: skip
