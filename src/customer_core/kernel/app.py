"""The kernel: one object wiring storage, plugins, keys, authorization and the write path.

Every write goes through `Kernel.write`, which checks the request id, runs the unit of work in one
retried SERIALIZABLE transaction and records the answer for replays; every read goes through
`Kernel.read`. Servicers call nothing else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy.engine import Connection, Engine

from customer_core.authz import bindings
from customer_core.authz.audit import AuditLog
from customer_core.authz.context import current_or_none
from customer_core.authz.tokens import TokenService
from customer_core.coordination import replica_id
from customer_core.coordination.background import Periodic
from customer_core.coordination.jobs import JobRunner
from customer_core.crypto.keyring import Keyring
from customer_core.crypto.master_key import (
    ENV_VAR,
    EnvMasterKey,
    FileMasterKey,
    LocalMasterKey,
    MasterKeyProvider,
)
from customer_core.errors import Aborted, ConfigurationError, CustomerCoreError
from customer_core.kernel import cross_references as xref_ops
from customer_core.kernel import idempotency
from customer_core.kernel.config import Settings
from customer_core.kernel.documents import sweep_uploads
from customer_core.kernel.erasure import reapply_erasures, record_shredded
from customer_core.kernel.expiry import RecordExpiry
from customer_core.kernel.key_rotation import KeyRotator
from customer_core.kernel.matching import policy as matching_policy
from customer_core.kernel.matching.consolidation import Consolidation
from customer_core.kernel.matching.identify import committed_holders
from customer_core.kernel.matching.realtime import Identification
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.registry import Registry, load_registry
from customer_core.kernel.schema_compat import reconcile_schemas
from customer_core.kernel.sealing import FieldCipher
from customer_core.ledger import recorder as ledger
from customer_core.ledger.recorder import Provenance
from customer_core.ledger.sealer import LedgerSealer
from customer_core.objects import StoreUnavailable, open_store
from customer_core.storage import create_engine, deferred, run_in_transaction
from customer_core.storage.migrate import behind_by
from customer_core.storage.transaction import DEFAULT_POLICY, RetryPolicy
from customer_core.v1.admin_service_pb2 import RoleBinding

M = TypeVar("M", bound=Message)
log = logging.getLogger(__name__)
T = TypeVar("T")
#: Seconds between two sweeps of abandoned document uploads.
UPLOAD_SWEEP_INTERVAL = 3600.0


def master_key_provider(settings: Settings) -> MasterKeyProvider:
    """The master key: from `CUSTOMER_CORE_MASTER_KEY`, else the key file (created on first run)."""
    if os.environ.get(ENV_VAR):
        master: LocalMasterKey = EnvMasterKey(os.environ[ENV_VAR])
    else:
        master = FileMasterKey(Path(settings.master_key_file))
    if settings.environment == "production" and master.has_example_key():
        raise ConfigurationError("refusing an all-zero (example) master key in production")
    return master


def caller_provenance() -> Provenance | None:
    """The provenance of the RPC being served on this thread (None outside one)."""
    ctx = current_or_none()
    if ctx is None:
        return None
    return Provenance(ctx.principal.name, ctx.method, ctx.source_system, ctx.request_id)


def _attributed(
    work: Callable[[Connection], T], actor: Provenance | None
) -> Callable[[Connection], T]:
    """`work`, its ledger entries attributed to `actor`, or else to the RPC's caller.

    Raises:
        LookupError: neither is known (a kernel bug: work outside an RPC must name its actor).
    """
    provenance = actor or caller_provenance()
    if provenance is None:
        raise LookupError("a unit of work outside an RPC must name its actor")

    def unit(connection: Connection) -> T:
        with ledger.attributed(connection, provenance):
            return work(connection)

    return unit


class _AnsweredBefore(Exception):
    """The request id was claimed by an earlier call: roll back, and give its answer."""


class Kernel:
    """The running kernel.

    Attributes:
        engine: the database.
        registry: the plugins' subject models.
        codec: seals, unseals and masks records.
        keyring: the key hierarchy below the master key.
        tokens: issues and verifies bearer tokens.
        audit: the audit log writer.
        replica: this kernel's identity in leases and job claims.
        jobs: runs this replica's share of the jobs (key rotations) in the background.
        rotator: key rotations, the job type `key-rotation`.
        expiry: the expiry of lapsed records (credential lifecycle), the job type `record-expiry`.
        identification: identifies customers on every write by the deployment's match policy.
        consolidation: the end-of-day consolidation of the whole base, the job type
            `consolidation`.
        ledger_sealer: seals ledger entries into signed blocks.

    Its background work (the audit flusher, the sealer's role, the job runner, the sweep of
    abandoned document uploads) runs from `start`
    to `close`: servers start it, the CLI's short-lived kernels do not (a CLI command that runs
    a job runs it in its own thread).
    """

    def __init__(
        self,
        engine: Engine,
        registry: Registry,
        master: MasterKeyProvider,
        settings: Settings,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.settings = settings
        self.policy = policy
        self.keyring = Keyring(master, cache_ttl=settings.key_cache_ttl)
        self.codec = RecordCodec(
            registry, FieldCipher(self.keyring, engine, enabled=settings.encryption)
        )
        self.tokens = TokenService(
            engine, self.keyring, revocation_interval=settings.token_revocation_interval
        )
        self.audit = AuditLog(engine, flush_interval=settings.audit_flush_interval)
        self.replica = replica_id()
        self.jobs = JobRunner(
            engine,
            holder=self.replica,
            ttl=settings.job_lease_ttl,
            poll_interval=settings.job_poll_interval,
        )
        self.identification = Identification(
            self.codec,
            matching_policy.load(
                settings.match_policy_file,
                settings.match_auto_merge_tiers,
                settings.match_source_priority,
            ),
            lambda digests: self.read(lambda c: committed_holders(c, digests), autocommit=True),
            self.read,
        )
        self.consolidation = Consolidation(
            engine, self.identification, self.jobs,
            auto_merge_score=settings.match_auto_merge_score,
        )  # fmt: skip
        self.rotator = KeyRotator(engine, self.keyring, self.codec, self.jobs)
        self.expiry = RecordExpiry(engine, self.codec, self.jobs)
        # Erasures the master key provider remembers but a restored database has forgotten.
        run_in_transaction(
            engine,
            _attributed(
                lambda c: reapply_erasures(c, self.codec, datetime.now(UTC)),
                Provenance("customer-core", "start-up: erasures re-applied after a restore"),
            ),
        )
        self.objects = open_store(settings)
        self.keyring.erasure_hooks.append(
            lambda customer_id: record_shredded(self.objects, customer_id)
        )
        self.objects_protection = "unknown: the object store was not reached"
        self.ledger_sealer = LedgerSealer(
            engine,
            self.keyring,
            interval=settings.ledger_seal_interval,
            block_size=settings.ledger_block_size,
            lease_ttl=settings.ledger_lease_ttl,
            holder=self.replica,
            digest_store=self.objects,
            digest_retention_days=settings.ledger_digest_retention_days,
        )
        self.upload_sweeper = Periodic(
            "document-upload-sweeper", UPLOAD_SWEEP_INTERVAL, self.sweep_uploads
        )

    @classmethod
    def open(
        cls, settings: Settings, *, extra_plugins: list[tuple[str, Any]] | None = None
    ) -> Kernel:
        """Connects, loads the plugins and refuses a schema change that would break stored records.

        The database must have been migrated (`customer-core migrate`).

        Raises:
            ConfigurationError: the database is not migrated to this code's schema.
            PluginRegistrationError: a plugin does not fit the contract, or breaks stored records.
        """
        registry = load_registry(settings.enabled_plugins(), extra_plugins or [])
        registry.quality_rules = settings.quality_rules
        master = master_key_provider(settings)
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        try:
            lag = run_in_transaction(engine, behind_by, write=False)
            if lag is not None:
                raise ConfigurationError(
                    f"the database is at schema revision {lag[0] or 'none (empty)'} and this "
                    f"kernel needs {lag[1]}: run `customer-core migrate` first"
                )
            run_in_transaction(engine, lambda c: reconcile_schemas(c, registry))
            return cls(engine, registry, master, settings)
        except BaseException:
            engine.dispose()
            raise

    def start(self) -> None:
        """Starts the background work: the audit flusher, the ledger sealer's role and the job
        runner."""
        self.audit.start()
        self.ledger_sealer.start()
        self.jobs.start()
        if self.settings.document_upload_expiry_hours:
            self.upload_sweeper.start()
        self.probe_object_lock()

    def probe_object_lock(self) -> str:
        """Finds, by trying to delete a locked probe object, whether the object store itself
        enforces retention, and logs which protection is in force (also in health)."""
        try:
            enforced = self.objects.lock_enforced()
        except StoreUnavailable as exc:
            log.warning("object store %s unreachable at start-up: %s", self.objects.location, exc)
            return self.objects_protection
        self.objects_protection = (
            "retention enforced by the kernel and by the store's object lock"
            if enforced
            else "retention enforced by the kernel only (the store does not enforce object lock)"
        )
        log.info(
            "object store %s %s: %s",
            self.objects.kind,
            self.objects.location,
            self.objects_protection,
        )
        return self.objects_protection

    def close(self) -> None:
        """Stops the background threads, flushes the audit log and releases the database
        connections."""
        self.jobs.stop()  # a job running here gives its claim up for another replica
        self.upload_sweeper.stop()
        self.ledger_sealer.stop()
        self.tokens.close()
        self.audit.close()
        self.engine.dispose()

    def sweep_uploads(self) -> int:
        """Removes the document uploads abandoned for `document_upload_expiry_hours` (each
        replica sweeps hourly; a row goes once, whoever removes it); how many."""
        hours = self.settings.document_upload_expiry_hours
        return sweep_uploads(self.engine, self.objects, timedelta(hours=hours)) if hours else 0

    def run(self, work: Callable[[Connection], T], *, actor: Provenance | None = None) -> T:
        """Runs a writing unit of work that needs no request id (e.g. issuing a token), its
        changes attributed to `actor` (default: the caller of the RPC being served)."""
        return run_in_transaction(self.engine, _attributed(work, actor), policy=self.policy)

    def bind_and_issue_token(
        self,
        binding: RoleBinding,
        *,
        ttl_seconds: int,
        issued_by: str,
        only_if_unbound: bool = False,
    ) -> str:
        """Binds a role to a principal and issues it a token, in one transaction (bootstrap, tests).

        With `only_if_unbound`, a principal that has bindings already keeps them unchanged.
        """

        def work(connection: Connection) -> str:
            now = datetime.now(UTC)
            if not (only_if_unbound and bindings.list_bindings(connection, binding.principal)):
                subjects = {m.name for m in self.registry.models()}
                bindings.create(connection, binding, subjects, issued_by, now)
            token, _ = self.tokens.issue(
                connection, binding.principal, [], ttl_seconds, issued_by, now
            )
            return token

        return self.run(work, actor=Provenance(issued_by, "bind_and_issue_token"))

    def lookup_links(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        """The cross-references among (source system, local id) `pairs` that exist, as committed,
        in a read of their own (see `onboarding.taken` for why a write looks them up so)."""
        return self.read(lambda c: xref_ops.lookup_many(c, pairs), autocommit=True)

    def read(self, work: Callable[[Connection], T], *, autocommit: bool = False) -> T:
        """Runs a read-only unit of work in one consistent transaction, or with `autocommit`
        outside any (for a read that one statement makes consistent; see `run_in_transaction`)."""
        return run_in_transaction(
            self.engine, work, write=False, autocommit=autocommit, policy=self.policy
        )

    def write(
        self,
        method: str,
        request: Message,
        response_type: type[M],
        work: Callable[[Connection, datetime], M],
    ) -> M:
        """Runs a write idempotently: a request id seen before returns the first answer.

        The id is claimed last, in one statement with the write's inserts (`storage.deferred`).
        A call whose id was claimed before is rolled back and given the first answer, also when
        its own checks fail because the first call's write is there now (a stale etag).

        Args:
            method: the RPC's name, part of what a request id is bound to.
            request: the request message; its `request_id` field is the idempotency key.
            response_type: the message class of the answer, to replay it.
            work: the unit of work, given the connection and the transaction's timestamp.
        """
        request_id: str = getattr(request, "request_id", "")
        idempotency.check_request_id(request_id)
        if not request_id:
            return run_in_transaction(
                self.engine,
                _attributed(lambda c: work(c, datetime.now(UTC)), None),
                write=True,
                policy=self.policy,
            )
        fingerprint = idempotency.fingerprint(method, request)

        def unit(connection: Connection) -> M:
            now = datetime.now(UTC)
            response = work(connection, now)
            # The claim goes last, in one statement with the write's inserts (on PostgreSQL and
            # CockroachDB), which it lets in only if it is made; if the id was claimed before,
            # everything else is rolled back.
            claim = idempotency.claim(request_id, method, fingerprint, response, now)
            if deferred.flush(connection, gate=claim, last=True) is None:
                raise _AnsweredBefore()
            return response

        def replay() -> M | None:
            return self.read(
                lambda c: idempotency.first_answer(
                    c, request_id, method, fingerprint, response_type
                )
            )

        try:
            return run_in_transaction(
                self.engine, _attributed(unit, None), write=True, policy=self.policy
            )
        except _AnsweredBefore:
            first = replay()
        except CustomerCoreError:
            # A retry of a call that succeeded may fail its checks now (its customer exists,
            # its etag is stale): the first answer stands.
            first = replay()
            if first is None:
                raise
        if first is None:  # the record of the first call went meanwhile: the caller retries
            raise Aborted(
                "the request id was claimed by a call that left no answer; retry the call",
                reason="REQUEST_ID_IN_FLUX",
            )
        return first
