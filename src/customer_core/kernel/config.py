"""Settings, from `CUSTOMER_CORE_*` environment variables; every one has a working default."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from customer_core.kernel.matching.policy import tiers_of


class Settings(BaseSettings):
    """Configuration of a customer-core server.

    Attributes:
        database_url: `sqlite:///path` (default), `postgresql+psycopg://...` or
            `cockroachdb+psycopg://...`.
        host: interface the gRPC server listens on.
        port: its port (0 picks a free one).
        plugins: comma-separated names of the subject-model plugins to load; empty loads all installed.
        processes: server processes sharing the port, each a whole kernel (Python runs one
            thread of Python at a time per process); 0: one per CPU the server may use.
        max_workers: threads serving RPCs in each process.
        db_pool_size: database connections kept open.
        health_check_interval: seconds between database reachability checks for gRPC health.
        environment: `development` (TLS optional, a development admin token printed at start-up)
            or `production` (refuses to start without TLS and client-certificate verification).
        master_key_file: the embedded default's master key file (created owner-only on first run);
            ignored when `CUSTOMER_CORE_MASTER_KEY` gives the keys.
        key_cache_ttl: seconds unwrapped keys stay cached.
        tls_cert_file: the server certificate (PEM); with `tls_key_file`, turns TLS on.
        tls_key_file: the server's private key (PEM).
        tls_client_ca_file: CA certificates (PEM) client certificates must chain to (mTLS).
        encryption: encrypt sensitive fields; `false` is for benchmarks only and refused in production.
        quality_rules: run the plugins' data-quality hooks (corrections, completions, checks);
            `false` (the field rules of the contract still hold) is for measuring what the
            engine costs, and refused in production.
        audit_flush_interval: seconds between flushes of queued audit records.
        health_port: a second, plaintext port serving only gRPC health checking (for
            orchestrators' probes when the main port requires mTLS); 0: none.
        ledger_seal_interval: seconds between the ledger sealer's rounds (a block at most this
            often, unless more than `ledger_block_size` entries are waiting).
        ledger_block_size: most ledger entries sealed into one block.
        ledger_lease_ttl: seconds the sealer lease lasts unrenewed: how soon another replica takes
            over sealing from one that died.
        ledger_verify_concurrency: `VerifyLedger` calls each process runs at once; more are
            answered RESOURCE_EXHAUSTED (reason `VERIFICATION_BUSY`) at once.
        ledger_verify_max_blocks: most blocks one `VerifyLedger` call checks (a request's
            `max_blocks` may ask for fewer); the caller continues from `next_block`.
        ledger_verify_max_entries: most entries one `VerifyLedger` call checks (a first block
            with more is checked alone).
        ledger_digest_retention_days: days each sealed block's digest (its head, written to the
            object store) is kept under object lock where the store enforces it; 0: no lock.
        token_revocation_interval: seconds between each process's reads of the revoked tokens:
            a revocation, through the RPC or the CLI, applies everywhere within it (plus a read).
        job_lease_ttl: seconds a job run's claim lasts without a heartbeat (its holder renews
            it every third of that): how soon another process carries on with the jobs (key
            rotations) of one that died.
        job_poll_interval: seconds between each process's looks for runnable jobs (a job
            requested of a process starts there at once).
        verify_identity_per_caller: `VerifyIdentity` calls one caller may make a minute (per
            process); more are RESOURCE_EXHAUSTED (`VERIFICATION_RATE_LIMITED`).
        verify_identity_per_customer: `VerifyIdentity` calls about one customer a minute, whoever
            makes them (per process), so a customer's ID number cannot be guessed by trying.
        match_auto_merge_tiers: the precision tiers whose matches merge without a steward,
            comma-separated (`highest`, the bank's rule; empty: none); the others are listed.
        match_policy_file: a JSON file replacing the bank's table of precision tiers (see
            `kernel.matching.policy`); empty: the bank's table.
        match_source_priority: source systems a merge trusts most, most trusted first,
            comma-separated: the survivor is the customer linked to the most trusted one.
        match_auto_merge_score: the probability from which the end-of-day consolidation merges
            a scored pair no guard forbids (0: never; the bank's policy merges only by tier).
        objects_store: where documents, backups and ledger digests are kept: `local` (a
            directory, the embedded default) or `s3` (any S3-compatible store: MinIO, SeaweedFS).
        objects_dir: the `local` store's directory.
        objects_endpoint: the S3 store's `host:port`.
        objects_bucket: its bucket (created, with object lock, when missing).
        objects_access_key: its access key.
        objects_secret_key: its secret key.
        objects_tls: reach the S3 store over HTTPS.
        objects_ca_file: CA certificates (PEM) the S3 store's certificate must chain to; empty:
            the system's.
        objects_region: the bucket's region; empty: the store's default.
        document_max_bytes: the largest document accepted, in bytes.
        document_content_types: the content types a document may have, comma-separated.
        document_part_size: bytes per stored part of a document (each encrypted on its own;
            an interrupted upload re-sends at most one).
        document_retention_days: days a document is kept from its upload before it may be
            deleted, unless its upload asks for longer.
        document_upload_expiry_hours: hours an unfinished upload may rest before it is
            abandoned: its parts and row removed (every replica sweeps hourly); 0 never.
        backup_keep_last: backups retention keeps whatever their age (the newest).
        backup_keep_days: days retention keeps every backup; older ones beyond the newest
            `backup_keep_last` are removed by `backup create` (and `backup prune`).
        backup_chunk_size: bytes of rows (before compression) per stored chunk of a backup.
    """

    model_config = SettingsConfigDict(env_prefix="CUSTOMER_CORE_", extra="ignore")

    database_url: str = "sqlite:///var/customer-core.db"
    host: str = "127.0.0.1"
    port: int = Field(default=50051, ge=0, le=65535)
    plugins: str = ""
    processes: int = Field(default=1, ge=0)
    max_workers: int = Field(default=16, ge=1)
    db_pool_size: int = Field(default=16, ge=1)
    health_check_interval: float = Field(default=5.0, gt=0)
    environment: Literal["development", "production"] = "development"
    master_key_file: str = "var/master.key"
    key_cache_ttl: float = Field(default=300.0, gt=0)
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_client_ca_file: str = ""
    encryption: bool = True
    quality_rules: bool = True
    audit_flush_interval: float = Field(default=0.2, gt=0)
    health_port: int = Field(default=0, ge=0, le=65535)
    ledger_seal_interval: float = Field(default=1.0, gt=0)
    ledger_block_size: int = Field(default=1000, ge=1)
    ledger_lease_ttl: float = Field(default=10.0, gt=0)
    ledger_verify_concurrency: int = Field(default=2, ge=1)
    ledger_verify_max_blocks: int = Field(default=20, ge=1)
    ledger_verify_max_entries: int = Field(default=5000, ge=1)
    ledger_digest_retention_days: int = Field(default=3650, ge=0)
    token_revocation_interval: float = Field(default=1.0, gt=0, le=60)
    job_lease_ttl: float = Field(default=10.0, gt=0)
    job_poll_interval: float = Field(default=2.0, gt=0)
    verify_identity_per_caller: int = Field(default=60, ge=1)
    verify_identity_per_customer: int = Field(default=5, ge=1)
    match_auto_merge_tiers: str = "highest"
    match_policy_file: str = ""
    match_source_priority: str = "CORE"
    match_auto_merge_score: float = Field(default=0.0, ge=0.0, lt=1.0)
    objects_store: Literal["local", "s3"] = "local"
    objects_dir: str = "var/objects"
    objects_endpoint: str = ""
    objects_bucket: str = "customer-core"
    objects_access_key: str = ""
    objects_secret_key: str = ""
    objects_tls: bool = True
    objects_ca_file: str = ""
    objects_region: str = ""
    document_max_bytes: int = Field(default=512 * 1024 * 1024, ge=0)
    document_content_types: str = "application/pdf,image/jpeg,image/png,image/tiff,image/webp"
    document_part_size: int = Field(default=4 * 1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    document_retention_days: int = Field(default=3650, ge=0)
    document_upload_expiry_hours: int = Field(default=72, ge=0)
    backup_keep_last: int = Field(default=7, ge=1)
    backup_keep_days: int = Field(default=30, ge=0)
    backup_chunk_size: int = Field(default=4 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)

    @field_validator("match_auto_merge_tiers")
    @classmethod
    def _tiers(cls, value: str) -> str:
        tiers_of(value)
        return value

    @model_validator(mode="after")
    def _store(self) -> Settings:
        if self.objects_store == "s3" and not (self.objects_endpoint and self.objects_bucket):
            raise ValueError(
                "objects_store=s3 needs CUSTOMER_CORE_OBJECTS_ENDPOINT and CUSTOMER_CORE_OBJECTS_BUCKET"
            )
        return self

    def check_production(self) -> list[str]:
        """Why these settings may not serve in production ([] when they may)."""
        if self.environment != "production":
            return []
        problems = []
        if not (self.tls_cert_file and self.tls_key_file):
            problems.append(
                "TLS is off: set CUSTOMER_CORE_TLS_CERT_FILE and CUSTOMER_CORE_TLS_KEY_FILE"
            )
        if not self.tls_client_ca_file:
            problems.append(
                "client certificates are not verified: set CUSTOMER_CORE_TLS_CLIENT_CA_FILE"
            )
        if not self.encryption:
            problems.append("encryption of sensitive fields is off")
        if not self.quality_rules:
            problems.append("the data-quality rules are off")
        if self.database_url.startswith("sqlite"):
            problems.append("SQLite is the embedded default, not a production database")
        if self.objects_store == "s3" and not self.objects_tls:
            problems.append(
                "the object store is reached without TLS: set CUSTOMER_CORE_OBJECTS_TLS"
            )
        return problems

    def allowed_content_types(self) -> frozenset[str]:
        """The content types a document may have."""
        return frozenset(
            t.strip().lower() for t in self.document_content_types.split(",") if t.strip()
        )

    def enabled_plugins(self) -> list[str] | None:
        """The plugin names to load, or None for all installed."""
        names = [n.strip() for n in self.plugins.split(",") if n.strip()]
        return names or None
