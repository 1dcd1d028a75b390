"""A client for channel systems: one connection, request ids, UNAVAILABLE retries, paging, unpacking."""

from __future__ import annotations

import itertools
import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, BinaryIO, TypeVar

import grpc
from google.protobuf import any_pb2, descriptor_pool, field_mask_pb2, message_factory, timestamp_pb2
from google.protobuf.message import Message

from customer_core.client._errors import RPCError
from customer_core.plugin import ENTRY_POINT_GROUP
from customer_core.v1 import admin_service_pb2 as admin
from customer_core.v1 import (
    admin_service_pb2_grpc,
    backup_service_pb2_grpc,
    consolidation_service_pb2_grpc,
    customer_pb2,
    customer_service_pb2_grpc,
    document_service_pb2_grpc,
    ledger_pb2,
    ledger_pb2_grpc,
    options_pb2,
    quality_service_pb2_grpc,
    subject_model_service_pb2,
    subject_model_service_pb2_grpc,
)
from customer_core.v1 import backup_service_pb2 as backups
from customer_core.v1 import consolidation_service_pb2 as consolidation
from customer_core.v1 import (
    customer_service_pb2 as svc,
)
from customer_core.v1 import document_service_pb2 as documents
from customer_core.v1 import quality_service_pb2 as quality

T = TypeVar("T")


def _service(module: Any, name: str) -> str:
    return str(module.DESCRIPTOR.services_by_name[name].full_name)


