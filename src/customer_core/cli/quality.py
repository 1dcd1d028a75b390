"""`customer-core quality issues|resolve|waive|report`: the data stewards' queue from a shell.

Like `customers`, these call a running server with the caller's token (CUSTOMER_CORE_TOKEN), so
a steward sees and closes only the issues of their scope; answers print as JSON.
"""

from __future__ import annotations

from itertools import islice
from typing import Annotated

import typer
from google.protobuf.json_format import MessageToJson

from customer_core.cli.customers import DEFAULT_TARGET, Target, _client, _run

quality_app = typer.Typer(
    help="The data-quality exception queue and report (for data stewards).", no_args_is_help=True
)

Comment = Annotated[str, typer.Option(help="What was done, or why the value stands (ledgered)")]


@quality_app.command("issues")
def issues(
    status: Annotated[str, typer.Option(help="open, resolved, waived or superseded")] = "open",
    rule: Annotated[str, typer.Option(help="Only this rule id")] = "",
    severity: Annotated[str, typer.Option(help="error or warning")] = "",
    source: Annotated[str, typer.Option(help="Only records from this source system")] = "",
    subject: Annotated[str, typer.Option(help="Only records of this subject model")] = "",
    org_unit: Annotated[str, typer.Option(help="Only customers of this org unit or under it")] = "",
    customer: Annotated[str, typer.Option(help="Only this customer (its number)")] = "",
    limit: Annotated[int, typer.Option(help="Stop after this many")] = 100,
    target: Target = DEFAULT_TARGET,
) -> None:
    """List data-quality issues, oldest first, one JSON object per line."""
    for name, value, allowed in (
        ("--status", status, ("open", "resolved", "waived", "superseded")),
        ("--severity", severity, ("", "error", "warning")),
    ):
        if value.lower() not in allowed:
            raise typer.BadParameter(
                f"must be one of {', '.join(filter(None, allowed))}", param_hint=name
            )
    with _client(target) as client:
        found = client.quality_issues(
            status=status, rule_id=rule, severity=severity, source_system=source,
            subject=subject, org_unit=org_unit, customer=customer,
        )  # fmt: skip
        for issue in islice(found, limit):
            typer.echo(MessageToJson(issue, indent=None, preserving_proto_field_name=True))


@quality_app.command("resolve")
def resolve(
    name: Annotated[str, typer.Argument(help="The issue, qualityIssues/{id}")],
    comment: Comment,
    target: Target = DEFAULT_TARGET,
) -> None:
    """Close an open issue as fixed."""
    _run(target, lambda client: client.resolve_issue(name, comment))


@quality_app.command("waive")
def waive(
    name: Annotated[str, typer.Argument(help="The issue, qualityIssues/{id}")],
    comment: Comment,
    target: Target = DEFAULT_TARGET,
) -> None:
    """Close an open issue as accepted as it is (a known exception)."""
    _run(target, lambda client: client.waive_issue(name, comment))


@quality_app.command("report")
def report(
    source: Annotated[str, typer.Option(help="Only records from this source system")] = "",
    subject: Annotated[str, typer.Option(help="Only records of this subject model")] = "",
    target: Target = DEFAULT_TARGET,
) -> None:
    """Per rule and source system: current records passed, corrected, completed, raised on."""
    _run(target, lambda client: client.quality_report(source_system=source, subject=subject))
