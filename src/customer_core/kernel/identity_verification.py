"""VerifyIdentity: does what a caller claims of a customer match what is on file?

A counter or call centre checks who it speaks to: per claimed attribute the answer is match,
mismatch or not on file, never the stored value. A claimed value is first normalized as the
model's plugin normalizes a stored one (a 15-digit resident ID upgraded, a phone to E.164). A
sensitive match key is compared through its blind index (HMAC-SM3 of the normalized value), so
no stored ciphertext is decrypted; a field that is not sensitive is compared with the records'
own values. Sensitive fields that are not match keys cannot be verified. Each call is charged to
the caller and to the customer (`rate_limits`), so the RPC cannot be used to try ID numbers one
after another.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.errors import InvalidArgument, NotFound, ResourceExhausted
from customer_core.kernel import access
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.cross_references import customer_of
from customer_core.kernel.names import parse_customer_name
from customer_core.kernel.rate_limits import RateLimiter
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.records import model_named
from customer_core.kernel.sealing import normalize
from customer_core.kernel.subject_model import FieldSpec, SubjectModel
from customer_core.storage.tables import blind_indexes, subject_records
from customer_core.v1 import customer_service_pb2 as svc

#: The `ErrorInfo.reason` of a verification refused by a rate limit.
RATE_LIMITED = "VERIFICATION_RATE_LIMITED"
MAX_CLAIMS = 10
Verdict = svc.ClaimVerdict


class Limits:
    """The two limits a verification is charged to: its caller's and its customer's."""

    def __init__(self, per_caller: int, per_customer: int, window: float = 60.0) -> None:
        self._limiters = {
            "caller": RateLimiter(per_caller, window),
            "customer": RateLimiter(per_customer, window),
        }

    def charge(self, kind: str, key: str) -> None:
        """Charges the `kind` ("caller" or "customer") limit for `key`; RESOURCE_EXHAUSTED past it."""
        limiter = self._limiters[kind]
        wait = limiter.charge(key)
        if wait is not None:
            raise ResourceExhausted(
                f"too many identity verifications for this {kind}; try again later",
                reason=RATE_LIMITED,
                metadata={"limit": f"{limiter.limit} per {limiter.window:g} s", "per": kind},
                retry_delay=max(wait, 0.001),
            )


def verify(
    connection: Connection, codec: RecordCodec, request: svc.VerifyIdentityRequest, limits: Limits
) -> svc.VerifyIdentityResponse:
    """The verdict on each claim of `request` (see the module's docstring)."""
    if not request.claims:
        raise InvalidArgument.field("claims", "is required: at least one claimed attribute")
    if len(request.claims) > MAX_CLAIMS:
        raise InvalidArgument.field("claims", f"at most {MAX_CLAIMS} claims in one call")
    claims = _normalized(codec, request.claims)
    limits.charge("caller", current().principal.name)
    row = _customer(connection, request)
    limits.charge("customer", row.customer_number)
    answer = svc.VerifyIdentityResponse(customer=f"customers/{row.customer_number}")
    for model, spec, value in claims:
        outcome = (
            _by_blind_index(connection, codec, row, model, spec, value)
            if spec.rules.sensitive
            else _by_value(connection, row, model, spec, value)
        )
        answer.verdicts.add(subject=model.name, field=spec.path, outcome=outcome)
    return answer


def _field(
    codec: RecordCodec, claim: svc.IdentityClaim, path: str
) -> tuple[SubjectModel, FieldSpec]:
    """The model and field of a claim; INVALID_ARGUMENT naming what is wrong."""
    model = model_named(codec.registry, claim.subject, path)
    spec = next((f for f in model.fields if f.path == claim.field), None)
    if spec is None or spec.repeated or spec.descriptor.message_type is not None:
        raise InvalidArgument.field(
            f"{path}.field", f"is not a single-valued field of {model.name!r}"
        )
    if spec.rules.sensitive and not spec.rules.match_key:
        raise InvalidArgument.field(
            f"{path}.field", "is sensitive and not a match key: it cannot be verified"
        )
    if spec.descriptor.type not in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_ENUM):
        raise InvalidArgument.field(f"{path}.field", "only text and enum fields can be verified")
    if not claim.value.strip():
        raise InvalidArgument.field(f"{path}.value", "is required")
    return model, spec


