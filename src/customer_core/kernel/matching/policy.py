"""The precision tiers of identification, as the bank defines them, and what each tier does.

The default is the bank's own table (README, "Identification and consolidation"):

| tier | individual | organization |
|---|---|---|
| highest | ID type + ID number + name | organization code + name |
| high | ID type + ID number | organization code |
| medium | ID number + name | registration no., business licence no. or loan card no. |
| low | name + birth date + phone or address | account-opening permit, tax registration no., full name |

A rule names its attributes as `subject.field` paths; the attributes of one subject come from one
record (an ID type and number from the same document). Only the highest tier merges
automatically; the others list the pair for a steward. A deployment replaces the table with
`CUSTOMER_CORE_MATCH_POLICY_FILE` (JSON: `{"rules": [{"customer_type", "tier", "fields"}],
"excluded": {"subject": [["field", "ENUM_VALUE"]]}}`) and the automatic tiers with
`CUSTOMER_CORE_MATCH_AUTO_MERGE_TIERS`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

TIERS = ("HIGHEST", "HIGH", "MEDIUM", "LOW")
INDIVIDUAL = "INDIVIDUAL"
ORGANIZATION = "ORGANIZATION"


@dataclass(frozen=True)
class Rule:
    """One match key: the attributes whose values, all present and equal, make two customers
    meet `tier`."""

    customer_type: str
    tier: str
    fields: tuple[str, ...]

    @property
    def name(self) -> str:
        return "+".join(self.fields)

    def subjects(self) -> dict[str, tuple[str, ...]]:
        """The rule's field paths (inside their record) by subject model, in order."""
        grouped: dict[str, list[str]] = {}
        for ref in self.fields:
            subject, _, path = ref.partition(".")
            grouped.setdefault(subject, []).append(path)
        return {subject: tuple(paths) for subject, paths in grouped.items()}


@dataclass(frozen=True)
class Policy:
    """The rules, the tiers that merge without a steward, the records never used to match, and
    the source systems a merge trusts first."""

    rules: tuple[Rule, ...]
    auto_merge: frozenset[str] = frozenset({"HIGHEST"})
    #: Per subject, (field, enum value name) pairs that keep a record out of identification.
    excluded: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    source_priority: tuple[str, ...] = ("CORE",)

    def for_type(self, customer_type: str) -> list[Rule]:
        return [r for r in self.rules if r.customer_type == customer_type]

    def subjects(self) -> frozenset[str]:
        """The subject models some rule reads: writing one of their records may change a key."""
        return frozenset(s for r in self.rules for s in r.subjects())

    def attributes(self, customer_type: str) -> list[str]:
        """Every attribute the rules of a customer type compare, in first-use order."""
        seen: dict[str, None] = {}
        for rule in self.for_type(customer_type):
            seen.update(dict.fromkeys(rule.fields))
        return list(seen)


def _rules(customer_type: str, table: Iterable[tuple[str, tuple[str, ...]]]) -> list[Rule]:
    return [Rule(customer_type, tier, fields) for tier, fields in table]


_ID = ("identification.id_type", "identification.id_number")
_NAME = "individual.name"
_ORG_NAME = "organization.legal_name"
_CODES = ("organization.unified_social_credit_code", "organization.organization_code")

DEFAULT_RULES = tuple(
    _rules(
        INDIVIDUAL,
        [
            ("HIGHEST", (*_ID, _NAME)),
            ("HIGH", _ID),
            ("MEDIUM", ("identification.id_number", _NAME)),
            ("LOW", (_NAME, "individual.birth_date", "contact.phone.number")),
            ("LOW", (_NAME, "individual.birth_date", "contact.address.street")),
        ],
    )
    + _rules(
        ORGANIZATION,
        [("HIGHEST", (code, _ORG_NAME)) for code in _CODES]
        + [("HIGH", (code,)) for code in _CODES]
        + [
            ("MEDIUM", (f"organization.{f}",))
            for f in ("registration_number", "business_licence_number", "loan_card_number")
        ]
        + [
            ("LOW", (f"organization.{f}",))
            for f in (
                "account_opening_permit_number",
                "national_tax_registration_number",
                "local_tax_registration_number",
            )
        ]
        + [("LOW", (_ORG_NAME,))],
    )
)

#: Documents of type *other* never identify anyone, nor does a revoked document.
DEFAULT_EXCLUDED: Mapping[str, tuple[tuple[str, str], ...]] = {
    "identification": (("id_type", "ID_TYPE_OTHER"), ("status", "ID_STATUS_REVOKED")),
}


def tiers_of(text: str) -> frozenset[str]:
    """The tiers named in a comma-separated setting (`highest,high`); ValueError naming a bad one."""
    named = {t.strip().upper() for t in text.split(",") if t.strip()}
    unknown = named - set(TIERS)
    if unknown:
        raise ValueError(f"not a precision tier: {', '.join(sorted(unknown))}")
    return frozenset(named)


def load(
    policy_file: str = "", auto_merge_tiers: str = "highest", source_priority: str = "CORE"
) -> Policy:
    """The policy of a deployment's settings (the bank's table when `policy_file` is empty)."""
    rules: tuple[Rule, ...] = DEFAULT_RULES
    excluded = DEFAULT_EXCLUDED
    if policy_file:
        spec = json.loads(Path(policy_file).read_text(encoding="utf-8"))
        rules = tuple(
            Rule(str(r["customer_type"]).upper(), str(r["tier"]).upper(), tuple(r["fields"]))
            for r in spec["rules"]
        )
        bad = sorted({r.tier for r in rules} - set(TIERS))
        if bad:
            raise ValueError(f"{policy_file}: not a precision tier: {', '.join(bad)}")
        excluded = {
            subject: tuple((str(f), str(v)) for f, v in pairs)
            for subject, pairs in spec.get("excluded", {}).items()
        }
    return Policy(
        rules=rules,
        auto_merge=tiers_of(auto_merge_tiers),
        excluded=excluded,
        source_priority=tuple(s.strip() for s in source_priority.split(",") if s.strip()),
    )


def tier_rank(tier: str) -> int:
    """0 for HIGHEST … 3 for LOW (lower is more precise)."""
    return TIERS.index(tier)
