"""The append-only change ledger: per-customer SM3 hash chains, sealed signed blocks, verification."""
