"""Match keys: a customer's records turned into the digests identification compares.

Each value is normalized first as data quality leaves it and then folded further: NFKC
(full-width to half-width), upper case, no spaces or dashes, traditional characters to simplified
(OpenCC). A rule's values are joined and HMAC-SM3'd under the blind-index key, so a digest reveals
nothing of the values and equal digests mean equal values; nothing of a match key is stored in
clear. Enum values count by name.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.kernel.matching.policy import Policy, Rule
from customer_core.kernel.registry import Registry
from customer_core.kernel.sealing import FieldCipher, normalize
from customer_core.kernel.subject_model import is_repeated

#: Most keys one rule makes of one customer (documents by names by phones).
MAX_KEYS_PER_RULE = 64

_T2S = opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Key:
    tier: str
    rule: str
    digest: str


@lru_cache(maxsize=65536)
def fold(value: str) -> str:
    """The form a match-key value is compared in (see the module docstring)."""
    return str(_T2S.convert(normalize(value).replace("·", "").replace(".", "")))


def values_at(message: Message, path: str) -> list[str]:
    """The values of a (dotted) field path of a message as strings: enums by name, repeated
    fields and repeated parents flattened, unset and empty values left out."""
    head, _, rest = path.partition(".")
    descriptor = message.DESCRIPTOR.fields_by_name.get(head)
    if descriptor is None:
        return []
    repeated = is_repeated(descriptor)
    if descriptor.type == FieldDescriptor.TYPE_MESSAGE:
        if not rest:
            return []
        if repeated:
            return [v for item in getattr(message, head) for v in values_at(item, rest)]
        return values_at(getattr(message, head), rest) if message.HasField(head) else []
    items = list(getattr(message, head)) if repeated else [getattr(message, head)]
    if descriptor.type == FieldDescriptor.TYPE_ENUM:
        enum = descriptor.enum_type
        assert enum is not None
        return [enum.values_by_number[v].name for v in items if v and v in enum.values_by_number]
    return [str(v) for v in items if v not in ("", 0, False)]


def usable(policy: Policy, subject: str, message: Message) -> bool:
    """False for a record the policy keeps out of identification (an *other* or revoked ID)."""
    return not any(
        value in values_at(message, path) for path, value in policy.excluded.get(subject, ())
    )


def restrict(policy: Policy, registry: Registry) -> Policy:
    """The policy's rules whose subject models this deployment loads.

    Raises:
        ValueError: a rule names a field its (loaded) subject model does not have.
    """
    kept = []
    for rule in policy.rules:
        models = {subject: registry.get(subject) for subject in rule.subjects()}
        if any(m is None for m in models.values()):
            continue
        for subject, paths in rule.subjects().items():
            model = models[subject]
            assert model is not None
            known = {f.path for f in model.fields}
            missing = [p for p in paths if p not in known]
            if missing:
                raise ValueError(f"match rule {rule.name}: {subject} has no field {missing[0]}")
        kept.append(rule)
    return Policy(tuple(kept), policy.auto_merge, policy.excluded, policy.source_priority)


def _tuples(paths: Sequence[str], messages: Sequence[Message]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for message in messages:
        columns = [sorted({fold(v) for v in values_at(message, p)} - {""}) for p in paths]
        if all(columns):
            found.update(itertools.product(*columns))
    return found


def rule_values(
    policy: Policy, rule: Rule, records: Sequence[tuple[str, Message]]
) -> Iterator[tuple[str, ...]]:
    """The combinations of folded values a customer's records give a rule (at most
    MAX_KEYS_PER_RULE)."""
    per_subject = []
    for subject, paths in rule.subjects().items():
        messages = [m for s, m in records if s == subject and usable(policy, s, m)]
        combos = _tuples(paths, messages)
        if not combos:
            return
        per_subject.append(sorted(combos))
    for n, parts in enumerate(itertools.product(*per_subject)):
        if n == MAX_KEYS_PER_RULE:
            return
        yield tuple(v for part in parts for v in part)


def keys_of(
    policy: Policy,
    cipher: FieldCipher,
    customer_type: str,
    records: Iterable[tuple[str, Message]],
) -> list[Key]:
    """The match keys of a customer of `customer_type` with these (subject, message) records."""
    listed = list(records)
    keys: dict[str, Key] = {}
    for rule in policy.for_type(customer_type):
        for values in rule_values(policy, rule, listed):
            digest = cipher.blind_digest(
                "match", f"{customer_type}:{rule.tier}:{rule.name}",
                "".join(f"{len(v)}:{v}" for v in values),
            )  # fmt: skip
            keys.setdefault(digest, Key(rule.tier, rule.name, digest))
    return list(keys.values())


def attribute_values(
    policy: Policy, records: Iterable[tuple[str, Message]], attribute: str
) -> set[str]:
    """The folded values of one `subject.field` attribute across a customer's usable records."""
    subject, _, path = attribute.partition(".")
    return {
        fold(v)
        for s, m in records
        if s == subject and usable(policy, s, m)
        for v in values_at(m, path)
    } - {""}
