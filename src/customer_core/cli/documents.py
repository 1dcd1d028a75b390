"""`customer-core documents sweep-uploads`: the upkeep of customer documents from the shell."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from customer_core.cli.admin import DatabaseUrl, _kernel
from customer_core.kernel.documents import sweep_uploads

documents_app = typer.Typer(help="Upkeep of customer documents.", no_args_is_help=True)


@documents_app.command("sweep-uploads")
def sweep_uploads_command(
    older_than_hours: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Uploads unfinished for longer than this are removed "
            "[default: CUSTOMER_CORE_DOCUMENT_UPLOAD_EXPIRY_HOURS]",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove the uploads left unfinished (their stored parts and rows), as servers do hourly."""
    with _kernel(database_url, "documents sweep-uploads") as kernel:
        hours = (
            kernel.settings.document_upload_expiry_hours
            if older_than_hours is None
            else older_than_hours
        )
        swept = sweep_uploads(kernel.engine, kernel.objects, timedelta(hours=hours))
        typer.echo(f"removed {swept} abandoned uploads (unfinished for over {hours} hours)")


__all__ = ["documents_app"]
