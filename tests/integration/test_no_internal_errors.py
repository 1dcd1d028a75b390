"""No caller mistake answers INTERNAL: every RPC, sent empty or full of garbage, gets a clear status."""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError
from customer_core.kernel import pagination
from customer_core.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    customer_service_pb2,
    customer_service_pb2_grpc,
    ledger_pb2,
    ledger_pb2_grpc,
    subject_model_service_pb2,
)
from tests.integration.conftest import grant

METHODS = [
    (service.full_name, method)
    for module in (customer_service_pb2, subject_model_service_pb2, admin_service_pb2)
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods
]
CALLER_CODES = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ABORTED,
}


def garbage(message: Message, rng: random.Random, depth: int = 0) -> Message:
    """Fills every field with random values of its type (strings of any characters, odd numbers)."""
    for field in message.DESCRIPTOR.fields:
        if field.is_repeated or depth > 2:
            continue
        if field.type == FieldDescriptor.TYPE_STRING:
            alphabet = string.printable + "客户\x00/"
            setattr(
                message,
                field.name,
                "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))),
            )
        elif field.type == FieldDescriptor.TYPE_BYTES:
            setattr(message, field.name, rng.randbytes(rng.randint(0, 64)))
        elif field.type == FieldDescriptor.TYPE_ENUM:
            setattr(message, field.name, rng.randint(-5, 200))
        elif field.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64):
            setattr(message, field.name, rng.randint(-(2**31), 2**31 - 1))
        elif field.type in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64):
            setattr(message, field.name, rng.randint(0, 2**32 - 1))
        elif (
            field.type == FieldDescriptor.TYPE_MESSAGE
            and field.message_type.full_name != "google.protobuf.Any"
        ):
            garbage(getattr(message, field.name), rng, depth + 1)
    return message


@pytest.mark.parametrize(("service", "method"), METHODS, ids=[m.name for _, m in METHODS])
def test_empty_and_garbage_requests_get_caller_errors(
    target: str, token: str, service: str, method
) -> None:  # type: ignore[no-untyped-def]
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    rng = random.Random(method.name)
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(
            f"/{service}/{method.name}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class.FromString,
        )
        requests = [request_class()] + [garbage(request_class(), rng) for _ in range(20)]
        for request in requests:
            try:
                call(request, timeout=10, metadata=[("authorization", f"Bearer {token}")])
            except grpc.RpcError as error:
                assert error.code() in CALLER_CODES, (request, error.code(), error.details())


# ---- every method the server serves, found by reflection ----------------------------------------

#: Bytes no message of any type parses: field 1 as a varint whose continuation never ends.
UNDECODABLE = b"\x08\xff\xff"
#: The issue's example: field 1 length-delimited, 5 bytes that are not UTF-8 (a string field).
NOT_UTF8 = b"\x0a\x05\xff\xfe\xfd\xfc\xfb"
#: (seconds, nanos) no Timestamp or Duration of a request may hold.
OUT_OF_RANGE = [(253402300800, 0), (0, -1), (-62135596801, 0), (0, 1_000_000_000)]
WELL_KNOWN = {"google.protobuf.Timestamp", "google.protobuf.Duration"}


def reflected_methods(target: str) -> list[tuple[str, MethodDescriptor]]:
    """(service, method) of every service the server lists by reflection, but grpc's own."""
    with grpc.insecure_channel(target) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        pool = descriptor_pool.DescriptorPool(database)
        names = [n for n in database.get_services() if not n.startswith("grpc.")]
        return [(n, m) for n in names for m in pool.FindServiceByName(n).methods]


def well_known_fields(message: Descriptor, depth: int = 0) -> Iterator[tuple[str, ...]]:
    """Paths to every singular Timestamp or Duration field of `message`, nested a few deep."""
    for field in message.fields:
        if field.type != FieldDescriptor.TYPE_MESSAGE or field.is_repeated or depth > 2:
            continue
        if field.message_type.full_name in WELL_KNOWN:
            yield (field.name,)
        else:
            for path in well_known_fields(field.message_type, depth + 1):
                yield (field.name, *path)


