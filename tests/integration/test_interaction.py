"""The `interaction` subject model over gRPC, as a branch and a call centre record them:
applications and their outcomes, complaints and their resolution, one marketing consent per
channel (a second one warned of)."""

from __future__ import annotations

from datetime import date, timedelta

import grpc
import pytest
from customer_core_interaction.v1 import interaction_pb2 as ix
from google.rpc import error_details_pb2

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2


def person(client: Client) -> str:
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Wang Wu"
    ).customer_number


def refused(client: Client, number: str, record: ix.Interaction) -> list[tuple[str, str]]:
    with pytest.raises(RPCError) as exc:
        client.create_record(number, record)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = exc.value.detail(error_details_pb2.BadRequest)
    return [(v.field, v.reason) for v in bad.field_violations]


def sms_consent(opted_in: bool) -> ix.Interaction:
    return ix.Interaction(
        consent=ix.MarketingConsent(
            channel=ix.MARKETING_CHANNEL_SMS, opted_in=opted_in, captured_on="2026-10-01",
            capture_method=ix.CAPTURE_METHOD_SMS_REPLY,
        )
    )  # fmt: skip


def test_an_application_and_its_outcome_are_recorded(client: Client) -> None:
    number = person(client)
    made = client.create_record(
        number,
        ix.Interaction(event=ix.BusinessEvent(
            event_type=ix.EVENT_TYPE_CARD_APPLICATION, occurred_on="2026-11-01",
            product_code=" cc-gold ", outcome=ix.OUTCOME_APPROVED, decided_on="2026-11-05",
        )),
    )  # fmt: skip
    assert unpack(made.data).event.product_code == "CC-GOLD"
    early = ix.Interaction(event=ix.BusinessEvent(
        event_type=ix.EVENT_TYPE_LOAN_APPLICATION, occurred_on="2026-11-05",
        outcome=ix.OUTCOME_DECLINED, decided_on="2026-11-01"))  # fmt: skip
    assert refused(client, number, early) == [("record.data.event.decided_on", "INTERACTION_DATES")]
    undecided = ix.Interaction(event=ix.BusinessEvent(
        event_type=ix.EVENT_TYPE_LOAN_APPLICATION, occurred_on="2026-11-01",
        decided_on="2026-11-02"))  # fmt: skip
    assert [f for f, _ in refused(client, number, undecided)] == ["record.data.event.outcome"]


def test_a_resolved_complaint_says_how(client: Client) -> None:
    number = person(client)
    complaint = ix.Interaction(contact=ix.ContactRecord(
        contact_type=ix.CONTACT_TYPE_COMPLAINT, occurred_on="2026-11-20", channel="call_center",
        summary="Card fee charged twice", complaint_status=ix.COMPLAINT_STATUS_RESOLVED))  # fmt: skip
    assert refused(client, number, complaint) == [
        ("record.data.contact.resolution", "INTERACTION_COMPLAINT_RESOLUTION")
    ]
    complaint.contact.resolution = "Second fee refunded on 2026-11-21"
    made = client.create_record(number, complaint)
    assert unpack(made.data).contact.channel == "CALL_CENTER"
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    later = ix.Interaction(contact=ix.ContactRecord(
        contact_type=ix.CONTACT_TYPE_VISIT, occurred_on=tomorrow))  # fmt: skip
    assert refused(client, number, later) == [
        ("record.data.contact.occurred_on", "INTERACTION_DATES")
    ]


def test_one_consent_per_channel(client: Client) -> None:
    number = person(client)
    first = client.create_record(number, sms_consent(True))
    assert list(first.quality_issues) == []
    second = client.create_record(number, sms_consent(False))
    assert [(i.rule_id, i.severity) for i in second.quality_issues] == [
        ("INTERACTION_ONE_CONSENT_PER_CHANNEL", customer_pb2.QUALITY_SEVERITY_WARNING)
    ]
    # The way to change one's mind: update the consent, which raises nothing.
    changed = client.update_record(first.name, sms_consent(False), etag=first.etag)
    assert not unpack(changed.data).consent.opted_in
    assert [f for f, _ in refused(client, number, ix.Interaction())] == ["record.data.kind"]
