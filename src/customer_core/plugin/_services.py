"""What a plugin's own gRPC services give the kernel and are given by it (hook `grpc_services`).

A plugin may serve RPCs of its own (a relationship graph, say) beside the kernel's. It returns a
`PluginService` per service: the service's descriptor, the generated `add_XServicer_to_server`
function, a factory making its servicer, and the permission each method needs. The kernel serves
it through its request pipeline (authentication, the method's permission, audit, errors as rich
statuses) and refuses at start-up a service whose methods do not all name a known permission.

The servicer never gets the kernel: its factory gets a `ServiceContext`, which reads customers,
records and inbound references as the caller of the RPC being served may see them (their scope,
their channel scope, masked unless they asked and may unmask), noting what it showed for the
audit log. Errors a servicer raises (`InvalidArgument`, `NotFound`) become statuses as the
kernel's own do.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message


@dataclass(frozen=True)
class PluginService:
    """A gRPC service a plugin contributes (returned by `grpc_services`).

    Attributes:
        descriptor: the service's descriptor, e.g.
            `vehicle_pb2.DESCRIPTOR.services_by_name["VehicleService"]`.
        add_to_server: the generated `add_VehicleServiceServicer_to_server(servicer, server)`.
        servicer: makes the servicer, given the context it reads through (called once per server).
        permissions: each method's name -> the permission it needs: a kernel permission
            (`customers.read`) or one a plugin declares with `permissions`. The pipeline checks
            the caller holds it somewhere; what the context reads is checked per customer.
    """

    descriptor: ServiceDescriptor
    add_to_server: Callable[[Any, Any], None]
    servicer: Callable[[ServiceContext], Any]
    permissions: Mapping[str, str]


@dataclass(frozen=True)
class Party:
    """A customer as the caller may see it.

    Attributes:
        opaque_id: stable id of the customer that reveals nothing (the same for every caller
            and call): what to name a masked customer by.
        masked: the customer is outside the caller's scope: every other attribute is empty.
        name: `customers/{customer_number}`.
        customer_number: the bank-wide customer number.
        customer_type: `INDIVIDUAL` or `ORGANIZATION`.
        display_name: the customer's display name.
        status: `ACTIVE`, `CLOSED` or `MERGED`.
    """

    opaque_id: str
    masked: bool
    name: str = ""
    customer_number: str = ""
    customer_type: str = ""
    display_name: str = ""
    status: str = ""


@dataclass(frozen=True)
class StoredRecord:
    """A subject record as the caller may see it (sensitive values masked unless it asked and may).

    Attributes:
        name: `customers/{customer_number}/records/{record_id}`.
        subject: its subject model.
        data: the plugin's message (a fresh copy).
    """

    name: str
    subject: str
    data: Message


@dataclass(frozen=True)
class InboundReference:
    """A record of another customer whose `customer_ref` field names this one.

    When the referring customer is outside the caller's scope, only that a link exists is
    shown: `referrer` is masked and `record` is empty.

    Attributes:
        referrer: the customer whose record it is.
        record: the record's resource name ("" when masked).
        subject: the record's subject model.
        field: the path of the field naming this customer, relative to the record (`counterparty`).
    """

    referrer: Party
    record: str
    subject: str
    field: str


class ServiceContext(abc.ABC):
    """What a plugin's servicer reads the kernel through, as the RPC's caller may see it.

    Every method runs in a read of its own, for the caller of the RPC being served on the thread
    (call it only while serving one). A customer outside the caller's scope reads as NOT_FOUND,
    as in every kernel read.
    """

    @abc.abstractmethod
    def customer(self, name: str, *, field: str = "name") -> Party:
        """The customer `customers/{customer_number}`, in the caller's scope (never masked).

        Raises:
            InvalidArgument: `name` is not a customer's resource name (naming `field`).
            NotFound: no such customer, or it is outside the caller's scope.
        """

    @abc.abstractmethod
    def party(self, name: str) -> Party | None:
        """The customer a stored reference names: in scope, or masked; None when no customer
        has that name (references are checked when written, so a stored one always has one)."""

    @abc.abstractmethod
    def in_scope(self, name: str) -> bool:
        """True when the customer exists and the caller may read it."""

    @abc.abstractmethod
    def records(self, customer: str, subject: str) -> list[StoredRecord]:
        """The customer's records of `subject`, oldest first: [] if the caller's channel scope
        does not cover the subject. NOT_FOUND for a customer outside the caller's scope."""

    @abc.abstractmethod
    def record(self, name: str) -> StoredRecord | None:
        """One record, `customers/{n}/records/{id}`; None when the caller may see its customer
        but not read it (its channel scope). NOT_FOUND when there is no such record or its
        customer is outside the caller's scope."""

    @abc.abstractmethod
    def inbound_references(self, customer: str, subject: str = "") -> list[InboundReference]:
        """The records of other customers that name `customer` (of `subject`, if given), oldest
        first; those of customers outside the caller's scope masked. NOT_FOUND for a customer
        outside the caller's scope."""
