"""Caps glibc's malloc arenas for the server process.

glibc gives each thread that allocates concurrently an arena of its own (up to 8 per core) and
never hands memory freed in one arena to another: a server whose RPC threads each stream a
document (parts of megabytes) ends up holding a part-sized working set per thread that ever
served one. Capping the arenas (`M_ARENA_MAX`, what `MALLOC_ARENA_MAX` sets) makes the threads
reuse freed memory, so a server's memory stays bounded whatever it streams. Not glibc (musl,
macOS): nothing to do.

Large blocks are also always mapped on their own (`M_MMAP_THRESHOLD` fixed at 1 MiB): by default
glibc raises that threshold each time a mapped block is freed, after which part-sized buffers
come from the heap, where freed ones fragment it and the peak grows with the threads passing
parts to each other (documents are pipelined: one part stored or read ahead while the next is
received or sent). A fixed threshold returns every such buffer to the system when freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

#: mallopt's parameter number of the arena cap (glibc's malloc.h).
M_ARENA_MAX = -8
#: Arenas the process may use.
ARENAS = 2
#: mallopt's parameter number of the mmap threshold, and the threshold (blocks this large or
#: larger are mapped on their own).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1024 * 1024


def cap_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Limits glibc malloc to `arenas` arenas from now on, and maps large blocks on their own;
    whether it could cap the arenas."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    ok = bool(mallopt(M_ARENA_MAX, arenas))
    if not ok:
        log.debug("mallopt(M_ARENA_MAX) refused")
    if not mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD):
        log.debug("mallopt(M_MMAP_THRESHOLD) refused")
    return ok
