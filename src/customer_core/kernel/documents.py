"""Customer documents: ID scans, signed forms, proofs of address, kept in the object store.

A document is stored in parts of `document_part_size` bytes, object
`documents/{customer_id}/{document_id}/{part:06d}`, each SM4-GCM under the customer's documents
data key with its document id and position as associated data: a part altered, truncated, moved
to another position or to another document does not decrypt. The SM3 digest of the whole
plaintext, kept with the metadata, is checked at the end of every download. The metadata row
records the bytes and parts stored so far, so an upload that broke off resumes at the last
stored part (the client re-sends at most that one part); until it is complete the document is
not listed. Memory stays at about one part per call, whatever the document's size.

Erasing the customer destroys the data key, so its documents are shredded with its records, also
those still under retention: the objects stay, unreadable. The ledger records each document's
metadata and checksum (not its display name, which may name the customer; never its content).
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection, Engine

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.crypto import primitives
from customer_core.crypto.keyring import CUSTOMER_DATA, DataKey, customer_scope
from customer_core.errors import (
    Aborted,
    DataLoss,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
)
from customer_core.kernel import access
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.names import (
    customer_name,
    parse_child_name,
    parse_customer_name,
    parse_record_name,
    record_name,
)
from customer_core.kernel.pagination import decode_token, encode_token, page_size, time_and_id
from customer_core.ledger import recorder as ledger
from customer_core.objects.store import ObjectLocked, ObjectMissing, ObjectStore
from customer_core.storage.tables import documents, subject_records
from customer_core.storage.transaction import run_in_transaction
from customer_core.v1 import document_service_pb2 as pb

if TYPE_CHECKING:
    from customer_core.kernel.app import Kernel

log = logging.getLogger(__name__)

#: The data-key scope subject and the ledger subject of documents.
SUBJECT = "documents"
RESOURCE_TYPE = "customer_core.v1.Document"
#: Bytes per message of a download, and the most an upload's message may carry.
CHUNK = 1024 * 1024
#: Threads storing uploaded parts and reading parts ahead of downloads, for all calls.
PIPELINE_THREADS = 4
UPLOADING, COMPLETE = "UPLOADING", "COMPLETE"


def document_name(number: str, document_id: uuid.UUID) -> str:
    """`customers/{number}/documents/{id}`."""
    return f"{customer_name(number)}/documents/{document_id}"


def parse_document_name(name: str, field: str) -> tuple[str, uuid.UUID]:
    """(customer number, document id) of a document's resource name."""
    return parse_child_name(name, field, "documents")


def part_key(customer_id: uuid.UUID, document_id: uuid.UUID, index: int) -> str:
    """The object key of a document's part `index`."""
    return f"documents/{customer_id}/{document_id}/{index:06d}"


def _aad(document_id: uuid.UUID, index: int) -> bytes:
    return f"customer-core/document/{document_id}/{index}".encode()


def seal_part(
    key: bytes, document_id: uuid.UUID, index: int, plaintext: bytes | bytearray | memoryview
) -> bytearray:
    """A part as stored: nonce, then SM4-GCM ciphertext and tag bound to its document and place."""
    return primitives.sm4_gcm_seal_framed(key, plaintext, _aad(document_id, index))


def open_part(key: bytes, document_id: uuid.UUID, index: int, stored: bytes) -> bytes:
    """The plaintext of a stored part; DATA_LOSS if it does not verify."""
    try:
        return primitives.sm4_gcm_open_framed(key, stored, _aad(document_id, index))
    except primitives.IntegrityError:
        raise DataLoss(
            f"part {index} of document {document_id} does not verify: it was altered or swapped",
            reason="DOCUMENT_CORRUPT",
        ) from None


@dataclass
class _Upload:
    """An upload being received: its row and key, as of its last stored part."""

    row: Any
    number: str
    key: DataKey


