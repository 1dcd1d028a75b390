"""The `special` subject model over gRPC, as a compliance officer records it: CRS and FATCA
self-certifications with a TIN or the reason there is none (TINs sealed), qualified investor
status with its expiry, payroll agency agreements (the account sealed)."""

from __future__ import annotations

from datetime import date, timedelta

import grpc
import pytest
from customer_core_special.v1 import special_pb2 as sp
from google.rpc import error_details_pb2

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2

REASON = "CRS reporting"


def person(client: Client) -> str:
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Li Si"
    ).customer_number


def refused(client: Client, number: str, record: sp.SpecialInformation) -> list[tuple[str, str]]:
    with pytest.raises(RPCError) as exc:
        client.create_record(number, record)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = exc.value.detail(error_details_pb2.BadRequest)
    return [(v.field, v.reason) for v in bad.field_violations]


def crs(*jurisdictions: sp.TaxJurisdiction, china_only: bool = False) -> sp.SpecialInformation:
    return sp.SpecialInformation(
        tax_residency=sp.TaxResidency(
            regime=sp.TAX_REGIME_CRS, china_only=china_only, jurisdictions=jurisdictions,
            certified_on="2026-03-01",
        )
    )  # fmt: skip


def test_a_crs_certification_keeps_each_tin_sealed(client: Client) -> None:
    number = person(client)
    made = client.create_record(
        number,
        crs(
            sp.TaxJurisdiction(country="hk", tin=" A123 4567 "),
            sp.TaxJurisdiction(country="AE", no_tin_reason=sp.NO_TIN_REASON_NOT_ISSUED),
        ),
    )
    masked = unpack(made.data).tax_residency.jurisdictions
    assert [j.country for j in masked] == ["HK", "AE"]
    assert masked[0].tin != "A1234567"
    clear = unpack(client.get_record(made.name, unmask_reason=REASON).data)
    assert clear.tax_residency.jurisdictions[0].tin == "A1234567"


def test_a_jurisdiction_needs_a_tin_or_the_reason_there_is_none(client: Client) -> None:
    number = person(client)
    assert refused(client, number, crs(sp.TaxJurisdiction(country="US"))) == [
        ("record.data.tax_residency.jurisdictions[0].tin", "SPECIAL_TIN_OR_REASON")
    ]
    unable = sp.TaxJurisdiction(country="SG", no_tin_reason=sp.NO_TIN_REASON_UNABLE_TO_OBTAIN)
    assert refused(client, number, crs(unable)) == [
        ("record.data.tax_residency.jurisdictions[0].explanation", "SPECIAL_TIN_OR_REASON")
    ]
    both = crs(sp.TaxJurisdiction(country="GB", tin="AB123456C"), china_only=True)
    assert refused(client, number, both) == [
        ("record.data.tax_residency.jurisdictions", "SPECIAL_TIN_OR_REASON")
    ]
    assert client.create_record(number, crs(china_only=True)).quality_issues == []


def test_qualified_investor_status_lapses_with_a_warning(client: Client) -> None:
    number = person(client)
    lapsed = sp.SpecialInformation(
        qualified_investor=sp.QualifiedInvestor(
            investor_type=sp.INVESTOR_TYPE_INDIVIDUAL, assessed_on="2024-01-10",
            expires_on="2025-01-10",
        )
    )  # fmt: skip
    made = client.create_record(number, lapsed)
    assert [(i.rule_id, i.severity) for i in made.quality_issues] == [
        ("SPECIAL_QUALIFIED_INVESTOR_LAPSED", customer_pb2.QUALITY_SEVERITY_WARNING)
    ]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = sp.SpecialInformation(
        qualified_investor=sp.QualifiedInvestor(
            investor_type=sp.INVESTOR_TYPE_INDIVIDUAL, assessed_on=tomorrow
        )
    )
    assert refused(client, number, future) == [
        ("record.data.qualified_investor.assessed_on", "SPECIAL_DATES")
    ]


def test_a_payroll_agreement_keeps_its_account_sealed(client: Client) -> None:
    employer = client.create_customer(
        type="organization", owning_org_unit="HO01", display_name="Employer Ltd"
    )
    number = person(client)
    made = client.create_record(
        number,
        sp.SpecialInformation(
            agency_payment=sp.AgencyPayment(
                payer=employer.name, payer_name=" Employer Ltd ",
                account_number="6222 0212 3456 7890 123", service=sp.AGENCY_SERVICE_PAYROLL,
                valid_from="2026-01-01",
            )
        ),
    )  # fmt: skip
    masked = unpack(made.data).agency_payment
    assert masked.payer == employer.name and masked.payer_name == "Employer Ltd"
    assert masked.account_number != "6222021234567890123"
    clear = unpack(client.get_record(made.name, unmask_reason=REASON).data).agency_payment
    assert clear.account_number == "6222021234567890123"
    backwards = sp.SpecialInformation(
        agency_payment=sp.AgencyPayment(
            payer_name="Employer Ltd", account_number="6222021234567890123",
            service=sp.AGENCY_SERVICE_PAYROLL, valid_from="2026-02-01", valid_to="2026-01-01",
        )
    )  # fmt: skip
    assert refused(client, number, backwards) == [
        ("record.data.agency_payment.valid_to", "SPECIAL_DATES")
    ]
