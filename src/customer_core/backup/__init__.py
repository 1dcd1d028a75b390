"""Backups through the object store, and restores from them (`customer-core backup ...`).

A backup is a consistent snapshot of every kernel table, taken in one read transaction while the
server serves writes, streamed to the object store under `backups/{id}/` as compressed,
SM4-GCM-encrypted chunks with a manifest (`manifest.json`) that names the schema revision, each
table's and chunk's row count and SM3 checksum, the key versions, the ledger head and the time,
and carries an HMAC-SM3 under the backup's key. The backup key is a data key of its own, wrapped
under the `backups` KEK, which is kept in the manifest wrapped under the master key: a restore
needs only the master key, never the lost database.

Nothing imports this package but the command line.
"""
