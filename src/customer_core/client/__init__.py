"""The Python client for channel systems.

from customer_core.client import Client, RPCError

with Client("127.0.0.1:50051") as client:
    customer = client.lookup("CORE", "0012345")
"""

from __future__ import annotations

from customer_core.client._client import (
    ChangeStream,
    Client,
    customer_name,
    pack,
    subject_of,
    unpack,
)
from customer_core.client._errors import RPCError

__all__ = ["ChangeStream", "Client", "RPCError", "customer_name", "pack", "subject_of", "unpack"]
