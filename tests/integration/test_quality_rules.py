"""The built-in plugins' corrections, completions and checks, as a channel system meets them over
gRPC: values as source systems send them (full-width, spaced, formatted, legacy forms, one-line
addresses, romanised names) are stored in one form, each change traced to its rule; what cannot
be read is refused naming the field; the 360 view says how complete a customer is."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.rpc import error_details_pb2

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2, ledger_pb2
from customer_core_contact.v1 import contact_pb2
from customer_core_identification.v1 import identification_pb2
from customer_core_individual.v1 import individual_pb2
from tests.integration.conftest import grant
from tests.integration.helpers import RESIDENT_ID, id_card, mobile, profile

WARNING = customer_pb2.QUALITY_SEVERITY_WARNING


def _person(client: Client, *records: object) -> customer_pb2.Customer:
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="张三", records=list(records)
    )


def _changes(record: customer_pb2.SubjectRecord) -> list[tuple[str, str]]:
    return sorted((c.rule_id, c.field) for c in record.quality_changes)


def _refusal(call: pytest.ExceptionInfo[RPCError]) -> list[tuple[str, str]]:
    assert call.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = call.value.detail(error_details_pb2.BadRequest)
    return [(v.field, v.reason) for v in bad.field_violations]


# --- identification ----------------------------------------------------------------------------


def test_a_full_width_spaced_id_with_a_lower_case_x_is_stored_tidied(client: Client) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in RESIDENT_ID[:10])
    sent = f"{full_width}\u3000{RESIDENT_ID[10:-1]}x"
    customer = _person(client, profile())
    created = client.create_record(customer.customer_number, id_card(sent))
    assert _changes(created) == [("IDENTIFICATION_NUMBER_TIDIED", "data.id_number")]
    stored = client.get_record(created.name, unmask_reason="test")
    assert unpack(stored.data).id_number == RESIDENT_ID


def test_a_legacy_15_digit_id_is_upgraded_and_the_original_kept_sealed(client: Client) -> None:
    legacy = RESIDENT_ID[:6] + RESIDENT_ID[8:17]  # 110105491231002: no century, no check
    customer = _person(client, profile())
    created = client.create_record(customer.customer_number, id_card(legacy))
    assert _changes(created) == [("IDENTIFICATION_RESIDENT_ID_UPGRADED", "data.id_number")]
    assert list(created.quality_issues) == []
    stored = client.get_record(created.name, unmask_reason="test")
    assert unpack(stored.data).id_number == RESIDENT_ID
    (entry,) = client.history(customer.customer_number, "identification")
    after = ledger_pb2.RecordSnapshot.FromString(entry.after)
    (trace,) = after.quality_changes
    assert (trace.rule_id, trace.sealed) == ("IDENTIFICATION_RESIDENT_ID_UPGRADED", True)
    assert trace.original and legacy.encode() not in entry.after  # the original, as ciphertext


def test_a_military_officers_id_is_stored_as_issued(client: Client) -> None:
    number = "南字第3734246号"
    document = identification_pb2.IdentificationDocument(
        id_type=identification_pb2.ID_TYPE_MILITARY_ID, id_number=number,
        status=identification_pb2.ID_STATUS_VALID,
    )  # fmt: skip
    customer = _person(client, profile())
    created = client.create_record(customer.customer_number, document)
    stored = client.get_record(created.name, unmask_reason="test")
    assert unpack(stored.data).id_number == number


@pytest.mark.parametrize(
    ("id_type", "number", "country"),
    [
        pytest.param(identification_pb2.ID_TYPE_PASSPORT, "X1234567", "CHN", id="not-a-prc-passport"),
        pytest.param(identification_pb2.ID_TYPE_HK_MACAO_PERMIT, "H1234567", "", id="short-permit"),
        pytest.param(identification_pb2.ID_TYPE_RESIDENT_ID_CARD, "99010519491231002X", "",
                     id="area-that-never-existed"),
    ],
)  # fmt: skip
def test_a_document_number_not_of_its_types_form_is_refused(
    client: Client, id_type: int, number: str, country: str
) -> None:
    document = identification_pb2.IdentificationDocument(
        id_type=id_type, id_number=number, issuing_country=country,
        status=identification_pb2.ID_STATUS_VALID,
    )  # fmt: skip
    customer = _person(client, profile())
    with pytest.raises(RPCError) as call:
        client.create_record(customer.customer_number, document)
    assert _refusal(call) == [("record.data.id_number", "IDENTIFICATION_NUMBER_CHECK")]
    assert number not in call.value.message


# --- contact -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "country", "stored"),
    [
        pytest.param("138-0013-8000", "", "+8613800138000", id="dashed-mainland"),
        pytest.param("+86 138 0013 8000", "", "+8613800138000", id="spaced-international"),
        pytest.param("91234567", "HKG", "+85291234567", id="hong-kong-by-country"),
        pytest.param("852-9123 4567", "", "+85291234567", id="country-code-without-plus"),
    ],
)
def test_a_formatted_phone_is_stored_in_e164_and_marked_mobile(
    client: Client, sent: str, country: str, stored: str
) -> None:
    customer = _person(client, profile())
    point = contact_pb2.ContactPoint(
        phone=contact_pb2.Phone(number=sent, country=country),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
    created = client.create_record(customer.customer_number, point)
    assert _changes(created) == [
        ("CONTACT_PHONE_E164", "data.phone.number"),
        ("CONTACT_PHONE_MOBILE_COMPLETED", "data.phone.mobile"),
    ]
    phone = unpack(client.get_record(created.name, unmask_reason="test").data).phone
    assert (phone.number, phone.mobile) == (stored, True)


def test_a_phone_or_email_that_cannot_be_read_is_refused_naming_the_field(client: Client) -> None:
    customer = _person(client, profile())
    bad_phone = contact_pb2.ContactPoint(
        phone=contact_pb2.Phone(number="+86 123 4567 8901"),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
    with pytest.raises(RPCError) as call:
        client.create_record(customer.customer_number, bad_phone)
    assert _refusal(call) == [("record.data.phone.number", "CONTACT_PHONE_VALID")]
    assert "4567" not in call.value.message  # never quoted
    bad_email = contact_pb2.ContactPoint(
        email=contact_pb2.Email(address="zhang@@example.com"),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
    with pytest.raises(RPCError) as call:
        client.create_record(customer.customer_number, bad_email)
    assert ("record.data.email.address", "FIELD_PATTERN") in _refusal(call)
    shaped_wrong = contact_pb2.ContactPoint(
        email=contact_pb2.Email(address="zhang@example..com"),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
    with pytest.raises(RPCError) as call:
        client.create_record(customer.customer_number, shaped_wrong)
    assert _refusal(call) == [("record.data.email.address", "CONTACT_EMAIL_VALID")]
    assert [r.subject for r in client.list_records(customer.customer_number)] == ["individual"]


def test_an_email_is_stored_half_width_with_its_domain_lower_case(client: Client) -> None:
    customer = _person(client, profile())
    point = contact_pb2.ContactPoint(
        email=contact_pb2.Email(address=" Zhang.San\uff20Example.COM "),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
    created = client.create_record(customer.customer_number, point)
    assert _changes(created) == [("CONTACT_EMAIL_NORMALIZED", "data.email.address")]
    email = unpack(client.get_record(created.name, unmask_reason="test").data).email
    assert email.address == "Zhang.San@example.com"


def test_a_one_line_address_is_kept_and_its_divisions_completed(client: Client) -> None:
    line = "北京市朝阳区建国路88号　SOHO现代城"
    customer = _person(client, profile())
    point = contact_pb2.ContactPoint(
        address=contact_pb2.PostalAddress(street=line), purpose=contact_pb2.CONTACT_PURPOSE_HOME
    )
    created = client.create_record(customer.customer_number, point)
    assert _changes(created) == [
        ("CONTACT_ADDRESS_DIVISIONS_COMPLETED", "data.address.city"),
        ("CONTACT_ADDRESS_DIVISIONS_COMPLETED", "data.address.country"),
        ("CONTACT_ADDRESS_DIVISIONS_COMPLETED", "data.address.district"),
        ("CONTACT_ADDRESS_DIVISIONS_COMPLETED", "data.address.division_code"),
        ("CONTACT_ADDRESS_DIVISIONS_COMPLETED", "data.address.province"),
        ("CONTACT_ADDRESS_TIDIED", "data.address.street"),
    ]
    address = unpack(client.get_record(created.name, unmask_reason="test").data).address
    assert (address.province, address.city, address.district, address.division_code) == (
        "北京市", "北京市", "朝阳区", "110105",
    )  # fmt: skip
    assert address.country == "CHN" and address.street == "北京市朝阳区建国路88号 SOHO现代城"


def test_an_address_with_divisions_given_keeps_them(client: Client) -> None:
    customer = _person(client, profile())
    point = contact_pb2.ContactPoint(
        address=contact_pb2.PostalAddress(
            country="CHN", province="广东省", city="深圳市", district="福田区", street="朝阳区路1号"
        ),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
    created = client.create_record(customer.customer_number, point)
    address = unpack(client.get_record(created.name, unmask_reason="test").data).address
    assert (address.province, address.city, address.district) == ("广东省", "深圳市", "福田区")


# --- individual --------------------------------------------------------------------------------


def test_pinyin_and_birth_region_are_completed_and_traced(client: Client) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="欧阳修",
        records=[individual_pb2.IndividualProfile(name="欧阳修"), id_card()],
    )  # fmt: skip
    (record,) = client.list_records(customer.customer_number, subject="individual")
    data = unpack(record.data)
    assert (data.pinyin_name, data.birth_date, data.birth_region) == (
        "OUYANG XIU", "1949-12-31", "110105",
    )  # fmt: skip
    assert data.gender == individual_pb2.GENDER_FEMALE
    (entry,) = client.history(customer.customer_number, "individual")
    traced = ledger_pb2.RecordSnapshot.FromString(entry.after).quality_changes
    assert sorted((t.rule_id, t.field) for t in traced) == [
        ("INDIVIDUAL_COMPLETED_FROM_RESIDENT_ID", "birth_date"),
        ("INDIVIDUAL_COMPLETED_FROM_RESIDENT_ID", "birth_region"),
        ("INDIVIDUAL_COMPLETED_FROM_RESIDENT_ID", "gender"),
        ("INDIVIDUAL_PINYIN_COMPLETED", "pinyin_name"),
    ]


def test_a_chinese_nationals_romanised_name_is_taken_as_pinyin_with_a_warning(
    client: Client,
) -> None:
    customer = _person(client)
    created = client.create_record(
        customer.customer_number, profile("Zhang San-feng", nationality="CHN")
    )
    data = unpack(created.data)
    assert (data.name, data.pinyin_name) == ("Zhang San-feng", "ZHANG SANFENG")
    assert [(i.rule_id, i.severity, i.field) for i in created.quality_issues] == [
        ("INDIVIDUAL_NAME_ROMANISED", WARNING, "data.name")
    ]
    foreigner = client.create_record(
        _person(client).customer_number, profile("John Smith", nationality="GBR")
    )
    assert list(foreigner.quality_issues) == [] and unpack(foreigner.data).pinyin_name == ""


def test_a_gender_other_than_the_cards_is_a_warning(client: Client) -> None:
    customer = _person(client, id_card())  # RESIDENT_ID is a woman's
    created = client.create_record(
        customer.customer_number, profile(gender=individual_pb2.GENDER_MALE)
    )
    assert [(i.rule_id, i.field) for i in created.quality_issues] == [
        ("INDIVIDUAL_GENDER_MATCHES_RESIDENT_ID", "data.gender")
    ]


# --- completeness ------------------------------------------------------------------------------


def _attributes(attributes: object) -> set[tuple[str, str]]:
    return {(a.subject, a.field) for a in attributes}  # type: ignore[attr-defined]


def test_the_360_view_scores_completeness_for_the_customers_type(client: Client) -> None:
    customer = _person(client, profile(occupation="teacher"), id_card(), mobile())
    completeness = client.get_360(customer.customer_number).completeness
    assert {
        ("individual", "name"), ("individual", "birth_date"), ("individual", "occupation"),
        ("identification", "id_number"), ("contact", "phone.number"),
    } <= _attributes(completeness.present)  # fmt: skip
    assert {("contact", "address.street"), ("agreement", "account.account_number")} <= (
        _attributes(completeness.missing)
    )
    total = len(completeness.present) + len(completeness.missing)
    assert completeness.score == pytest.approx(len(completeness.present) / total)
    assert 0 < completeness.score < 1
    assert not _attributes(completeness.present) & _attributes(completeness.missing)

    organization = client.create_customer(
        type="organization", owning_org_unit="HO01", display_name="某某有限公司"
    )
    empty = client.get_360(organization.customer_number).completeness
    assert empty.score == 0 and ("organization", "legal_name") in _attributes(empty.missing)
    assert ("individual", "name") not in _attributes(empty.missing)


def test_completeness_counts_only_the_subjects_the_caller_may_read(
    client: Client, server: RunningServer, target: str
) -> None:
    customer = _person(client, profile(), id_card(), mobile())
    token = grant(
        server.kernel, f"teller-{uuid.uuid4().hex[:8]}", "teller", "*",
        read_subjects=("individual",),
    )  # fmt: skip
    with Client(target, token=token) as narrow:
        completeness = narrow.get_360(customer.customer_number).completeness
    subjects = {a.subject for a in [*completeness.present, *completeness.missing]}
    assert subjects == {"individual"}
