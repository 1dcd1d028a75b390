"""The plugin contract: every hook a subject-model plugin may implement, and nothing else.

A plugin is a module (or object) registered under the `customer_core.plugins` entry-point group.
It implements any of these hooks with `@hookimpl`; the kernel refuses at start-up a plugin that
implements a hook not listed here or with arguments these specifications do not name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pluggy
from google.protobuf.message import Message

from customer_core.errors import FieldViolation

#: The name pluggy's markers and the plugin manager share.
PROJECT = "customer_core"
#: The entry-point group plugins are discovered through.
ENTRY_POINT_GROUP = "customer_core.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class CustomerFacts:
    """What a plugin may know of the customer a record belongs to.

    Attributes:
        customer_number: the bank-wide customer number ("" while the customer is being created).
        customer_type: `INDIVIDUAL` or `ORGANIZATION`.
    """

    customer_number: str
    customer_type: str


@hookspec
def subject_models() -> Sequence[type[Message]]:  # type: ignore[empty-body]
    """Returns the protobuf message classes of the subject models this plugin contributes.

    Each message must carry the `(customer_core.v1.subject_model)` option (name, schema version,
    flags); its fields may carry `(customer_core.v1.field)` rules (sensitive, match key, required,
    length, pattern). The kernel stores, validates and serves records of these types with no
    further code and no DDL.
    """


@hookspec
def normalize_record(subject: str, record: Message) -> None:
    """Normalizes a record of `subject` in place before it is validated and stored.

    Called for every record written, of every subject model; ignore subjects that are not yours.
    Typical work: trim spaces, upper-case document numbers, canonical phone formats.
    """


@hookspec
def validate_record(
    subject: str, record: Message, customer: CustomerFacts
) -> Iterable[FieldViolation] | None:
    """Checks a record of `subject` beyond its declared field rules.

    Called after the field rules passed, for every record of every subject model; ignore subjects
    that are not yours. Return the violations found, each with a field path relative to the record
    (e.g. `id_number`); the kernel reports them as INVALID_ARGUMENT under the request's path.
    """