def _normalized(codec: RecordCodec, claims: Any) -> list[tuple[SubjectModel, FieldSpec, str]]:
    """Each claim's model, field and value as the model's plugin would store it: the claims of
    a subject go into one record, normalized together (an ID type with its number)."""
    fields = [_field(codec, claim, f"claims[{i}]") for i, claim in enumerate(claims)]
    messages: dict[tuple[str, str], Message] = {}
    keys = [_record_of(model, spec) for model, spec in fields]
    for i, ((model, spec), claim) in enumerate(zip(fields, claims, strict=True)):
        message = messages.setdefault(keys[i], model.message_class())
        *parents, leaf = spec.path.split(".")
        holder: Any = message
        for part in parents:
            holder = getattr(holder, part)
        if spec.descriptor.type == FieldDescriptor.TYPE_ENUM:
            enum: Any = spec.descriptor.enum_type
            value = enum.values_by_name.get(claim.value.strip())
            if value is None:
                raise InvalidArgument.field(
                    f"claims[{i}].value", "is not a value of the field's enum"
                )
            setattr(holder, leaf, value.number)
        else:
            setattr(holder, leaf, claim.value)
    for message in messages.values():
        owner = codec.registry.model_of(message)
        assert owner is not None
        codec.registry.normalize(owner, message)
    return [
        (model, spec, str(_value_at(messages[key], spec) or claim.value))
        for (model, spec), claim, key in zip(fields, claims, keys, strict=True)
    ]


def _record_of(model: SubjectModel, spec: FieldSpec) -> tuple[str, str]:
    """Which record a claim is put into to be normalized: one per subject, and one per member of
    a top-level oneof (a phone and an e-mail are two contact records)."""
    top = model.descriptor.fields_by_name[spec.path.split(".")[0]]
    return model.name, top.name if top.containing_oneof is not None else ""


def _value_at(message: Message, spec: FieldSpec) -> Any:
    holder: Any = message
    *parents, leaf = spec.path.split(".")
    for part in parents:
        if not holder.HasField(part):
            return None
        holder = getattr(holder, part)
    value = getattr(holder, leaf)
    if spec.descriptor.type == FieldDescriptor.TYPE_ENUM:
        enum: Any = spec.descriptor.enum_type
        return enum.values_by_number[value].name if value else None
    return value or None


def _customer(connection: Connection, request: svc.VerifyIdentityRequest) -> Any:
    """The customer's row: by name or by cross-reference (NOT_FOUND outside the caller's scope)."""
    if request.name and request.HasField("cross_reference"):
        raise InvalidArgument.field("cross_reference", "give either name or cross_reference")
    if request.name:
        number = parse_customer_name(request.name, "name")
        return customer_ops.load(connection, number, roles.CUSTOMERS_VERIFY)
    xref = request.cross_reference
    if not (xref.source_system and xref.local_id):
        raise InvalidArgument.field("name", "is required (or a cross_reference with both parts)")
    row = customer_of(connection, xref.source_system, xref.local_id)
    if row is None or not access.can_read(row):
        raise NotFound(
            "customer_core.v1.CrossReference",
            f"{xref.source_system}/{xref.local_id}",
            f"no customer is linked to {xref.source_system} record {xref.local_id}",
        )
    access.require(row, roles.CUSTOMERS_VERIFY)
    return row


def _by_blind_index(
    connection: Connection,
    codec: RecordCodec,
    row: Any,
    model: SubjectModel,
    spec: FieldSpec,
    value: str,
) -> int:
    digests = set(
        connection.execute(
            select(blind_indexes.c.digest).where(
                blind_indexes.c.customer_id == row.id,
                blind_indexes.c.subject == model.name,
                blind_indexes.c.field_path == spec.path,
            )
        ).scalars()
    )
    if not digests:
        return Verdict.OUTCOME_NOT_ON_FILE
    claimed = codec.cipher.blind_digest(model.name, spec.path, value)
    return Verdict.OUTCOME_MATCH if claimed in digests else Verdict.OUTCOME_MISMATCH


def _by_value(
    connection: Connection, row: Any, model: SubjectModel, spec: FieldSpec, value: str
) -> int:
    payloads = connection.execute(
        select(subject_records.c.payload).where(
            subject_records.c.customer_id == row.id, subject_records.c.subject == model.name
        )
    ).scalars()
    held = [_value_at(model.message_class.FromString(p), spec) for p in payloads]
    held = [v for v in held if v is not None]
    if not held:
        return Verdict.OUTCOME_NOT_ON_FILE
    wanted = normalize(value)
    return (
        Verdict.OUTCOME_MATCH
        if any(normalize(str(v)) == wanted for v in held)
        else Verdict.OUTCOME_MISMATCH
    )
