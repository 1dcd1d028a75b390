"""Documents through `customer-core serve` as an SRE runs it: a 200 MB document streams in and
out without the server's memory growing with it, and an upload cut off by the server being
killed (SIGKILL) resumes after the restart, sending at most one part again.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from customer_core.client import Client, RPCError
from tests.integration.helpers import profile
from tests.integration.test_processes import Served

MB = 1024 * 1024
#: The most a 200 MB upload or download may raise the server's peak RSS by (the issue's bound).
RSS_BOUND = 32 * MB


def peak_rss(pid: int) -> int:
    """The process's peak resident set (VmHWM), bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


class Pattern(io.RawIOBase):
    """`size` bytes of a repeating pseudo-random pattern, read like a file (never all in memory)."""

    def __init__(self, size: int) -> None:
        self.size, self.position = size, 0
        self.block = os.urandom(MB + 7)  # not a multiple of any part size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else self.size + offset
        return self.position

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.position if n < 0 else min(n, self.size - self.position)
        start = self.position % len(self.block)
        chunk = (self.block[start:] + self.block)[:n] if n else b""
        while len(chunk) < n:
            chunk += self.block
        chunk = chunk[:n]
        self.position += n
        return chunk

    def digest(self) -> str:
        self.seek(0)
        sha = hashlib.sha256()
        while piece := self.read(MB):
            sha.update(piece)
        return sha.hexdigest()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def served(database_url: str, workdir: Path, master_key: Path) -> Served:
    return Served(database_url, "1", workdir, master_key).ready()


@pytest.fixture
def server(new_database, workdir, master_key_file) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    running = served(new_database("docstream"), workdir, master_key_file)
    yield running
    running.kill_all()


def test_a_200_mb_document_streams_in_bounded_memory(server: Served) -> None:
    with Client(server.target, token=server.token, timeout=600) as client:
        number = client.create_customer(
            type="individual", owning_org_unit="HO01", display_name="张三", records=[profile()]
        ).customer_number
        warm = client.upload_document(
            number, io.BytesIO(os.urandom(5 * MB)), content_type="application/pdf"
        )
        b"".join(client.download_document(warm.name)[1])
        before = peak_rss(server.pid)
        source = Pattern(200 * MB)
        made = client.upload_document(number, source, content_type="application/pdf")  # type: ignore[arg-type]
        after_upload = peak_rss(server.pid)
        assert made.size_bytes == 200 * MB
        sha, received = hashlib.sha256(), 0
        _document, chunks = client.download_document(made.name)
        for chunk in chunks:
            sha.update(chunk)
            received += len(chunk)
        after_download = peak_rss(server.pid)
    print(
        f"peak RSS raised by the upload {(after_upload - before) / MB:.1f} MB, "
        f"by the download {(after_download - before) / MB:.1f} MB"
    )
    assert received == 200 * MB and sha.hexdigest() == source.digest()
    assert after_upload - before < RSS_BOUND, (
        f"upload raised peak RSS by {(after_upload - before) / MB:.1f} MB"
    )
    assert after_download - before < RSS_BOUND, (
        f"download raised peak RSS by {(after_download - before) / MB:.1f} MB"
    )


class KillsServer(io.BytesIO):
    """A source that, once `limit` bytes are sent and stored, SIGKILLs the server and breaks."""

    def __init__(self, data: bytes, limit: int, stored: object, pid: int) -> None:
        super().__init__(data)
        self.limit, self.sent, self.stored, self.pid = limit, 0, stored, pid

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if self.sent + len(chunk) > self.limit:
            deadline = time.monotonic() + 30
            while not self.stored() and time.monotonic() < deadline:  # type: ignore[operator]
                time.sleep(0.05)
            os.kill(self.pid, signal.SIGKILL)
            raise ConnectionError("the server died")
        self.sent += len(chunk)
        return chunk


def test_an_upload_cut_off_by_a_server_crash_resumes_after_the_restart(
    new_database, workdir, master_key_file
) -> None:  # type: ignore[no-untyped-def]
    url = new_database("doccrash")
    first = served(url, workdir, master_key_file)
    part = 4 * MB  # the default part size
    data = os.urandom(3 * part + 12345)
    upload_id = str(uuid.uuid4())
    try:
        with Client(first.target, token=first.token, timeout=60) as client:
            number = client.create_customer(
                type="individual", owning_org_unit="HO01", display_name="李四", records=[profile()]
            ).customer_number

            def stored() -> bool:
                try:
                    return client.document_upload(number, upload_id).stored_bytes >= 2 * part
                except RPCError:
                    return False

            broken = KillsServer(data, int(2.5 * part), stored, first.pid)
            with pytest.raises((RPCError, ConnectionError)):
                client.upload_document(
                    number, broken, content_type="application/pdf", upload_id=upload_id
                )
        assert first.process.wait(20) == -signal.SIGKILL
    finally:
        first.kill_all()
    second = served(url, workdir, master_key_file)
    try:
        with Client(second.target, token=second.token, timeout=60) as client:
            assert client.document_upload(number, upload_id).stored_bytes == 2 * part
            assert list(client.list_documents(number)) == []
            resumed = KillsServer(data, len(data) + 1, lambda: True, 0)
            made = client.upload_document(
                number, resumed, content_type="application/pdf", upload_id=upload_id
            )
            assert broken.sent + resumed.sent - len(data) <= part  # at most one part again
            assert b"".join(client.download_document(made.name)[1]) == data
    finally:
        second.kill_all()
