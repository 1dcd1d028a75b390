"""Sealing a subject record: sensitive fields encrypted, masked in the stored message, blind-indexed.

A record is stored as two parts: the plugin message with each sensitive value replaced by its
mask (what callers without the unmask permission see, served with no decryption at all), and the
sensitive values' SM4-GCM ciphertexts under the data key of the customer and subject model,
each bound to customer, subject, record and field path. Match-key fields also get a blind index:
HMAC-SM3 of the normalized value under the blind-index key, so equality search works on
encrypted values.
"""

from __future__ import annotations

import struct
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message
from sqlalchemy.engine import Connection, Engine

from customer_core.authz.masking import mask
from customer_core.crypto import envelope, primitives
from customer_core.crypto.keyring import CUSTOMER_DATA, INDEX, Keyring, customer_scope
from customer_core.kernel.subject_model import FieldSpec, SubjectModel
from customer_core.storage.transaction import run_in_transaction

BLIND_INDEX_SCOPE = "blind-index"


@dataclass(frozen=True)
class FieldRef:
    """Where one sensitive value sits in a message."""

    path: str
    spec: FieldSpec
    owner: Message
    index: int | None

    @property
    def value(self) -> Any:
        container = getattr(self.owner, self.spec.descriptor.name)
        return container[self.index] if self.index is not None else container

    def set(self, value: Any) -> None:
        name = self.spec.descriptor.name
        if self.index is None:
            setattr(self.owner, name, value)
        else:
            getattr(self.owner, name)[self.index] = value


def sensitive_fields(model: SubjectModel, message: Message) -> list[FieldRef]:
    """Every set sensitive value of `message`, with its path (list elements indexed)."""
    return list(_walk(model.specs_by_field, message, ""))


def _walk(specs: dict[str, FieldSpec], message: Message, prefix: str) -> Iterator[FieldRef]:
    for fd, value in message.ListFields():
        spec = specs.get(fd.full_name)
        if spec is None:
            continue
        path = prefix + fd.name
        if fd.message_type is not None:
            items = value if fd.is_repeated else [value]
            for i, item in enumerate(items):
                yield from _walk(specs, item, f"{path}[{i}]." if fd.is_repeated else path + ".")
        elif spec.rules.sensitive:
            if fd.is_repeated:
                for i in range(len(value)):
                    yield FieldRef(f"{path}[{i}]", spec, message, i)
            else:
                yield FieldRef(path, spec, message, None)


def normalize(value: str) -> str:
    """The form a match-key value is blind-indexed in: NFKC, upper case, no spaces or dashes."""
    folded = unicodedata.normalize("NFKC", value).upper()
    return "".join(ch for ch in folded if not ch.isspace() and ch != "-")


def _binding(customer_id: uuid.UUID, subject: str, record_id: uuid.UUID, path: str) -> bytes:
    return b"|".join((customer_id.bytes, subject.encode(), record_id.bytes, path.encode()))


def _encode(entries: list[tuple[str, bytes]]) -> bytes:
    out = bytearray()
    for path, ciphertext in entries:
        raw = path.encode()
        out += struct.pack(">HI", len(raw), len(ciphertext)) + raw + ciphertext
    return bytes(out)


def _decode(blob: bytes) -> Iterator[tuple[str, bytes]]:
    at = 0
    while at < len(blob):
        path_len, ct_len = struct.unpack_from(">HI", blob, at)
        at += 6
        yield blob[at : at + path_len].decode(), blob[at + path_len : at + path_len + ct_len]
        at += path_len + ct_len


def key_ids(sealed: bytes | None) -> set[uuid.UUID]:
    """The data keys a record's sealed fields are encrypted under."""
    return {envelope.key_id(ct) for _, ct in _decode(sealed)} if sealed else set()


