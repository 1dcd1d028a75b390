"""The kernel's tables (SQLAlchemy Core). Plugins add none: their records live in `subject_records`.

Keys are UUIDs so no table has a hot, ever-increasing key (CockroachDB spreads them over ranges).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from customer_core.storage.types import DeflatedBytes, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = Table(
    "customers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_number", String(18), nullable=False, unique=True),
    Column("type", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("owning_org_unit", String(64), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("merged_into_id", Uuid, ForeignKey("customers.id"), nullable=True),
    Column("close_reason", String(500), nullable=True),
    Column("version", Integer, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
    Column("close_time", UTCDateTime, nullable=True),
    Column("erase_time", UTCDateTime, nullable=True),
    Index(None, "owning_org_unit", "customer_number"),
    Index(None, "status", "customer_number"),
)

cross_references = Table(
    "cross_references",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("source_system", String(32), nullable=False),
    Column("local_id", String(128), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    UniqueConstraint("source_system", "local_id"),
    Index(None, "customer_id"),
)

subject_records = Table(
    "subject_records",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("type_url", String(256), nullable=False),
    Column("schema_version", Integer, nullable=False),
    # The plugin message, serialized deterministically, sensitive fields replaced by their masks.
    Column("payload", LargeBinary, nullable=False),
    # The sensitive fields' SM4-GCM ciphertexts (customer_core.crypto.sealing), or NULL.
    Column("sealed", LargeBinary, nullable=True),
    Column("source_system", String(32), nullable=True),
    Column("version", Integer, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
    Index(None, "customer_id", "subject", "create_time"),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("method", String(128), nullable=False),
    # SHA-256 of the request without its request_id: a reused id with another body is refused.
    Column("fingerprint", String(64), nullable=False),
    Column("response", LargeBinary, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Index(None, "create_time"),
)

# Idempotency at the grain of a batch: each line of a load (BatchCreateCustomers' `load_id`) that
# was applied or rejected, with the SM3 checksum of its request, so a load run again writes nothing
# twice and says what became of every line.
load_journal = Table(
    "load_journal",
    metadata,
    Column("load_id", String(128), primary_key=True),
    Column("line", BigInteger, primary_key=True),
    Column("checksum", LargeBinary, nullable=False),
    # APPLIED or REJECTED
    Column("outcome", String(16), nullable=False),
    # APPLIED: the customer the line created.
    Column("customer_id", Uuid, nullable=True),
    # REJECTED: the status code name, reason, message and field violations (JSON) it was given.
    Column("code", String(32), nullable=True),
    Column("reason", String(64), nullable=True),
    Column("message", Text, nullable=True),
    Column("violations", Text, nullable=True),
    Column("create_time", UTCDateTime, nullable=False),
)

subject_model_schemas = Table(
    "subject_model_schemas",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("message_type", String(256), nullable=False),
    Column("schema_version", Integer, nullable=False),
    # JSON: field path -> {number, type, repeated}; what stored records were written with.
    Column("fields", Text, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
)

key_encryption_keys = Table(
    "key_encryption_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("domain", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("master_version", Integer, nullable=False),
    # The KEK, SM4-GCM-encrypted under the master key (nonce || ciphertext || tag).
    Column("wrapped", LargeBinary, nullable=False),
    # active | decrypt-only | retired
    Column("status", String(16), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    UniqueConstraint("domain", "version"),
)

data_keys = Table(
    "data_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    # What the key protects: `customer/{customer_id}/{subject}`, or a kernel-wide purpose.
    Column("scope", String(160), nullable=False),
    Column("customer_id", Uuid, nullable=True),
    Column("version", Integer, nullable=False),
    Column("kek_domain", String(64), nullable=False),
    Column("kek_version", Integer, nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    UniqueConstraint("scope", "version"),
    Index(None, "customer_id"),
    Index(None, "kek_domain", "kek_version"),
)

# Key rotations before revision 0006, which copied its rows into `jobs` (type `key-rotation`):
# nothing reads or writes it since. Kept because migrations are additive (an older release may
# still run on this schema).
key_rotations = Table(
    "key_rotations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("level", String(16), nullable=False),
    Column("target", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("done", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("new_version", Integer, nullable=False),
    # Where a resumed rotation carries on: the last data-key scope finished.
    Column("cursor", String(160), nullable=False),
    Column("error", Text, nullable=True),
    Column("start_time", UTCDateTime, nullable=False),
    Column("end_time", UTCDateTime, nullable=True),
)

blind_indexes = Table(
    "blind_indexes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("subject", String(64), nullable=False),
    Column("field_path", String(128), nullable=False),
    # HMAC-SM3 of the normalized value under the blind-index key, hex.
    Column("digest", String(64), nullable=False),
    Index(None, "subject", "field_path", "digest"),
    Index(None, "record_id"),
)

# Identification (kernel.matching): each customer's match keys, one per precision-tier rule and
# combination of values, as HMAC-SM3 under the blind-index key of the normalized values (nothing
# of a match key is kept in clear, nothing reversible). Equality of two digests is equality of the
# tier's values; a create or a match-key update looks its digests up in the same transaction.
match_keys = Table(
    "match_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    # HIGHEST, HIGH, MEDIUM or LOW
    Column("tier", String(16), nullable=False),
    # The policy rule that made it, e.g. `id_type+id_number+name`.
    Column("rule", String(128), nullable=False),
    Column("digest", String(64), nullable=False),
    Index(None, "digest"),
    Index(None, "customer_id"),
)

# Merges of one customer (the loser) into another (the survivor), and their undoing: what the merge
# moved and the survivor's records as they were before it (a serialized MergePlan, stored forms:
# sensitive values stay ciphertext), so an unmerge restores them exactly. The ledger operation id
# ties the row to the entries the merge appended to both chains.
merges = Table(
    "merges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("survivor_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("loser_id", Uuid, ForeignKey("customers.id"), nullable=False),
    # The tier that decided it (MANUAL for a steward's merge of a listed pair).
    Column("tier", String(16), nullable=False),
    Column("operation", String(36), nullable=False),
    Column("plan", LargeBinary, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Column("unmerge_time", UTCDateTime, nullable=True),
    Column("unmerge_actor", String(128), nullable=True),
    Index(None, "survivor_id"),
    Index(None, "loser_id"),
)

# The similar-customer list: pairs of customers that may be the same, for data stewards. One row
# per pair (customer_a < customer_b by id); a pair marked NOT_SAME is not proposed again while
# neither customer's match keys change (`keys_fingerprint`).
match_candidates = Table(
    "match_candidates",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_a", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("customer_b", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("score", Float, nullable=False),
    # Comma-separated attribute names that agreed, and that differed.
    Column("agreed", Text, nullable=False),
    Column("differed", Text, nullable=False),
    # OPEN, MERGED, NOT_SAME
    Column("status", String(16), nullable=False),
    # REAL_TIME or END_OF_DAY
    Column("origin", String(16), nullable=False),
    # SM3 of both customers' match-key digests when the pair was decided.
    Column("keys_fingerprint", String(64), nullable=False, server_default=""),
    Column("actor", String(128), nullable=False, server_default=""),
    Column("comment", Text, nullable=False, server_default=""),
    Column("create_time", UTCDateTime, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
    UniqueConstraint("customer_a", "customer_b"),
    Index(None, "status", "tier", "create_time"),
    Index(None, "customer_b"),
)

# Relationships the end-of-day job suggests (kernel.matching.relationships): a possible family
# link between individuals, or an organization's representative or executive who is also an
# individual customer. A steward confirms one (a `relationship` record on `owner_id` naming
# `counterparty_id` is written, and `record_id` kept as its origin) or rejects it (never proposed
# again). One row per owner, counterparty and kind.
relationship_proposals = Table(
    "relationship_proposals",
    metadata,
    Column("id", Uuid, primary_key=True),
    # The customer whose `relationship` record it would be, and the customer it would name.
    Column("owner_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("counterparty_id", Uuid, ForeignKey("customers.id"), nullable=False),
    # The relationship model's kind, e.g. RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER.
    Column("kind", String(64), nullable=False),
    # An executive's title, as the organization's record of the outside party gave it.
    Column("title", String(100), nullable=False, server_default=""),
    # Comma-separated attributes the proposal rests on, e.g. `address,surname`.
    Column("evidence", Text, nullable=False),
    # OPEN, CONFIRMED, REJECTED
    Column("status", String(16), nullable=False),
    Column("record_id", Uuid, nullable=True),
    Column("actor", String(128), nullable=False, server_default=""),
    Column("comment", Text, nullable=False, server_default=""),
    Column("create_time", UTCDateTime, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
    UniqueConstraint("owner_id", "counterparty_id", "kind"),
    Index(None, "status", "create_time"),
    Index(None, "counterparty_id"),
)

# The reverse-reference index: each `customer_ref` value of each record, so that the customer it
# names sees the link too (kernel.references). Written, replaced and deleted with the record in
# the same transaction; no foreign key to the record (records are deleted, the index row with it).
record_references = Table(
    "record_references",
    metadata,
    Column("id", Uuid, primary_key=True),
    # The customer whose record it is (the referring customer).
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("subject", String(64), nullable=False),
    # The field's path in the record, e.g. `counterparty` or `agency_payment.payer`.
    Column("field_path", String(256), nullable=False),
    Column("referenced_customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Index(None, "referenced_customer_id", "create_time"),
    Index(None, "record_id"),
)

# Warnings of the plugins' data-quality rules, kept with the record version that raised them for
# data stewards (kernel.quality); a later write of the record resolves them. Messages are plugins'
# prose with sensitive values masked; no foreign key to the record, so a deleted record's issues
# stay on record.
data_quality_issues = Table(
    "data_quality_issues",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("subject", String(64), nullable=False),
    Column("rule_id", String(64), nullable=False),
    # WARNING, or ERROR (kept only by a legacy load; online an ERROR refuses the write)
    Column("severity", String(16), nullable=False),
    Column("field_path", String(256), nullable=False),
    Column("message", Text, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    # NULL while open.
    Column("resolve_time", UTCDateTime, nullable=True),
    # OPEN; RESOLVED or WAIVED by a steward; SUPERSEDED by a later version of the record.
    Column("status", String(16), nullable=False, server_default="OPEN"),
    Column("source_system", String(64), nullable=False, server_default=""),
    # Who resolved or waived it, and why.
    Column("actor", String(128), nullable=False, server_default=""),
    Column("comment", Text, nullable=False, server_default=""),
    Index(None, "record_id"),
    Index(None, "customer_id"),
    Index(None, "status", "create_time"),
)

data_quality_changes = Table(
    "data_quality_changes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("subject", String(64), nullable=False),
    Column("source_system", String(64), nullable=False),
    Column("rule_id", String(64), nullable=False),
    # CORRECT or COMPLETE
    Column("kind", String(16), nullable=False),
    Column("field_path", String(256), nullable=False),
    # The value as received (a serialized `QualityChange.original`); NULL when there was none.
    Column("original", LargeBinary, nullable=True),
    # `original` is ciphertext under the record's data key (a sensitive field).
    Column("sealed", Boolean, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Index(None, "record_id"),
    Index(None, "customer_id"),
)

role_bindings = Table(
    "role_bindings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("principal", String(128), nullable=False),
    Column("role", String(64), nullable=False),
    Column("org_unit", String(64), nullable=False),
    # Comma-separated subject models; empty: all.
    Column("read_subjects", Text, nullable=False),
    Column("write_subjects", Text, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Index(None, "principal"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("principal", String(128), nullable=False),
    Column("roles", Text, nullable=False),
    Column("issued_by", String(128), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Column("expire_time", UTCDateTime, nullable=False),
    Column("revoke_time", UTCDateTime, nullable=True),
    Column("revoke_reason", Text, nullable=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("time", UTCDateTime, nullable=False),
    Column("principal", String(128), nullable=False),
    Column("method", String(160), nullable=False),
    Column("request_id", String(36), nullable=False),
    Column("customers", Text, nullable=False),
    Column("unmasked_fields", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("outcome", String(32), nullable=False),
    Index(None, "time"),
    Index(None, "principal", "time"),
)

audit_event_customers = Table(
    "audit_event_customers",
    metadata,
    Column("event_id", Uuid, ForeignKey("audit_events.id"), primary_key=True),
    Column("customer_number", String(18), primary_key=True),
    Column("time", UTCDateTime, nullable=False),
    Index(None, "customer_number", "time"),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("chain", String(80), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("time", UTCDateTime, nullable=False),
    Column("customer_id", Uuid, nullable=True),
    Column("source_system", String(32), nullable=False),
    # The LedgerEntry message without offset and hash, serialized deterministically: what is
    # hashed; stored deflated (readers through SQLAlchemy get those bytes back).
    Column("entry", DeflatedBytes, nullable=False),
    Column("prev_hash", LargeBinary, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    UniqueConstraint("chain", "sequence"),
    Index(None, "time"),
)

ledger_offsets = Table(
    "ledger_offsets",
    metadata,
    Column("offset", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", Uuid, nullable=False, unique=True),
    Column("block_height", BigInteger, nullable=False),
)

ledger_blocks = Table(
    "ledger_blocks",
    metadata,
    Column("height", BigInteger, primary_key=True, autoincrement=False),
    Column("first_offset", BigInteger, nullable=False),
    Column("last_offset", BigInteger, nullable=False),
    Column("merkle_root", LargeBinary, nullable=False),
    Column("prev_hash", LargeBinary, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    # SM2 signature of `hash` by the sealer, and the public key that verifies it.
    Column("signature", LargeBinary, nullable=False),
    Column("public_key", String(130), nullable=False),
    # The lease's fencing token the sealer held: strictly increasing across sealers.
    Column("fencing_token", BigInteger, nullable=False),
    Column("sealed_at", UTCDateTime, nullable=False),
    # SM2 signature of `0x04 || hash || fencing_token` in the first block of a sealer's term, empty
    # in its later blocks (same token), NULL in blocks sealed before revision 0005 (ledger.blocks).
    # The database refuses a new block without it (a CHECK ... NOT VALID; on SQLite a trigger).
    Column("token_signature", LargeBinary, nullable=True),
)

ledger_signing_keys = Table(
    "ledger_signing_keys",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    # SM2 public key, 128 hex digits (x || y): what block signatures are checked against.
    Column("public_key", String(130), nullable=False, unique=True),
    # The data key (kernel-wide scope `ledger-signing`) that encrypts the private key.
    Column("data_key_id", Uuid, nullable=False),
    # The private key's hex, SM4-GCM-encrypted under that data key (nonce || ciphertext || tag).
    Column("wrapped", LargeBinary, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    # SM2 signature by this very key of all the columns above (ledger.signing.key_message); NULL
    # in rows written before revision 0005 until the sealer signs them (the one update allowed).
    Column("signature", LargeBinary, nullable=True),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("token", BigInteger, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

# Runs of long work (coordination.jobs): key rotations, later backups and batch loads.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("type", String(64), nullable=False),
    # What the run was asked to do (JSON), as its job type reads it.
    Column("params", Text, nullable=False),
    # Runs of one key are one at a time (e.g. one rotation of a level and target): `active_key`
    # is the key while the run is queued or running, NULL once it has ended.
    Column("key", String(200), nullable=True),
    Column("active_key", String(200), nullable=True, unique=True),
    # queued | running | succeeded | failed | cancelled
    Column("state", String(16), nullable=False),
    # The replica running it, its fencing token (one more at every claim) and how long its claim
    # lasts without a heartbeat: a running run past `expires_at` is claimed by another replica.
    Column("holder", String(128), nullable=True),
    Column("token", BigInteger, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    # Where a claimed run carries on (JSON, opaque to all but its job type); written fenced.
    Column("checkpoint", Text, nullable=True),
    Column("done", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("error", Text, nullable=True),
    Column("created_by", String(128), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Column("start_time", UTCDateTime, nullable=True),
    Column("update_time", UTCDateTime, nullable=False),
    Column("end_time", UTCDateTime, nullable=True),
    Index(None, "state", "type"),
)

# Customer documents (kernel.documents): the metadata of each; the content is in the object store,
# in parts `documents/{customer_id}/{id}/{part:06d}`, each SM4-GCM under `key_id`.
documents = Table(
    "documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    # The subject record it belongs to, if any (no foreign key: the record may be deleted).
    Column("record_id", Uuid, nullable=True),
    # The client's id of the upload, the same when it resumes.
    Column("upload_id", Uuid, nullable=False),
    Column("kind", String(64), nullable=False, server_default=""),
    Column("display_name", String(255), nullable=False, server_default=""),
    Column("content_type", String(100), nullable=False),
    # Bytes and parts stored so far (all of them once COMPLETE).
    Column("size_bytes", BigInteger, nullable=False),
    Column("parts", Integer, nullable=False),
    Column("part_size", Integer, nullable=False),
    # SM3 over the plaintext, hex; set when the upload completes.
    Column("sm3", String(64), nullable=True),
    Column("key_id", Uuid, nullable=False),
    # UPLOADING | COMPLETE
    Column("status", String(16), nullable=False),
    Column("retain_until", UTCDateTime, nullable=False),
    Column("uploaded_by", String(128), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
    UniqueConstraint("customer_id", "upload_id"),
    Index(None, "customer_id", "status", "create_time"),
    Index(None, "status", "update_time"),  # abandoned uploads
)
