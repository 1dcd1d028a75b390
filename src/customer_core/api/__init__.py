"""The gRPC surface: thin servicers, the error interceptor and the server."""

from __future__ import annotations

from customer_core.api.server import RunningServer, create_server, serve

__all__ = ["RunningServer", "create_server", "serve"]
