"""Known-answer and cross-check tests of the national-algorithm primitives."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from customer_core.crypto.primitives import (
    IntegrityError,
    generate_sm2_keypair,
    hmac_sm3,
    random_key,
    random_nonce,
    sm2_sign,
    sm2_verify,
    sm3,
    sm3_gmssl,
    sm4_ecb_block,
    sm4_ecb_block_gmssl,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

# GB/T 32907-2016 Appendix A: the key is also the plaintext.
SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")

# RFC 8998 Appendix A.1 (SM4-GCM).
GCM_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
GCM_IV = bytes.fromhex("00001234567800000000ABCD")
GCM_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
GCM_PLAINTEXT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
GCM_CIPHERTEXT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
)
GCM_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")

# The SM2 recommended curve (GB/T 32918.5-2017), for an independent reference implementation.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = P - 3
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
Point = tuple[int, int] | None


def _add(p1: Point, p2: Point) -> Point:
    if p1 is None or p2 is None:
        return p1 or p2
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def _mul(k: int, point: Point) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = _add(result, point)
        point, k = _add(point, point), k >> 1
    return result


def _reference_verify(public_hex: str, data: bytes, signature: bytes) -> bool:
    """GB/T 32918.2 verification with the default ID, written from the standard."""
    x_a, y_a = int(public_hex[:64], 16), int(public_hex[64:], 16)
    uid = b"1234567812345678"
    fields = b"".join(v.to_bytes(32, "big") for v in (A, B, *G, x_a, y_a))
    z = sm3((len(uid) * 8).to_bytes(2, "big") + uid + fields)
    e = int.from_bytes(sm3(z + data), "big")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    point = _add(_mul(s, G), _mul((r + s) % N, (x_a, y_a)))
    return point is not None and r == (e + point[0]) % N


def test_sm4_known_answer() -> None:
    expected = "681edf34d206965e86b3e94f536e4246"
    assert sm4_ecb_block(SM4_KEY, SM4_KEY).hex() == expected
    assert sm4_ecb_block_gmssl(SM4_KEY, SM4_KEY).hex() == expected


def test_sm4_million_iterations() -> None:
    # Through OpenSSL only, with one context: sm4_ecb_block builds a context per call (~3 s here).
    update = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor().update
    block = SM4_KEY
    for _ in range(1_000_000):
        block = update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


def test_sm4_implementations_agree() -> None:
    rng = random.Random(32907)
    for _ in range(200):
        key, block = rng.randbytes(16), rng.randbytes(16)
        assert sm4_ecb_block(key, block) == sm4_ecb_block_gmssl(key, block)


@pytest.mark.parametrize("function", [sm4_ecb_block, sm4_ecb_block_gmssl])
def test_sm4_block_rejects_bad_lengths(function: Callable[[bytes, bytes], bytes]) -> None:
    with pytest.raises(ValueError, match="key"):
        function(bytes(15), bytes(16))
    with pytest.raises(ValueError, match="block"):
        function(bytes(16), bytes(32))


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
)
def test_sm3_known_answers(message: bytes, digest: str) -> None:
    assert sm3(message).hex() == digest
    assert sm3_gmssl(message).hex() == digest


def test_sm3_implementations_agree() -> None:
    rng = random.Random(32905)
    for length in range(301):
        data = rng.randbytes(length)
        assert sm3(data) == sm3_gmssl(data), length


def _reference_hmac_sm3(key: bytes, data: bytes) -> bytes:
    """RFC 2104 from scratch over SM3, whose block is 64 bytes."""
    if len(key) > 64:
        key = sm3(key)
    key = key.ljust(64, b"\0")
    inner = sm3(bytes(b ^ 0x36 for b in key) + data)
    return sm3(bytes(b ^ 0x5C for b in key) + inner)


@pytest.mark.parametrize("key_length", [0, 1, 16, 32, 63, 64, 65, 100, 200])
def test_hmac_sm3_is_rfc_2104(key_length: int) -> None:
    rng = random.Random(key_length)
    key = rng.randbytes(key_length)
    for data_length in (0, 1, 55, 64, 1000):
        data = rng.randbytes(data_length)
        assert hmac_sm3(key, data) == _reference_hmac_sm3(key, data)


def test_sm4_gcm_rfc_8998_vector() -> None:
    out = sm4_gcm_encrypt(GCM_KEY, GCM_IV, GCM_PLAINTEXT, GCM_AAD)
    assert out == GCM_CIPHERTEXT + GCM_TAG
    assert sm4_gcm_decrypt(GCM_KEY, GCM_IV, out, GCM_AAD) == GCM_PLAINTEXT


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 32, 1000, 65536])
@pytest.mark.parametrize("aad", [b"", b"customers/1:id_number"])
def test_sm4_gcm_round_trip(length: int, aad: bytes) -> None:
    key, nonce, plaintext = random_key(), random_nonce(), random.Random(length).randbytes(length)
    out = sm4_gcm_encrypt(key, nonce, plaintext, aad)
    assert len(out) == length + 16
    assert sm4_gcm_decrypt(key, nonce, out, aad) == plaintext


def test_sm4_gcm_layout_is_ctr_ciphertext_then_16_byte_tag() -> None:
    key, nonce, plaintext = random_key(), random_nonce(), b"0123456789abcdef"
    out = sm4_gcm_encrypt(key, nonce, plaintext, b"aad")
    assert len(out) == 32
    # A 96-bit IV starts encryption at counter block IV || 00000002 (J0 + 1).
    ctr = Cipher(algorithms.SM4(key), modes.CTR(nonce + b"\0\0\0\2")).encryptor()
    assert out[:16] == ctr.update(plaintext)
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, out[16:])).decryptor()
    decryptor.authenticate_additional_data(b"aad")
    assert decryptor.update(out[:16]) + decryptor.finalize() == plaintext


def _flip(data: bytes, index: int, bit: int = 0) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 1 << bit
    return bytes(changed)


def test_sm4_gcm_detects_every_flipped_bit() -> None:
    key, nonce, aad = random_key(), random_nonce(), b"customers/1:id_number"
    out = sm4_gcm_encrypt(key, nonce, b"110105194912310021", aad)
    cases = [(key, nonce, _flip(out, i, i % 8), aad) for i in range(len(out))]  # ciphertext, tag
    cases += [(key, _flip(nonce, i, i % 8), out, aad) for i in range(12)]
    cases += [(key, nonce, out, _flip(aad, i, i % 8)) for i in range(len(aad))]
    cases += [(key, nonce, out, b""), (random_key(), nonce, out, aad), (key, nonce, out[:-1], aad)]
    cases += [(key, nonce, out[:15], aad), (key, nonce, b"", aad)]
    for case in cases:
        with pytest.raises(IntegrityError) as caught:
            sm4_gcm_decrypt(*case)
        assert key.hex() not in str(caught.value).lower()
    assert issubclass(IntegrityError, ValueError)


@pytest.mark.parametrize("key_length", [0, 15, 17, 24, 32])
def test_sm4_gcm_rejects_wrong_key_length(key_length: int) -> None:
    for call in (sm4_gcm_encrypt, sm4_gcm_decrypt):
        with pytest.raises(ValueError, match="key must be 16 bytes") as caught:
            call(bytes(key_length), random_nonce(), bytes(32), b"")
        assert not isinstance(caught.value, IntegrityError)


@pytest.mark.parametrize("nonce_length", [0, 8, 11, 13, 16])
def test_sm4_gcm_rejects_wrong_nonce_length(nonce_length: int) -> None:
    for call in (sm4_gcm_encrypt, sm4_gcm_decrypt):
        with pytest.raises(ValueError, match="nonce must be 12 bytes"):
            call(random_key(), bytes(nonce_length), bytes(32), b"")


def test_random_keys_and_nonces() -> None:
    keys, nonces = {random_key() for _ in range(1000)}, {random_nonce() for _ in range(1000)}
    assert {len(k) for k in keys} == {16} and len(keys) == 1000
    assert {len(n) for n in nonces} == {12} and len(nonces) == 1000


def test_sm2_public_key_is_d_times_g(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "randbelow", lambda _: 0)  # d = 1
    assert generate_sm2_keypair() == ("0" * 63 + "1", f"{G[0]:064x}{G[1]:064x}")
    monkeypatch.undo()
    private_hex, public_hex = generate_sm2_keypair()
    assert len(private_hex) == 64 and len(public_hex) == 128
    point = _mul(int(private_hex, 16), G)
    assert point is not None and public_hex == f"{point[0]:064x}{point[1]:064x}"


def test_sm2_sign_verify() -> None:
    private_hex, public_hex = generate_sm2_keypair()
    data = b"key manifest v1"
    signature = sm2_sign(private_hex, public_hex, data)
    assert len(signature) == 64
    assert sm2_verify(public_hex, data, signature)
    assert _reference_verify(public_hex, data, signature)  # standard Z and e, not gmssl's reading
    assert sm2_verify("04" + public_hex.upper(), data, signature)
    assert sm2_sign(private_hex, public_hex, data) != signature  # a fresh k per signature

    assert not sm2_verify(public_hex, data + b"!", signature)
    assert not sm2_verify(public_hex, b"key manifest v2", signature)
    assert not sm2_verify(generate_sm2_keypair()[1], data, signature)
    for index in (0, 31, 32, 63):
        assert not sm2_verify(public_hex, data, _flip(signature, index))
    for bad in (b"", signature[:63], signature + b"\0", bytes(64), N.to_bytes(32, "big") * 2):
        assert not sm2_verify(public_hex, data, bad)


def test_sm2_key_whose_x_starts_with_04() -> None:
    # CryptSM2's constructor strips a "04" prefix with str.lstrip, which would eat this x's digits.
    private_hex = "d921c8861b0f438371712353852861330528ad8c7cf54ddd399faf741cd363dc"
    public_hex = (
        "0461795562c59fdcd0ab59adf04a2bd1b577c413d1bf9b08f04b9344da4b26e9"
        "0f7f46ae590e9714dd9182451653327c04e7f63828d709755ffb8817bc9b5d3d"
    )
    point = _mul(int(private_hex, 16), G)
    assert point is not None and public_hex == f"{point[0]:064x}{point[1]:064x}"
    for given in (public_hex, "04" + public_hex):
        signature = sm2_sign(private_hex, given, b"data")
        assert _reference_verify(public_hex, b"data", signature)
        assert sm2_verify(given, b"data", signature)
        assert not sm2_verify(given, b"date", signature)


def test_sm2_rejects_bad_keys() -> None:
    private_hex, public_hex = generate_sm2_keypair()
    other_private, other_public = generate_sm2_keypair()
    with pytest.raises(ValueError, match="does not belong") as caught:
        sm2_sign(private_hex, other_public, b"data")
    assert private_hex not in str(caught.value) and other_private not in str(caught.value)
    with pytest.raises(ValueError, match="not a point on the curve"):
        sm2_verify(public_hex[:-1] + ("0" if public_hex[-1] != "0" else "1"), b"", bytes(64))
    for bad_public in ("", "04", public_hex[:-2], "0x" + public_hex[2:], "05" + public_hex):
        with pytest.raises(ValueError, match="128 hex digits"):
            sm2_verify(bad_public, b"", bytes(64))
    for bad_private in ("0" * 64, f"{N - 1:064x}", f"{N:064x}", private_hex[:-1], "g" * 64):
        with pytest.raises(ValueError, match="SM2 private key"):
            sm2_sign(bad_private, public_hex, b"data")
