"""Merging two customers into one, and undoing it.

A merge keeps the survivor and makes the loser `MERGED` into it (read-only, `merged_into` naming
the survivor; a chain of merges resolves to the last survivor). In one ledger operation on both
customers' chains:

- a singleton model's records (one per customer) become one golden record on the survivor, field
  by field (`survivorship`); the loser's stays on the loser, as it was;
- a multi-record model's records move to the survivor, except exact duplicates of a record it
  has, which stay on the loser (collapsed);
- every cross-reference moves, so `LookupCustomer` by any of them finds the survivor;
- the loser's match keys join the survivor's;
- a `MERGE` entry on each chain carries the Merge, and `WatchChanges` with it.

What the merge moved and the survivor's records as they were before it are kept with the merge
(`merges.plan`), so the unmerge is exact. Unmerging, in one ledger operation again:

- records that moved go back to the loser, and so does every record written to the survivor
  since the merge by a source system whose cross-reference came from the loser (and not also
  from the survivor): per-source provenance;
- a golden record goes back to the survivor's own version of before the merge; a field changed
  since the merge keeps its new value;
- cross-references that moved go back; a link made since stays where it was made;
- the loser is ACTIVE again; both customers' match keys are worked out afresh; and the pair is
  marked NOT_SAME, so identification does not merge it again until a match key changes.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from customer_core.errors import FailedPrecondition, InvalidArgument
from customer_core.kernel import convert, rehoming
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import records as record_ops
from customer_core.kernel.matching import identify as ident
from customer_core.kernel.matching import keys as key_ops
from customer_core.kernel.matching.policy import Policy
from customer_core.kernel.matching.survivorship import Version, golden, same_record
from customer_core.kernel.names import customer_name, record_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.ledger import recorder as ledger
from customer_core.ledger.snapshots import record_snapshot
from customer_core.storage.tables import cross_references, customers, merges, subject_records
from customer_core.v1 import consolidation_service_pb2 as pb
from customer_core.v1 import customer_pb2, ledger_pb2, options_pb2

RESOURCE_TYPE = "customer_core.v1.Merge"
SUBJECT = "merge"
MANUAL = "MANUAL"


def merge_name(merge_id: uuid.UUID) -> str:
    return f"merges/{merge_id}"


def records_of(
    connection: Connection, customer_id: uuid.UUID, subjects: frozenset[str] | None = None
) -> list[Any]:
    """A customer's records (of `subjects` only, if given), oldest first."""
    query = (
        select(subject_records)
        .where(subject_records.c.customer_id == customer_id)
        .order_by(subject_records.c.create_time, subject_records.c.id)
    )
    if subjects is not None:
        query = query.where(subject_records.c.subject.in_(sorted(subjects)))
    return list(connection.execute(query).all())


def plain_records(
    connection: Connection, codec: RecordCodec, rows: Sequence[Any], subjects: frozenset[str]
) -> list[tuple[str, Message]]:
    """(subject, message in clear) of the rows of `subjects` whose model is loaded."""
    found = []
    for row in rows:
        model = codec.registry.get(row.subject)
        if row.subject in subjects and model is not None:
            found.append((row.subject, codec.plaintext(connection, model, row)))
    return found


def keys_now(
    connection: Connection, codec: RecordCodec, policy: Policy, customer: Any
) -> list[key_ops.Key]:
    """A customer's match keys, worked out from its stored records."""
    rows = records_of(connection, customer.id, policy.subjects())
    plain = plain_records(connection, codec, rows, policy.subjects())
    return key_ops.keys_of(policy, codec.cipher, customer.type, plain)


def source_rank(connection: Connection, policy: Policy, customer: Any) -> int:
    """How trusted a customer's most trusted source system is (lower: more)."""
    systems = connection.execute(
        select(cross_references.c.source_system).where(
            cross_references.c.customer_id == customer.id
        )
    ).scalars()
    order = policy.source_priority
    return min((order.index(s) for s in systems if s in order), default=len(order))


def choose_survivor(connection: Connection, policy: Policy, a: Any, b: Any) -> tuple[Any, Any]:
    """(survivor, loser) by the rule: the customer linked to the more trusted source system
    (`CUSTOMER_CORE_MATCH_SOURCE_PRIORITY`), then the older customer, then the lower number."""

    def rank(row: Any) -> tuple[int, datetime, str]:
        return source_rank(connection, policy, row), row.create_time, row.customer_number

    first, second = sorted((a, b), key=rank)
    return first, second


