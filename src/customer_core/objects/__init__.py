"""Object storage: one interface (`ObjectStore`), an S3 adapter on the `minio` client and a local
directory (the embedded default). Documents, backups and ledger digests are kept through it.

The layer knows keys and bytes only; what an object means, and its encryption, are the callers'.
"""

from customer_core.objects.open import open_store
from customer_core.objects.store import (
    ObjectLocked,
    ObjectMissing,
    ObjectStore,
    StoreUnavailable,
)

__all__ = ["ObjectLocked", "ObjectMissing", "ObjectStore", "StoreUnavailable", "open_store"]
