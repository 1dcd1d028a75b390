"""The `agreement` subject model: accounts, signed contracts and products, channel agreements.

Field rules live in `v1/agreement.proto`; this module canonicalizes account numbers and phones as
source systems send them, requires one kind per record, real dates in order and not in the future
where they record an event, a closing date exactly for a closed account, a signed phone for the
channels that text the customer (rules that refuse), and warns of a collateral or guarantee
contract that names no contract it secures.
"""

from __future__ import annotations

import re

from google.protobuf.message import Message

from customer_core.plugin import (
    ExpectedAttribute,
    FieldViolation,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.plugin.checks import date_issues
from customer_core_agreement.v1.agreement_pb2 import (
    ACCOUNT_STATUS_CLOSED,
    CHANNEL_MOBILE_BANKING,
    CHANNEL_SMS_ALERTS,
    CONTRACT_TYPE_COLLATERAL,
    CONTRACT_TYPE_GUARANTEE,
    Agreement,
)

SUBJECT = "agreement"

#: A date does not exist, an event is dated in the future, or an end comes before its start.
DATES = "AGREEMENT_DATES"
#: A closed account without its closing date, or an open one with one.
CLOSING_DATE = "AGREEMENT_ACCOUNT_CLOSING_DATE"
#: A channel that sends codes or alerts by SMS without the phone signed for it.
SIGNED_PHONE = "AGREEMENT_CHANNEL_SIGNED_PHONE"
#: A collateral or guarantee contract that names no contract it secures.
SECURED_CONTRACT = "AGREEMENT_SECURED_CONTRACT"

_PUNCTUATION = re.compile(r"[\s\-()]")
# Per kind: (dates recording an event, not in the future), and (start, end) pairs in order.
_EVENTS = {"account": ("opened_on", "closed_on"), "contract": ("signed_on",),
           "channel": ("signed_on", "cancelled_on")}  # fmt: skip
_SPANS = {
    "account": (("opened_on", "closed_on"),),
    "contract": (("start_date", "end_date"), ("signed_on", "end_date")),
    "channel": (("signed_on", "cancelled_on"),),
}


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `agreement` subject model."""
    return [Agreement]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `validate_record` checks."""
    return [
        QualityRule(DATES, SUBJECT, Severity.ERROR,
                    "Dates exist; events are not dated in the future; an end is not before its start."),
        QualityRule(CLOSING_DATE, SUBJECT, Severity.ERROR,
                    "An account has a closing date exactly when it is closed."),
        QualityRule(SIGNED_PHONE, SUBJECT, Severity.ERROR,
                    "Mobile banking and SMS alerts have the phone signed for them."),
        QualityRule(SECURED_CONTRACT, SUBJECT, Severity.WARNING,
                    "A collateral or guarantee contract names the contract it secures."),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: Agreement) -> None:
    """Upper-cases account numbers and codes without spaces or hyphens; phones without
    punctuation, an 11-digit mainland mobile number in its E.164 form."""
    kind = record.WhichOneof("kind")
    if kind == "account":
        account = record.account
        account.account_number = _PUNCTUATION.sub("", account.account_number).upper()
        account.currency = account.currency.strip().upper()
        account.product_code = account.product_code.strip().upper()
        account.branch = account.branch.strip().upper()
    elif kind == "contract":
        contract = record.contract
        contract.contract_number = contract.contract_number.strip()
        contract.product_code = contract.product_code.strip().upper()
        if contract.HasField("amount"):
            contract.amount.amount = contract.amount.amount.strip().replace(",", "")
            contract.amount.currency = contract.amount.currency.strip().upper()
    elif kind == "channel":
        phone = _PUNCTUATION.sub("", record.channel.signed_phone)
        if re.fullmatch(r"1[3-9][0-9]{9}", phone):
            phone = "+86" + phone
        record.channel.signed_phone = phone


@hookimpl
def validate_record(record: Agreement) -> list[FieldViolation | QualityIssue]:
    """Requires one kind, and checks dates, closing dates, signed phones and secured contracts."""
    kind = record.WhichOneof("kind")
    if kind is None:
        return [FieldViolation("kind", "one of account, contract or channel is required")]
    body = getattr(record, kind)
    found: list[FieldViolation | QualityIssue] = []
    found += date_issues(DATES, body, kind, events=_EVENTS[kind], spans=_SPANS[kind])
    if kind == "account" and (record.account.status == ACCOUNT_STATUS_CLOSED) != bool(
        record.account.closed_on
    ):
        found.append(
            QualityIssue(
                CLOSING_DATE, "account.closed_on",
                "a closed account has its closing date, an open one none",
            )
        )  # fmt: skip
    if (
        kind == "channel"
        and record.channel.channel in (CHANNEL_MOBILE_BANKING, CHANNEL_SMS_ALERTS)
        and not record.channel.signed_phone
    ):
        found.append(QualityIssue(SIGNED_PHONE, "channel.signed_phone", "is required here"))
    if (
        kind == "contract"
        and record.contract.contract_type in (CONTRACT_TYPE_COLLATERAL, CONTRACT_TYPE_GUARANTEE)
        and not record.contract.secures_contract
    ):
        found.append(
            QualityIssue(SECURED_CONTRACT, "contract.secures_contract", "names no contract")
        )
    return found


@hookimpl
def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
    """A customer of the bank holds at least one account."""
    del customer_type  # the same for every type
    return [ExpectedAttribute(SUBJECT, "account.account_number", "an account")]
