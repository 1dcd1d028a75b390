"""The plugin contract: every hook a subject-model plugin may implement, and nothing else.

A plugin is a module (or object) registered under the `customer_core.plugins` entry-point group.
It implements any of these hooks with `@hookimpl`; the kernel refuses at start-up a plugin that
implements a hook not listed here (pluggy's `check_pending`) or with arguments these
specifications do not name.

The record hooks (`normalize_record`, `complete_record`, `validate_record`) are called only for
records of the plugin's own subject models, so they need not check `subject`: it tells which of
the plugin's models the record is of.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import pluggy
from google.protobuf.message import Message

from customer_core.errors import FieldViolation
from customer_core.plugin._services import PluginService

#: The name pluggy's markers and the plugin manager share.
PROJECT = "customer_core"
#: The entry-point group plugins are discovered through.
ENTRY_POINT_GROUP = "customer_core.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class Severity(enum.Enum):
    """What a data-quality rule's finding does to the write."""

    #: The write is refused: INVALID_ARGUMENT, the rule id as the field violation's reason.
    ERROR = "ERROR"
    #: The record is stored, and the issue with it, for a data steward to review.
    WARNING = "WARNING"


class Kind(enum.Enum):
    """What a data-quality rule does to a record."""

    #: Checks it: its findings are `QualityIssue`s (from `validate_record`).
    VALIDATE = "VALIDATE"
    #: Corrects a value to its canonical form (in `normalize_record`, reported as a `Fix`).
    CORRECT = "CORRECT"
    #: Fills in what can be derived (in `complete_record`, reported as a `Fix`).
    COMPLETE = "COMPLETE"


@dataclass(frozen=True)
class QualityRule:
    """A data-quality rule of one of the plugin's subject models (returned by `quality_rules`).

    Attributes:
        id: stable UPPER_SNAKE_CASE id starting with the model's name, e.g.
            `INDIVIDUAL_BIRTH_DATE_MATCHES_RESIDENT_ID`: an issue's `rule_id` and a refusal's
            field-violation reason.
        subject: the subject model it checks (one of the plugin's own).
        severity: `Severity.ERROR` refuses the write, `Severity.WARNING` stores it with an issue.
        description: one sentence for data stewards (ListSubjectModels shows it).
        kind: `Kind.VALIDATE` (the default), `Kind.CORRECT` or `Kind.COMPLETE`. A correcting or
            completing rule's severity is that of the issue it raises when it cannot do its work
            (usually WARNING); what it changes is reported as a `Fix`.
    """

    id: str
    subject: str
    severity: Severity
    description: str
    kind: Kind = Kind.VALIDATE


@dataclass(frozen=True)
class Fix:
    """Which rule changed a field (returned by `normalize_record` and `complete_record`).

    The kernel compares the record before and after the hook itself, so the values need not be
    given: each changed field is put down to the `Fix` naming it or a field above it (`address`
    covers `address.province`), and the change (rule, field, value as received, new value) goes
    into the write's ledger entry, sealed when the field is sensitive. A change no `Fix` names is
    put down to the kernel's `RECORD_NORMALIZED` or `RECORD_COMPLETED` rule.

    Attributes:
        rule: the id of one of the plugin's declared CORRECT or COMPLETE rules.
        field: the path of the changed field, relative to the record (e.g. `id_number`).
    """

    rule: str
    field: str


@dataclass(frozen=True)
class ExpectedAttribute:
    """An attribute a complete customer of some type has (returned by `expected_attributes`).

    Attributes:
        subject: one of the plugin's models.
        field: a field path in it that is set in at least one of the customer's records of
            that model; empty: the customer has at least one record of the model.
        description: a few words for people, e.g. "mobile phone".
    """

    subject: str
    field: str
    description: str


@dataclass(frozen=True)
class QualityIssue:
    """A finding of a declared rule on a record (returned by `validate_record`).

    Attributes:
        rule: the id of one of the plugin's declared `QualityRule`s; its severity applies.
        field: the path of the field concerned, relative to the record (e.g. `birth_date`);
            empty for the record as a whole.
        message: what is wrong, for people. Never quote a sensitive value: the kernel masks any
            sensitive value of the customer's records that it finds in a message all the same.
    """

    rule: str
    field: str
    message: str


@dataclass(frozen=True)
class Permission:
    """A permission a plugin adds to the role table (returned by `permissions`).

    Attributes:
        name: dotted lower-case name under the plugin's name, e.g. `loyalty.points.adjust`.
        description: one sentence.
        roles: the built-in roles that hold it (`admin` holds every permission).
    """

    name: str
    description: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerFacts:
    """What a plugin may know of the customer a record belongs to.

    Attributes:
        customer_number: the bank-wide customer number ("" while the customer is being created).
        customer_type: `INDIVIDUAL` or `ORGANIZATION`.
    """

    customer_number: str
    customer_type: str


def _nothing(subject: str, in_clear: bool) -> Sequence[Message]:
    return ()