def call_raw(
    channel: grpc.Channel, service: str, method: MethodDescriptor, body: bytes, token: str
) -> RPCError | None:
    """The error a call of `method` with `body` (the bytes as sent) ends with; None if it worked."""
    path, metadata = f"/{service}/{method.name}", [("authorization", f"Bearer {token}")]
    try:
        if method.server_streaming:
            stream = channel.unary_stream(path)(body, timeout=10, metadata=metadata)
            next(iter(stream), None)
            stream.cancel()
        else:
            channel.unary_unary(path)(body, timeout=10, metadata=metadata)
    except grpc.RpcError as error:
        return RPCError.from_call(error)
    return None


@pytest.fixture
def new_principal(server: RunningServer) -> tuple[str, str]:
    """A fresh administrator over the whole bank: (its name, its token)."""
    name = f"fuzzer-{uuid.uuid4().hex[:8]}"
    return name, grant(server.kernel, name, "admin")


def test_undecodable_requests_are_invalid_arguments_on_every_reflected_method(
    target: str, client: Client, new_principal: tuple[str, str]
) -> None:
    methods = reflected_methods(target)
    services = {s for s, _ in methods}
    assert {"customer_core.v1.CustomerService", "customer_core.v1.LedgerService"} <= services
    principal, token = new_principal
    with grpc.insecure_channel(target) as channel:
        for service, method in methods:
            error = call_raw(channel, service, method, UNDECODABLE, token)
            assert error is not None and error.code == grpc.StatusCode.INVALID_ARGUMENT, (
                method.full_name,
                error,
            )
            assert error.reason == "REQUEST_UNDECODABLE", method.full_name
            assert method.input_type.full_name in error.field_violations["request"]
        get_customer = next(m for s, m in methods if m.name == "GetCustomer")
        error = call_raw(channel, "customer_core.v1.CustomerService", get_customer, NOT_UTF8, token)
        assert error is not None
        assert (error.code, error.reason) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "REQUEST_UNDECODABLE",
        )
    # Audited like any refused call: as the caller, with its outcome (read as an auditor would).
    refused = {
        e.method
        for e in client.list_audit_events(principal=principal)
        if e.outcome == "INVALID_ARGUMENT"
    }
    assert {f"/{s}/{m.name}" for s, m in methods} <= refused


def test_undecodable_requests_of_an_unauthenticated_caller_are_refused_as_unauthenticated(
    target: str,
) -> None:
    with grpc.insecure_channel(target) as channel:
        for service, method in reflected_methods(target):
            path = f"/{service}/{method.name}"
            try:
                if method.server_streaming:
                    next(iter(channel.unary_stream(path)(UNDECODABLE, timeout=10)), None)
                else:
                    channel.unary_unary(path)(UNDECODABLE, timeout=10)
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.UNAUTHENTICATED, path
            else:
                raise AssertionError(f"{path} served an unauthenticated caller")


def test_out_of_range_well_known_types_are_caller_errors_on_every_reflected_method(
    target: str, token: str
) -> None:
    """Every Timestamp or Duration in any request, at each out-of-range value: never INTERNAL."""
    cases = set()
    with grpc.insecure_channel(target) as channel:
        for service, method in reflected_methods(target):
            request_class = message_factory.GetMessageClass(method.input_type)
            for path in well_known_fields(method.input_type):
                for seconds, nanos in OUT_OF_RANGE:
                    request = request_class()
                    value = request
                    for name in path:
                        value = getattr(value, name)
                    value.seconds, value.nanos = seconds, nanos
                    body = request.SerializeToString()
                    error = call_raw(channel, service, method, body, token)
                    assert error is None or error.code in CALLER_CODES, (method.name, path, error)
                    cases.add((method.name, ".".join(path)))
    assert {
        ("GetCustomer360", "as_of"),
        ("ListAuditEvents", "start_time"),
        ("ListAuditEvents", "end_time"),
    } <= cases


