"""The `organization` subject model over gRPC, as a corporate-banking clerk records a company:
codes canonicalized and checked, the legal representative's ID number sealed, an inconsistent
organization code stored with a warning, bad input refused naming the field and its rule."""

from __future__ import annotations

from datetime import date, timedelta

import grpc
import pytest
from customer_core_organization.v1 import organization_pb2 as org
from google.rpc import error_details_pb2

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2
from customer_core.v1.types_pb2 import Money

USCC = "91350100M000100Y43"  # GB 32100's example; its organization code is M000100Y4
ORG_CODE = "M000100Y4"
REP_ID = "11010519491231002X"
REASON = "corporate KYC review"


def full_width(text: str) -> str:
    """`text` with its ASCII letters and digits in their full-width forms (U+FF01..U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def profile(**fields: object) -> org.OrganizationProfile:
    values: dict[str, object] = {
        "legal_name": "福建示例科技有限公司",
        "english_name": "Fujian  Example   Technology Co., Ltd.",
        "unified_social_credit_code": USCC,
        "organization_code": ORG_CODE,
        "legal_form": org.LEGAL_FORM_LIMITED_LIABILITY_COMPANY,
        "industry_code": "I6513",
        "registered_capital": Money(amount="50000000.00", currency="CNY"),
        "establishment_date": "2015-10-08",
        "business_scope": "软件开发、信息技术咨询服务",
        "legal_representative": org.LegalRepresentative(
            name="张三", id_type="ID_TYPE_RESIDENT_ID_CARD", id_number=REP_ID
        ),
    }
    return org.OrganizationProfile(**{**values, **fields})


def company(client: Client, record: org.OrganizationProfile) -> customer_pb2.Customer:
    return client.create_customer(
        type="organization", owning_org_unit="HO01", display_name="Example Technology",
        records=[record],
    )  # fmt: skip


def refusal(client: Client, record: org.OrganizationProfile) -> list[tuple[str, str]]:
    with pytest.raises(RPCError) as exc:
        company(client, record)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = exc.value.detail(error_details_pb2.BadRequest)
    return [(v.field, v.reason) for v in bad.field_violations]


def test_a_company_is_recorded_with_its_codes_canonical_and_its_representative_sealed(
    client: Client,
) -> None:
    sent = profile(
        unified_social_credit_code=full_width("9135 0100-M000100Y43"),  # as a form sends it
        organization_code="m000100y-4",
    )
    customer = company(client, sent)
    (record,) = client.list_records(customer.customer_number, subject="organization")
    masked = unpack(record.data)
    assert masked.unified_social_credit_code == USCC and masked.organization_code == ORG_CODE
    assert masked.english_name == "Fujian Example Technology Co., Ltd."
    assert masked.registered_capital.amount == "50000000.00"
    assert masked.legal_representative.id_number != REP_ID  # masked without a reason
    assert REP_ID not in str(client.get_360(customer.customer_number))
    clear = unpack(client.get_record(record.name, unmask_reason=REASON).data)
    assert clear.legal_representative.id_number == REP_ID
    assert list(record.quality_issues) == []
    models = {m.name: m for m in client.subject_models()}
    assert models["organization"].customer_types == [customer_pb2.CUSTOMER_TYPE_ORGANIZATION]


def test_wrong_check_characters_are_refused_naming_the_field_and_rule(client: Client) -> None:
    assert refusal(client, profile(unified_social_credit_code=USCC[:-1] + "4")) == [
        ("records[0].data.unified_social_credit_code", "ORGANIZATION_CODE_CHECK")
    ]
    assert refusal(client, profile(organization_code="D21435690")) == [  # its check is X
        ("records[0].data.organization_code", "ORGANIZATION_CODE_CHECK")
    ]


def test_dates_and_amounts_must_be_real(client: Client) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for bad, field in (
        (profile(establishment_date=tomorrow), "data.establishment_date"),
        (profile(establishment_date="2015-02-30"), "data.establishment_date"),
        (profile(registered_capital=Money(amount="5e7", currency="CNY")),
         "data.registered_capital.amount"),
        (profile(industry_code="Z99"), "data.industry_code"),
    ):  # fmt: skip
        fields = refusal(client, bad)
        assert [f for f, _ in fields if f.endswith(field)], (field, fields)


def test_a_credit_code_that_does_not_embed_the_organization_code_is_stored_with_a_warning(
    client: Client,
) -> None:
    customer = client.create_customer(
        type="organization", owning_org_unit="HO01", display_name="Mismatch"
    )
    written = client.create_record(
        customer.customer_number,
        profile(organization_code="D2143569X"),  # valid, but another's
    )
    assert [(i.rule_id, i.severity, i.field) for i in written.quality_issues] == [
        ("ORGANIZATION_USCC_EMBEDS_ORGANIZATION_CODE", customer_pb2.QUALITY_SEVERITY_WARNING,
         "data.organization_code"),
    ]  # fmt: skip
    assert unpack(client.get_record(written.name).data).organization_code == "D2143569X"


def test_an_organization_profile_applies_to_organizations_only(client: Client) -> None:
    with pytest.raises(RPCError) as exc:
        client.create_customer(
            type="individual", owning_org_unit="HO01", display_name="Not a company",
            records=[profile()],
        )  # fmt: skip
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert any(f.endswith("records[0].subject") for f in exc.value.field_violations)