class Documents:
    """Uploads, downloads, lists and deletes customer documents."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.store = kernel.objects
        self.settings = kernel.settings
        self.keyring = kernel.keyring
        self._pipeline = ThreadPoolExecutor(PIPELINE_THREADS, thread_name_prefix="documents")

    # Upload

    def upload(self, requests: Iterable[pb.UploadDocumentRequest]) -> pb.Document:
        """UploadDocument: the metadata message, then the bytes; the document once complete."""
        stream = iter(requests)
        first = next(stream, None)
        if first is None or first.WhichOneof("payload") != "metadata":
            raise InvalidArgument.field("metadata", "the first message must carry the metadata")
        meta = first.metadata
        upload_id = self._check_metadata(meta)
        upload = self.kernel.run(lambda c: self._begin(c, meta, upload_id))
        row = upload.row
        if row.status == COMPLETE:
            for _ in stream:  # a retry of a finished upload: the same answer
                pass
            return self.kernel.read(lambda c: self._proto(c, upload.number, row))
        hasher = self._rehash(upload)
        declared = meta.size_bytes if meta.HasField("size_bytes") else None
        limit = self.settings.document_max_bytes if declared is None else declared
        buffer = bytearray()
        stored, parts = row.size_bytes, row.parts
        with _Behind(self._pipeline) as behind:
            for message in stream:
                if message.WhichOneof("payload") != "data":
                    raise InvalidArgument.field("data", "only the first message carries metadata")
                if len(message.data) > CHUNK:
                    raise InvalidArgument.field("data", f"a message carries at most {CHUNK} bytes")
                if stored + len(buffer) + len(message.data) > limit:
                    behind.wait()
                    self._abandon(upload)
                    what = "the limit of" if declared is None else "the declared"
                    raise InvalidArgument.field(
                        "data", f"the document is larger than {what} {limit} bytes"
                    )
                buffer += message.data
                while len(buffer) >= row.part_size:
                    # The part is encrypted and stored behind, while the next one arrives.
                    part, buffer = buffer, buffer[row.part_size :]
                    del part[row.part_size :]
                    hasher.update(part)
                    behind.then(self._store_part, upload, parts, [part], stored)
                    del part
                    stored, parts = stored + row.part_size, parts + 1
            if declared is not None and stored + len(buffer) != declared:
                raise InvalidArgument.field(
                    "data",
                    f"the stream ended after {stored + len(buffer)} of the {declared} bytes "
                    f"declared; resume from {stored}",
                )
            if buffer:
                hasher.update(buffer)
                size = len(buffer)
                behind.then(self._store_part, upload, parts, [buffer], stored)
                buffer = bytearray()
                stored, parts = stored + size, parts + 1
            behind.wait()
        digest = hasher.finalize().hex()
        return self.kernel.run(lambda c: self._complete(c, upload, stored, parts, digest))

    def _check_metadata(self, meta: pb.UploadDocumentMetadata) -> uuid.UUID:
        problems: list[tuple[str, str]] = []
        try:
            upload_id = uuid.UUID(meta.upload_id)
        except ValueError:
            upload_id = uuid.UUID(int=0)
            problems.append(("metadata.upload_id", "is required: a UUID the client chooses"))
        content_type = meta.content_type.strip().lower()
        allowed = self.settings.allowed_content_types()
        if content_type not in allowed:
            problems.append(
                ("metadata.content_type", f"must be one of {', '.join(sorted(allowed))}")
            )
        if len(meta.display_name) > 255:
            problems.append(("metadata.display_name", "is longer than 255 characters"))
        if len(meta.kind) > 64:
            problems.append(("metadata.kind", "is longer than 64 characters"))
        if meta.HasField("size_bytes") and not (
            meta.resume_offset <= meta.size_bytes <= self.settings.document_max_bytes
        ):
            problems.append(
                (
                    "metadata.size_bytes",
                    "must be between the resume offset and the limit of "
                    f"{self.settings.document_max_bytes} bytes",
                )
            )
        if meta.resume_offset < 0:
            problems.append(("metadata.resume_offset", "must not be negative"))
        if meta.retention_days < 0:
            problems.append(("metadata.retention_days", "must not be negative"))
        if problems:
            raise InvalidArgument([FieldViolation(f, d) for f, d in problems])
        return upload_id

    def _begin(
        self, connection: Connection, meta: pb.UploadDocumentMetadata, upload_id: uuid.UUID
    ) -> _Upload:
        number = parse_customer_name(meta.parent, "metadata.parent")
        customer = customer_ops.load(connection, number, roles.RECORDS_WRITE)
        access.require_subject(customer, roles.RECORDS_WRITE, SUBJECT)
        record_id = None
        if meta.record:
            owner, record_id = parse_record_name(meta.record, "metadata.record")
            found = connection.execute(
                select(subject_records.c.id).where(
                    subject_records.c.id == record_id, subject_records.c.customer_id == customer.id
                )
            ).first()
            if owner != number or found is None:
                raise NotFound(
                    "customer_core.v1.SubjectRecord",
                    meta.record,
                    f"customer {number} has no subject record {meta.record}",
                )
        row = connection.execute(
            select(documents).where(
                documents.c.customer_id == customer.id, documents.c.upload_id == upload_id
            )
        ).first()
        if row is not None:
            if row.status == UPLOADING and meta.resume_offset != row.size_bytes:
                raise FailedPrecondition(
                    f"upload {upload_id} has {row.size_bytes} bytes stored; resume from there",
                    subject=f"{customer_name(number)}/documentUploads/{upload_id}",
                    violation_type="UPLOAD_OFFSET_MISMATCH",
                    metadata={"stored_bytes": str(row.size_bytes)},
                )
            key = self.keyring.data_key(connection, row.key_id, history=True)
            return _Upload(row, number, key)
        if meta.resume_offset:
            raise FailedPrecondition(
                f"upload {upload_id} has nothing stored; start it from offset 0",
                subject=f"{customer_name(number)}/documentUploads/{upload_id}",
                violation_type="UPLOAD_OFFSET_MISMATCH",
                metadata={"stored_bytes": "0"},
            )
        customer_ops.require_active(connection, customer)
        key = self.keyring.data_key_for_write(
            connection, customer_scope(customer.id, SUBJECT), CUSTOMER_DATA, customer.id
        )
        now = datetime.now(UTC)
        days = max(self.settings.document_retention_days, meta.retention_days)
        values = {
            "id": uuid.uuid4(),
            "customer_id": customer.id,
            "record_id": record_id,
            "upload_id": upload_id,
            "kind": meta.kind.strip(),
            "display_name": meta.display_name.strip(),
            "content_type": meta.content_type.strip().lower(),
            "size_bytes": 0,
            "parts": 0,
            "part_size": self.settings.document_part_size,
            "sm3": None,
            "key_id": key.id,
            "status": UPLOADING,
            "retain_until": now + timedelta(days=days),
            "uploaded_by": current().principal.name,
            "create_time": now,
            "update_time": now,
        }
        connection.execute(documents.insert().values(**values))
        return _Upload(SimpleNamespace(**values), number, key)  # read like a fetched row

    def _rehash(self, upload: _Upload) -> Any:
        """An SM3 of the parts stored so far (re-read when an upload resumes)."""
        hasher = primitives.sm3_hasher()
        row = upload.row
        for index in range(row.parts):
            hasher.update(self._read_part(upload.key.key, row, index))
        return hasher

    def _store_part(
        self, upload: _Upload, index: int, holder: list[bytearray], offset: int
    ) -> None:
        """Stores the part in `holder` (taken out of it: the part's memory is freed as soon as
        it is sealed) and records it in the upload's row."""
        row = upload.row
        plaintext = holder.pop()
        size = len(plaintext)
        sealed = seal_part(upload.key.key, row.id, index, plaintext)
        del plaintext
        self.store.put(
            part_key(row.customer_id, row.id, index), sealed, retain_until=row.retain_until
        )
        del sealed

        def advance(connection: Connection) -> None:
            moved = connection.execute(
                update(documents)
                .where(
                    documents.c.id == row.id,
                    documents.c.status == UPLOADING,
                    documents.c.parts == index,
                )
                .values(
                    parts=index + 1,
                    size_bytes=offset + size,
                    update_time=datetime.now(UTC),
                )
            ).rowcount
            if moved != 1:
                raise Aborted(
                    f"upload {row.upload_id} is being sent by another call too",
                    reason="UPLOAD_CONFLICT",
                )

        self.kernel.run(advance)

    def _abandon(self, upload: _Upload) -> None:
        """Removes a refused upload's stored parts and row (it was never listed)."""
        row = upload.row
        for key in list(self.store.list(f"documents/{row.customer_id}/{row.id}/")):
            # An enforcing store keeps a locked part until its lock ends: it stays unreadable.
            with suppress(ObjectLocked):
                self.store.delete(key)
        self.kernel.run(
            lambda c: c.execute(
                documents.delete().where(documents.c.id == row.id, documents.c.status == UPLOADING)
            )
        )

    def _complete(
        self, connection: Connection, upload: _Upload, size: int, parts: int, digest: str
    ) -> pb.Document:
        row = upload.row
        now = datetime.now(UTC)
        done = connection.execute(
            update(documents)
            .where(
                documents.c.id == row.id,
                documents.c.status == UPLOADING,
                documents.c.parts == parts,
            )
            .values(status=COMPLETE, size_bytes=size, sm3=digest, update_time=now)
        ).rowcount
        if done != 1:
            raise Aborted(
                f"upload {row.upload_id} is being sent by another call too",
                reason="UPLOAD_CONFLICT",
            )
        final = connection.execute(select(documents).where(documents.c.id == row.id)).one()
        customer = customer_ops.load(connection, upload.number, roles.RECORDS_WRITE)
        document = self._proto(connection, upload.number, final)
        customer_ops.record_change(
            connection, customer, SUBJECT, document.name, ledger.CREATE, now,
            after=_ledgered(document),
        )  # fmt: skip
        return document

    def upload_status(self, request: pb.GetDocumentUploadRequest) -> pb.DocumentUpload:
        """GetDocumentUpload."""
        try:
            upload_id = uuid.UUID(request.upload_id)
        except ValueError:
            raise InvalidArgument.field("upload_id", "must be a UUID") from None

        def read(connection: Connection) -> pb.DocumentUpload:
            number = parse_customer_name(request.parent, "parent")
            customer = customer_ops.load(connection, number, roles.RECORDS_WRITE)
            row = connection.execute(
                select(documents).where(
                    documents.c.customer_id == customer.id, documents.c.upload_id == upload_id
                )
            ).first()
            if row is None:
                raise NotFound(
                    "customer_core.v1.DocumentUpload",
                    f"{customer_name(number)}/documentUploads/{upload_id}",
                    f"customer {number} has no upload {upload_id}",
                )
            return pb.DocumentUpload(
                upload_id=str(upload_id),
                stored_bytes=row.size_bytes,
                part_size=row.part_size,
                complete=row.status == COMPLETE,
                document=document_name(number, row.id) if row.status == COMPLETE else "",
            )

        return self.kernel.read(read)

    # Reads

    def _load(self, connection: Connection, name: str, permission: str) -> tuple[Any, Any]:
        number, document_id = parse_document_name(name, "name")
        customer = customer_ops.load(connection, number, permission)
        access.require_subject(customer, permission, SUBJECT)
        row = connection.execute(
            select(documents).where(
                documents.c.id == document_id,
                documents.c.customer_id == customer.id,
                documents.c.status == COMPLETE,
            )
        ).first()
        if row is None:
            raise NotFound(RESOURCE_TYPE, name, f"document {name} does not exist")
        return customer, row

    def get(self, request: pb.GetDocumentRequest) -> pb.Document:
        """GetDocument."""

        def read(connection: Connection) -> pb.Document:
            customer, row = self._load(connection, request.name, roles.RECORDS_READ)
            return self._proto(connection, customer.customer_number, row)

        return self.kernel.read(read)

    def download(
        self, request: pb.DownloadDocumentRequest
    ) -> Iterator[pb.DownloadDocumentResponse]:
        """DownloadDocument: the metadata, then the bytes; DATA_LOSS for anything altered."""

        def read(connection: Connection) -> tuple[pb.Document, Any, DataKey]:
            customer, row = self._load(connection, request.name, roles.RECORDS_READ)
            key = self.keyring.data_key(connection, row.key_id, history=True)
            return self._proto(connection, customer.customer_number, row), row, key

        document, row, key = self.kernel.read(read)
        yield pb.DownloadDocumentResponse(document=document)
        hasher = primitives.sm3_hasher()
        sent = 0
        with _Ahead(self._pipeline, self._read_part, key.key, row, row.parts) as ahead:
            for index, plaintext in enumerate(ahead):  # the next part is read while this is sent
                expected = min(row.part_size, row.size_bytes - index * row.part_size)
                if len(plaintext) != expected:
                    raise DataLoss(
                        f"part {index} of document {request.name} has the wrong length",
                        reason="DOCUMENT_CORRUPT",
                    )
                hasher.update(plaintext)
                with memoryview(plaintext) as view:
                    for start in range(0, len(plaintext), CHUNK):
                        yield pb.DownloadDocumentResponse(data=bytes(view[start : start + CHUNK]))
                sent += len(plaintext)
                del plaintext
        if sent != row.size_bytes or hasher.finalize().hex() != row.sm3:
            raise DataLoss(
                f"document {request.name} does not match its SM3 checksum",
                reason="DOCUMENT_CORRUPT",
            )

    def _read_part(self, key: bytes, row: Any, index: int) -> bytes:
        try:
            stored = self.store.get(part_key(row.customer_id, row.id, index))
        except ObjectMissing:
            raise DataLoss(
                f"part {index} of document {row.id} is missing from the object store",
                reason="DOCUMENT_CORRUPT",
            ) from None
        return open_part(key, row.id, index, stored)

    def list(self, request: pb.ListDocumentsRequest) -> pb.ListDocumentsResponse:
        """ListDocuments: complete documents, newest first."""
        size = page_size(request.page_size)
        scope = f"{request.parent}|{request.record}"
        after = time_and_id(decode_token(request.page_token, scope, (str, str)))

        def read(connection: Connection) -> pb.ListDocumentsResponse:
            number = parse_customer_name(request.parent, "parent")
            customer = customer_ops.load(connection, number, roles.RECORDS_READ)
            access.require_subject(customer, roles.RECORDS_READ, SUBJECT)
            query = select(documents).where(
                documents.c.customer_id == customer.id, documents.c.status == COMPLETE
            )
            if request.record:
                _owner, record_id = parse_record_name(request.record, "record")
                query = query.where(documents.c.record_id == record_id)
            if after is not None:
                moment, last_id = after
                query = query.where(
                    or_(
                        documents.c.create_time < moment,
                        and_(documents.c.create_time == moment, documents.c.id < last_id),
                    )
                )
            rows = connection.execute(
                query.order_by(documents.c.create_time.desc(), documents.c.id.desc()).limit(
                    size + 1
                )
            ).all()
            response = pb.ListDocumentsResponse(
                documents=[self._proto(connection, number, r) for r in rows[:size]]
            )
            if len(rows) > size:
                last = rows[size - 1]
                response.next_page_token = encode_token(
                    [last.create_time.isoformat(), str(last.id)], scope
                )
            return response

        return self.kernel.read(read)

    # Delete

    def delete(self, request: pb.DeleteDocumentRequest) -> pb.DeleteDocumentResponse:
        """DeleteDocument: FAILED_PRECONDITION while the document is under retention."""

        def check(connection: Connection) -> Any:
            _customer, row = self._load(connection, request.name, roles.RECORDS_WRITE)
            now = datetime.now(UTC)
            if now < row.retain_until:
                raise FailedPrecondition(
                    f"document {request.name} is under retention until "
                    f"{row.retain_until.isoformat()}; it cannot be deleted before",
                    subject=request.name,
                    violation_type="DOCUMENT_UNDER_RETENTION",
                    metadata={"retain_until": row.retain_until.isoformat()},
                )
            return row

        row = self.kernel.read(check)
        for index in range(row.parts):
            try:
                self.store.delete(part_key(row.customer_id, row.id, index))
            except ObjectLocked:
                raise FailedPrecondition(
                    f"the object store keeps document {request.name} under object lock",
                    subject=request.name,
                    violation_type="DOCUMENT_UNDER_RETENTION",
                ) from None

        def forget(connection: Connection) -> pb.DeleteDocumentResponse:
            customer, stored = self._load(connection, request.name, roles.RECORDS_WRITE)
            document = self._proto(connection, customer.customer_number, stored)
            connection.execute(documents.delete().where(documents.c.id == stored.id))
            customer_ops.record_change(
                connection, customer, SUBJECT, request.name, ledger.DELETE, datetime.now(UTC),
                before=_ledgered(document),
            )  # fmt: skip
            return pb.DeleteDocumentResponse()

        return self.kernel.run(forget)

    # Conversions

    def _proto(self, connection: Connection, number: str, row: Any) -> pb.Document:
        document = pb.Document(
            name=document_name(number, row.id),
            record=record_name(number, row.record_id) if row.record_id else "",
            display_name=row.display_name,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            sm3=row.sm3 or "",
            uploaded_by=row.uploaded_by,
            kind=row.kind,
        )
        document.create_time.FromDatetime(row.create_time)
        document.retain_until.FromDatetime(row.retain_until)
        return document


