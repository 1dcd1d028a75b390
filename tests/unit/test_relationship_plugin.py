"""The `relationship` plugin's rules, called as the registry routes them."""

from __future__ import annotations

from customer_core_relationship.v1 import relationship_pb2 as rp

from customer_core.kernel.registry import load_registry
from customer_core.plugin import CustomerView, FieldViolation, QualityIssue

REGISTRY = load_registry(["relationship"])
MODEL = REGISTRY.get("relationship")
PERSON = CustomerView("", "INDIVIDUAL")
COMPANY = CustomerView("", "ORGANIZATION")
OTHER = "customers/110105194912310021"
K = rp.RelationshipKind


def found(record: rp.Relationship, customer: CustomerView = PERSON) -> list[tuple[str, str]]:
    assert MODEL is not None
    REGISTRY.normalize(MODEL, record)
    return [
        (v.rule if isinstance(v, QualityIssue) else "", v.field)
        for v in REGISTRY.validate(MODEL, record, customer)
        if isinstance(v, QualityIssue | FieldViolation)
    ]


def test_a_spouse_links_individuals_and_a_subsidiary_organizations() -> None:
    assert found(rp.Relationship(kind=K.RELATIONSHIP_KIND_SPOUSE, counterparty=OTHER)) == []
    assert found(rp.Relationship(kind=K.RELATIONSHIP_KIND_SPOUSE, counterparty=OTHER), COMPANY) == [
        ("RELATIONSHIP_KIND_FITS_CUSTOMER_TYPE", "kind")
    ]
    assert found(rp.Relationship(kind=K.RELATIONSHIP_KIND_SUBSIDIARY, counterparty=OTHER)) == [
        ("RELATIONSHIP_KIND_FITS_CUSTOMER_TYPE", "kind")
    ]
    assert (
        found(rp.Relationship(kind=K.RELATIONSHIP_KIND_GUARANTOR, counterparty=OTHER), COMPANY)
        == []
    )


def test_a_percentage_is_a_decimal_over_0_and_at_most_100_for_shareholders_only() -> None:
    def share(value: str, kind: int = K.RELATIONSHIP_KIND_SHAREHOLDER) -> list[tuple[str, str]]:
        return found(rp.Relationship(kind=kind, counterparty=OTHER, percentage=value), COMPANY)

    assert share("100") == share("0.000001") == share(" 33.333333 ") == []
    for bad in ("0", "100.000001", "250", ""):
        assert share(bad) == [("RELATIONSHIP_DETAILS_FIT_KIND", "percentage")], bad
    assert share("10", K.RELATIONSHIP_KIND_GROUP_MEMBER) == [
        ("RELATIONSHIP_DETAILS_FIT_KIND", "percentage")
    ]


def test_one_counterparty_and_dates_in_order() -> None:
    assert found(rp.Relationship(kind=K.RELATIONSHIP_KIND_PARENT)) == [("", "counterparty")]
    assert found(
        rp.Relationship(
            kind=K.RELATIONSHIP_KIND_PARENT,
            counterparty=OTHER,
            valid_from="2025-01-02",
            valid_to="2025-01-01",
        )
    ) == [("RELATIONSHIP_DATES", "valid_to")]
    outside = rp.Relationship(
        kind=K.RELATIONSHIP_KIND_PARENT, outside_party=rp.OutsideParty(name=" Li ")
    )
    assert found(outside) == [
        ("RELATIONSHIP_OUTSIDE_PARTY_UNIDENTIFIED", "outside_party.id_number")
    ]
    assert outside.outside_party.name == "Li"
