"""Document upload and download throughput against the plain `minio` client, same server, same run.

A real S3 server (SeaweedFS, `tests/support/s3.py`) and `customer-core serve` (one process, on a
temporary SQLite database, its object store that S3 server) are started. The same bytes (a
pseudo-random document of `--mb` MB, 200 by default) are then:

- put and got by the `minio` client straight to and from a bucket of the server (`put_object`
  of a stream, which the client sends in multipart parts; `get_object` read to the end): the
  baseline, the cost of the bytes reaching the store;
- uploaded with `Client.upload_document` and downloaded with `Client.download_document`:
  gRPC streaming, SM4-GCM per part, SM3 over the plaintext, the part objects, the metadata rows
  and the ledger entry included.

Each direction runs `--rounds` times alternating (baseline, ours, ours, baseline, ...) so drift
weighs on both alike. Printed: MB/s of each and the ratio ours/baseline per direction (goal:
at least 0.5), and the server's peak RSS raise over the run (goal: under 32 MB).

    .venv/bin/python bench/documents.py [--mb 200] [--rounds 2]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

MB = 1024 * 1024
LISTENING = re.compile(r"^customer-core listening on (?P<host>\S+):(?P<port>\d+)")
TOKEN = re.compile(r"^\s*export CUSTOMER_CORE_TOKEN=(?P<token>\S+)$")


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def serve(workdir: Path, objects: dict[str, object]) -> tuple[subprocess.Popen[str], int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_CORE_")}
    env |= {f"CUSTOMER_CORE_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in objects.items()}  # fmt: skip
    env |= {
        "CUSTOMER_CORE_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "CUSTOMER_CORE_MASTER_KEY_FILE": str(workdir / "master.key"),  # a TEST key, made here
        "CUSTOMER_CORE_PROCESSES": "1",
        "CUSTOMER_CORE_HOST": "127.0.0.1",
        "CUSTOMER_CORE_PORT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    cli = str(Path(sys.executable).parent / "customer-core")
    subprocess.run([cli, "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    stderr = (workdir / "serve.stderr").open("w")
    process = subprocess.Popen(
        [cli, "serve"], stdout=subprocess.PIPE, stderr=stderr, text=True, env=env, cwd=workdir
    )
    assert process.stdout is not None
    port, token = 0, ""
    for line in process.stdout:
        if found := LISTENING.match(line):
            port = int(found["port"])
        if found := TOKEN.match(line):
            token = found["token"]
        if port and token:
            return process, port, token
    raise RuntimeError(f"serve exited: {(workdir / 'serve.stderr').read_text()[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    from customer_core.client import Client
    from tests.integration.helpers import profile
    from tests.support.s3 import S3Server

    data = os.urandom(args.mb * MB)
    times: dict[str, list[float]] = {k: [] for k in ("put", "get", "upload", "download")}
    with S3Server() as s3, tempfile.TemporaryDirectory() as tmp:
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        process, port, token = serve(Path(tmp), s3.settings(bucket))
        plain = s3.client()
        plain_bucket = f"plain-{uuid.uuid4().hex[:8]}"
        plain.make_bucket(plain_bucket)
        try:
            with Client(f"127.0.0.1:{port}", token=token, timeout=3600) as client:
                number = client.create_customer(
                    type="individual", owning_org_unit="HO01", display_name="张三",
                    records=[profile()],
                ).customer_number  # fmt: skip
                warm = client.upload_document(
                    number, io.BytesIO(data[: 8 * MB]), content_type="application/pdf"
                )
                b"".join(client.download_document(warm.name)[1])
                before = peak_rss(process.pid)

                def baseline() -> None:
                    start = time.perf_counter()
                    plain.put_object(
                        plain_bucket, "doc", io.BytesIO(data), len(data), part_size=16 * MB
                    )
                    times["put"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    response = plain.get_object(plain_bucket, "doc")
                    got = 0
                    for chunk in response.stream(MB):
                        got += len(chunk)
                    response.close()
                    response.release_conn()
                    times["get"].append(time.perf_counter() - start)
                    assert got == len(data)

                def ours() -> None:
                    start = time.perf_counter()
                    made = client.upload_document(
                        number, io.BytesIO(data), content_type="application/pdf"
                    )
                    times["upload"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    got = sum(len(c) for c in client.download_document(made.name)[1])
                    times["download"].append(time.perf_counter() - start)
                    assert got == len(data)

                for i in range(args.rounds):
                    for run in (baseline, ours) if i % 2 == 0 else (ours, baseline):
                        run()
                raised = peak_rss(process.pid) - before
        finally:
            process.terminate()
            process.wait(30)
    rate = {k: args.mb * len(v) / sum(v) for k, v in times.items()}
    print(f"document of {args.mb} MB, {args.rounds} rounds, SeaweedFS S3 on 127.0.0.1")
    print(f"{'':10} {'minio client MB/s':>18} {'customer-core MB/s':>19} {'ratio':>7}  goal >= 0.5")
    for ours_key, base_key, label in (("upload", "put", "upload"), ("download", "get", "download")):
        ratio = rate[ours_key] / rate[base_key]
        print(
            f"{label:10} {rate[base_key]:18.1f} {rate[ours_key]:19.1f} {ratio:7.3f}  {'met' if ratio >= 0.5 else 'NOT met'}"
        )
    print(f"server peak RSS raised by {raised / MB:.1f} MB over the run (goal < 32 MB)")


if __name__ == "__main__":
    main()
