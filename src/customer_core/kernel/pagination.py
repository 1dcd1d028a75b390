"""Page sizes and opaque page tokens (AIP-158) for keyset pagination."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from customer_core.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page_size(requested: int, field: str = "page_size") -> int:
    """The page size to use: the default for 0, capped at the maximum; negative is an error."""
    if requested < 0:
        raise InvalidArgument.field(field, "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _scope(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def encode_token(last_key: list[Any], scope: str) -> str:
    """A token resuming after `last_key`, valid only for requests of the same `scope` (filter, parent)."""
    raw = json.dumps({"v": 1, "s": _scope(scope), "k": last_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(
    token: str, scope: str, key_types: tuple[type, ...], field: str = "page_token"
) -> list[Any] | None:
    """The key a token resumes after; None for an empty token.

    Raises:
        InvalidArgument: the token is not one of ours, or was issued for another filter or parent.
    """
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = data["k"]
        valid = (
            data.get("v") == 1
            and isinstance(key, list)
            and len(key) == len(key_types)
            and all(isinstance(k, t) for k, t in zip(key, key_types, strict=True))
        )
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        valid = False
    if not valid:
        raise InvalidArgument.field(field, "is not a page token this service issued")
    if data["s"] != _scope(scope):
        raise InvalidArgument.field(
            field, "was issued for a different filter or parent; start again without a token"
        )
    return list(key)


def time_and_id(
    key: list[Any] | None, field: str = "page_token"
) -> tuple[datetime, uuid.UUID] | None:
    """A decoded `[time.isoformat(), str(id)]` key as (aware datetime, UUID); None for None.

    Raises:
        InvalidArgument: the key does not hold an aware ISO time and a UUID (a forged token).
    """
    if key is None:
        return None
    try:
        moment, row_id = datetime.fromisoformat(key[0]), uuid.UUID(key[1])
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidArgument.field(field, "is not a page token this service issued")
    return moment, row_id
