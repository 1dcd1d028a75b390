"""National-algorithm primitives (GM/T): SM4-GCM, SM4, SM3, HMAC-SM3 and SM2 signatures.

SM4 and SM3 run in OpenSSL through `cryptography`; gmssl's pure-Python SM4 and SM3 are here only
to cross-check them. SM2 signatures use gmssl (`cryptography` exposes no SM2): its curve arithmetic
is pure Python and not constant-time, so it suits rare signatures (key manifests), not a hot path.
Keys, nonces and SM2 scalars come from `secrets`. No exception message carries key material.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import func as gm_func
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3
from gmssl import sm4 as gm_sm4

__all__ = [
    "KEY_SIZE",
    "NONCE_SIZE",
    "TAG_SIZE",
    "IntegrityError",
    "generate_sm2_keypair",
    "hmac_sm3",
    "random_key",
    "random_nonce",
    "sm2_sign",
    "sm2_verify",
    "sm3",
    "sm3_gmssl",
    "sm3_hasher",
    "sm4_ecb_block",
    "sm4_ecb_block_gmssl",
    "sm4_gcm_decrypt",
    "sm4_gcm_encrypt",
    "sm4_gcm_open_framed",
    "sm4_gcm_seal_framed",
]

KEY_SIZE = 16  #: SM4 key, bytes
NONCE_SIZE = 12  #: SM4-GCM nonce, bytes
TAG_SIZE = 16  #: SM4-GCM tag, bytes
BLOCK_SIZE = 16  #: SM4 block, bytes

# Bound once: the GCM functions are a hot path and every module attribute lookup costs.
_SM4 = algorithms.SM4
_GCM = modes.GCM

_CURVE = gm_sm2.default_ecc_table
_P, _A, _B, _N = (int(_CURVE[name], 16) for name in "pabn")
_HEX_DIGITS = "0123456789abcdef"


class IntegrityError(ValueError):
    """Authenticated decryption failed: wrong key, nonce or AAD, or altered data."""


def sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypts with SM4-GCM (OpenSSL).

    Args:
        key: The 16-byte SM4 key.
        nonce: 12 bytes, never reused under the key; with random ones (`random_nonce`) encrypt
            well under 2**32 messages per key.
        plaintext: The data to encrypt.
        aad: Additional data authenticated but not encrypted (may be empty).

    Returns:
        The ciphertext followed by the 16-byte tag.

    Raises:
        ValueError: The key or nonce has the wrong length.
    """
    if len(key) != 16:
        raise ValueError(f"SM4 key must be 16 bytes, not {len(key)}")
    if len(nonce) != 12:
        raise ValueError(f"SM4-GCM nonce must be 12 bytes, not {len(nonce)}")
    encryptor = Cipher(_SM4(key), _GCM(nonce)).encryptor()
    if aad:
        encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext)
    encryptor.finalize()  # GCM buffers nothing: this only computes the tag
    return ciphertext + encryptor.tag


def sm4_gcm_seal_framed(
    key: bytes, plaintext: bytes | bytearray | memoryview, aad: bytes
) -> bytearray:
    """SM4-GCM under a fresh random nonce, framed in one buffer: nonce, ciphertext, tag.

    For large plaintexts (document parts): the ciphertext is written into the frame, never
    copied, so a part costs one buffer of its size. Open it with `sm4_gcm_open_framed`.
    """
    if len(key) != 16:
        raise ValueError(f"SM4 key must be 16 bytes, not {len(key)}")
    nonce = random_nonce()
    size = len(plaintext)
    # update_into wants room for a block more than the data; the spare bytes are cut off after.
    frame = bytearray(NONCE_SIZE + size + BLOCK_SIZE - 1)
    frame[:NONCE_SIZE] = nonce
    encryptor = Cipher(_SM4(key), _GCM(nonce)).encryptor()
    if aad:
        encryptor.authenticate_additional_data(aad)
    with memoryview(frame) as view:
        written = encryptor.update_into(plaintext, view[NONCE_SIZE:])
    encryptor.finalize()
    del frame[NONCE_SIZE + written :]
    frame += encryptor.tag
    return frame


