"""GetCustomer360: the customer, all its subject records and all its cross-references."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from customer_core.kernel import cross_references as xref_ops
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import records as record_ops
from customer_core.kernel.names import parse_customer_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.v1 import customer_pb2, customer_service_pb2


def get_360(
    connection: Connection, codec: RecordCodec, request: customer_service_pb2.GetCustomer360Request
) -> customer_pb2.Customer360:
    """Three reads in one transaction, so the view is consistent; only subjects the caller may read."""
    number = parse_customer_name(request.name, "name")
    row = customer_ops.load(connection, number)
    return customer_pb2.Customer360(
        customer=customer_ops.to_proto(connection, row),
        subjects=record_ops.of_customer(connection, codec, row),
        cross_references=xref_ops.of_customer(connection, row),
    )