_CUSTOMERS = _service(svc, "CustomerService")
#: Writes are safe to retry: every one carries a request id the server deduplicates on. A batch
#: carries none (its load id makes it idempotent, when it has one), so it is not retried.
_SERVICE_CONFIG = {
    "methodConfig": [
        {
            "name": [
                {"service": _CUSTOMERS},
                {"service": _service(subject_model_service_pb2, "SubjectModelService")},
                {"service": _service(ledger_pb2, "LedgerService")},
                {"service": _service(quality, "DataQualityService")},
            ],
            "retryPolicy": {
                "maxAttempts": 5,
                "initialBackoff": "0.1s",
                "maxBackoff": "2s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        },
        {"name": [{"service": _CUSTOMERS, "method": "BatchCreateCustomers"}]},
    ]
}


def customer_name(customer: str) -> str:
    """`customers/{n}` for a customer number or a resource name."""
    return customer if customer.startswith("customers/") else f"customers/{customer}"


def subject_of(message: Message) -> str:
    """The subject model a plugin message belongs to, from its `subject_model` option."""
    opts = message.DESCRIPTOR.GetOptions()
    option: Any = options_pb2.subject_model
    if not opts.HasExtension(option):
        raise ValueError(f"{message.DESCRIPTOR.full_name} is not a subject model message")
    return str(opts.Extensions[option].name)


def pack(message: Message) -> any_pb2.Any:
    """`message` in an Any."""
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


_plugins_imported = False


def unpack(data: any_pb2.Any) -> Message:
    """The plugin message inside a record's `data` (the Any itself when its type is unknown here)."""
    global _plugins_imported
    full_name = data.type_url.rpartition("/")[2]
    pool = descriptor_pool.Default()
    try:
        descriptor = pool.FindMessageTypeByName(full_name)
    except KeyError:
        if _plugins_imported:
            return data
        for ep in entry_points(group=ENTRY_POINT_GROUP):  # import installed plugins' stubs
            try:
                ep.load()
            except Exception:  # a broken plugin must not break reading the others
                continue
        _plugins_imported = True
        return unpack(data)
    message = message_factory.GetMessageClass(descriptor)()
    data.Unpack(message)
    return message


class _Stubs:
    """The services' stubs over one channel."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.customers = customer_service_pb2_grpc.CustomerServiceStub(channel)
        self.models = subject_model_service_pb2_grpc.SubjectModelServiceStub(channel)
        self.admin = admin_service_pb2_grpc.AdminServiceStub(channel)
        self.audit = admin_service_pb2_grpc.AuditServiceStub(channel)
        self.ledger = ledger_pb2_grpc.LedgerServiceStub(channel)
        self.quality = quality_service_pb2_grpc.DataQualityServiceStub(channel)
        self.consolidation = consolidation_service_pb2_grpc.ConsolidationServiceStub(channel)
        self.documents = document_service_pb2_grpc.DocumentServiceStub(channel)
        self.backups = backup_service_pb2_grpc.BackupServiceStub(channel)


class Client:
    """A connection to a customer-core server.

    Every method raises `RPCError` when the call fails. Writes take an optional `request_id`;
    the client makes one when none is given, and retries of UNAVAILABLE reuse it.

    Example::

        with Client("127.0.0.1:50051") as client:
            customer = client.create_customer(type="individual", owning_org_unit="HO01",
                                              display_name="Zhang San")
            view = client.get_360(customer.customer_number)
    """

    def __init__(
        self,
        target: str,
        *,
        token: str | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        timeout: float = 30.0,
        wait_for_ready: bool = True,
        channel: grpc.Channel | None = None,
        source_system: str = "",
        connections: int = 1,
    ) -> None:
        """Connects to `target` (`host:port`).

        Args:
            target: the server.
            token: a bearer token (`customer-core tokens issue`).
            credentials: TLS credentials, e.g. `grpc.ssl_channel_credentials(ca, key, cert)` for mTLS.
            timeout: seconds each call may take, retries included.
            wait_for_ready: while the server cannot be reached, calls wait for it (up to `timeout`)
                instead of failing at once; answers of UNAVAILABLE are retried either way.
            channel: a channel to use instead of making one.
            source_system: the source system this client acts for (e.g. `CARDS`), sent as
                `x-source-system`; the ledger records it with every change, and a system's
                change stream can leave its own changes out (`watch(exclude_source_system=...)`).
            connections: TCP connections to spread calls over, in turn. A server running several
                processes (`CUSTOMER_CORE_PROCESSES`) shares connections among them, not calls,
                so a busy client wants at least as many connections as the server has processes.
        """
        if connections < 1 or (channel is not None and connections != 1):
            raise ValueError("connections must be at least 1, and 1 with a channel given")
        self.timeout = timeout
        self.wait_for_ready = wait_for_ready
        self.source_system = source_system
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ()
        ) + ((("x-source-system", source_system),) if source_system else ())
        options = [("grpc.enable_retries", 1), ("grpc.service_config", json.dumps(_SERVICE_CONFIG))]
        if connections > 1:  # channels of one process otherwise share one connection
            options.append(("grpc.use_local_subchannel_pool", 1))

        def connect() -> grpc.Channel:
            if credentials is not None:
                return grpc.secure_channel(target, credentials, options=options)
            return grpc.insecure_channel(target, options=options)

        self._channels = (
            [channel] if channel is not None else [connect() for _ in range(connections)]
        )
        self._stubs = [_Stubs(c) for c in self._channels]
        self._turn = itertools.count()  # next() on it is atomic: threads may share a client

    @property
    def _next(self) -> _Stubs:
        return self._stubs[next(self._turn) % len(self._stubs)]

    @property
    def _customers(self) -> customer_service_pb2_grpc.CustomerServiceStub:
        return self._next.customers

    @property
    def _models(self) -> subject_model_service_pb2_grpc.SubjectModelServiceStub:
        return self._next.models

    @property
    def _admin(self) -> admin_service_pb2_grpc.AdminServiceStub:
        return self._next.admin

    @property
    def _audit(self) -> admin_service_pb2_grpc.AuditServiceStub:
        return self._next.audit

    @property
    def _ledger(self) -> ledger_pb2_grpc.LedgerServiceStub:
        return self._next.ledger

    @property
    def _quality(self) -> quality_service_pb2_grpc.DataQualityServiceStub:
        return self._next.quality

    @property
    def _consolidation(self) -> consolidation_service_pb2_grpc.ConsolidationServiceStub:
        return self._next.consolidation

    @property
    def _backups(self) -> backup_service_pb2_grpc.BackupServiceStub:
        return self._next.backups

    def close(self) -> None:
        """Closes the connections."""
        for channel in self._channels:
            channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: Callable[..., T], request: Message, unmask_reason: str = "") -> T:
        metadata = self._metadata + ((("x-unmask-reason", unmask_reason),) if unmask_reason else ())
        try:
            return method(
                request, timeout=self.timeout, metadata=metadata, wait_for_ready=self.wait_for_ready
            )
        except grpc.RpcError as error:
            raise RPCError.from_call(error) from None

    def _pages(
        self, method: Callable[..., Any], request: Any, items: str, unmask_reason: str = ""
    ) -> Iterator[Any]:
        """The `items` of every page of a List call, fetched as the iterator advances (AIP-158)."""
        while True:
            page = self._call(method, request, unmask_reason)
            yield from getattr(page, items)
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    # Customers

    def create_customer(
        self,
        *,
        type: str | int,
        owning_org_unit: str,
        display_name: str,
        cross_references: Iterable[tuple[str, str]] = (),
        records: Iterable[Message] = (),
        request_id: str | None = None,
        legacy: bool = False,
        refuse_identified: bool = False,
    ) -> customer_pb2.Customer:
        """Creates a customer with its first cross-references and records, atomically.

        `legacy`: a load from a legacy source (QUALITY_MODE_LEGACY_LOAD): records that fail a
        data-quality rule are kept with ERROR issues rather than refused. When the bank already
        has the customer (identification), the answer is that customer with `identified` set;
        `refuse_identified` asks for ALREADY_EXISTS (`CUSTOMER_IDENTIFIED`) instead.
        """
        customer_type: Any = (
            type
            if isinstance(type, int)
            else customer_pb2.CustomerType.Value(f"CUSTOMER_TYPE_{type.upper()}")
        )
        request = svc.CreateCustomerRequest(
            customer=customer_pb2.Customer(
                type=customer_type, owning_org_unit=owning_org_unit, display_name=display_name
            ),
            cross_references=[
                customer_pb2.CrossReference(source_system=s, local_id=i)
                for s, i in cross_references
            ],
            records=[
                customer_pb2.SubjectRecord(subject=subject_of(r), data=pack(r)) for r in records
            ],
            request_id=request_id or str(uuid.uuid4()),
            quality_mode=customer_pb2.QUALITY_MODE_LEGACY_LOAD
            if legacy
            else customer_pb2.QUALITY_MODE_UNSPECIFIED,
            if_identified=svc.IDENTIFIED_ACTION_ALREADY_EXISTS
            if refuse_identified
            else svc.IDENTIFIED_ACTION_UNSPECIFIED,
        )
        return self._call(self._customers.CreateCustomer, request)

    def batch_create_customers(
        self,
        requests: Iterable[svc.CreateCustomerRequest],
        *,
        load_id: str = "",
        first_line: int = 1,
    ) -> list[svc.LoadOutcome]:
        """Creates many customers in one call; one outcome per request, in order (applied,
        rejected with its reason, or unchanged: a line of `load_id` applied before)."""
        request = svc.BatchCreateCustomersRequest(
            requests=list(requests), load_id=load_id, first_line=first_line
        )
        answer = self._call(self._customers.BatchCreateCustomers, request)
        return list(answer.outcomes)

    def get_customer(self, customer: str, *, follow_merges: bool = True) -> customer_pb2.Customer:
        """The customer with this number or resource name; a merged customer's survivor (the
        last of a chain of merges) unless `follow_merges` is False."""
        found: customer_pb2.Customer = self._call(
            self._customers.GetCustomer, svc.GetCustomerRequest(name=customer_name(customer))
        )
        if follow_merges and found.merged_into:
            return self.get_customer(found.merged_into, follow_merges=False)
        return found

    def update_customer(
        self,
        customer: customer_pb2.Customer,
        update_mask: Iterable[str],
        *,
        request_id: str | None = None,
    ) -> customer_pb2.Customer:
        """Updates the named fields; send the etag you read to fail on a concurrent change."""
        request = svc.UpdateCustomerRequest(
            customer=customer,
            update_mask=field_mask_pb2.FieldMask(paths=list(update_mask)),
            request_id=request_id or str(uuid.uuid4()),
        )
        return self._call(self._customers.UpdateCustomer, request)

    def close_customer(
        self, customer: str, reason: str, *, etag: str = "", request_id: str | None = None
    ) -> customer_pb2.Customer:
        """Closes a customer."""
        request = svc.CloseCustomerRequest(
            name=customer_name(customer),
            reason=reason,
            etag=etag,
            request_id=request_id or str(uuid.uuid4()),
        )
        return self._call(self._customers.CloseCustomer, request)

    def list_customers(
        self, *, filter: str = "", page_size: int = 0
    ) -> Iterator[customer_pb2.Customer]:
        """Every customer matching `filter`, fetched page by page as the iterator advances."""
        request = svc.ListCustomersRequest(filter=filter, page_size=page_size)
        yield from self._pages(self._customers.ListCustomers, request, "customers")

    def lookup(self, source_system: str, local_id: str) -> customer_pb2.Customer:
        """The customer a source system's record belongs to."""
        return self._call(
            self._customers.LookupCustomer,
            svc.LookupCustomerRequest(source_system=source_system, local_id=local_id),
        )

    def link(
        self, customer: str, source_system: str, local_id: str, *, request_id: str | None = None
    ) -> customer_pb2.CrossReference:
        """Links a source system's record to a customer."""
        request = svc.LinkCrossReferenceRequest(
            parent=customer_name(customer),
            cross_reference=customer_pb2.CrossReference(
                source_system=source_system, local_id=local_id
            ),
            request_id=request_id or str(uuid.uuid4()),
        )
        return self._call(self._customers.LinkCrossReference, request)

    def unlink(
        self, customer: str, source_system: str, local_id: str, *, request_id: str | None = None
    ) -> None:
        """Removes a link."""
        request = svc.UnlinkCrossReferenceRequest(
            parent=customer_name(customer),
            source_system=source_system,
            local_id=local_id,
            request_id=request_id or str(uuid.uuid4()),
        )
        self._call(self._customers.UnlinkCrossReference, request)

    # Subject records

    def create_record(
        self,
        customer: str,
        data: Message,
        *,
        source_system: str = "",
        request_id: str | None = None,
        legacy: bool = False,
    ) -> customer_pb2.SubjectRecord:
        """Adds a record; the subject model is taken from the message's type (`legacy`: as
        `create_customer`'s)."""
        request = svc.CreateSubjectRecordRequest(
            parent=customer_name(customer),
            record=customer_pb2.SubjectRecord(
                subject=subject_of(data), data=pack(data), source_system=source_system
            ),
            request_id=request_id or str(uuid.uuid4()),
            quality_mode=customer_pb2.QUALITY_MODE_LEGACY_LOAD
            if legacy
            else customer_pb2.QUALITY_MODE_UNSPECIFIED,
        )
        return self._call(self._customers.CreateSubjectRecord, request)

    def get_record(self, name: str, *, unmask_reason: str = "") -> customer_pb2.SubjectRecord:
        """One record by resource name; sensitive values in clear with a reason (if permitted)."""
        return self._call(
            self._customers.GetSubjectRecord, svc.GetSubjectRecordRequest(name=name), unmask_reason
        )

    def update_record(
        self,
        name: str,
        data: Message,
        *,
        etag: str = "",
        update_mask: Iterable[str] = (),
        request_id: str | None = None,
        legacy: bool = False,
    ) -> customer_pb2.SubjectRecord:
        """Replaces a record's data, or the paths of it in `update_mask` (`data.occupation`, ...);
        `legacy`: as `create_customer`'s."""
        request = svc.UpdateSubjectRecordRequest(
            record=customer_pb2.SubjectRecord(name=name, data=pack(data), etag=etag),
            update_mask=field_mask_pb2.FieldMask(paths=list(update_mask)),
            request_id=request_id or str(uuid.uuid4()),
            quality_mode=customer_pb2.QUALITY_MODE_LEGACY_LOAD
            if legacy
            else customer_pb2.QUALITY_MODE_UNSPECIFIED,
        )
        return self._call(self._customers.UpdateSubjectRecord, request)

    def delete_record(self, name: str, *, etag: str = "", request_id: str | None = None) -> None:
        """Deletes a record."""
        request = svc.DeleteSubjectRecordRequest(
            name=name, etag=etag, request_id=request_id or str(uuid.uuid4())
        )
        self._call(self._customers.DeleteSubjectRecord, request)

    def list_records(
        self, customer: str, *, subject: str = "", page_size: int = 0, unmask_reason: str = ""
    ) -> Iterator[customer_pb2.SubjectRecord]:
        """Every record of a customer (of one subject model, if given), page by page."""
        request = svc.ListSubjectRecordsRequest(
            parent=customer_name(customer), subject=subject, page_size=page_size
        )
        yield from self._pages(
            self._customers.ListSubjectRecords, request, "records", unmask_reason
        )

    def inbound_references(
        self, customer: str, *, subject: str = "", page_size: int = 0
    ) -> Iterator[svc.InboundReference]:
        """The records of other customers naming this one (of one subject model, if given),
        oldest first, page by page; those of customers outside the caller's scope masked."""
        request = svc.ListInboundReferencesRequest(
            parent=customer_name(customer), subject=subject, page_size=page_size
        )
        yield from self._pages(self._customers.ListInboundReferences, request, "references")

    def get_360(
        self, customer: str, *, unmask_reason: str = "", as_of: datetime | None = None
    ) -> customer_pb2.Customer360:
        """The customer, all its records and all its cross-references.

        With `as_of` (timezone-aware), the view as it was then, rebuilt from the ledger.
        """
        request = svc.GetCustomer360Request(name=customer_name(customer))
        if as_of is not None:
            request.as_of.CopyFrom(_timestamp(as_of))
        return self._call(self._customers.GetCustomer360, request, unmask_reason)

    def search(self, subject: str, field: str, value: str) -> list[customer_pb2.Customer]:
        """Customers with a `subject` record whose match key `field` equals `value`."""
        request = svc.SearchCustomersRequest(subject=subject, field=field, value=value)
        return list(self._call(self._customers.SearchCustomers, request).customers)

    def verify_identity(
        self,
        customer: str = "",
        claims: Sequence[tuple[str, str, str]] = (),
        *,
        cross_reference: tuple[str, str] | None = None,
    ) -> svc.VerifyIdentityResponse:
        """Whether each claim `(subject, field, value)` matches what is on file for the customer
        (by number or name, or by `cross_reference=(source_system, local_id)`): a verdict per
        claim, in order, never the stored value."""
        request = svc.VerifyIdentityRequest(
            name=customer_name(customer) if customer else "",
            claims=[svc.IdentityClaim(subject=s, field=f, value=v) for s, f, v in claims],
        )
        if cross_reference is not None:
            request.cross_reference.source_system, request.cross_reference.local_id = (
                cross_reference
            )
        return self._call(self._customers.VerifyIdentity, request)

    def erase_customer(
        self, customer: str, reason: str, *, request_id: str | None = None
    ) -> customer_pb2.Customer:
        """Crypto-shreds a closed customer's personal data."""
        request = svc.EraseCustomerRequest(
            name=customer_name(customer), reason=reason, request_id=request_id or str(uuid.uuid4())
        )
        return self._call(self._customers.EraseCustomer, request)

    # Ledger

    # Identification and consolidation

    def match_candidates(
        self, *, status: str = "open", tier: str = "", customer: str = "", page_size: int = 0,
        unmask_reason: str = "",
    ) -> Iterator[consolidation.MatchCandidate]:  # fmt: skip
        """The similar-customer list, newest first, page by page (`status`: open, merged or
        not_same; `tier`: highest, high, medium or low)."""
        request = consolidation.ListMatchCandidatesRequest(
            status=f"MATCH_CANDIDATE_STATUS_{status.upper()}",
            tier=f"MATCH_TIER_{(tier or 'unspecified').upper()}",
            customer=customer_name(customer) if customer else "",
            page_size=page_size,
        )
        yield from self._pages(
            self._consolidation.ListMatchCandidates, request, "candidates", unmask_reason
        )

    def merge_customers(
        self, first: str, second: str, reason: str, *, survivor: str = "",
        request_id: str | None = None,
    ) -> consolidation.Merge:  # fmt: skip
        """Merges two customers (the survivor by the rule unless named)."""
        request = consolidation.MergeCustomersRequest(
            customers=[customer_name(first), customer_name(second)],
            survivor=customer_name(survivor) if survivor else "",
            reason=reason,
            request_id=request_id or str(uuid.uuid4()),
        )
        return self._call(self._consolidation.MergeCustomers, request)

    def unmerge_customers(
        self, merge: str, reason: str, *, request_id: str | None = None
    ) -> consolidation.Merge:
        """Undoes a merge (`merges/{id}`)."""
        request = consolidation.UnmergeCustomersRequest(
            merge=merge, reason=reason, request_id=request_id or str(uuid.uuid4())
        )
        return self._call(self._consolidation.UnmergeCustomers, request)

    def merges(self, customer: str, *, page_size: int = 0) -> Iterator[consolidation.Merge]:
        """A customer's merges and unmerges, newest first."""
        request = consolidation.ListMergesRequest(
            customer=customer_name(customer), page_size=page_size
        )
        yield from self._pages(self._consolidation.ListMerges, request, "merges")

    def mark_not_same(
        self, candidate: str, comment: str, *, request_id: str | None = None
    ) -> consolidation.MatchCandidate:
        """Marks a listed pair as two different customers."""
        request = consolidation.MarkNotSameRequest(
            candidate=candidate, comment=comment, request_id=request_id or str(uuid.uuid4())
        )
        return self._call(self._consolidation.MarkNotSame, request)

    def relationship_proposals(
        self, *, status: str = "open", customer: str = "", page_size: int = 0
    ) -> Iterator[consolidation.RelationshipProposal]:
        """The relationships discovery proposes, newest first, page by page (`status`: open,
        confirmed or rejected)."""
        request = consolidation.ListRelationshipProposalsRequest(
            status=f"RELATIONSHIP_PROPOSAL_STATUS_{status.upper()}",
            customer=customer_name(customer) if customer else "",
            page_size=page_size,
        )
        yield from self._pages(
            self._consolidation.ListRelationshipProposals, request, "proposals", ""
        )

    def confirm_relationship(
        self, proposal: str, comment: str, *, kind: str = "", request_id: str | None = None
    ) -> consolidation.RelationshipProposal:
        """Confirms a proposal (a family one as `kind`, if given): its relationship record is
        written."""
        request = consolidation.ConfirmRelationshipProposalRequest(
            proposal=proposal, comment=comment, kind=kind,
            request_id=request_id or str(uuid.uuid4()),
        )  # fmt: skip
        return self._call(self._consolidation.ConfirmRelationshipProposal, request)

    def reject_relationship(
        self, proposal: str, comment: str, *, request_id: str | None = None
    ) -> consolidation.RelationshipProposal:
        """Rejects a proposal: never proposed again."""
        request = consolidation.RejectRelationshipProposalRequest(
            proposal=proposal, comment=comment, request_id=request_id or str(uuid.uuid4())
        )
        return self._call(self._consolidation.RejectRelationshipProposal, request)

    def run_consolidation(self) -> consolidation.ConsolidationRun:
        """Starts the end-of-day consolidation (or finds the run active)."""
        return self._call(
            self._consolidation.RunConsolidation, consolidation.RunConsolidationRequest()
        )

    def wait_for_consolidation(
        self, run: consolidation.ConsolidationRun, *, poll: float = 0.5, timeout: float = 3600
    ) -> consolidation.ConsolidationRun:
        """Polls a consolidation run until it has ended; the run as it ended."""
        deadline = time.monotonic() + timeout
        ended = (consolidation.CONSOLIDATION_RUN_STATE_SUCCEEDED,
                 consolidation.CONSOLIDATION_RUN_STATE_FAILED)  # fmt: skip
        while True:
            run = self._call(
                self._consolidation.GetConsolidationRun,
                consolidation.GetConsolidationRunRequest(name=run.name),
            )
            if run.state in ended or time.monotonic() > deadline:
                return run
            time.sleep(poll)

    # Data quality

    def quality_issues(
        self,
        *,
        status: str = "open",
        rule_id: str = "",
        severity: str = "",
        source_system: str = "",
        subject: str = "",
        org_unit: str = "",
        customer: str = "",
        page_size: int = 0,
    ) -> Iterator[quality.DataQualityIssue]:
        """The data-quality issues matching every filter given, oldest first, page by page.

        `status`: open, resolved, waived or superseded; `severity`: error or warning.
        """
        request = quality.ListQualityIssuesRequest(
            status=f"QUALITY_ISSUE_STATUS_{status.upper()}",
            rule_id=rule_id,
            severity=f"QUALITY_SEVERITY_{(severity or 'unspecified').upper()}",
            source_system=source_system,
            subject=subject,
            org_unit=org_unit,
            customer=customer_name(customer) if customer else "",
            page_size=page_size,
        )
        yield from self._pages(self._quality.ListQualityIssues, request, "issues")

    def resolve_issue(
        self, name: str, comment: str, *, request_id: str | None = None
    ) -> quality.DataQualityIssue:
        """Closes an open issue as fixed, with a comment (ledgered)."""
        request = quality.ResolveQualityIssueRequest(
            name=name, comment=comment, request_id=request_id or str(uuid.uuid4())
        )
        return self._call(self._quality.ResolveQualityIssue, request)

    def waive_issue(
        self, name: str, comment: str, *, request_id: str | None = None
    ) -> quality.DataQualityIssue:
        """Closes an open issue as accepted as it is, with a comment (ledgered)."""
        request = quality.WaiveQualityIssueRequest(
            name=name, comment=comment, request_id=request_id or str(uuid.uuid4())
        )
        return self._call(self._quality.WaiveQualityIssue, request)

    def quality_report(
        self, *, source_system: str = "", subject: str = ""
    ) -> quality.QualityReport:
        """Per rule and source system: records passed, corrected, completed, with issues."""
        request = quality.GetQualityReportRequest(source_system=source_system, subject=subject)
        return self._call(self._quality.GetQualityReport, request)

    # Ledger

    def history(
        self, customer: str, subject: str = "", *, page_size: int = 0
    ) -> Iterator[ledger_pb2.LedgerEntry]:
        """A customer's changes, newest first (of one subject, if given), page by page."""
        request = ledger_pb2.ListCustomerHistoryRequest(
            customer=customer_name(customer), subject=subject, page_size=page_size
        )
        yield from self._pages(self._ledger.ListCustomerHistory, request, "entries")

    def watch(
        self,
        from_offset: int = 1,
        exclude_source_system: str = "",
        subjects: Iterable[str] = (),
        *,
        timeout: float | None = None,
    ) -> ChangeStream:
        """Follows the change stream: sealed entries in offset order from `from_offset`, forever.

        Iterate the answer for LedgerEntry messages; `cancel()` it (from any thread) or close it
        to stop. To resume after a break, watch again from the last offset received + 1.
        `timeout` bounds the whole stream (default: none).
        """
        request = ledger_pb2.WatchChangesRequest(
            from_offset=from_offset,
            exclude_source_system=exclude_source_system,
            subjects=list(subjects),
        )
        call = self._ledger.WatchChanges(
            request, timeout=timeout, metadata=self._metadata, wait_for_ready=self.wait_for_ready
        )
        return ChangeStream(call)

    def verify_ledger(
        self,
        first_block: int = 1,
        last_block: int = 0,
        *,
        chains: bool = False,
        max_blocks: int = 0,
        progress: Callable[[ledger_pb2.VerifyLedgerResponse], None] | None = None,
    ) -> ledger_pb2.VerifyLedgerResponse:
        """Verifies blocks `first_block`..`last_block` (0: the latest when the first call runs),
        in as many `VerifyLedger` calls as the server's bound per call takes, each going on from
        the `next_block` of the one before; returns their combined result.

        A call the server refuses as busy (RESOURCE_EXHAUSTED, `VERIFICATION_BUSY`) is tried
        again after the delay it asks for, with jitter, for up to the client's `timeout` per call.
        `progress` is given each call's own result as it comes. `entries_checked` is the sum of
        the calls' (with `chains`, a chain walked by several calls counts in each).
        """
        request = ledger_pb2.VerifyLedgerRequest(
            first_block=first_block, last_block=last_block, chains=chains, max_blocks=max_blocks
        )
        total = ledger_pb2.VerifyLedgerResponse(ok=True)
        while True:
            part = self._verify_part(request)
            if progress is not None:
                progress(part)
            total.blocks_checked += part.blocks_checked
            total.entries_checked += part.entries_checked
            total.last_block = part.last_block
            if not part.ok:
                total.ok = False
                total.first_failure = part.first_failure
                total.failed_block = part.failed_block
                total.failed_entry = part.failed_entry
            if not part.next_block:
                return total
            # The same range, pinned: blocks sealed meanwhile do not make it longer.
            request.first_block, request.last_block = part.next_block, part.last_block

    def _verify_part(
        self, request: ledger_pb2.VerifyLedgerRequest
    ) -> ledger_pb2.VerifyLedgerResponse:
        """One VerifyLedger call, tried again while the server is busy with others."""
        deadline = time.monotonic() + self.timeout
        wait = 0.0
        while True:
            try:
                return self._call(self._ledger.VerifyLedger, request)
            except RPCError as error:
                if error.code != grpc.StatusCode.RESOURCE_EXHAUSTED or error.reason != (
                    "VERIFICATION_BUSY"
                ):
                    raise
                wait = min(max(error.retry_delay or 0.5, wait * 1.5), 2.0)
                pause = wait * random.uniform(0.5, 1.5)
                if time.monotonic() + pause >= deadline:
                    raise
                time.sleep(pause)

    # Administration

    def create_role_binding(
        self,
        principal: str,
        role: str,
        org_unit: str,
        *,
        read_subjects: Iterable[str] = (),
        write_subjects: Iterable[str] = (),
    ) -> admin.RoleBinding:
        """Grants `role` to `principal` over the `org_unit` subtree (`*`: the whole bank)."""
        binding = admin.RoleBinding(
            principal=principal, role=role, org_unit=org_unit,
            read_subjects=list(read_subjects), write_subjects=list(write_subjects),
        )  # fmt: skip
        request = admin.CreateRoleBindingRequest(role_binding=binding, request_id=str(uuid.uuid4()))
        return self._call(self._admin.CreateRoleBinding, request)

    def delete_role_binding(self, name: str) -> None:
        """Removes a role binding."""
        self._call(
            self._admin.DeleteRoleBinding,
            admin.DeleteRoleBindingRequest(name=name, request_id=str(uuid.uuid4())),
        )

    def list_role_bindings(self, principal: str = "") -> list[admin.RoleBinding]:
        """Role bindings, all or a principal's."""
        return list(
            self._call(
                self._admin.ListRoleBindings, admin.ListRoleBindingsRequest(principal=principal)
            ).role_bindings
        )

    def issue_token(
        self, principal: str, roles: Iterable[str] = (), ttl_seconds: int = 0
    ) -> admin.IssueTokenResponse:
        """A bearer token for `principal`."""
        request = admin.IssueTokenRequest(
            principal=principal, roles=list(roles), ttl_seconds=ttl_seconds
        )
        return self._call(self._admin.IssueToken, request)

    def revoke_token(self, token_id: str, reason: str) -> None:
        """Revokes a token."""
        self._call(
            self._admin.RevokeToken, admin.RevokeTokenRequest(token_id=token_id, reason=reason)
        )

    def rotate_keys(self, level: str, domain: str = "") -> admin.KeyRotation:
        """Starts a rotation of `master`, `kek` (of `domain`) or `data` keys."""
        if level == "master":
            return self._call(self._admin.RotateMasterKey, admin.RotateMasterKeyRequest())
        if level == "kek":
            return self._call(
                self._admin.RotateKeyEncryptionKey,
                admin.RotateKeyEncryptionKeyRequest(domain=domain),
            )
        return self._call(self._admin.RotateDataKeys, admin.RotateDataKeysRequest())

    def wait_for_rotation(
        self, rotation: admin.KeyRotation, *, poll: float = 0.1, timeout: float = 600
    ) -> admin.KeyRotation:
        """Polls a key rotation until it ends."""
        deadline = time.monotonic() + timeout
        while rotation.state == admin.ROTATION_STATE_RUNNING and time.monotonic() < deadline:
            time.sleep(poll)
            rotation = self._call(
                self._admin.GetKeyRotation, admin.GetKeyRotationRequest(name=rotation.name)
            )
        return rotation

    def expire_records(self, on: str = "") -> admin.ExpiryRun:
        """Starts the expiry of every record lapsed before `on` (`YYYY-MM-DD`; default today)."""
        return self._call(self._admin.ExpireRecords, admin.ExpireRecordsRequest(on=on))

    def wait_for_expiry(
        self, run: admin.ExpiryRun, *, poll: float = 0.1, timeout: float = 600
    ) -> admin.ExpiryRun:
        """Polls an expiry run until it ends."""
        deadline = time.monotonic() + timeout
        while run.state == admin.EXPIRY_RUN_STATE_RUNNING and time.monotonic() < deadline:
            time.sleep(poll)
            run = self._call(self._admin.GetExpiryRun, admin.GetExpiryRunRequest(name=run.name))
        return run

    def expiring_records(self, within_days: int = 30) -> list[admin.ExpiringRecord]:
        """The records the caller may read that lapse within `within_days` days, soonest first."""
        request = admin.ListExpiringRecordsRequest(within_days=within_days)
        return list(self._call(self._admin.ListExpiringRecords, request).records)

    def list_audit_events(
        self, *, principal: str = "", customer: str = "", page_size: int = 0
    ) -> Iterator[admin.AuditEvent]:
        """Audit events, newest first."""
        request = admin.ListAuditEventsRequest(
            principal=principal,
            customer=customer_name(customer) if customer else "",
            page_size=page_size,
        )
        yield from self._pages(self._audit.ListAuditEvents, request, "events")

    # Backups

    def create_backup(self) -> backups.BackupRun:
        """Starts taking a backup (or finds the one being taken); poll with `wait_for_backup`."""
        return self._call(self._backups.CreateBackup, backups.CreateBackupRequest())

    def verify_backup(self, backup: str) -> backups.BackupRun:
        """Starts verifying a backup (`backups/{id}` or the id)."""
        name = backup if backup.startswith("backups/") else f"backups/{backup}"
        return self._call(self._backups.VerifyBackup, backups.VerifyBackupRequest(name=name))

    def get_backup_run(self, name: str) -> backups.BackupRun:
        """A backup run (`backupRuns/{id}`)."""
        return self._call(self._backups.GetBackupRun, backups.GetBackupRunRequest(name=name))

    def wait_for_backup(
        self, run: backups.BackupRun, *, poll: float = 0.2, timeout: float = 3600
    ) -> backups.BackupRun:
        """Polls a backup run until it ends (or `timeout` passes); the run as last seen."""
        deadline = time.monotonic() + timeout
        while run.state == backups.BACKUP_RUN_STATE_RUNNING and time.monotonic() < deadline:
            time.sleep(poll)
            run = self.get_backup_run(run.name)
        return run

    def list_backups(self) -> list[backups.Backup]:
        """The backups in the object store, oldest first."""
        return list(self._call(self._backups.ListBackups, backups.ListBackupsRequest()).backups)

    def get_backup(self, backup: str) -> backups.Backup:
        """One backup (`backups/{id}` or the id)."""
        name = backup if backup.startswith("backups/") else f"backups/{backup}"
        return self._call(self._backups.GetBackup, backups.GetBackupRequest(name=name))

    # Documents

    def upload_document(
        self,
        customer: str,
        source: BinaryIO,
        *,
        content_type: str,
        display_name: str = "",
        kind: str = "",
        record: str = "",
        upload_id: str | None = None,
        retention_days: int = 0,
        chunk_size: int = 1024 * 1024,
    ) -> documents.Document:
        """Uploads the rest of `source` (a seekable binary file) as a document of `customer`.

        Give the `upload_id` of an upload that broke off to resume it: the client asks how much
        is stored, seeks `source` there and sends the rest (at most one part is sent again).
        """
        upload = upload_id or str(uuid.uuid4())
        offset = 0
        if upload_id:
            try:
                status = self.document_upload(customer, upload_id)
                offset = status.stored_bytes
            except RPCError as error:
                if error.code != grpc.StatusCode.NOT_FOUND:
                    raise
        size = source.seek(0, 2)
        source.seek(offset)
        metadata = documents.UploadDocumentMetadata(
            size_bytes=size,
            parent=customer_name(customer),
            record=record,
            display_name=display_name,
            content_type=content_type,
            kind=kind,
            upload_id=upload,
            resume_offset=offset,
            retention_days=retention_days,
        )

        def messages() -> Iterator[documents.UploadDocumentRequest]:
            yield documents.UploadDocumentRequest(metadata=metadata)
            while chunk := source.read(chunk_size):
                yield documents.UploadDocumentRequest(data=chunk)

        try:
            answer: documents.Document = self._next.documents.UploadDocument(
                messages(), timeout=self.timeout, metadata=self._metadata
            )
        except grpc.RpcError as error:
            raise RPCError.from_call(error) from None
        return answer

    def document_upload(self, customer: str, upload_id: str) -> documents.DocumentUpload:
        """How much of an upload is stored."""
        request = documents.GetDocumentUploadRequest(
            parent=customer_name(customer), upload_id=upload_id
        )
        return self._call(self._next.documents.GetDocumentUpload, request)

    def download_document(self, name: str) -> tuple[documents.Document, Iterator[bytes]]:
        """A document's metadata and an iterator of its bytes (RPCError with DATA_LOSS if the
        stored document does not verify: stop using what was received)."""
        call = self._next.documents.DownloadDocument(
            documents.DownloadDocumentRequest(name=name),
            timeout=self.timeout,
            metadata=self._metadata,
        )
        try:
            first = next(call)
        except grpc.RpcError as error:
            raise RPCError.from_call(error) from None

        def data() -> Iterator[bytes]:
            try:
                for message in call:
                    yield message.data
            except grpc.RpcError as error:
                raise RPCError.from_call(error) from None

        return first.document, data()

    def get_document(self, name: str) -> documents.Document:
        return self._call(self._next.documents.GetDocument, documents.GetDocumentRequest(name=name))

    def list_documents(
        self, customer: str, *, record: str = "", page_size: int = 0
    ) -> Iterator[documents.Document]:
        request = documents.ListDocumentsRequest(
            parent=customer_name(customer), record=record, page_size=page_size
        )
        yield from self._pages(self._next.documents.ListDocuments, request, "documents")

    def delete_document(self, name: str) -> None:
        self._call(
            self._next.documents.DeleteDocument,
            documents.DeleteDocumentRequest(name=name, request_id=str(uuid.uuid4())),
        )

    def subject_models(self) -> list[subject_model_service_pb2.SubjectModel]:
        """The subject models the server has registered."""
        response = self._call(
            self._models.ListSubjectModels, subject_model_service_pb2.ListSubjectModelsRequest()
        )
        return list(response.models)


def _timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    if value.tzinfo is None:
        raise ValueError("as_of must be timezone-aware, e.g. datetime.now(UTC)")
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


class ChangeStream:
    """A running WatchChanges call: an iterator of LedgerEntry that ends when cancelled.

    Raises `RPCError` when the stream fails (not when it was cancelled here).
    """

    def __init__(self, call: Any) -> None:
        self._call = call
        self._cancelled = False
        #: The offset of the last entry received (0 before the first).
        self.last_offset = 0

    def __iter__(self) -> ChangeStream:
        return self

    def __next__(self) -> ledger_pb2.LedgerEntry:
        try:
            entry: ledger_pb2.LedgerEntry = next(self._call)
        except grpc.RpcError as error:
            if self._cancelled and error.code() == grpc.StatusCode.CANCELLED:
                raise StopIteration from None
            raise RPCError.from_call(error) from None
        self.last_offset = entry.offset
        return entry

    def cancel(self) -> None:
        """Ends the stream (safe from another thread); iteration then stops."""
        self._cancelled = True
        self._call.cancel()

    close = cancel

    def __enter__(self) -> ChangeStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


__all__ = ["ChangeStream", "Client", "customer_name", "pack", "subject_of", "unpack"]