def sm4_gcm_open_framed(key: bytes, frame: bytes | memoryview, aad: bytes) -> bytes:
    """The plaintext of a `sm4_gcm_seal_framed` frame.

    Raises:
        IntegrityError: the tag does not verify, or the frame is too short.
    """
    if len(frame) < NONCE_SIZE + TAG_SIZE:
        raise IntegrityError("SM4-GCM frame is shorter than its nonce and tag")
    with memoryview(frame) as view:
        return sm4_gcm_decrypt(key, bytes(view[:NONCE_SIZE]), view[NONCE_SIZE:], aad)


def sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes) -> bytes:
    """Decrypts and authenticates SM4-GCM output of `sm4_gcm_encrypt`.

    Args:
        key, nonce, aad: As given to `sm4_gcm_encrypt`.
        data: Its output, the ciphertext followed by the 16-byte tag.

    Returns:
        The plaintext, once the tag has verified.

    Raises:
        ValueError: The key or nonce has the wrong length.
        IntegrityError: The tag does not verify, or `data` is shorter than a tag.
    """
    if len(key) != 16:
        raise ValueError(f"SM4 key must be 16 bytes, not {len(key)}")
    if len(nonce) != 12:
        raise ValueError(f"SM4-GCM nonce must be 12 bytes, not {len(nonce)}")
    if len(data) < 16:
        raise IntegrityError("SM4-GCM data is shorter than its tag")
    decryptor = Cipher(_SM4(key), _GCM(nonce, bytes(data[-16:]))).decryptor()
    if aad:
        decryptor.authenticate_additional_data(aad)
    plaintext = decryptor.update(data[:-16])
    try:
        decryptor.finalize()
    except InvalidTag:
        raise IntegrityError("SM4-GCM authentication failed") from None
    return plaintext