def _check_pair(survivor: Any, loser: Any) -> None:
    if survivor.id == loser.id:
        raise InvalidArgument.field("customers", "names the same customer twice")
    if survivor.type != loser.type:
        raise FailedPrecondition(
            f"customers {survivor.customer_number} and {loser.customer_number} are of different "
            "types (an individual and an organization) and cannot be merged",
            subject=customer_name(loser.customer_number),
            violation_type="CUSTOMER_TYPES_DIFFER",
        )


def _b64(message: Message) -> str:
    return base64.b64encode(message.SerializeToString(deterministic=True)).decode()


def _snapshot(text: str) -> ledger_pb2.RecordSnapshot:
    return ledger_pb2.RecordSnapshot.FromString(base64.b64decode(text))


def _reseal(
    connection: Connection,
    codec: RecordCodec,
    owner: Any,
    row: Any,
    message: Message,
    now: datetime,
) -> Any:
    """Writes `message` as the next version of `owner`'s record `row`, ledgered; the new row."""
    model = codec.registry.get(row.subject)
    assert model is not None
    sealed = codec.seal(connection, model, message, owner.id, row.id)
    fresh = record_ops.rewrite(connection, row, now, payload=sealed.payload, sealed=sealed.sealed)
    customer_ops.record_change(
        connection, owner, row.subject, record_name(owner.customer_number, row.id), ledger.UPDATE,
        now, before=record_snapshot(row), after=record_snapshot(fresh),
    )  # fmt: skip
    return fresh


def merge(
    connection: Connection,
    codec: RecordCodec,
    policy: Policy,
    survivor: Any,
    loser: Any,
    now: datetime,
    *,
    tier: str,
    why: str,
    actor: str,
) -> pb.Merge:
    """Merges `loser` into `survivor` (customer rows read in this transaction; the caller checked
    the right to) for the reason `why`; the Merge."""
    _check_pair(survivor, loser)
    customer_ops.require_active(connection, survivor)
    customer_ops.require_active(connection, loser)
    merge_id = uuid.uuid4()
    plan: dict[str, Any] = {"moved": [], "kept": [], "merged": [], "xrefs": []}
    moved_names: list[str] = []
    merged_names: list[str] = []
    with rehoming.moving(connection, loser, survivor) as operation:
        theirs = records_of(connection, survivor.id)
        for row in records_of(connection, loser.id):
            model = codec.registry.get(row.subject)
            if model is None:  # rehoming refuses it, naming the missing plugin
                rehoming.move_record(connection, codec, row.id, loser, survivor, now)
                continue
            mine = codec.plaintext(connection, model, row)
            same_model = [r for r in theirs if r.subject == row.subject]
            if model.singleton and same_model:
                target = same_model[0]
                current = codec.plaintext(connection, model, target)
                best = golden(
                    model,
                    [
                        Version(current, target.source_system or "", target.update_time),
                        Version(mine, row.source_system or "", row.update_time),
                    ],
                )
                plan["kept"].append(str(row.id))
                if not same_record(best, current):
                    fresh = _reseal(connection, codec, survivor, target, best, now)
                    plan["merged"].append(
                        {
                            "record": str(target.id),
                            "before": _b64(record_snapshot(target)),
                            "after": _b64(record_snapshot(fresh)),
                        }
                    )
                    merged_names.append(record_name(survivor.customer_number, target.id))
                continue
            if any(same_record(mine, codec.plaintext(connection, model, r)) for r in same_model):
                plan["kept"].append(str(row.id))
                continue
            rehoming.move_record(connection, codec, row.id, loser, survivor, now)
            plan["moved"].append(str(row.id))
            moved_names.append(record_name(survivor.customer_number, row.id))
        moved_xrefs = []
        for x in connection.execute(
            select(cross_references).where(cross_references.c.customer_id == loser.id)
        ).all():
            moved_xrefs.append(
                rehoming.move_cross_reference(
                    connection, loser, survivor, x.source_system, x.local_id, now
                )
            )
            plan["xrefs"].append([x.source_system, x.local_id])
        survivor_keys = ident.stored_keys(connection, survivor.id)
        loser_keys = ident.stored_keys(connection, loser.id)
        held = {k.digest for k in survivor_keys}
        plan["keys"] = ident.fingerprint(survivor_keys, loser_keys)
        ident.store_keys(
            connection, survivor.id, survivor_keys + [k for k in loser_keys if k.digest not in held]
        )
        ident.store_keys(connection, loser.id, [])
        customer_ops.change_state(
            connection, loser, {"status": "MERGED", "merged_into_id": survivor.id}, now
        )
        ident.decide_pair(
            connection, survivor.id, loser.id, ident.MERGED, now, actor=actor, comment=why,
            tier=tier if tier != MANUAL else "HIGHEST",
        )  # fmt: skip
        ident.close_pairs_of(connection, loser.id, now)
        values = {
            "id": merge_id,
            "survivor_id": survivor.id,
            "loser_id": loser.id,
            "tier": tier,
            "operation": operation,
            "plan": json.dumps(plan).encode(),
            "actor": actor,
            "reason": why,
            "create_time": now,
            "unmerge_time": None,
            "unmerge_actor": None,
        }
        connection.execute(merges.insert().values(**values))
        result = _to_proto(
            SimpleNamespace(**values), survivor.customer_number, loser.customer_number,
            moved_names, moved_xrefs, merged_names,
        )  # fmt: skip
        _ledger(connection, survivor, loser, ledger.MERGE, result, now)
    return result


