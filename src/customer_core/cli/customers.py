"""`customer-core customers ...`: the client's calls from a shell, answers printed as JSON."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Annotated, TypeVar

import typer
from google.protobuf.json_format import MessageToJson
from google.protobuf.message import Message

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2

T = TypeVar("T")

customers_app = typer.Typer(help="Create, read, change and find customers.", no_args_is_help=True)

Target = Annotated[
    str,
    typer.Option(
        envvar="CUSTOMER_CORE_TARGET",
        help="Server address host:port [env CUSTOMER_CORE_TARGET]",
    ),
]
DEFAULT_TARGET = f"127.0.0.1:{os.environ.get('CUSTOMER_CORE_PORT', '50051')}"


@contextmanager
def _client(target: str) -> Iterator[Client]:
    with Client(target, token=os.environ.get("CUSTOMER_CORE_TOKEN") or None) as client:
        try:
            yield client
        except RPCError as exc:
            typer.echo(f"error: {exc.code.name}: {exc.message}", err=True)
            for field, description in exc.field_violations.items():
                typer.echo(f"  {field}: {description}", err=True)
            raise typer.Exit(1) from None


def _print(message: Message) -> None:
    # Records' Any payloads print as their plugin messages once the plugins' stubs are imported.
    if isinstance(message, customer_pb2.Customer360):
        for group in message.subjects:
            for record in group.records:
                unpack(record.data)
    typer.echo(MessageToJson(message, indent=2, preserving_proto_field_name=True))


def _run(target: str, call: Callable[[Client], Message]) -> None:
    with _client(target) as client:
        _print(call(client))


@customers_app.command("create")
def create(
    type: Annotated[str, typer.Option(help="individual or organization")],
    org_unit: Annotated[str, typer.Option(help="Owning org unit, e.g. HO01-BJ02")],
    display_name: Annotated[str, typer.Option(help="Name shown to staff")],
    xref: Annotated[list[str] | None, typer.Option(help="SYSTEM:LOCAL_ID, repeatable")] = None,
    target: Target = DEFAULT_TARGET,
) -> None:
    """Create a customer, optionally linked to source-system records."""
    links = []
    for item in xref or []:
        system, sep, local = item.partition(":")
        if not sep:
            raise typer.BadParameter(f"{item!r}: expected SYSTEM:LOCAL_ID", param_hint="--xref")
        links.append((system, local))
    _run(
        target,
        lambda c: c.create_customer(
            type=type, owning_org_unit=org_unit, display_name=display_name, cross_references=links
        ),
    )


@customers_app.command("get")
def get(
    customer: Annotated[str, typer.Argument(help="Customer number")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Show a customer."""
    _run(target, lambda c: c.get_customer(customer))


@customers_app.command("update")
def update(
    customer: Annotated[str, typer.Argument(help="Customer number")],
    display_name: Annotated[str | None, typer.Option()] = None,
    org_unit: Annotated[str | None, typer.Option()] = None,
    etag: Annotated[str, typer.Option(help="Fail if the customer changed since this etag")] = "",
    target: Target = DEFAULT_TARGET,
) -> None:
    """Change a customer's display name or owning org unit."""
    changes = customer_pb2.Customer(
        name=f"customers/{customer.removeprefix('customers/')}", etag=etag
    )
    mask: list[str] = []
    if display_name is not None:
        changes.display_name, mask = display_name, [*mask, "display_name"]
    if org_unit is not None:
        changes.owning_org_unit, mask = org_unit, [*mask, "owning_org_unit"]
    if not mask:
        raise typer.BadParameter("give --display-name and/or --org-unit")
    _run(target, lambda c: c.update_customer(changes, mask))


@customers_app.command("close")
def close(
    customer: Annotated[str, typer.Argument(help="Customer number")],
    reason: Annotated[str, typer.Option(help="Why the customer is closed")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Close a customer."""
    _run(target, lambda c: c.close_customer(customer, reason))


@customers_app.command("360")
def view_360(
    customer: Annotated[str, typer.Argument(help="Customer number")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Show a customer with all its records and cross-references."""
    _run(target, lambda c: c.get_360(customer))


@customers_app.command("lookup")
def lookup(
    source_system: Annotated[str, typer.Argument(help="Source system code, e.g. CORE")],
    local_id: Annotated[str, typer.Argument(help="The customer's id in that system")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Find the customer a source system's record belongs to."""
    _run(target, lambda c: c.lookup(source_system, local_id))


@customers_app.command("list")
def list_customers(
    filter: Annotated[
        str, typer.Option(help='e.g. status = ACTIVE AND owning_org_unit = "HO01"')
    ] = "",
    limit: Annotated[int, typer.Option(help="Stop after this many")] = 100,
    target: Target = DEFAULT_TARGET,
) -> None:
    """List customers in customer-number order, one JSON object per line."""
    with _client(target) as client:
        for customer in islice(client.list_customers(filter=filter), limit):
            typer.echo(MessageToJson(customer, indent=None, preserving_proto_field_name=True))


@customers_app.command("search")
def search(
    subject: Annotated[str, typer.Argument(help="Subject model, e.g. identification")],
    field: Annotated[str, typer.Argument(help="Match-key field, e.g. id_number or phone.number")],
    value: Annotated[str, typer.Argument(help="The exact value")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Find customers by an encrypted match key, one JSON object per line."""
    with _client(target) as client:
        for customer in client.search(subject, field, value):
            typer.echo(MessageToJson(customer, indent=None, preserving_proto_field_name=True))


@customers_app.command("verify")
def verify(
    customer: Annotated[str, typer.Argument(help="Customer number")],
    claim: Annotated[
        list[str],
        typer.Option(help="SUBJECT.FIELD=VALUE, e.g. identification.id_number=110105..."),
    ],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Check claimed attributes against what is on file: match, mismatch or not on file."""
    claims = []
    for text in claim:
        key, equals, value = text.partition("=")
        subject, dot, field = key.partition(".")
        if not (equals and dot and subject and field):
            raise typer.BadParameter("must be SUBJECT.FIELD=VALUE", param_hint="--claim")
        claims.append((subject, field, value))
    _run(target, lambda c: c.verify_identity(customer, claims))


@customers_app.command("erase")
def erase(
    customer: Annotated[str, typer.Argument(help="Customer number of a closed customer")],
    reason: Annotated[str, typer.Option(help="Legal basis, e.g. the erasure request's reference")],
    target: Target = DEFAULT_TARGET,
) -> None:
    """Crypto-shred a closed customer's personal data."""
    _run(target, lambda c: c.erase_customer(customer, reason))
