"""Sensitive values written through the API are nowhere in the database's bytes at rest: not in
the SQLite file or its write-ahead log, not in a pg_dump, not in PostgreSQL's own data files."""

from __future__ import annotations

import secrets
from pathlib import Path

import sqlalchemy
from sqlalchemy import text
from sqlalchemy.engine import make_url

from customer_core.client import Client, unpack
from customer_core_contact.v1 import contact_pb2
from customer_core_identification.v1 import identification_pb2
from tests.integration.helpers import mobile, profile, resident_id
from tests.support.postgres import PostgresServer

REASON = "at-rest check, ticket SEC-9"


def card(number: str, issuer: str) -> identification_pb2.IdentificationDocument:
    return identification_pb2.IdentificationDocument(
        id_type=identification_pb2.ID_TYPE_RESIDENT_ID_CARD,
        id_number=number,
        issuer=issuer,
        status=identification_pb2.ID_STATUS_VALID,
    )


def email(value: str) -> contact_pb2.ContactPoint:
    return contact_pb2.ContactPoint(
        email=contact_pb2.Email(address=value), purpose=contact_pb2.CONTACT_PURPOSE_STATEMENT
    )


def address(street: str, district: str) -> contact_pb2.ContactPoint:
    return contact_pb2.ContactPoint(
        address=contact_pb2.PostalAddress(
            country="CHN", province="北京市", city="北京市", district=district, street=street
        ),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )


def files_at_rest(database_url: str, postgres: PostgresServer | None) -> dict[str, bytes]:
    """Every copy of the database's bytes a disk, a file backup or a dump would hold."""
    if postgres is None:
        path = Path(make_url(database_url).database or "")
        wal = Path(f"{path}-wal")
        found = {"wal before checkpoint": wal.read_bytes() if wal.exists() else b""}
        engine = sqlalchemy.create_engine(database_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as c:
                busy, _, _ = c.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        finally:
            engine.dispose()
        assert busy == 0, "the checkpoint could not finish"
        found["database file"] = path.read_bytes()
        found["wal after checkpoint"] = wal.read_bytes() if wal.exists() else b""
        return found
    dbname = make_url(database_url).database
    assert dbname
    found = {"pg_dump": postgres.pg_dump(dbname)}
    for folder in ("base", "pg_wal"):  # heap and index files (dead tuples too) and the WAL
        for file in sorted((postgres.data / folder).rglob("*")):
            if file.is_file():
                found[f"{folder}/{file.relative_to(postgres.data / folder)}"] = file.read_bytes()
    return found


def where(value: str, corpus: dict[str, bytes]) -> list[str]:
    """The files holding `value`'s UTF-8 bytes, raw or hex-encoded (pg_dump writes bytea as hex)."""
    raw = value.encode()
    return [name for name, blob in corpus.items() if raw in blob or raw.hex().encode() in blob]


def test_sensitive_values_are_stored_only_encrypted(
    client: Client, database_url: str, postgres: PostgresServer | None
) -> None:
    tag = secrets.token_hex(5).upper()
    secret = {
        "id number": resident_id(),
        "second id number": resident_id(),
        "phone": f"+86135{secrets.randbelow(10**8):08d}",
        "replaced phone": f"+86136{secrets.randbelow(10**8):08d}",
        "email": f"at.rest.{tag.lower()}@example.cn",
        "second email": f"second.{tag.lower()}@example.org",
        "street": f"复兴门内大街{secrets.randbelow(900) + 100}号院{tag}",
    }
    plain = {
        "name": f"Plain Name {tag}",
        "issuer": f"PSB Xicheng {tag}",
        "new issuer": f"PSB Dongcheng {tag}",
        "district": f"西城区{tag}",
    }
    customer = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name=plain["name"],
        records=[
            profile(plain["name"]),
            card(secret["id number"], plain["issuer"]),
            mobile(secret["replaced phone"]),
            email(secret["email"]),
            address(secret["street"], plain["district"]),
        ],
    )
    number = customer.customer_number
    # Every write path: a record of its own, a replacement, a masked merge (decrypt and reseal).
    client.create_record(number, card(secret["second id number"], plain["issuer"]))
    client.create_record(number, email(secret["second email"]))
    view = client.get_360(number)
    records = {r.name: unpack(r.data) for g in view.subjects for r in g.records}
    phone_record = next(
        n for n, m in records.items() if getattr(m, "phone", None) and m.phone.number
    )
    client.update_record(phone_record, mobile(secret["phone"]))
    first_card = next(
        n
        for n, m in records.items()
        if getattr(m, "issuer", "") and m.id_number[-4:] == secret["id number"][-4:]
    )
    client.update_record(first_card, card("", plain["new issuer"]), update_mask=["data.issuer"])
    # The values are really held, in clear to a caller allowed to see them.
    shown = client.get_360(number, unmask_reason=REASON).SerializeToString()
    for label, value in secret.items():
        if label != "replaced phone":
            assert value.encode() in shown, label
    assert plain["new issuer"].encode() in shown

    corpus = files_at_rest(database_url, postgres)
    # The scan is proven to work: values that are not sensitive, in the same records, are found.
    for label, value in plain.items():
        assert where(value, corpus), f"{label} {value!r} not found: the scan is broken"
    leaks = {label: where(value, corpus) for label, value in secret.items()}
    assert {label: files for label, files in leaks.items() if files} == {}