def _ledger(
    connection: Connection, survivor: Any, loser: Any, action: int, merge: pb.Merge, now: datetime
) -> None:
    for customer in (survivor, loser):
        customer_ops.record_change(
            connection, customer, SUBJECT, merge.name, action, now, after=merge
        )


def latest_merge(connection: Connection, loser_id: uuid.UUID) -> Any:
    return connection.execute(
        select(merges)
        .where(merges.c.loser_id == loser_id, merges.c.unmerge_time.is_(None))
        .order_by(merges.c.create_time.desc())
    ).first()


def unmerge(
    connection: Connection,
    codec: RecordCodec,
    policy: Policy,
    merge_row: Any,
    now: datetime,
    *,
    why: str,
    actor: str,
) -> pb.Merge:
    """Undoes a merge (its row read in this transaction; the caller checked the right to)."""
    name = merge_name(merge_row.id)
    if merge_row.unmerge_time is not None:
        raise FailedPrecondition(
            f"{name} was undone already", subject=name, violation_type="MERGE_UNDONE"
        )
    survivor = connection.execute(
        select(customers).where(customers.c.id == merge_row.survivor_id)
    ).one()
    loser = connection.execute(select(customers).where(customers.c.id == merge_row.loser_id)).one()
    if survivor.status == "MERGED":
        raise FailedPrecondition(
            f"customer {survivor.customer_number} was itself merged since; undo that merge first",
            subject=customer_name(survivor.customer_number),
            violation_type="SURVIVOR_MERGED_SINCE",
        )
    customer_ops.require_active(connection, survivor)
    plan = json.loads(merge_row.plan)
    moved_back: list[str] = []
    xrefs_back = []
    with rehoming.moving(connection, survivor, loser):
        loser_systems = {s for s, _ in plan["xrefs"]}
        own_systems = (
            set(
                connection.execute(
                    select(cross_references.c.source_system).where(
                        cross_references.c.customer_id == survivor.id
                    )
                ).scalars()
            )
            - loser_systems
        )
        moved = set(plan["moved"])
        for row in records_of(connection, survivor.id):
            since = row.create_time > merge_row.create_time
            supplied_by_loser = (row.source_system or "") in loser_systems - own_systems
            if str(row.id) in moved or (since and supplied_by_loser):
                rehoming.move_record(connection, codec, row.id, survivor, loser, now)
                moved_back.append(record_name(loser.customer_number, row.id))
        for item in plan["merged"]:
            _restore(connection, codec, survivor, item, now)
        for source_system, local_id in plan["xrefs"]:
            holder = connection.execute(
                select(cross_references.c.customer_id).where(
                    cross_references.c.source_system == source_system,
                    cross_references.c.local_id == local_id,
                )
            ).scalar()
            if holder == survivor.id:
                xrefs_back.append(
                    rehoming.move_cross_reference(
                        connection, survivor, loser, source_system, local_id, now
                    )
                )
        customer_ops.change_state(
            connection, loser, {"status": "ACTIVE", "merged_into_id": None}, now
        )
        loser = connection.execute(select(customers).where(customers.c.id == loser.id)).one()
        survivor_keys = keys_now(connection, codec, policy, survivor)
        loser_keys = keys_now(connection, codec, policy, loser)
        ident.store_keys(connection, survivor.id, survivor_keys)
        ident.store_keys(connection, loser.id, loser_keys)
        ident.decide_pair(
            connection, survivor.id, loser.id, ident.NOT_SAME, now, actor=actor,
            comment=f"unmerged: {why}",
            keys_fingerprint=ident.fingerprint(survivor_keys, loser_keys),
        )  # fmt: skip
        connection.execute(
            update(merges)
            .where(merges.c.id == merge_row.id)
            .values(unmerge_time=now, unmerge_actor=actor)
        )
        fresh = connection.execute(select(merges).where(merges.c.id == merge_row.id)).one()
        result = to_proto(connection, fresh)
        result.moved_records[:] = moved_back
        del result.moved_cross_references[:]
        result.moved_cross_references.extend(xrefs_back)
        _ledger(connection, survivor, loser, ledger.UNMERGE, result, now)
    return result


