"""SM4-GCM throughput of `sm4_gcm_encrypt` against OpenSSL's raw SM4-GCM rate in the same run.

Two message sizes: 32 bytes (a typical sensitive field: an ID number, a phone number) and 64 KiB.
`sm4_gcm_encrypt` is called once per message with a fresh nonce, as the field encryption will.
The raw baseline is what OpenSSL does through `cryptography` with the least Python in the way: one
Cipher context created once for the run, then one `update_into` of the same total bytes into a
preallocated buffer (no per-message key schedule, nonce or tag). Samples of the two alternate
until the time budget is spent, and the best sample of each counts, so both see the same machine
state. gmssl's pure-Python SM4 (ECB: it has no GCM) is timed briefly for comparison.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cryptography
from cryptography.hazmat.backends.openssl.backend import backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import sm4 as gm_sm4

from customer_core.crypto.primitives import (
    random_key,
    random_nonce,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

GOAL = 0.8  #: least `sm4_gcm_encrypt` rate as a fraction of OpenSSL's raw rate
SAMPLE_BYTES = 1 << 20  #: plaintext bytes per timed sample
AAD = b"customers/000000000000000001:id_number"[:32]  #: a field-binding AAD for the extra row
Sample = Callable[[], float]  # runs one sample, returns its seconds


@dataclass
class Row:
    case: str
    implementation: str
    size: int
    seconds: float = float("inf")  # best sample
    sample_bytes: int = SAMPLE_BYTES
    goal: float | None = None

    @property
    def rate(self) -> float:
        return self.sample_bytes / self.seconds / 1e6

    @property
    def us_per_message(self) -> float:
        return self.seconds / (self.sample_bytes / self.size) * 1e6


def per_call(size: int, aad: bytes) -> Sample:
    plaintext = bytes(size)
    count = SAMPLE_BYTES // size
    encrypt = sm4_gcm_encrypt

    def sample() -> float:
        key = random_key()  # a fresh key per sample: no nonce repeats across samples either
        nonces = [random_nonce() for _ in range(count)]
        start = time.perf_counter()
        for nonce in nonces:
            encrypt(key, nonce, plaintext, aad)
        return time.perf_counter() - start

    return sample


def raw() -> Sample:
    data = bytes(SAMPLE_BYTES)
    out = bytearray(SAMPLE_BYTES + 15)
    context = Cipher(algorithms.SM4(random_key()), modes.GCM(random_nonce())).encryptor()
    update_into = context.update_into

    def sample() -> float:
        start = time.perf_counter()
        update_into(data, out)
        return time.perf_counter() - start

    return sample


def measure(rows: list[tuple[Row, Sample]], budget: float) -> None:
    """Runs the rows' samples in turn until `budget` seconds pass (at least 3 rounds)."""
    deadline, rounds = time.perf_counter() + budget, 0
    for _, sample in rows:
        sample()  # warm up
    while rounds < 3 or time.perf_counter() < deadline:
        for row, sample in rows:
            row.seconds = min(row.seconds, sample())
        rounds += 1


def gmssl_rate(case: str, size: int, budget: float) -> Row:
    """gmssl SM4-ECB (PKCS#7 padded as gmssl does); key set per message for small messages."""
    key, plaintext = random_key(), bytes(size)
    crypt = gm_sm4.CryptSM4()
    crypt.set_key(key, gm_sm4.SM4_ENCRYPT)
    done, deadline = 0, time.perf_counter() + budget
    start = time.perf_counter()
    while done == 0 or time.perf_counter() < deadline:
        if size <= 1024:
            crypt.set_key(key, gm_sm4.SM4_ENCRYPT)
        crypt.crypt_ecb(plaintext)
        done += size
    return Row(case, "gmssl SM4-ECB, pure Python", size, time.perf_counter() - start, done)


def self_check() -> None:
    key, nonce = random_key(), random_nonce()
    out = sm4_gcm_encrypt(key, nonce, b"x" * 32, AAD)
    if sm4_gcm_decrypt(key, nonce, out, AAD) != b"x" * 32:
        raise SystemExit("sm4_gcm_encrypt output does not decrypt: numbers would be meaningless")


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return models[0] if models else platform.processor() or "unknown CPU"


def table(rows: list[Row]) -> str:
    raws = {r.case: r.rate for r in rows if r.implementation.startswith("OpenSSL raw")}
    lines = [
        f"{'case':<8} {'implementation':<36} {'MB/s':>9} {'us/msg':>9} {'x raw':>7} {'goal':>6} met"
    ]
    for r in rows:
        ratio = r.rate / raws[r.case]
        goal = f">={r.goal:.1f}" if r.goal is not None else "-"
        met = ("yes" if ratio >= r.goal else "NO") if r.goal is not None else "-"
        lines.append(
            f"{r.case:<8} {r.implementation:<36} {r.rate:>9.2f} {r.us_per_message:>9.2f} "
            f"{ratio:>7.3f} {goal:>6} {met}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--budget", type=float, default=11.0, help="seconds per message size")
    parser.add_argument("--gmssl-budget", type=float, default=1.5, help="seconds per gmssl row")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    self_check()
    print(
        f"Python {platform.python_version()}, cryptography {cryptography.__version__}, "
        f"{backend.openssl_version_text()}, {cpu_model()}",
        flush=True,
    )
    started = time.perf_counter()
    results: list[Row] = []
    gc.disable()  # the per-call loop allocates; a collection mid-sample is noise, not SM4
    try:
        for case, size in (("32 B", 32), ("64 KiB", 65536)):
            measured = [
                (Row(case, "sm4_gcm_encrypt", size, goal=GOAL), per_call(size, b"")),
                (Row(case, "sm4_gcm_encrypt, 32 B AAD", size), per_call(size, AAD)),
                (Row(case, "OpenSSL raw (1 context, update_into)", size), raw()),
            ]
            measure(measured, args.budget)
            results += [row for row, _ in measured]
            print(f"  measured {case}", flush=True)
            gc.collect()
    finally:
        gc.enable()
    results.append(gmssl_rate("32 B", 32, args.gmssl_budget))
    results.append(gmssl_rate("64 KiB", 65536, args.gmssl_budget))
    print(f"\n{table(results)}\n")
    mib = SAMPLE_BYTES >> 20
    print(f"MB/s: 10^6 plaintext bytes per second, best of alternating {mib} MiB samples.")
    print("x raw: rate over OpenSSL's raw SM4-GCM rate for the same case in this run.")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
