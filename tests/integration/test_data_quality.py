"""The built-in models' data-quality rules over gRPC: completion from the customer's other
records, warnings stored with the record, refusals naming their rule."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2, options_pb2
from customer_core_individual.v1 import individual_pb2
from tests.integration.helpers import RESIDENT_ID, id_card

# RESIDENT_ID (11010519491231002X): born 1949-12-31, 17th digit 2 (even): a woman.
BIRTH_DATE_RULE = "INDIVIDUAL_BIRTH_DATE_MATCHES_RESIDENT_ID"


def with_card(client: Client) -> customer_pb2.Customer:
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zhang San", records=[id_card()]
    )


def test_a_profile_is_completed_from_the_stored_resident_id_card(client: Client) -> None:
    customer = with_card(client)
    created = client.create_record(
        customer.customer_number,
        individual_pb2.IndividualProfile(name="张三", pinyin_name="ZHANG SAN"),
    )
    profile = unpack(created.data)
    assert profile.birth_date == "1949-12-31" and profile.gender == individual_pb2.GENDER_FEMALE
    assert list(created.quality_issues) == []


def test_a_profile_is_completed_from_a_card_in_the_same_request(client: Client) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zhang San",
        records=[individual_pb2.IndividualProfile(name="张三", pinyin_name="ZHANG SAN"), id_card()],
    )  # fmt: skip
    (profile,) = client.list_records(customer.customer_number, subject="individual")
    assert unpack(profile.data).birth_date == "1949-12-31"


def test_a_birth_date_other_than_the_cards_is_stored_with_a_warning(client: Client) -> None:
    customer = with_card(client)
    created = client.create_record(
        customer.customer_number,
        individual_pb2.IndividualProfile(
            name="张三", pinyin_name="ZHANG SAN", birth_date="1950-01-01"
        ),
    )
    (issue,) = created.quality_issues
    assert (issue.rule_id, issue.severity, issue.field) == (
        BIRTH_DATE_RULE, customer_pb2.QUALITY_SEVERITY_WARNING, "data.birth_date",
    )  # fmt: skip
    assert RESIDENT_ID not in issue.message and "1949" not in issue.message
    assert unpack(client.get_record(created.name).data).birth_date == "1950-01-01"  # stored
    fixed = client.update_record(
        created.name,
        individual_pb2.IndividualProfile(
            name="张三", pinyin_name="ZHANG SAN", birth_date="1949-12-31"
        ),
    )
    assert list(fixed.quality_issues) == []


def test_a_refusal_names_its_rule(client: Client) -> None:
    customer = with_card(client)
    with pytest.raises(RPCError) as exc:
        client.create_record(customer.customer_number, id_card(RESIDENT_ID[:-1] + "1"))
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = exc.value.detail(error_details_pb2.BadRequest)
    assert [(v.field, v.reason) for v in bad.field_violations] == [
        ("record.data.id_number", "IDENTIFICATION_NUMBER_CHECK")
    ]


def test_the_record_being_rewritten_is_not_in_its_own_view(client: Client) -> None:
    customer = with_card(client)
    (card,) = client.list_records(customer.customer_number, subject="identification")
    rewritten = client.update_record(card.name, id_card(), etag=card.etag)
    assert list(rewritten.quality_issues) == []  # its own primary flag is no second primary
    second = client.create_record(customer.customer_number, id_card())
    assert [i.rule_id for i in second.quality_issues] == ["IDENTIFICATION_ONE_PRIMARY_DOCUMENT"]


def test_the_registry_shows_rules_tiers_blocking_and_survivorship(client: Client) -> None:
    models = {m.name: m for m in client.subject_models()}
    identification = models["identification"]
    rules = {r.id: r.severity for r in identification.quality_rules}
    assert rules["IDENTIFICATION_NUMBER_CHECK"] == customer_pb2.QUALITY_SEVERITY_ERROR
    assert rules["IDENTIFICATION_ONE_PRIMARY_DOCUMENT"] == customer_pb2.QUALITY_SEVERITY_WARNING
    number = next(f for f in identification.fields if f.path == "id_number")
    assert options_pb2.MATCH_TIER_HIGHEST in number.match_tiers
    assert options_pb2.BLOCKING_SORTED_DIGITS in number.blocking
    assert identification.survivorship == options_pb2.SURVIVORSHIP_MOST_RECENT
    individual = models["individual"]
    assert list(individual.source_priority) == ["CORE"]
    name = next(f for f in individual.fields if f.path == "name")
    assert name.survivorship == options_pb2.SURVIVORSHIP_SOURCE_PRIORITY
    assert list(name.source_priority) == ["CORE"]
