"""`customer-core tokens|bindings|keys|audit ...`: security administration for SREs.

These commands work on the database directly (with its URL and the master key, like the server),
so the first administrator can be bound before any token exists. Each acts as the principal
`cli:<os user>` in the audit log.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from google.protobuf.json_format import MessageToJson

from customer_core.api.admin_servicer import rotation_to_proto
from customer_core.authz import audit, bindings
from customer_core.authz.audit import AuditRecord
from customer_core.cli.progress import follow_job
from customer_core.errors import CustomerCoreError
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.kernel.key_rotation import Rotation
from customer_core.ledger.recorder import Provenance
from customer_core.v1 import admin_service_pb2 as admin

tokens_app = typer.Typer(help="Issue and revoke bearer tokens.", no_args_is_help=True)
bindings_app = typer.Typer(
    help="Grant and revoke roles within org-unit and channel scopes.", no_args_is_help=True
)
keys_app = typer.Typer(
    help="Rotate the master key, key-encrypting keys and data keys online.", no_args_is_help=True
)
audit_app = typer.Typer(help="Read the audit log.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None, typer.Option(help="Database URL [env CUSTOMER_CORE_DATABASE_URL]")
]


def operator() -> str:
    """The principal the CLI acts as."""
    return f"cli:{getpass.getuser()}"


def acting(command: str) -> Provenance:
    """The provenance of a change a CLI command makes: its operator and the command."""
    return Provenance(operator(), f"cli {command}")


@contextmanager
def _kernel(database_url: str | None, method: str) -> Iterator[Kernel]:
    settings = Settings(**({"database_url": database_url} if database_url else {}))  # type: ignore[arg-type]
    kernel = Kernel.open(settings)
    outcome = "OK"
    try:
        yield kernel
    except CustomerCoreError as exc:
        outcome = exc.code.name
        typer.echo(f"error: {exc.code.name}: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        kernel.audit.record(AuditRecord(operator(), f"cli {method}", outcome), durable=True)
        kernel.close()


@tokens_app.command("issue")
def issue_token(
    principal: Annotated[str, typer.Option(help="Whom the token authenticates")],
    role: Annotated[
        list[str] | None, typer.Option(help="Roles it may exercise (repeatable); default all bound")
    ] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds")] = 3600,
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a token; prints it (treat it like a password)."""
    with _kernel(database_url, "tokens issue") as kernel:
        token, claims = kernel.run(
            lambda c: kernel.tokens.issue(
                c, principal, list(role or []), ttl, operator(), datetime.now(UTC)
            ),
            actor=acting("tokens issue"),
        )
        typer.echo(
            f"token id {claims.token_id}, expires {claims.expire_time.isoformat()}", err=True
        )
        typer.echo(token)