def rich(call: Callable[[], Any]) -> RPCError:
    """The error `call` raises, its details unpacked."""
    try:
        call()
    except grpc.RpcError as error:
        return RPCError.from_call(error)
    raise AssertionError("the call succeeded")


@pytest.mark.parametrize(
    ("field", "seconds", "nanos"),
    [("end_time", 253402300800, 0), ("start_time", 0, -1), ("start_time", -62135596801, 0)],
)
def test_list_audit_events_names_the_out_of_range_time(
    target: str, token: str, field: str, seconds: int, nanos: int
) -> None:
    request = admin_service_pb2.ListAuditEventsRequest()
    getattr(request, field).seconds = seconds
    getattr(request, field).nanos = nanos
    with grpc.insecure_channel(target) as channel:
        stub = admin_service_pb2_grpc.AuditServiceStub(channel)
        metadata = [("authorization", f"Bearer {token}")]
        error = rich(lambda: stub.ListAuditEvents(request, metadata=metadata, timeout=10))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert list(error.field_violations) == [field]


def test_get_customer_360_names_an_out_of_range_as_of(
    client: Client, target: str, token: str, org_unit: str
) -> None:
    customer = client.create_customer(type="individual", owning_org_unit=org_unit, display_name="A")
    with grpc.insecure_channel(target) as channel:
        stub = customer_service_pb2_grpc.CustomerServiceStub(channel)
        metadata = [("authorization", f"Bearer {token}")]
        for seconds, nanos in OUT_OF_RANGE:
            request = customer_service_pb2.GetCustomer360Request(name=customer.name)
            request.as_of.seconds, request.as_of.nanos = seconds, nanos
            error = rich(lambda r=request: stub.GetCustomer360(r, metadata=metadata, timeout=10))
            assert error.code == grpc.StatusCode.INVALID_ARGUMENT
            assert list(error.field_violations) == ["as_of"]


def test_forged_page_tokens_are_invalid_arguments(
    client: Client, target: str, token: str, org_unit: str
) -> None:
    """Page tokens are opaque, but a caller can still make one up: its mistake, not ours."""
    customer = client.create_customer(type="individual", owning_org_unit=org_unit, display_name="A")
    records_scope, history_scope = f"{customer.name}|", f"{customer.name}|"
    forged = [
        (records_scope, ["not a time", "not a uuid"]),
        (records_scope, ["2026-01-01T00:00:00", str(uuid.uuid4())]),  # a time without a zone
        (history_scope, [10**30]),
        (history_scope, [-1]),
    ]
    metadata = [("authorization", f"Bearer {token}")]
    with grpc.insecure_channel(target) as channel:
        records = customer_service_pb2_grpc.CustomerServiceStub(channel)
        history = ledger_pb2_grpc.LedgerServiceStub(channel)
        audits = admin_service_pb2_grpc.AuditServiceStub(channel)
        for scope, key in forged:
            page_token = pagination.encode_token(key, scope)
            calls = [
                lambda t=page_token: records.ListSubjectRecords(
                    customer_service_pb2.ListSubjectRecordsRequest(
                        parent=customer.name, page_token=t
                    ),
                    metadata=metadata,
                ),
                lambda t=page_token: history.ListCustomerHistory(
                    ledger_pb2.ListCustomerHistoryRequest(customer=customer.name, page_token=t),
                    metadata=metadata,
                ),
            ]
            if len(key) == 2:
                audit_token = pagination.encode_token(key, "|||")
                calls.append(
                    lambda t=audit_token: audits.ListAuditEvents(
                        admin_service_pb2.ListAuditEventsRequest(page_token=t),
                        metadata=metadata,
                    )
                )
            for call in calls:
                error = rich(call)
                assert error.code == grpc.StatusCode.INVALID_ARGUMENT, (key, error)
                assert list(error.field_violations) == ["page_token"]
