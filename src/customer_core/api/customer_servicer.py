"""CustomerService: translates each RPC into one kernel read or write."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf import empty_pb2
from google.protobuf.message import Message

from customer_core.errors import CustomerCoreError, InvalidArgument
from customer_core.kernel import (
    batch_onboarding,
    cross_references,
    customer360,
    customers,
    erasure,
    identity_verification,
    records,
    references,
    search,
)
from customer_core.kernel.app import Kernel
from customer_core.kernel.names import parse_record_name
from customer_core.v1 import customer_pb2, customer_service_pb2_grpc
from customer_core.v1 import customer_service_pb2 as svc

log = logging.getLogger(__name__)
R = TypeVar("R")
M = TypeVar("M", bound=Message)
#: (customer number, record id) of a record write whose customer is to be identified again.
Pending = list[tuple[str, Any]]


class CustomerServicer(customer_service_pb2_grpc.CustomerServiceServicer):
    """The servicer of `customer_core.v1.CustomerService`."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.codec = kernel.codec
        self.identification = kernel.identification
        self.verify_limits = identity_verification.Limits(
            kernel.settings.verify_identity_per_caller, kernel.settings.verify_identity_per_customer
        )

    def CreateCustomer(
        self, request: svc.CreateCustomerRequest, context: Any
    ) -> customer_pb2.Customer:
        return self.kernel.write(
            "CreateCustomer",
            request,
            customer_pb2.Customer,
            lambda c, now: self.identification.create_customer(
                c, request, now, self.kernel.lookup_links
            ),
        )

    def BatchCreateCustomers(
        self, request: svc.BatchCreateCustomersRequest, context: Any
    ) -> svc.BatchCreateCustomersResponse:
        return self.kernel.write(
            "BatchCreateCustomers",
            request,
            svc.BatchCreateCustomersResponse,
            lambda c, now: batch_onboarding.create_customers(
                c,
                self.codec,
                request,
                now,
                self.kernel.lookup_links,
                self.identification.batch_written,
            ),
        )

    def _values(self, connection: Any, name: str) -> frozenset[str]:
        try:
            _, record_id = parse_record_name(name, "name")
        except InvalidArgument:  # the write itself refuses it
            return frozenset()
        return self.identification.record_values(connection, record_id)

    def _identified(
        self, connection: Any, now: Any, name: str, write: Callable[[], R], later: Pending
    ) -> R:
        """Runs a record write (of record `name`, or a new one) and, when it changed what the
        match policy reads of the record, identifies its customer again: in the write's
        transaction when a changed value is one an automatic-merge tier reads (the merge is part
        of the write), else right after it commits (`later`), so that the lookups and the keys'
        rewrite, which only feed the similar-customer list, do not lengthen the write's
        SERIALIZABLE transaction and its conflicts with concurrent writers."""
        later.clear()  # a retried attempt starts again
        before = self._values(connection, name) if name else frozenset()
        result = write()
        written = result.name if isinstance(result, customer_pb2.SubjectRecord) else name
        after = self._values(connection, written) if result is not None else frozenset()
        if before != after:
            number, record_id = parse_record_name(written, "name")
            changed = {value.partition("=")[0] for value in before ^ after}
            if self.identification.merges_on(changed):
                self.identification.record_written(connection, number, now, record_id)
            else:
                later.append((number, record_id))
        return result

    def _record_write(
        self, method: str, request: Any, response_type: type[M], name: str,
        write: Callable[[Any, Any], M],
    ) -> M:  # fmt: skip
        """A record write (`write(connection, now)`), identified as `_identified` says."""
        later: Pending = []
        result = self.kernel.write(
            method, request, response_type,
            lambda c, now: self._identified(c, now, name, lambda: write(c, now), later),
        )  # fmt: skip
        for number, record_id in later:

            def identify(c: Any, now: Any, number: str = number, record_id: Any = record_id) -> Any:
                self.identification.record_written(c, number, now, record_id)
                return empty_pb2.Empty()

            try:
                self.kernel.write(method, empty_pb2.Empty(), empty_pb2.Empty, identify)
            except CustomerCoreError as error:  # the write stands; the end-of-day run catches up
                log.warning("%s: identifying again after the write failed (%s); the end-of-day "
                            "consolidation will", method, type(error).__name__)  # fmt: skip
        return result

    def GetCustomer(self, request: svc.GetCustomerRequest, context: Any) -> customer_pb2.Customer:
        return self.kernel.read(lambda c: customers.get(c, request))

    def UpdateCustomer(
        self, request: svc.UpdateCustomerRequest, context: Any
    ) -> customer_pb2.Customer:
        return self.kernel.write(
            "UpdateCustomer",
            request,
            customer_pb2.Customer,
            lambda c, now: customers.update_customer(c, request, now),
        )

    def CloseCustomer(
        self, request: svc.CloseCustomerRequest, context: Any
    ) -> customer_pb2.Customer:
        return self.kernel.write(
            "CloseCustomer",
            request,
            customer_pb2.Customer,
            lambda c, now: customers.close(c, request, now),
        )

    def ListCustomers(
        self, request: svc.ListCustomersRequest, context: Any
    ) -> svc.ListCustomersResponse:
        return self.kernel.read(lambda c: customers.list_customers(c, request))

    def LookupCustomer(
        self, request: svc.LookupCustomerRequest, context: Any
    ) -> customer_pb2.Customer:
        return self.kernel.read(lambda c: cross_references.lookup(c, request))

    def LinkCrossReference(
        self, request: svc.LinkCrossReferenceRequest, context: Any
    ) -> customer_pb2.CrossReference:
        return self.kernel.write(
            "LinkCrossReference",
            request,
            customer_pb2.CrossReference,
            lambda c, now: cross_references.link_request(c, request, now),
        )

    def UnlinkCrossReference(
        self, request: svc.UnlinkCrossReferenceRequest, context: Any
    ) -> empty_pb2.Empty:
        def work(c: Any, now: Any) -> empty_pb2.Empty:
            cross_references.unlink(c, request, now)
            return empty_pb2.Empty()

        return self.kernel.write("UnlinkCrossReference", request, empty_pb2.Empty, work)

    def CreateSubjectRecord(
        self, request: svc.CreateSubjectRecordRequest, context: Any
    ) -> customer_pb2.SubjectRecord:
        return self._record_write(
            "CreateSubjectRecord", request, customer_pb2.SubjectRecord, "",
            lambda c, now: records.create(c, self.codec, request, now),
        )  # fmt: skip

    def GetSubjectRecord(
        self, request: svc.GetSubjectRecordRequest, context: Any
    ) -> customer_pb2.SubjectRecord:
        return self.kernel.read(lambda c: records.get(c, self.codec, request))

    def UpdateSubjectRecord(
        self, request: svc.UpdateSubjectRecordRequest, context: Any
    ) -> customer_pb2.SubjectRecord:
        return self._record_write(
            "UpdateSubjectRecord", request, customer_pb2.SubjectRecord, request.record.name,
            lambda c, now: records.update_record(c, self.codec, request, now),
        )  # fmt: skip

    def DeleteSubjectRecord(
        self, request: svc.DeleteSubjectRecordRequest, context: Any
    ) -> empty_pb2.Empty:
        def work(c: Any, now: Any) -> empty_pb2.Empty:
            records.delete_record(c, request, now)
            return empty_pb2.Empty()

        return self._record_write(
            "DeleteSubjectRecord", request, empty_pb2.Empty, request.name, work
        )

    def ListSubjectRecords(
        self, request: svc.ListSubjectRecordsRequest, context: Any
    ) -> svc.ListSubjectRecordsResponse:
        return self.kernel.read(lambda c: records.list_records(c, self.codec, request))

    def GetCustomer360(
        self, request: svc.GetCustomer360Request, context: Any
    ) -> customer_pb2.Customer360:
        return self.kernel.read(
            lambda c: customer360.get_360(c, self.codec, request),
            autocommit=customer360.needs_no_transaction(request),
        )

    def SearchCustomers(
        self, request: svc.SearchCustomersRequest, context: Any
    ) -> svc.SearchCustomersResponse:
        return self.kernel.read(lambda c: search.search(c, self.codec, request))

    def VerifyIdentity(
        self, request: svc.VerifyIdentityRequest, context: Any
    ) -> svc.VerifyIdentityResponse:
        return self.kernel.read(
            lambda c: identity_verification.verify(c, self.codec, request, self.verify_limits)
        )

    def EraseCustomer(
        self, request: svc.EraseCustomerRequest, context: Any
    ) -> customer_pb2.Customer:
        return self.kernel.write(
            "EraseCustomer",
            request,
            customer_pb2.Customer,
            lambda c, now: erasure.erase(c, self.codec, request, now),
        )

    def ListInboundReferences(
        self, request: svc.ListInboundReferencesRequest, context: Any
    ) -> svc.ListInboundReferencesResponse:
        return self.kernel.read(lambda c: references.list_inbound(c, request))
