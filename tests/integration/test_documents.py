"""A channel system keeps a customer's documents (ID scans, signed forms) through DocumentService:
streamed in and out in parts, encrypted under the customer's keys, checked on every download,
kept for their retention period, shredded with the customer, scoped and ledgered like records.

Against the local-directory default and a real S3 server (SeaweedFS), on the session's backend.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError
from customer_core.crypto import primitives
from customer_core.objects.store import ObjectLocked
from customer_core.v1 import document_service_pb2 as pb
from customer_core.v1 import document_service_pb2_grpc
from tests.integration.conftest import admin_token, grant, start_server
from tests.integration.helpers import id_card, profile
from tests.support.s3 import S3Server

PART = 64 * 1024  # the smallest part size the settings allow: many parts from small documents
PDF = "application/pdf"


def _server(
    database_url: str, store: str, tmp: Path, s3: S3Server, **overrides: object
) -> RunningServer:
    if store == "s3":
        objects = s3.settings(f"docs-{uuid.uuid4().hex[:10]}")
    else:
        objects = {"objects_dir": str(tmp / "objects")}
    return start_server(database_url, document_part_size=PART, **objects, **overrides)


@pytest.fixture(scope="module", params=["local", "s3"])
def running(request, new_database, tmp_path_factory, s3_server) -> Iterator[RunningServer]:  # type: ignore[no-untyped-def]
    server = _server(
        new_database(f"docs_{request.param}"),
        request.param,
        tmp_path_factory.mktemp("docs"),
        s3_server,
    )
    yield server
    server.stop(grace=1)


@pytest.fixture(scope="module")
def client(running: RunningServer) -> Iterator[Client]:
    with Client(f"127.0.0.1:{running.port}", token=admin_token(running), timeout=120) as c:
        yield c


def customer(client: Client, org_unit: str = "HO01") -> str:
    made = client.create_customer(
        type="individual", owning_org_unit=org_unit, display_name="张三", records=[profile()]
    )
    return made.customer_number


def download(client: Client, name: str) -> tuple[pb.Document, bytes]:
    document, chunks = client.download_document(name)
    return document, b"".join(chunks)


def reason_of(error: RPCError) -> str:
    return error.reason


def field_of(error: RPCError) -> list[str]:
    return sorted(error.field_violations)


@pytest.mark.parametrize("size", [0, 1, PART - 1, PART, PART + 1, 3 * PART, 3 * PART + 17])
def test_round_trip_at_part_boundaries(client: Client, size: int) -> None:
    number = customer(client)
    data = os.urandom(size)
    made = client.upload_document(
        number,
        io.BytesIO(data),
        content_type=PDF,
        display_name="开户申请书.pdf",
        kind="SIGNED_FORM",
    )
    assert made.size_bytes == size
    assert made.sm3 == primitives.sm3(data).hex()
    document, received = download(client, made.name)
    assert received == data
    assert document.sm3 == made.sm3 and document.display_name == "开户申请书.pdf"
    assert [d.name for d in client.list_documents(number)] == [made.name]
    assert client.get_document(made.name).kind == "SIGNED_FORM"


def test_a_document_attached_to_an_identification_record(client: Client) -> None:
    made = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name="李四",
        records=[profile(), id_card()],
    )
    records = list(client.list_records(made.customer_number))
    id_record = next(r.name for r in records if r.subject == "identification")
    scan = client.upload_document(
        made.customer_number, io.BytesIO(b"\xff\xd8jpeg"), content_type="image/jpeg",
        record=id_record, kind="ID_CARD_SCAN",
    )  # fmt: skip
    other = client.upload_document(made.customer_number, io.BytesIO(b"%PDF"), content_type=PDF)
    assert scan.record == id_record and other.record == ""
    listed = list(client.list_documents(made.customer_number, record=id_record))
    assert [d.name for d in listed] == [scan.name]
    assert len(list(client.list_documents(made.customer_number))) == 2


def test_bad_uploads_are_refused_naming_the_field_and_leave_nothing(
    running: RunningServer, client: Client
) -> None:
    number = customer(client)
    with pytest.raises(RPCError) as refused:
        client.upload_document(
            number, io.BytesIO(b"MZ\x90"), content_type="application/x-msdownload"
        )
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field_of(refused.value) == ["metadata.content_type"]
    with pytest.raises(RPCError) as missing:
        client.upload_document("99999999999999", io.BytesIO(b"x"), content_type=PDF)
    assert missing.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field_of(missing.value) == ["metadata.parent"]
    assert list(client.list_documents(number)) == []


def test_a_document_over_the_size_limit_is_refused_and_its_parts_removed(
    new_database, tmp_path, s3_server
) -> None:  # type: ignore[no-untyped-def]
    running = _server(
        new_database("docs_limit"), "local", tmp_path, s3_server, document_max_bytes=3 * PART
    )
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            number = customer(client)
            with pytest.raises(RPCError) as refused:
                client.upload_document(
                    number, io.BytesIO(os.urandom(3 * PART + 1)), content_type=PDF
                )
            assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
            assert field_of(refused.value) == ["metadata.size_bytes"]  # refused before any byte
            # A stream that does not declare its size is cut off at the limit.
            stub = document_service_pb2_grpc.DocumentServiceStub(
                grpc.insecure_channel(f"127.0.0.1:{running.port}")
            )
            meta = pb.UploadDocumentMetadata(
                parent=f"customers/{number}", content_type=PDF, upload_id=str(uuid.uuid4())
            )
            data = os.urandom(3 * PART + 1)
            stream = [pb.UploadDocumentRequest(metadata=meta)] + [
                pb.UploadDocumentRequest(data=data[i : i + PART // 2])
                for i in range(0, len(data), PART // 2)
            ]
            with pytest.raises(grpc.RpcError) as cut:
                stub.UploadDocument(
                    iter(stream), metadata=[("authorization", f"Bearer {admin_token(running)}")]
                )
            assert cut.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "larger than the limit" in str(cut.value.details())
            assert list(client.list_documents(number)) == []
            assert list((tmp_path / "objects").rglob("0000*")) == []  # no part left behind
            exact = client.upload_document(
                number, io.BytesIO(os.urandom(3 * PART)), content_type=PDF
            )
            assert exact.size_bytes == 3 * PART
    finally:
        running.stop(grace=1)


def _parts(running: RunningServer, document: pb.Document) -> list[str]:
    document_id = document.name.rsplit("/", 1)[1]
    return sorted(k for k in running.kernel.objects.list("documents/") if f"/{document_id}/" in k)


def test_a_flipped_byte_or_swapped_part_is_refused_never_served(
    running: RunningServer, client: Client
) -> None:
    number = customer(client)
    data = os.urandom(3 * PART)
    made = client.upload_document(number, io.BytesIO(data), content_type=PDF)
    store = running.kernel.objects
    parts = _parts(running, made)
    assert len(parts) == 3
    original = store.get(parts[1])
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01
    store.put(parts[1], bytes(flipped))
    _document, chunks = client.download_document(made.name)
    received = b""
    with pytest.raises(RPCError) as refused:
        for chunk in chunks:
            received += chunk
    assert refused.value.code == grpc.StatusCode.DATA_LOSS
    assert reason_of(refused.value) == "DOCUMENT_CORRUPT"
    assert received == data[:PART]  # the part before it, checked; nothing of the altered one
    # Parts in each other's place (each verifies on its own) are refused too.
    store.put(parts[1], store.get(parts[2]))
    store.put(parts[2], original)
    with pytest.raises(RPCError) as swapped:
        download(client, made.name)
    assert swapped.value.code == grpc.StatusCode.DATA_LOSS
    # A part of another document is refused in its place.
    other = client.upload_document(number, io.BytesIO(os.urandom(PART)), content_type=PDF)
    store.put(parts[1], original)
    store.put(parts[2], store.get(_parts(running, other)[0]))
    with pytest.raises(RPCError) as foreign:
        download(client, made.name)
    assert foreign.value.code == grpc.StatusCode.DATA_LOSS
    if store.kind == "s3":  # the store keeps the part under object lock: it cannot go missing
        with pytest.raises(ObjectLocked):
            store.delete(parts[2])
        return
    store.delete(parts[2])
    with pytest.raises(RPCError) as gone:
        download(client, made.name)
    assert gone.value.code == grpc.StatusCode.DATA_LOSS


def test_no_plaintext_in_the_store(running: RunningServer, client: Client) -> None:
    number = customer(client)
    marker = b"RESIDENT-ID-110101199003078515-" * 100
    made = client.upload_document(number, io.BytesIO(marker), content_type=PDF)
    for key in _parts(running, made):
        assert b"RESIDENT-ID" not in running.kernel.objects.get(key)


def test_retention_refuses_deletion_even_by_an_admin(client: Client) -> None:
    number = customer(client)
    made = client.upload_document(
        number, io.BytesIO(b"signed"), content_type=PDF, retention_days=30
    )
    with pytest.raises(RPCError) as refused:
        client.delete_document(made.name)
    assert refused.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(refused.value) == "DOCUMENT_UNDER_RETENTION"
    assert download(client, made.name)[1] == b"signed"


def test_an_expired_document_is_deleted_with_its_parts(new_database, tmp_path, s3_server) -> None:  # type: ignore[no-untyped-def]
    running = _server(
        new_database("docs_expired"), "local", tmp_path, s3_server, document_retention_days=0
    )
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            number = customer(client)
            made = client.upload_document(
                number, io.BytesIO(os.urandom(2 * PART)), content_type=PDF
            )
            kept = client.upload_document(
                number, io.BytesIO(b"kept"), content_type=PDF, retention_days=1
            )
            client.delete_document(made.name)
            assert [d.name for d in client.list_documents(number)] == [kept.name]
            assert _parts(running, made) == []
            with pytest.raises(RPCError) as gone:
                client.get_document(made.name)
            assert gone.value.code == grpc.StatusCode.NOT_FOUND
            entries = list(client.history(number, subject="documents"))
            assert [e.action for e in entries][-2:] or entries
            assert len(entries) == 3  # two uploads, one deletion
    finally:
        running.stop(grace=1)


def test_erasing_the_customer_shreds_its_documents(running: RunningServer, client: Client) -> None:
    number = customer(client)
    made = client.upload_document(
        number, io.BytesIO(b"id scan"), content_type="image/png", display_name="张三身份证.png",
        retention_days=3650,
    )  # fmt: skip
    client.close_customer(number, "customer request")
    client.erase_customer(number, reason="PIPL art. 47 request 2026-0201")
    with pytest.raises(RPCError) as refused:
        download(client, made.name)
    assert refused.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(refused.value) == "KEY_DESTROYED"
    assert client.get_document(made.name).display_name == ""  # it may have named the customer
    assert _parts(running, made)  # still there (under retention), unreadable


def test_scope_audit_and_ledger(running: RunningServer, client: Client) -> None:
    branch = f"B{uuid.uuid4().hex[:8].upper()}"
    number = customer(client, branch)
    data = os.urandom(PART + 5)
    made = client.upload_document(
        number, io.BytesIO(data), content_type=PDF, display_name="秘密.pdf"
    )
    outsider = grant(running.kernel, f"teller-{uuid.uuid4().hex[:6]}", "teller", "ZZ99")
    viewer = grant(running.kernel, f"viewer-{uuid.uuid4().hex[:6]}", "auditor", branch)
    target = f"127.0.0.1:{running.port}"
    with Client(target, token=outsider) as other:
        with pytest.raises(RPCError) as hidden:
            other.get_document(made.name)
        assert hidden.value.code == grpc.StatusCode.NOT_FOUND
        with pytest.raises(RPCError) as hidden_list:
            list(other.list_documents(number))
        assert hidden_list.value.code == grpc.StatusCode.NOT_FOUND
    with Client(target, token=viewer) as reader:
        assert download(reader, made.name)[1] == data
        with pytest.raises(RPCError) as denied:
            reader.upload_document(number, io.BytesIO(b"x"), content_type=PDF)
        assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(RPCError) as no_delete:
            reader.delete_document(made.name)
        assert no_delete.value.code == grpc.StatusCode.PERMISSION_DENIED
    running.kernel.audit.flush()
    events = [
        e for e in client.list_audit_events(customer=number)
        if e.method.endswith("/DownloadDocument") or e.method.endswith("/UploadDocument")
    ]  # fmt: skip
    assert {e.method.rsplit("/", 1)[1] for e in events} >= {"UploadDocument", "DownloadDocument"}
    entries = [e for e in client.history(number, subject="documents")]
    assert len(entries) == 1 and entries[0].resource == made.name
    ledgered = pb.Document.FromString(entries[0].after)
    assert ledgered.sm3 == primitives.sm3(data).hex() and ledgered.size_bytes == len(data)
    assert ledgered.display_name == ""  # the ledger keeps metadata and checksum only
    assert data[:64] not in entries[0].after


class Breaks(io.BytesIO):
    """A source that breaks off (the connection or the client dies) after `limit` bytes, once
    `arrived()` (the server has stored what was sent) holds."""

    def __init__(self, data: bytes, limit: int, arrived: Callable[[], bool] = lambda: True) -> None:
        super().__init__(data)
        self.limit, self.sent, self.arrived = limit, 0, arrived

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if self.sent + len(chunk) > self.limit:
            deadline = time.monotonic() + 30
            while not self.arrived() and time.monotonic() < deadline:
                time.sleep(0.05)
            raise ConnectionError("the line went down")
        self.sent += len(chunk)
        return chunk


def test_an_interrupted_upload_resumes_and_resends_at_most_one_part(client: Client) -> None:
    number = customer(client)
    data = os.urandom(5 * PART + 100)
    upload_id = str(uuid.uuid4())

    def stored() -> bool:
        try:
            return client.document_upload(number, upload_id).stored_bytes >= 2 * PART
        except RPCError:
            return False

    broken = Breaks(data, int(2.5 * PART), stored)
    with pytest.raises((RPCError, ConnectionError)):
        client.upload_document(
            number, broken, content_type=PDF, upload_id=upload_id, chunk_size=PART // 4
        )
    status = client.document_upload(number, upload_id)
    assert status.stored_bytes == 2 * PART and not status.complete
    assert list(client.list_documents(number)) == []  # nothing half-written is listed
    resumed = Breaks(data, len(data))
    made = client.upload_document(number, resumed, content_type=PDF, upload_id=upload_id)
    resent = broken.sent + resumed.sent - len(data)
    assert 0 <= resent <= PART
    assert download(client, made.name)[1] == data
    assert made.sm3 == primitives.sm3(data).hex()
    # Resuming from the wrong offset is refused, saying where to resume.
    again = client.upload_document(number, io.BytesIO(data), content_type=PDF, upload_id=upload_id)
    assert again.name == made.name  # a finished upload answers the same document


def test_abandoned_uploads_are_swept_with_their_parts_and_others_kept(
    new_database, tmp_path, s3_server
) -> None:  # type: ignore[no-untyped-def]
    """An SRE (or the server's hourly sweep) removes uploads left unfinished for too long."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from customer_core.storage import create_engine
    from customer_core.storage.tables import documents
    from tests.integration.test_backup_restore import cli

    url = new_database("docs_sweep")
    running = _server(url, "local", tmp_path, s3_server)
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            number = customer(client)
            stale_id, fresh_id = str(uuid.uuid4()), str(uuid.uuid4())
            for upload_id in (stale_id, fresh_id):

                def stored(upload_id: str = upload_id) -> bool:
                    try:
                        return client.document_upload(number, upload_id).stored_bytes >= 2 * PART
                    except RPCError:
                        return False

                with pytest.raises((RPCError, ConnectionError)):
                    client.upload_document(
                        number, Breaks(os.urandom(4 * PART), int(2.5 * PART), stored),
                        content_type=PDF, upload_id=upload_id, chunk_size=PART // 4,
                    )  # fmt: skip
            complete = client.upload_document(number, io.BytesIO(b"whole"), content_type=PDF)
            engine = create_engine(url, pool_size=1)
            try:
                with engine.begin() as c:
                    c.execute(
                        update(documents)
                        .where(documents.c.upload_id == uuid.UUID(stale_id))
                        .values(update_time=datetime.now(UTC) - timedelta(hours=73))
                    )
            finally:
                engine.dispose()
            stored = tmp_path / "objects" / "documents"
            before = sorted(p for p in stored.rglob("*") if p.is_file())

            swept = cli("documents", "sweep-uploads", database_url=url,
                        objects_dir=str(tmp_path / "objects"))  # fmt: skip
            assert swept.returncode == 0, swept.stderr
            assert "removed 1 abandoned upload" in swept.stdout

            with pytest.raises(RPCError) as gone:
                client.document_upload(number, stale_id)
            assert gone.value.code == grpc.StatusCode.NOT_FOUND
            assert client.document_upload(number, fresh_id).stored_bytes > 0  # not stale yet
            assert download(client, complete.name)[1] == b"whole"
            after = sorted(p for p in stored.rglob("*") if p.is_file())
            assert len(before) - len(after) >= 2 and set(after) < set(before)
    finally:
        running.stop(grace=1)
