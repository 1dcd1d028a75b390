"""The `customer-core` command line."""

from __future__ import annotations

from customer_core.cli.main import app, main

__all__ = ["app", "main"]