@tokens_app.command("revoke")
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="The token id")],
    reason: Annotated[str, typer.Option(help="Why")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token."""
    with _kernel(database_url, "tokens revoke") as kernel:
        kernel.run(
            lambda c: kernel.tokens.revoke(c, token_id, reason, datetime.now(UTC)),
            actor=acting("tokens revoke"),
        )
        typer.echo(f"revoked {token_id}")


@bindings_app.command("grant")
def grant(
    principal: Annotated[str, typer.Option(help="Token subject or certificate common name")],
    role: Annotated[str, typer.Option(help="A built-in role, e.g. teller")],
    org_unit: Annotated[
        str, typer.Option(help="Org unit whose subtree it covers; * for the whole bank")
    ],
    read_subject: Annotated[
        list[str] | None, typer.Option(help="Channel scope: readable subject model")
    ] = None,
    write_subject: Annotated[
        list[str] | None, typer.Option(help="Channel scope: writable subject model")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Bind a role to a principal."""
    binding = admin.RoleBinding(
        principal=principal, role=role, org_unit=org_unit,
        read_subjects=read_subject or [], write_subjects=write_subject or [],
    )  # fmt: skip
    with _kernel(database_url, "bindings grant") as kernel:
        subjects = {m.name for m in kernel.registry.models()}
        created = kernel.run(
            lambda c: bindings.create(c, binding, subjects, operator(), datetime.now(UTC)),
            actor=acting("bindings grant"),
        )
        typer.echo(MessageToJson(created, indent=None, preserving_proto_field_name=True))


@bindings_app.command("revoke")
def revoke_binding(
    name: Annotated[str, typer.Argument(help="roleBindings/{id}")],
    database_url: DatabaseUrl = None,
) -> None:
    """Remove a role binding."""
    with _kernel(database_url, "bindings revoke") as kernel:
        kernel.run(lambda c: bindings.remove(c, name), actor=acting("bindings revoke"))
        typer.echo(f"removed {name}")


@bindings_app.command("list")
def list_bindings(
    principal: Annotated[str, typer.Option(help="Only this principal's")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """List role bindings, one JSON object per line."""
    with _kernel(database_url, "bindings list") as kernel:
        for binding in kernel.read(lambda c: bindings.list_bindings(c, principal)):
            typer.echo(MessageToJson(binding, indent=None, preserving_proto_field_name=True))


@keys_app.command("rotate")
def rotate(
    level: Annotated[str, typer.Argument(help="master, kek or data")],
    domain: Annotated[str, typer.Option(help="The KEK domain (level kek)")] = "customer-data",
    database_url: DatabaseUrl = None,
) -> None:
    """Rotate one level of the key hierarchy, with a progress bar.

    Runs the rotation here, or, if a server is running one of the same keys, follows it to its
    end (and carries it on should that server die); an interrupted rotation resumes from where
    it was. Ctrl-C leaves it for a server to finish.
    """
    if level not in ("master", "kek", "data"):
        raise typer.BadParameter("must be master, kek or data", param_hint="LEVEL")
    with _kernel(database_url, f"keys rotate {level}") as kernel:
        job_id = kernel.rotator.start(
            level, domain if level == "kek" else "*", created_by=operator()
        )
        row = follow_job(
            f"rotating {level} keys", kernel.jobs, job_id, lambda: kernel.rotator.run(job_id)
        )
        _print_rotation(row)
        if row.state != "SUCCEEDED":
            raise typer.Exit(1)


@keys_app.command("status")
def status(database_url: DatabaseUrl = None) -> None:
    """Show the master key versions, the KEK and data-key counts by status."""
    from sqlalchemy import func, select

    from customer_core.storage.tables import data_keys, key_encryption_keys

    with _kernel(database_url, "keys status") as kernel:
        typer.echo(f"master key versions: {kernel.keyring.master.versions()}")
        keks = kernel.read(
            lambda c: c.execute(
                select(
                    key_encryption_keys.c.domain,
                    key_encryption_keys.c.version,
                    key_encryption_keys.c.status,
                ).order_by(key_encryption_keys.c.domain, key_encryption_keys.c.version)
            ).all()
        )
        for domain, version, state in keks:
            typer.echo(f"kek {domain} v{version}: {state}")
        counts = kernel.read(
            lambda c: c.execute(
                select(data_keys.c.status, func.count()).group_by(data_keys.c.status)
            ).all()
        )
        typer.echo("data keys: " + ", ".join(f"{n} {s}" for s, n in counts))


def _print_rotation(row: Rotation) -> None:
    typer.echo(MessageToJson(rotation_to_proto(row), indent=None, preserving_proto_field_name=True))


@audit_app.command("list")
def list_audit(
    principal: Annotated[str, typer.Option(help="Only this principal's calls")] = "",
    customer: Annotated[
        str, typer.Option(help="Only calls that touched this customer number")
    ] = "",
    limit: Annotated[int, typer.Option(help="At most this many, newest first")] = 50,
    database_url: DatabaseUrl = None,
) -> None:
    """List audit events, newest first, one line each."""
    with _kernel(database_url, "audit list") as kernel:
        kernel.audit.flush()
        rows = kernel.read(
            lambda c: audit.query_events(
                c,
                principal=principal,
                customer=customer,
                start=None,
                end=None,
                limit=limit,
                before=None,
            )
        )
        for r in rows:
            shown = (
                f" unmasked={r.unmasked_fields.replace(chr(10), ',')}" if r.unmasked_fields else ""
            )
            typer.echo(
                f"{r.time.isoformat()} {r.principal} {r.method} {r.outcome} customers={r.customers}{shown}"
            )


__all__ = ["audit_app", "bindings_app", "keys_app", "tokens_app"]
