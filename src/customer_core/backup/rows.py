"""Rows as type-tagged JSON, so a backup of one engine restores into another.

A row is a JSON array of its column values in the manifest's column order. JSON's own types carry
strings, integers, floats, booleans and NULL; everything else is an object of one tagged value:
`{"b": base64}` bytes, `{"t": ISO 8601 with offset}` timestamps, `{"u": uuid}`, `{"d": decimal
text}`, `{"j": value}` JSON documents (dicts and lists), `{"x": text}` dates and times of day.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any


def tag(value: Any) -> Any:
    """`value` as a JSON-ready tagged value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return {"t": aware.isoformat()}
    if isinstance(value, (date, time)):
        return {"x": value.isoformat(), "k": "date" if isinstance(value, date) else "time"}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, (dict, list)):
        return {"j": value}
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def untag(value: Any) -> Any:
    """The Python value `tag` made `value` of."""
    if not isinstance(value, dict):
        return value
    if "b" in value:
        return base64.b64decode(value["b"], validate=True)
    if "t" in value:
        return datetime.fromisoformat(value["t"])
    if "u" in value:
        return uuid.UUID(value["u"])
    if "d" in value:
        return Decimal(value["d"])
    if "j" in value:
        return value["j"]
    if "x" in value:
        return (date if value.get("k") == "date" else time).fromisoformat(value["x"])
    raise ValueError(f"unknown value tag {sorted(value)}")


def encode_row(values: Sequence[Any]) -> bytes:
    """One row as a line of JSON (with its newline)."""
    return (
        json.dumps([tag(v) for v in values], ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8"
        )
        + b"\n"
    )


def decode_rows(data: bytes, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The rows of a chunk's plaintext, as column -> value.

    Raises:
        ValueError: a line is not a row of `columns`.
    """
    for line in data.splitlines():
        values = json.loads(line)
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("a backed-up row does not match its table's columns")
        yield dict(zip(columns, (untag(v) for v in values), strict=True))


def encode_rows(rows: Iterable[Sequence[Any]]) -> bytes:
    """Several rows, one line each."""
    return b"".join(encode_row(r) for r in rows)