def _check_block(key: bytes, block: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError(f"SM4 key must be 16 bytes, not {len(key)}")
    if len(block) != BLOCK_SIZE:
        raise ValueError(f"SM4 block must be 16 bytes, not {len(block)}")


def sm4_ecb_block(key: bytes, block: bytes) -> bytes:
    """Encrypts one 16-byte block with raw SM4 (OpenSSL). For known-answer tests only."""
    _check_block(key, block)
    encryptor = Cipher(_SM4(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def sm4_ecb_block_gmssl(key: bytes, block: bytes) -> bytes:
    """Encrypts one 16-byte block with gmssl's pure-Python SM4, to cross-check `sm4_ecb_block`."""
    _check_block(key, block)
    crypt = gm_sm4.CryptSM4()
    crypt.set_key(key, gm_sm4.SM4_ENCRYPT)
    # crypt_ecb appends a PKCS#7 padding block; ECB blocks are independent, so the first is ours.
    return bytes(crypt.crypt_ecb(block)[:BLOCK_SIZE])


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of `data` (OpenSSL)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hasher() -> hashes.Hash:
    """An incremental SM3 (OpenSSL): `update` it with each piece, `finalize` for the digest."""
    return hashes.Hash(hashes.SM3())


def sm3_gmssl(data: bytes) -> bytes:
    """The SM3 digest by gmssl's pure-Python SM3, to cross-check `sm3`."""
    return bytes.fromhex(gm_sm3.sm3_hash(gm_func.bytes_to_list(data)))


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """The 32-byte HMAC-SM3 (RFC 2104 over SM3) of `data` under `key` (OpenSSL)."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def _private_scalar(private_hex: str) -> int:
    if len(private_hex) != 64 or private_hex.lower().strip(_HEX_DIGITS):
        raise ValueError("SM2 private key must be 64 hex digits")
    d = int(private_hex, 16)
    if not 1 <= d <= _N - 2:
        raise ValueError("SM2 private key is out of range")
    return d


def _public_xy(public_hex: str) -> str:
    """Checks an SM2 public key (x || y, or 04 || x || y) is on the curve; returns x || y."""
    xy = public_hex.lower()
    if len(xy) == 130 and xy.startswith("04"):
        xy = xy[2:]
    if len(xy) != 128 or xy.strip(_HEX_DIGITS):
        raise ValueError("SM2 public key must be 128 hex digits (x || y), optionally after 04")
    x, y = int(xy[:64], 16), int(xy[64:], 16)
    if x >= _P or y >= _P or (y * y - x * x * x - _A * x - _B) % _P:
        raise ValueError("SM2 public key is not a point on the curve")
    return xy


def _crypt_sm2(private_hex: str, xy: str) -> gm_sm2.CryptSM2:
    crypt = gm_sm2.CryptSM2(private_key=private_hex, public_key="")
    # Set afterwards: the constructor removes a 04 prefix with str.lstrip("04"), which would also
    # eat leading 0 and 4 digits of x.
    crypt.public_key = xy
    return crypt


def generate_sm2_keypair() -> tuple[str, str]:
    """A new SM2 key pair (GM/T 0003 curve): (private, 64 hex digits; public, 128 hex digits x || y)."""
    d = secrets.randbelow(_N - 2) + 1  # [1, n - 2]: signing inverts 1 + d modulo n
    private_hex = f"{d:064x}"
    return private_hex, str(_crypt_sm2(private_hex, "")._kg(d, _CURVE["g"]))


def sm2_sign(private_hex: str, public_hex: str, data: bytes) -> bytes:
    """Signs `data` with SM2 over SM3(Z || data), Z from the default ID 1234567812345678.

    Args:
        private_hex: The private key, 64 hex digits.
        public_hex: Its public key (it goes into Z), x || y with or without a 04 prefix.
        data: The message itself (not a digest).

    Returns:
        The 64-byte signature r || s.

    Raises:
        ValueError: A key is malformed, or the public key is not the private key's.
    """
    d = _private_scalar(private_hex)
    xy = _public_xy(public_hex)
    crypt = _crypt_sm2(f"{d:064x}", xy)
    if crypt._kg(d, _CURVE["g"]) != xy:
        raise ValueError("SM2 public key does not belong to the private key")
    while True:
        k = secrets.randbelow(_N - 1) + 1  # gmssl's own nonce comes from `random`: never use it
        signature = crypt.sign_with_sm3(data, f"{k:064x}")
        if signature is not None:  # None: r = 0, r + k = n or s = 0 (negligible); retry
            return bytes.fromhex(signature)


def sm2_verify(public_hex: str, data: bytes, signature: bytes) -> bool:
    """Whether `signature` (64 bytes r || s, from `sm2_sign`) is valid for `data`.

    False for any malformed signature; ValueError for a malformed public key (x || y or 04 || x || y)
    or one not on the curve.
    """
    crypt = _crypt_sm2("", _public_xy(public_hex))
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < _N and 0 < s < _N):
        return False
    try:
        return bool(crypt.verify_with_sm3(signature.hex(), data))
    except (TypeError, ValueError):  # gmssl fails on degenerate points instead of answering
        return False


def random_key() -> bytes:
    """A fresh 16-byte SM4 key from the OS CSPRNG."""
    return secrets.token_bytes(KEY_SIZE)


def random_nonce() -> bytes:
    """A fresh random 12-byte SM4-GCM nonce."""
    return secrets.token_bytes(NONCE_SIZE)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """`nonce || SM4-GCM(key, nonce, plaintext, aad)` under a fresh nonce: how every key of the
    hierarchy is stored wrapped by the one above it."""
    nonce = random_nonce()
    return nonce + sm4_gcm_encrypt(key, nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """The plaintext of `seal`'s output; `IntegrityError` if it or its `aad` was altered."""
    return sm4_gcm_decrypt(key, sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)
