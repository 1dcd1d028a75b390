"""Coordination among replicas: leases, background loops and jobs, below every other package.

- `lease`: a named lease with a fencing token (one holder at a time among the replicas).
- `background`: the loops every background thread of a kernel runs: `Periodic` (every replica)
  and `LeaseRole` (one replica at a time, through a lease).
- `jobs`: runs of long work (key rotations, later backups and batch loads) in the `jobs` table:
  claimed by one replica at a time, fenced, checkpointed, picked up from the checkpoint when
  their holder dies, with progress any caller can read.

It depends on `storage` only, so the ledger, the kernel and batch work all build on it.
"""

from __future__ import annotations

import os
import socket
import uuid


def replica_id() -> str:
    """An identity for this process's kernel in leases and job claims: host, pid and a random tag
    (two kernels in one process, as in tests, differ by the tag)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