def sweep_uploads(
    engine: Engine, store: ObjectStore, older_than: timedelta, now: datetime | None = None
) -> int:
    """Removes the uploads left unfinished (no part stored) for longer than `older_than`: their
    parts (a part still under an enforcing store's lock stays, unreadable: its upload's row, and
    with it the way to its key's use, is gone) and their rows; how many.

    The row goes only if it did not move meanwhile (a resumed upload stores a part and moves its
    `update_time`): an upload resumed while it is swept carries on.
    """
    cutoff = (now or datetime.now(UTC)) - older_than
    stale = run_in_transaction(
        engine,
        lambda c: list(
            c.execute(
                select(documents.c.id, documents.c.customer_id, documents.c.update_time).where(
                    documents.c.status == UPLOADING, documents.c.update_time < cutoff
                )
            )
        ),
        write=False,
    )
    swept = 0
    for row in stale:

        def forget(connection: Connection, row: Any = row) -> int:
            return int(
                connection.execute(
                    documents.delete().where(
                        documents.c.id == row.id,
                        documents.c.status == UPLOADING,
                        documents.c.update_time == row.update_time,
                    )
                ).rowcount
            )

        if run_in_transaction(engine, forget):
            for key in list(store.list(f"documents/{row.customer_id}/{row.id}/")):
                with suppress(ObjectLocked):
                    store.delete(key)
            swept += 1
    if swept:
        log.info("removed %d document uploads abandoned since before %s", swept, cutoff)
    return swept