@dataclass(frozen=True)
class CustomerView(CustomerFacts):
    """The customer a record belongs to, with a read-only view of its other records.

    `records(subject)` gives the customer's records of a subject model, whatever the caller may
    read (so that a rule gives the same answer whoever writes), with their sensitive values
    masked as responses show them. Only a rule that needs a sensitive value asks for it with
    `in_clear=True` (the kernel then decrypts); such values are for checking and completing the
    record being written only: never copy one into a message, a log or another model's field.
    While a customer is being created, the records are the other records of the same request.
    The record being written is never among them. Each call returns fresh copies, so changing
    them changes nothing stored; the records of a subject are read when first asked for.
    """

    _load: Callable[[str, bool], Sequence[Message]] = field(
        default=_nothing, repr=False, compare=False
    )
    _loaded: dict[tuple[str, bool], tuple[Message, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def records(self, subject: str, *, in_clear: bool = False) -> list[Message]:
        """The customer's other records of `subject`, oldest first; [] for an unknown subject."""
        key = (subject, in_clear)
        if key not in self._loaded:
            self._loaded[key] = tuple(self._load(subject, in_clear))
        copies = []
        for record in self._loaded[key]:
            copy = type(record)()
            copy.CopyFrom(record)
            copies.append(copy)
        return copies

    def loaded_in_clear(self) -> list[Message]:
        """Every record read in clear so far (the kernel masks their sensitive values wherever a
        plugin's message quotes one)."""
        return [r for (_, clear), records in self._loaded.items() if clear for r in records]


@hookspec
def subject_models() -> Sequence[type[Message]]:  # type: ignore[empty-body]
    """Returns the protobuf message classes of the subject models this plugin contributes.

    Each message must carry the `(customer_core.v1.subject_model)` option (name, schema version,
    flags, survivorship); its fields may carry `(customer_core.v1.field)` rules (sensitive, match
    key, required, length, pattern, references, match tiers, blocking, survivorship). The kernel
    stores, validates and serves records of these types with no further code and no DDL.
    """


@hookspec
def normalize_record(subject: str, record: Message) -> Iterable[Fix] | None:
    """Normalizes a record of one of the plugin's models in place, first of all.

    Typical work: trim spaces, upper-case document numbers, canonical phone formats. Returns a
    `Fix` per field a CORRECT rule changed (or may have: one naming an unchanged field is ignored).
    """


@hookspec
def complete_record(subject: str, record: Message, customer: CustomerView) -> Iterable[Fix] | None:
    """Fills in, in place, what a record of one of the plugin's models lacks and can be derived.

    Called after `normalize_record` and before the field rules are checked, with a view of the
    customer's other records: e.g. a birth date and gender taken from a resident ID number.
    Returns a `Fix` per field a COMPLETE rule filled in (a CORRECT rule's fix is allowed too).
    """


@hookspec
def validate_record(
    subject: str, record: Message, customer: CustomerView
) -> Iterable[FieldViolation | QualityIssue] | None:
    """Checks a record of one of the plugin's models beyond its declared field rules.

    Called once the field rules passed, with a view of the customer's other records (for
    consistency rules such as "one primary document"). Return what was found, each with a field
    path relative to the record (e.g. `id_number`): a `FieldViolation` refuses the write
    (INVALID_ARGUMENT under the request's path); a `QualityIssue` names one of the plugin's
    declared rules, whose severity decides: ERROR refuses, WARNING stores the record with the
    issue (returned on the write's response, kept for data stewards).
    """


@hookspec
def record_expiry(subject: str, record: Message) -> date | None:
    """The last day a record of one of the plugin's models holds, if it lapses and still says it
    holds (e.g. an identity document's `valid_to` while its status is valid); None otherwise.

    The kernel's expiry job (`customer-core records expire`, `ExpireRecords`) marks records past
    that day expired with `expire_record`, and `ListExpiringRecords` lists those lapsing soon.
    """


@hookspec
def expire_record(subject: str, record: Message) -> None:
    """Marks, in place, a record of one of the plugin's models that has lapsed as expired (e.g.
    its status `ID_STATUS_EXPIRED`); the kernel stores it as a ledgered change of the job."""


@hookspec
def quality_rules() -> Sequence[QualityRule]:  # type: ignore[empty-body]
    """Declares the data-quality rules of the plugin's models: id, model, severity, description.

    The kernel refuses at start-up a rule of another plugin's model or a duplicate id, and a
    `QualityIssue` naming a rule that was not declared fails the write (a plugin bug).
    """


@hookspec
def expected_attributes(customer_type: str) -> Sequence[ExpectedAttribute]:  # type: ignore[empty-body]
    """The attributes of the plugin's models a complete customer of `customer_type`
    (`INDIVIDUAL` or `ORGANIZATION`) has: the 360 view's completeness score is the share of them
    the customer's records hold."""


@hookspec
def permissions() -> Sequence[Permission]:  # type: ignore[empty-body]
    """Declares the permissions the plugin adds to the role table, and the roles holding them.

    `ListRoles` shows them and role bindings grant them; `admin` holds them all.
    """


@hookspec
def grpc_services() -> Sequence[PluginService]:  # type: ignore[empty-body]
    """Returns the plugin's own gRPC services, each with the permission every method needs.

    The kernel serves them through its request pipeline (authentication, the method's
    permission, audit) and refuses at start-up a service with a method that names no known
    permission (a kernel one or one a plugin declares). The servicer's factory gets a
    `ServiceContext` (reads as the caller may see them), never the kernel.
    """
