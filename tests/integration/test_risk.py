"""The `risk` subject model over gRPC, as a credit officer and a compliance officer keep it: each
fact a record, dates that exist and come in order, a limit's use in its currency (refused
otherwise) and within it (a warning otherwise), a listed name sealed."""

from __future__ import annotations

from datetime import date, timedelta

import grpc
import pytest
from customer_core_risk.v1 import risk_pb2 as risk
from google.rpc import error_details_pb2

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2
from customer_core.v1.types_pb2 import Money

REASON = "sanctions review"


def customer(client: Client) -> str:
    return client.create_customer(
        type="organization", owning_org_unit="HO01", display_name="Risky Trading"
    ).customer_number


def refused(client: Client, number: str, record: risk.RiskRecord) -> list[tuple[str, str]]:
    with pytest.raises(RPCError) as exc:
        client.create_record(number, record)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = exc.value.detail(error_details_pb2.BadRequest)
    return [(v.field, v.reason) for v in bad.field_violations]


def limit(amount: str, used: str, currency: str = "CNY") -> risk.RiskRecord:
    return risk.RiskRecord(
        credit_limit=risk.CreditLimit(
            limit_type="comprehensive", limit=Money(amount=amount, currency="CNY"),
            utilised=Money(amount=used, currency=currency),
            valid_from="2026-01-01", valid_to="2026-12-31",
        )
    )  # fmt: skip


def test_each_fact_is_a_record_of_the_risk_profile(client: Client) -> None:
    number = customer(client)
    facts = [
        risk.RiskRecord(loan_classification=risk.LoanClassification(
            loan_class=risk.LOAN_CLASS_SPECIAL_MENTION, as_of="2026-09-30", contract_number="L-1")),
        risk.RiskRecord(credit_rating=risk.CreditRating(
            rater="INTERNAL", grade=" bbb+ ", rating_date="2026-06-30", valid_to="2027-06-30")),
        limit("10,000,000.00", "2500000.50"),  # as a spreadsheet writes it
        risk.RiskRecord(list_hit=risk.ListHit(
            list_type=risk.LIST_TYPE_SANCTIONS, list_name="OFAC SDN", hit_date="2026-11-02",
            status=risk.HIT_STATUS_UNDER_REVIEW, listed_name="RISKY TRADING LTD")),
        risk.RiskRecord(aml_assessment=risk.AmlAssessment(
            level=risk.AML_LEVEL_HIGH, assessed_on="2026-11-03", next_review="2027-05-03")),
    ]  # fmt: skip
    made = [client.create_record(number, fact) for fact in facts]
    assert all(list(m.quality_issues) == [] for m in made)
    stored = {unpack(r.data).WhichOneof("fact"): unpack(r.data)
              for r in client.list_records(number, subject="risk")}  # fmt: skip
    assert len(stored) == 5
    assert stored["credit_rating"].credit_rating.grade == "BBB+"
    assert stored["credit_limit"].credit_limit.limit.amount == "10000000.00"  # commas dropped
    assert stored["credit_limit"].credit_limit.limit_type == "COMPREHENSIVE"
    assert stored["list_hit"].list_hit.listed_name != "RISKY TRADING LTD"  # sealed, masked
    hit = next(m for m in made if unpack(m.data).WhichOneof("fact") == "list_hit")
    clear = unpack(client.get_record(hit.name, unmask_reason=REASON).data)
    assert clear.list_hit.listed_name == "RISKY TRADING LTD"


def test_dates_must_exist_and_events_not_be_in_the_future(client: Client) -> None:
    number = customer(client)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = risk.RiskRecord(loan_classification=risk.LoanClassification(
        loan_class=risk.LOAN_CLASS_NORMAL, as_of=tomorrow))  # fmt: skip
    assert refused(client, number, future) == [
        ("record.data.loan_classification.as_of", "RISK_DATES")
    ]
    backwards = risk.RiskRecord(aml_assessment=risk.AmlAssessment(
        level=risk.AML_LEVEL_LOW, assessed_on="2026-06-01", next_review="2026-05-01"))  # fmt: skip
    assert refused(client, number, backwards) == [
        ("record.data.aml_assessment.next_review", "RISK_DATES")
    ]
    unreal = risk.RiskRecord(credit_rating=risk.CreditRating(
        rater="CCXI", grade="AA", rating_date="2026-02-30"))  # fmt: skip
    assert refused(client, number, unreal) == [
        ("record.data.credit_rating.rating_date", "RISK_DATES")
    ]


def test_a_limit_is_used_in_its_currency_and_within_it(client: Client) -> None:
    number = customer(client)
    assert refused(client, number, limit("1000.00", "10.00", currency="USD")) == [
        ("record.data.credit_limit.utilised.currency", "RISK_LIMIT_CURRENCY")
    ]
    over = client.create_record(number, limit("1000.00", "1000.01"))
    assert [(i.rule_id, i.severity) for i in over.quality_issues] == [
        ("RISK_LIMIT_EXCEEDED", customer_pb2.QUALITY_SEVERITY_WARNING)
    ]
    assert (
        refused(client, number, limit("1e3", "0"))[0][0] == "record.data.credit_limit.limit.amount"
    )


def test_a_record_holds_one_fact(client: Client) -> None:
    number = customer(client)
    fields = refused(client, number, risk.RiskRecord())
    assert [f for f, _ in fields] == ["record.data.fact"]