class _Behind:
    """Runs one call at a time behind the caller's thread (in the caller's context): `then`
    waits for the previous call, raising what it raised, and submits the next; `wait` waits for
    the last. On leaving, the call in flight is waited for, so none outlives its request."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.pending: Future[Any] | None = None

    def then(self, work: Callable[..., Any], *args: Any) -> None:
        self.wait()
        self.pending = self.pool.submit(contextvars.copy_context().run, work, *args)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> _Behind:
        return self

    def __exit__(self, *exc: object) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            wait([pending])  # an error of its own only matters when nothing else went wrong
            if exc[0] is None:
                pending.result()


class _Ahead:
    """Yields `read(key, row, i)` for i in range(count), reading part i + 1 on the pool while
    part i is used; on leaving, the read in flight is waited for."""

    def __init__(
        self, pool: ThreadPoolExecutor, read: Callable[..., bytes], key: bytes, row: Any, count: int
    ) -> None:
        self.pool, self.read, self.key, self.row, self.count = pool, read, key, row, count
        self.pending: Future[bytes] | None = None

    def _submit(self, index: int) -> None:
        self.pending = (
            self.pool.submit(self.read, self.key, self.row, index) if index < self.count else None
        )

    def __iter__(self) -> Iterator[bytes]:
        self._submit(0)
        for index in range(self.count):
            assert self.pending is not None
            part = self.pending.result()
            self._submit(index + 1)
            yield part
            del part

    def __enter__(self) -> _Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pending is not None and not self.pending.cancel():
            wait([self.pending])
        self.pending = None


def _ledgered(document: pb.Document) -> pb.Document:
    """What the ledger keeps of a document: its metadata and checksum, not its display name."""
    kept = pb.Document()
    kept.CopyFrom(document)
    kept.display_name = ""
    return kept


__all__ = ["Documents", "document_name", "parse_document_name", "sweep_uploads"]
