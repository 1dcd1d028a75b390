"""Identification on every write: a create, and every write of a record a match key is made of.

`create_customer` is CreateCustomer with identification: the request's match keys are worked out
from its records (in clear, before they are sealed) and looked up in the write's transaction. A
customer met at an automatic-merge tier is the answer (`identified`): the new customer is written
and merged into it at once, so its cross-references link to the existing customer and its records
join it by the survivorship rules (and the steward can undo it like any merge); with
IDENTIFIED_ACTION_ALREADY_EXISTS the request is refused instead. Customers met at the other tiers
go on the similar-customer list with the new one.

`record_written` runs after a record write of one of the policy's subject models: the customer's
keys are worked out afresh from its records and, if they changed, looked up, merged and listed
the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from customer_core.authz.context import current
from customer_core.errors import AlreadyExists
from customer_core.kernel import cross_references as xref_ops
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import onboarding, references
from customer_core.kernel.matching import identify as ident
from customer_core.kernel.matching import keys as key_ops
from customer_core.kernel.matching import merging
from customer_core.kernel.matching.policy import Policy, tier_rank
from customer_core.kernel.names import customer_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.storage.tables import customers, subject_records
from customer_core.v1 import customer_pb2, customer_service_pb2

REAL_TIME = "REAL_TIME"


def _actor() -> str:
    return current().principal.name


class Identification:
    """Identification as a deployment's policy defines it."""

    def __init__(
        self,
        codec: RecordCodec,
        policy: Policy,
        lookup: ident.Lookup,
        committed_read: Callable[[Callable[[Connection], Any]], Any] | None = None,
    ) -> None:
        """`lookup` reads match keys as committed, outside the write's transaction;
        `committed_read` runs a read of its own (`Kernel.read`)."""
        self.codec = codec
        self.policy = key_ops.restrict(policy, codec.registry)
        self.lookup = lookup
        self.committed_read = committed_read

    def create_customer(
        self,
        connection: Connection,
        request: customer_service_pb2.CreateCustomerRequest,
        now: datetime,
        lookup: onboarding.Lookup,
    ) -> customer_pb2.Customer:
        """CreateCustomer, identified (see the module docstring)."""
        item = onboarding.check(self.codec, request)
        existing = onboarding.taken(lookup, [item])
        for pair in item.pairs():
            if pair in existing:
                raise xref_ops.owned_elsewhere(*pair)
        kind = customer_ops.type_name(request.customer)
        keys = key_ops.keys_of(
            self.policy, self.codec.cipher, kind,
            [(p.model.name, p.message) for p in item.records],
        )  # fmt: skip
        probe = SimpleNamespace(id=uuid.uuid4(), type=kind)
        found = ident.identify(connection, self.policy, probe, keys, self.lookup, new=True)
        target = self._first(connection, found.merge)
        if (
            target is not None
            and request.if_identified == customer_service_pb2.IDENTIFIED_ACTION_ALREADY_EXISTS
        ):
            raise AlreadyExists(
                customer_ops.RESOURCE_TYPE,
                customer_name(target[0].customer_number),
                f"the bank already has this customer: {target[0].customer_number} "
                f"(identified at the {target[1].lower()} tier)",
                reason="CUSTOMER_IDENTIFIED",
            )
        ids, (problems,) = onboarding.referenced(connection, [item])
        if problems:
            raise references.refused(problems)
        row = onboarding.write(connection, self.codec, [item], now, ids)[0]
        ident.store_keys(connection, row.id, keys, new=True)
        if found.listed:
            ident.list_pairs(connection, row, found.listed, now, REAL_TIME)
        if target is None:
            return customer_ops.to_proto(connection, row)
        survivor, tier = target
        merging.merge(
            connection, self.codec, self.policy, survivor, row, now, tier=tier,
            why=f"identified on create at the {tier.lower()} tier", actor=_actor(),
        )  # fmt: skip
        fresh = connection.execute(select(customers).where(customers.c.id == survivor.id)).one()
        answer = customer_ops.to_proto(connection, fresh)
        answer.identified = True
        current().customers.add(fresh.customer_number)
        return answer

    def batch_written(
        self,
        connection: Connection,
        items: Sequence[onboarding.Checked],
        rows: Sequence[Any],
        now: datetime,
    ) -> None:
        """After BatchCreateCustomers wrote `rows`: their match keys stored, and the customers
        they meet, in the base or in the batch, at any tier, put on the similar-customer list
        (a batch answers each line with the customer it created; it merges nothing)."""
        for item, row in zip(items, rows, strict=True):
            keys = key_ops.keys_of(
                self.policy, self.codec.cipher, row.type,
                [(p.model.name, p.message) for p in item.records],
            )  # fmt: skip
            found = ident.identify(connection, self.policy, row, keys, self.lookup, new=True)
            listed = dict(found.listed)
            listed.update({other.id: (other, tier) for other, tier in found.merge})
            ident.store_keys(connection, row.id, keys, new=True)
            if listed:
                ident.list_pairs(connection, row, listed, now, REAL_TIME)

    def _first(self, connection: Connection, met: list[tuple[Any, str]]) -> tuple[Any, str] | None:
        """Of the customers met at an automatic tier, the one to answer with: the most precise
        tier, then the survivor rule."""
        if not met:
            return None
        best = min(tier_rank(t) for _, t in met)
        rows = [r for r, t in met if tier_rank(t) == best]
        while len(rows) > 1:
            keep, _ = merging.choose_survivor(connection, self.policy, rows[0], rows[1])
            rows = [keep, *rows[2:]]
        return rows[0], next(t for r, t in met if r.id == rows[0].id)

    def record_written(
        self,
        connection: Connection,
        customer_number: str,
        now: datetime,
        record_id: uuid.UUID | None = None,
    ) -> None:
        """After a write of a customer's record `record_id`: its keys afresh, and what they meet.

        The written record is read in the write's transaction; the customer's other records as
        committed, in a read of their own when `committed_read` was given (so a key rotation
        re-encrypting them meanwhile does not fail this write's SERIALIZABLE transaction; a
        concurrent change of another record is caught by its own write, or by the end-of-day run).
        """
        customer = connection.execute(
            select(customers).where(customers.c.customer_number == customer_number)
        ).first()
        if customer is None or customer.status != "ACTIVE":
            return
        subjects = self.policy.subjects()
        customer_id = customer.id

        def others(c: Connection) -> list[tuple[str, Any]]:
            rows = [
                r
                for r in merging.records_of(c, customer_id, subjects)
                if record_id is None or r.id != record_id
            ]
            return merging.plain_records(c, self.codec, rows, subjects)

        if record_id is None or self.committed_read is None:
            plain = merging.plain_records(
                connection, self.codec, merging.records_of(connection, customer.id, subjects),
                subjects,
            )  # fmt: skip
        else:
            written = connection.execute(
                select(subject_records).where(subject_records.c.id == record_id)
            ).first()
            plain = self.committed_read(others) + merging.plain_records(
                connection, self.codec, [written] if written is not None else [], subjects
            )
        keys = key_ops.keys_of(self.policy, self.codec.cipher, customer.type, plain)
        stored = {k.digest for k in ident.stored_keys(connection, customer.id)}
        if {k.digest for k in keys} == stored:
            return
        ident.store_keys(connection, customer.id, keys)
        # Only the keys it did not have can meet anyone new: what the others met is listed.
        fresh = [k for k in keys if k.digest not in stored]
        found = ident.identify(connection, self.policy, customer, fresh, self.lookup, current=keys)
        for other, tier in sorted(found.merge, key=lambda m: tier_rank(m[1])):
            survivor, loser = merging.choose_survivor(connection, self.policy, customer, other)
            merging.merge(
                connection, self.codec, self.policy, survivor, loser, now, tier=tier,
                why=f"identified on a match-key change at the {tier.lower()} tier",
                actor=_actor(),
            )  # fmt: skip
            customer = connection.execute(
                select(customers).where(customers.c.id == survivor.id)
            ).one()
        if found.listed and customer.status == "ACTIVE":
            ident.list_pairs(connection, customer, found.listed, now, REAL_TIME)

    def merges_on(self, paths: set[str]) -> bool:
        """True when a rule of an automatic-merge tier reads one of these field paths (of any
        subject model: a path two models share counts for both, which errs on the safe side)."""
        return any(
            rule.tier in self.policy.auto_merge
            and any(paths & set(fields) for fields in rule.subjects().values())
            for rule in self.policy.rules
        )

    def touches(self, subject: str) -> bool:
        """True when a record of `subject` may make a match key."""
        return subject in self.policy.subjects()

    def record_values(self, connection: Connection, record_id: uuid.UUID) -> frozenset[str]:
        """What of a stored record the policy's rules read (nothing, for a record of another
        model or none at all): a write that leaves it unchanged changes no match key."""
        row = connection.execute(
            select(subject_records).where(subject_records.c.id == record_id)
        ).first()
        if row is None or not self.touches(row.subject):
            return frozenset()
        model = self.codec.registry.get(row.subject)
        if model is None:
            return frozenset()
        message = self.codec.plaintext(connection, model, row)
        if not key_ops.usable(self.policy, row.subject, message):
            return frozenset()
        paths = {
            path for rule in self.policy.rules for path in rule.subjects().get(row.subject, ())
        }
        return frozenset(
            f"{path}={key_ops.fold(v)}" for path in paths for v in key_ops.values_at(message, path)
        )
