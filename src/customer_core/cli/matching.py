"""`customer-core match candidates|merge|unmerge|merges|not-same|relationships|confirm-relationship|
reject-relationship|consolidate`: the similar-customer list, merges, relationship proposals and
the end-of-day consolidation from a shell.

Like `customers`, all but `consolidate` call a running server with the caller's token
(CUSTOMER_CORE_TOKEN), so a steward sees and merges only customers of their scope; answers print
as JSON. `consolidate`, like the other administration commands, works on the database directly,
as `cli:<os user>`, over the whole bank.
"""

from __future__ import annotations

import json
from itertools import islice
from typing import Annotated

import typer
from google.protobuf.json_format import MessageToJson

from customer_core.cli.admin import DatabaseUrl, _kernel, operator
from customer_core.cli.customers import DEFAULT_TARGET, Target, _client, _run
from customer_core.cli.progress import follow_job

match_app = typer.Typer(
    help="Identification: the similar-customer list, merges and unmerges (for data stewards).",
    no_args_is_help=True,
)

Reason = Annotated[str, typer.Option(help="Why (ledgered)")]


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value.lower() not in allowed:
        raise typer.BadParameter(
            f"must be one of {', '.join(filter(None, allowed))}", param_hint=name
        )


@match_app.command("candidates")
def candidates(
    status: Annotated[str, typer.Option(help="open, merged or not_same")] = "open",
    tier: Annotated[str, typer.Option(help="highest, high, medium or low")] = "",
    customer: Annotated[str, typer.Option(help="Only pairs with this customer (its number)")] = "",
    limit: Annotated[int, typer.Option(help="Stop after this many")] = 100,
    target: Target = DEFAULT_TARGET,
) -> None:
    """List candidate pairs, newest first, one JSON object per line (values masked)."""
    _choice("--status", status, ("open", "merged", "not_same"))
    _choice("--tier", tier, ("", "highest", "high", "medium", "low"))
    with _client(target) as client:
        found = client.match_candidates(status=status, tier=tier, customer=customer)
        for pair in islice(found, limit):
            typer.echo(MessageToJson(pair, indent=None, preserving_proto_field_name=True))


@match_app.command("merge")
def merge(
    first: Annotated[str, typer.Argument(help="A customer number")],
    second: Annotated[str, typer.Argument(help="The other customer number")],
    reason: Reason,
    survivor: Annotated[str, typer.Option(help="Which one survives (default: by the rule)")] = "",
    target: Target = DEFAULT_TARGET,
) -> None:
    """Merge two customers into one."""
    _run(target, lambda client: client.merge_customers(first, second, reason, survivor=survivor))


@match_app.command("unmerge")
def unmerge(
    name: Annotated[str, typer.Argument(help="The merge, merges/{id}")],
    reason: Reason,
    target: Target = DEFAULT_TARGET,
) -> None:
    """Undo a merge: both customers as they were, with what changed since on its side."""
    _run(target, lambda client: client.unmerge_customers(name, reason))


@match_app.command("merges")
def merges(
    customer: Annotated[str, typer.Argument(help="A customer number")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """A customer's merges and unmerges, newest first, one JSON object per line."""
    with _client(target) as client:
        for item in client.merges(customer):
            typer.echo(MessageToJson(item, indent=None, preserving_proto_field_name=True))


@match_app.command("not-same")
def not_same(
    name: Annotated[str, typer.Argument(help="The pair, matchCandidates/{id}")],
    comment: Annotated[str, typer.Option(help="Why they are different customers (ledgered)")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Mark a listed pair as two different customers."""
    _run(target, lambda client: client.mark_not_same(name, comment))


@match_app.command("relationships")
def relationship_list(
    status: Annotated[str, typer.Option(help="open, confirmed or rejected")] = "open",
    customer: Annotated[str, typer.Option(help="Only with this customer (its number)")] = "",
    limit: Annotated[int, typer.Option(help="Stop after this many")] = 100,
    target: Target = DEFAULT_TARGET,
) -> None:
    """List relationship proposals, newest first, one JSON object per line."""
    _choice("--status", status, ("open", "confirmed", "rejected"))
    with _client(target) as client:
        found = client.relationship_proposals(status=status, customer=customer)
        for proposal in islice(found, limit):
            typer.echo(MessageToJson(proposal, indent=None, preserving_proto_field_name=True))


@match_app.command("confirm-relationship")
def confirm_relationship(
    name: Annotated[str, typer.Argument(help="The proposal, relationshipProposals/{id}")],
    comment: Annotated[str, typer.Option(help="Why (ledgered)")],
    kind: Annotated[
        str, typer.Option(help="A family proposal's closer kind, e.g. RELATIONSHIP_KIND_SPOUSE")
    ] = "",
    target: Target = DEFAULT_TARGET,
) -> None:
    """Confirm a proposal: its relationship record is written."""
    _run(target, lambda client: client.confirm_relationship(name, comment, kind=kind))


@match_app.command("reject-relationship")
def reject_relationship(
    name: Annotated[str, typer.Argument(help="The proposal, relationshipProposals/{id}")],
    comment: Annotated[str, typer.Option(help="Why (ledgered)")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Reject a proposal: it is never proposed again."""
    _run(target, lambda client: client.reject_relationship(name, comment))


@match_app.command("consolidate")
def consolidate(database_url: DatabaseUrl = None) -> None:
    """Compare the whole base, merge what the policy allows and list the rest, with a progress
    bar (runs here, or follows the run a server is running)."""
    with _kernel(database_url, "match consolidate") as kernel:
        run_id = kernel.consolidation.start(created_by=operator())
        run = follow_job(
            "consolidating the customer base", kernel.jobs, run_id,
            lambda: kernel.consolidation.run(run_id),
        )  # fmt: skip
        typer.echo(
            json.dumps(
                {"name": f"consolidationRuns/{run.id}", "state": run.state,
                 "compared_pairs": run.compared, "merged": run.merged, "listed": run.listed,
                 "proposed_relationships": run.proposed, "error": run.error or ""}
            )
        )  # fmt: skip
        if run.state != "succeeded":
            raise typer.Exit(1)
