"""The `agreement` subject model over gRPC, as the core, card and e-banking systems send theirs:
accounts (the number sealed and searchable), contracts with decimal amounts, channel agreements
with the signed phone; dates and states that must agree."""

from __future__ import annotations

import grpc
import pytest
from customer_core_agreement.v1 import agreement_pb2 as ag
from google.rpc import error_details_pb2

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2
from customer_core.v1.types_pb2 import Money

REASON = "account servicing"


def person(client: Client) -> str:
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Zhao Liu"
    ).customer_number


def refused(client: Client, number: str, record: ag.Agreement) -> list[tuple[str, str]]:
    with pytest.raises(RPCError) as exc:
        client.create_record(number, record)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = exc.value.detail(error_details_pb2.BadRequest)
    return [(v.field, v.reason) for v in bad.field_violations]


def account(number: str = "6222 0212 3456 7890 123", **fields: object) -> ag.Agreement:
    values: dict[str, object] = {
        "account_number": number, "product_code": "dep-current", "currency": "cny",
        "branch": "br01", "opened_on": "2020-05-06", "status": ag.ACCOUNT_STATUS_ACTIVE,
    }  # fmt: skip
    return ag.Agreement(account=ag.Account(**{**values, **fields}))


def test_an_account_is_sealed_canonical_and_searchable(client: Client) -> None:
    number = person(client)
    made = client.create_record(number, account())
    stored = unpack(made.data).account
    assert (stored.product_code, stored.currency, stored.branch) == ("DEP-CURRENT", "CNY", "BR01")
    assert stored.account_number != "6222021234567890123"  # masked
    clear = unpack(client.get_record(made.name, unmask_reason=REASON).data).account
    assert clear.account_number == "6222021234567890123"
    found = client.search("agreement", "account.account_number", "6222-0212-3456-7890-123")
    assert [c.customer_number for c in found] == [number]


def test_a_closed_account_has_its_closing_date_and_no_other(client: Client) -> None:
    number = person(client)
    assert refused(client, number, account(status=ag.ACCOUNT_STATUS_CLOSED)) == [
        ("record.data.account.closed_on", "AGREEMENT_ACCOUNT_CLOSING_DATE")
    ]
    assert refused(client, number, account(closed_on="2021-01-01")) == [
        ("record.data.account.closed_on", "AGREEMENT_ACCOUNT_CLOSING_DATE")
    ]
    assert refused(
        client, number, account(status=ag.ACCOUNT_STATUS_CLOSED, closed_on="2019-01-01")
    ) == [("record.data.account.closed_on", "AGREEMENT_DATES")]
    closed = account(status=ag.ACCOUNT_STATUS_CLOSED, closed_on="2024-12-31")
    assert list(client.create_record(number, closed).quality_issues) == []


def test_contracts_carry_decimal_amounts_and_what_they_secure(client: Client) -> None:
    number = person(client)
    loan = ag.Agreement(contract=ag.Contract(
        contract_type=ag.CONTRACT_TYPE_LOAN, contract_number="JK-2026-0001",
        amount=Money(amount="1,200,000.00", currency="CNY"), signed_on="2026-03-01",
        start_date="2026-03-02", end_date="2031-03-01"))  # fmt: skip
    made = client.create_record(number, loan)
    assert unpack(made.data).contract.amount.amount == "1200000.00"
    guarantee = ag.Agreement(contract=ag.Contract(
        contract_type=ag.CONTRACT_TYPE_GUARANTEE, contract_number="BZ-2026-0001",
        signed_on="2026-03-01"))  # fmt: skip
    warned = client.create_record(number, guarantee)
    assert [(i.rule_id, i.severity) for i in warned.quality_issues] == [
        ("AGREEMENT_SECURED_CONTRACT", customer_pb2.QUALITY_SEVERITY_WARNING)
    ]
    backwards = ag.Agreement(contract=ag.Contract(
        contract_type=ag.CONTRACT_TYPE_CREDIT_LINE, contract_number="SX-1", signed_on="2026-03-01",
        start_date="2026-04-01", end_date="2026-03-15"))  # fmt: skip
    assert ("record.data.contract.end_date", "AGREEMENT_DATES") in refused(
        client, number, backwards
    )


def test_sms_alerts_need_the_signed_phone_in_e164(client: Client) -> None:
    number = person(client)
    bare = ag.Agreement(channel=ag.ChannelAgreement(
        channel=ag.CHANNEL_SMS_ALERTS, signed_on="2026-01-01"))  # fmt: skip
    assert refused(client, number, bare) == [
        ("record.data.channel.signed_phone", "AGREEMENT_CHANNEL_SIGNED_PHONE")
    ]
    bare.channel.signed_phone = "138-0013-8000"
    made = client.create_record(number, bare)
    clear = unpack(client.get_record(made.name, unmask_reason=REASON).data)
    assert clear.channel.signed_phone == "+8613800138000"
    assert [f for f, _ in refused(client, number, ag.Agreement())] == ["record.data.kind"]
