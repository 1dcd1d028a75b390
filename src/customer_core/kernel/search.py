"""SearchCustomers: equality search on encrypted match keys, through their blind indexes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from customer_core.errors import InvalidArgument
from customer_core.kernel import access, pagination
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.records import model_named
from customer_core.storage.tables import blind_indexes, customers
from customer_core.v1 import customer_service_pb2


def search(
    connection: Connection, codec: RecordCodec, request: customer_service_pb2.SearchCustomersRequest
) -> customer_service_pb2.SearchCustomersResponse:
    """SearchCustomers: customers in the caller's scope with a record whose match key equals `value`."""
    model = model_named(codec.registry, request.subject, "")
    spec = next((f for f in model.fields if f.path == request.field), None)
    if spec is None or not (spec.rules.match_key and spec.rules.sensitive):
        searchable = [f.path for f in model.fields if f.rules.match_key and f.rules.sensitive]
        raise InvalidArgument.field(
            "field",
            f"is not a searchable match key of {model.name!r}; searchable: {', '.join(searchable) or 'none'}",
        )
    if not request.value.strip():
        raise InvalidArgument.field("value", "is required")
    size = pagination.page_size(request.page_size)
    digest = codec.cipher.blind_digest(model.name, spec.path, request.value)
    rows = connection.execute(
        select(customers)
        .where(
            customers.c.id.in_(
                select(blind_indexes.c.customer_id).where(
                    blind_indexes.c.subject == model.name,
                    blind_indexes.c.field_path == spec.path,
                    blind_indexes.c.digest == digest,
                )
            ),
            access.scope_clause(customers.c.owning_org_unit),
        )
        .order_by(customers.c.customer_number)
        .limit(size)
    ).all()
    access.note_customers(r.customer_number for r in rows)
    return customer_service_pb2.SearchCustomersResponse(
        customers=[customer_ops.to_proto(connection, r) for r in rows]
    )