def _set_path(message: Message, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    owner = message
    for part in parents:
        name, _, index = part.partition("[")
        owner = getattr(owner, name)[int(index[:-1])] if index else getattr(owner, name)
    name, _, index = leaf.partition("[")
    if index:
        getattr(owner, name)[int(index[:-1])] = value
    else:
        setattr(owner, name, value)


@dataclass(frozen=True)
class SealedRecord:
    """What is stored of a record."""

    payload: bytes
    sealed: bytes | None
    digests: list[tuple[str, str]]
    #: The sealed values as received of the sensitive fields a data-quality rule changed
    #: (`received` of `seal`), by path.
    received: dict[str, bytes] = field(default_factory=dict)


class FieldCipher:
    """Encrypts and decrypts the sensitive fields of records with the keyring's keys (the
    ledger's sealer is another thing: `ledger.sealer`)."""

    def __init__(self, keyring: Keyring, engine: Engine, *, enabled: bool = True) -> None:
        self.keyring = keyring
        self.enabled = enabled
        # Created once, committed, then kept: every replica must index with the same key.
        self._blind_key = run_in_transaction(
            engine, lambda c: keyring.data_key_for_write(c, BLIND_INDEX_SCOPE, INDEX).key
        )

    def prepare_new_customers(
        self,
        connection: Connection,
        customers: Sequence[tuple[uuid.UUID, Sequence[SubjectModel]]],
    ) -> None:
        """Makes, in one insert, the data keys new customers' first records will need (each
        customer with the models of its records)."""
        scopes = sorted(
            {
                (customer_scope(customer_id, m.name), customer_id)
                for customer_id, models in customers
                for m in models
                if m.sensitive
            }
        )
        if scopes and self.enabled:
            self.keyring.create_data_keys(connection, scopes, CUSTOMER_DATA, 1)

    def blind_digest(self, subject: str, field_path: str, value: str) -> str:
        """The blind index of a match-key value."""
        data = f"{subject}|{field_path}|{normalize(value)}".encode()
        return primitives.hmac_sm3(self._blind_key, data).hex()

    def seal(
        self,
        connection: Connection,
        model: SubjectModel,
        message: Message,
        customer_id: uuid.UUID,
        record_id: uuid.UUID,
        *,
        new_customer: bool = False,
        received: Sequence[tuple[str, bytes]] = (),
    ) -> SealedRecord:
        """The stored form of a validated record (`new_customer`: created in this transaction).

        `received`: the values as received (path, bytes) of sensitive fields a data-quality rule
        changed, sealed too under the same key, bound to the record and `received:<path>`.
        """
        refs = sensitive_fields(model, message) if model.sensitive and self.enabled else []
        received = received if self.enabled else ()
        if not refs and not received:
            return SealedRecord(message.SerializeToString(deterministic=True), None, [])
        key = self.keyring.data_key_for_write(
            connection,
            customer_scope(customer_id, model.name),
            CUSTOMER_DATA,
            customer_id,
            new_scope=new_customer,
        )
        masked = type(message)()
        masked.CopyFrom(message)
        masked_refs = sensitive_fields(model, masked)
        entries, digests = [], []
        for ref, masked_ref in zip(refs, masked_refs, strict=True):
            value = ref.value
            raw = value.encode() if isinstance(value, str) else bytes(value)
            aad = _binding(customer_id, model.name, record_id, ref.path)
            entries.append((ref.path, envelope.encrypt(key, raw, aad)))
            masked_ref.set(mask(value, ref.spec.rules.mask) if isinstance(value, str) else b"")
            if ref.spec.rules.match_key and isinstance(value, str):
                digests.append((ref.spec.path, self.blind_digest(model.name, ref.spec.path, value)))
        originals = {
            path: envelope.encrypt(key, raw, _binding(customer_id, model.name, record_id, f"received:{path}"))
            for path, raw in received
        }  # fmt: skip
        return SealedRecord(
            masked.SerializeToString(deterministic=True),
            _encode(entries) if entries else None,
            digests,
            originals,
        )

    def unseal_received(
        self,
        connection: Connection,
        subject: str,
        customer_id: uuid.UUID,
        record_id: uuid.UUID,
        path: str,
        ciphertext: bytes,
    ) -> bytes:
        """A sealed value as received (see `seal`), in clear."""
        key = self.keyring.data_key(connection, envelope.key_id(ciphertext), history=True)
        return envelope.decrypt(
            key, ciphertext, _binding(customer_id, subject, record_id, f"received:{path}")
        )

    def unseal(
        self,
        connection: Connection,
        model: SubjectModel,
        payload: bytes,
        sealed: bytes | None,
        customer_id: uuid.UUID,
        record_id: uuid.UUID,
        *,
        history: bool = False,
    ) -> tuple[Message, list[str]]:
        """The record with its sensitive values in clear, and the paths that were decrypted.

        Each data key's row is read (see `Keyring.data_key`), so a key destroyed or retired
        elsewhere refuses at once; with `history` (a ledger snapshot's values), a retired one
        still opens.
        """
        message = model.message_class.FromString(payload)
        paths = []
        for path, ciphertext in _decode(sealed) if sealed else ():
            key = self.keyring.data_key(connection, envelope.key_id(ciphertext), history=history)
            raw = envelope.decrypt(
                key, ciphertext, _binding(customer_id, model.name, record_id, path)
            )
            _set_path(message, path, raw if _is_bytes(model, path) else raw.decode())
            paths.append(path)
        return message, paths


def _is_bytes(model: SubjectModel, path: str) -> bool:
    spec_path = ".".join(p.partition("[")[0] for p in path.split("."))
    return any(s.path == spec_path and s.type == "bytes" for s in model.fields)
