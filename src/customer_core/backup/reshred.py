"""Crypto-shredding survives a restore: erasures made after the backup are made again.

A backup taken before a customer's erasure holds its data keys. Two records outside the database
say it was erased: the master key provider's list and the object store's shred list
(`shredded/{customer_id}`, written by the erasure itself). After a restore the kernel is opened on
the restored database — which shreds again those the provider remembers — and the customers of
the shred list are shredded too (and recorded with the provider), before anything serves it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.kernel.erasure import reapply_erasures, shred_list
from customer_core.ledger.recorder import Provenance
from customer_core.objects import ObjectStore


def reshred(settings: Settings, store: ObjectStore) -> int:
    """Shreds again, in the database of `settings`, every customer of the shred list and of the
    master key provider's erasures; how many the shred list had."""
    listed = shred_list(store)
    kernel = Kernel.open(settings)  # opening re-applies the provider's erasures
    try:
        master = kernel.keyring.master
        for customer_id in sorted(listed - master.erased()):
            master.record_erasure(customer_id)
        kernel.run(
            lambda c: reapply_erasures(c, kernel.codec, datetime.now(UTC), also=listed),
            actor=Provenance("customer-core", "backup restore: erasures re-applied"),
        )
    finally:
        kernel.close()
    return len(listed)
