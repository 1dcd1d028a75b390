"""How subject records go into and come out of storage: sealed, blind-indexed, masked or unmasked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from google.protobuf import any_pb2
from google.protobuf.message import Message
from sqlalchemy import delete
from sqlalchemy.engine import Connection

from customer_core.kernel import access, convert
from customer_core.kernel.registry import Registry
from customer_core.kernel.sealing import FieldCipher, SealedRecord
from customer_core.kernel.subject_model import SubjectModel
from customer_core.storage.deferred import defer
from customer_core.storage.tables import blind_indexes
from customer_core.v1 import customer_pb2


class RecordCodec:
    """The registry's models and the field cipher, together: what every record operation needs."""

    def __init__(self, registry: Registry, cipher: FieldCipher) -> None:
        self.registry = registry
        self.cipher = cipher

    def seal(
        self,
        connection: Connection,
        model: SubjectModel,
        message: Message,
        customer_id: uuid.UUID,
        record_id: uuid.UUID,
        *,
        new_record: bool = False,
        new_customer: bool = False,
        received: Sequence[tuple[str, bytes]] = (),
    ) -> SealedRecord:
        """The stored form of a record; its blind indexes are replaced in the same transaction.

        `new_record` and `new_customer` say what this transaction created: there is then nothing
        to look up or delete (lookups of rows that cannot exist yet only add SERIALIZABLE conflicts).
        The new blind-index rows go with the transaction's other inserts (`storage.deferred`).
        """
        sealed = self.cipher.seal(
            connection, model, message, customer_id, record_id,
            new_customer=new_customer, received=received,
        )  # fmt: skip
        if not new_record:
            connection.execute(delete(blind_indexes).where(blind_indexes.c.record_id == record_id))
        index_rows = [
            {
                "id": uuid.uuid4(),
                "customer_id": customer_id,
                "record_id": record_id,
                "subject": model.name,
                "field_path": path,
                "digest": digest,
            }
            for path, digest in sealed.digests
        ]
        defer(connection, blind_indexes, index_rows)
        return sealed

    def plaintext(self, connection: Connection, model: SubjectModel, row: Any) -> Message:
        """A stored record in clear, for the kernel's own use (merging an update); not audited."""
        message, _ = self.cipher.unseal(
            connection, model, row.payload, row.sealed, row.customer_id, row.id
        )
        return message

    def to_proto(
        self, connection: Connection, row: Any, customer: Any
    ) -> customer_pb2.SubjectRecord:
        """A record as the caller may see it: masked, or in clear when it asked and may."""
        record = convert.subject_record(row, customer.customer_number)
        if row.sealed is None or not access.unmask_reason():
            return record
        model = self.registry.get(row.subject)
        if model is None:
            return record
        access.require_unmask(customer)
        message, paths = self.cipher.unseal(
            connection, model, row.payload, row.sealed, row.customer_id, row.id
        )
        record.data.CopyFrom(
            any_pb2.Any(type_url=row.type_url, value=message.SerializeToString(deterministic=True))
        )
        access.note_unmasked(record.name, paths)
        return record
