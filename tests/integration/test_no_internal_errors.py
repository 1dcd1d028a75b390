"""No caller mistake answers INTERNAL: every RPC, sent empty or full of garbage, gets a clear status."""

from __future__ import annotations

import random
import string

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.v1 import admin_service_pb2, customer_service_pb2, subject_model_service_pb2

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