def _restore(
    connection: Connection, codec: RecordCodec, survivor: Any, item: dict[str, str], now: datetime
) -> None:
    """The survivor's golden record back to its own version of before the merge; fields changed
    since the merge keep their new values."""
    row = connection.execute(
        select(subject_records).where(
            subject_records.c.id == uuid.UUID(item["record"]),
            subject_records.c.customer_id == survivor.id,
        )
    ).first()
    if row is None:  # deleted since
        return
    model = codec.registry.get(row.subject)
    assert model is not None

    def message_of(snapshot: ledger_pb2.RecordSnapshot) -> Message:
        stored = SimpleNamespace(
            id=row.id, customer_id=survivor.id, payload=snapshot.payload,
            sealed=snapshot.sealed or None,
        )  # fmt: skip
        return codec.plaintext(connection, model, stored)

    before = message_of(_snapshot(item["before"]))
    after_snapshot = _snapshot(item["after"])
    if row.version == after_snapshot.version:
        restored = before
    else:
        merged, current = message_of(after_snapshot), codec.plaintext(connection, model, row)
        restored = type(current)()
        restored.CopyFrom(current)
        for field in model.descriptor.fields:
            if getattr(merged, field.name) == getattr(current, field.name):
                restored.ClearField(field.name)
                if _has(before, field):
                    _set(restored, before, field)
    if not same_record(restored, codec.plaintext(connection, model, row)):
        _reseal(connection, codec, survivor, row, restored, now)


def _has(message: Message, field: Any) -> bool:
    if field.label == field.LABEL_REPEATED:
        return len(getattr(message, field.name)) > 0
    if field.type == field.TYPE_MESSAGE:
        return message.HasField(field.name)
    return True


def _set(target: Message, source: Message, field: Any) -> None:
    value = getattr(source, field.name)
    if field.label == field.LABEL_REPEATED:
        getattr(target, field.name).extend(value)
    elif field.type == field.TYPE_MESSAGE:
        getattr(target, field.name).CopyFrom(value)
    else:
        setattr(target, field.name, value)


def _tier_enum(tier: str) -> int:
    """The MatchTier of a merge's tier; UNSPECIFIED for a steward's or a score's."""
    name = f"MATCH_TIER_{tier}"
    return options_pb2.MatchTier.Value(name) if name in options_pb2.MatchTier.keys() else 0  # noqa: SIM118


def _to_proto(
    row: Any,
    survivor_number: str,
    loser_number: str,
    moved: Sequence[str] = (),
    xrefs: Sequence[Any] = (),
    merged: Sequence[str] = (),
) -> pb.Merge:
    result = pb.Merge(
        name=merge_name(row.id),
        survivor=customer_name(survivor_number),
        loser=customer_name(loser_number),
        tier=_tier_enum(row.tier),  # type: ignore[arg-type]
        reason=row.reason,
        actor=row.actor,
        create_time=convert.timestamp(row.create_time),
        moved_records=list(moved),
        moved_cross_references=list(xrefs),
        merged_records=list(merged),
        unmerge_actor=row.unmerge_actor or "",
    )
    if (undone := convert.timestamp(row.unmerge_time)) is not None:
        result.unmerge_time.CopyFrom(undone)
    return result


def to_proto(connection: Connection, row: Any) -> pb.Merge:
    """A `merges` row as a Merge (what moved, by the plan, named under the survivor)."""
    numbers: dict[uuid.UUID, str] = {
        r.id: r.customer_number
        for r in connection.execute(
            select(customers.c.id, customers.c.customer_number).where(
                customers.c.id.in_([row.survivor_id, row.loser_id])
            )
        )
    }
    survivor, loser = numbers[row.survivor_id], numbers[row.loser_id]
    plan = json.loads(row.plan)
    return _to_proto(
        row, survivor, loser,
        [record_name(survivor, uuid.UUID(r)) for r in plan["moved"]],
        [
            customer_pb2.CrossReference(
                source_system=s, local_id=local, customer=customer_name(survivor)
            )
            for s, local in plan["xrefs"]
        ],
        [record_name(survivor, uuid.UUID(m["record"])) for m in plan["merged"]],
    )  # fmt: skip
