"""The built-in subject-model plugins, their hooks called with real messages as the registry
routes them (each only for its own model's records).

Check characters are computed here by independent means (the recursive form of ISO 7064
MOD 11-2, and the powers of 3 modulo 31), not by the plugins' weight tables.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib.metadata import entry_points
from types import ModuleType

import pytest
from google.protobuf.message import Message

import customer_core_contact as contact
import customer_core_identification as identification
import customer_core_individual as individual
from customer_core.errors import FieldViolation
from customer_core.kernel.registry import load_registry
from customer_core.plugin import ENTRY_POINT_GROUP, CustomerView, QualityIssue
from customer_core.v1 import options_pb2
from customer_core_contact.v1.contact_pb2 import ContactPoint, Email, Phone, PostalAddress
from customer_core_identification.v1.identification_pb2 import (
    ID_STATUS_EXPIRED,
    ID_STATUS_VALID,
    ID_TYPE_PASSPORT,
    ID_TYPE_RESIDENT_ID_CARD,
    ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE,
    IdentificationDocument,
)
from customer_core_individual.v1.individual_pb2 import (
    GENDER_FEMALE,
    GENDER_MALE,
    GENDER_UNSPECIFIED,
    IndividualProfile,
)

PERSON = CustomerView(customer_number="", customer_type="INDIVIDUAL")
COMPANY = CustomerView(customer_number="C000000001", customer_type="ORGANIZATION")
REGISTRY = load_registry(["individual", "identification", "contact"])
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(first17: str) -> str:
    """A resident ID number: `first17` plus its ISO 7064 MOD 11-2 check character."""
    p = 0
    for digit in first17:
        p = (p + int(digit)) * 2 % 11
    check = (12 - p) % 11
    return first17 + ("X" if check == 10 else str(check))


def uscc(first17: str) -> str:
    """A unified social credit code: `first17` plus its GB 32100 check character."""
    total = sum(USCC_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + USCC_CHARSET[(31 - total % 31) % 31]


def with_wrong_last_character(code: str, alphabet: str) -> str:
    """`code` with its check character replaced by another one from `alphabet`."""
    return code[:-1] + next(c for c in alphabet if c != code[-1])


def validate(
    plugin: ModuleType, subject: str, record: Message, customer: CustomerView = PERSON
) -> list[FieldViolation]:
    """What `plugin` finds in a record of its model `subject`, as the registry calls it (issues
    of declared rules shown as violations, their rule left out)."""
    model = REGISTRY.get(subject)
    assert model is not None and model.plugin == plugin.SUBJECT
    return [
        FieldViolation(v.field, v.message) if isinstance(v, QualityIssue) else v
        for v in REGISTRY.validate(model, record, customer)
    ]


def rules(subject: str, record: Message, customer: CustomerView = PERSON) -> list[str]:
    """The rule ids of the issues found in a record of `subject`."""
    model = REGISTRY.get(subject)
    assert model is not None
    return [
        v.rule for v in REGISTRY.validate(model, record, customer) if isinstance(v, QualityIssue)
    ]


def view(**records: list[Message]) -> CustomerView:
    """A person's view holding these records by subject."""
    return CustomerView("", "INDIVIDUAL", lambda subject, in_clear: records.get(subject, []))


def fields(violations: list[FieldViolation]) -> list[str]:
    """The field paths of `violations`, in order."""
    return [v.field for v in violations]


def test_independent_check_characters_reproduce_well_known_numbers() -> None:
    assert resident_id("11010519491231002") == "11010519491231002X"
    assert uscc("91350100M000100Y4") == "91350100M000100Y43"


# --- the contract ---------------------------------------------------------------------------

PLUGINS = [
    pytest.param(individual, "individual", IndividualProfile, id="individual"),
    pytest.param(identification, "identification", IdentificationDocument, id="identification"),
    pytest.param(contact, "contact", ContactPoint, id="contact"),
]


@pytest.mark.parametrize(("plugin", "subject", "message_class"), PLUGINS)
def test_each_plugin_contributes_the_subject_model_it_answers_to(
    plugin: ModuleType, subject: str, message_class: type[Message]
) -> None:
    assert list(plugin.subject_models()) == [message_class]
    declared = message_class.DESCRIPTOR.GetOptions().Extensions[options_pb2.subject_model]
    assert declared.name == subject == plugin.SUBJECT


@pytest.mark.parametrize(
    ("plugin", "name"),
    [pytest.param(p.values[0], p.values[1], id=p.id) for p in PLUGINS],
)
def test_entry_point_loads_the_plugin_module_with_its_hooks(plugin: ModuleType, name: str) -> None:
    (ep,) = entry_points(group=ENTRY_POINT_GROUP, name=name)
    loaded = ep.load()
    assert loaded is plugin
    assert loaded.__file__.endswith("__init__.py")  # a regular package, not an empty namespace


def test_the_registry_calls_a_records_hooks_in_the_plugin_that_owns_its_model_only() -> None:
    # identification's validate_record would fail on a ContactPoint (it reads id_type): were it
    # called for contact records, this would raise.
    contact_model = REGISTRY.get("contact")
    assert contact_model is not None
    assert REGISTRY.validate(contact_model, ContactPoint(), PERSON) == [
        FieldViolation("point", "one of address, phone or email is required")
    ]
    point = ContactPoint(phone=Phone(number="+86 138-0013-8000"))
    REGISTRY.normalize(contact_model, point)
    assert point.phone.number == "+8613800138000"


@pytest.mark.parametrize(
    ("plugin", "hooks"),
    [
        pytest.param(
            individual,
            {"subject_models", "quality_rules", "normalize_record", "complete_record",
             "validate_record", "expected_attributes"},
            id="individual",
        ),
        pytest.param(
            identification,
            {"subject_models", "quality_rules", "normalize_record", "validate_record",
             "record_expiry", "expire_record", "expected_attributes"},
            id="identification",
        ),
        pytest.param(
            contact,
            {"subject_models", "quality_rules", "normalize_record", "complete_record",
             "validate_record", "expected_attributes"},
            id="contact",
        ),
    ],
)  # fmt: skip
def test_each_plugin_registers_its_hooks(plugin: ModuleType, hooks: set[str]) -> None:
    assert set(dict(REGISTRY.plugins())[plugin.SUBJECT]) == hooks


# --- individual ------------------------------------------------------------------------------


def test_names_and_occupation_are_trimmed() -> None:
    profile = IndividualProfile(
        name="  张三 ", former_names=[" 张叁", "Zhang San  "], occupation="\t教师 "
    )
    individual.normalize_record(record=profile)
    assert profile.name == "张三"
    assert list(profile.former_names) == ["张叁", "Zhang San"]
    assert profile.occupation == "教师"


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        pytest.param("zhang  san", "ZHANG SAN", id="inner-run-collapsed"),
        pytest.param("  ouyang   xiu  ming ", "OUYANG XIU MING", id="trimmed-and-collapsed"),
        pytest.param("LI SI", "LI SI", id="already-canonical"),
    ],
)
def test_pinyin_name_is_single_spaced_upper_case(given: str, normalized: str) -> None:
    profile = IndividualProfile(name="张三", pinyin_name=given, nationality="chn")
    individual.normalize_record(record=profile)
    assert profile.pinyin_name == normalized
    assert profile.nationality == "CHN"


@pytest.mark.parametrize(
    "birth_date",
    [
        pytest.param("1990-03-07", id="ordinary"),
        pytest.param("2000-02-29", id="leap-day"),
        pytest.param("1900-01-01", id="earliest-allowed"),
        pytest.param(date.today().isoformat(), id="born-today"),
        pytest.param("", id="not-given"),
    ],
)
def test_real_past_birth_date_is_accepted(birth_date: str) -> None:
    profile = IndividualProfile(name="张三", birth_date=birth_date)
    assert validate(individual, "individual", profile) == []


@pytest.mark.parametrize(
    "birth_date",
    [
        pytest.param("2023-02-29", id="no-leap-day"),
        pytest.param("1990-04-31", id="april-31"),
        pytest.param("1990-13-01", id="month-13"),
        pytest.param("19900307", id="no-dashes"),
    ],
)
def test_birth_date_not_in_the_calendar_is_rejected(birth_date: str) -> None:
    violations = validate(
        individual, "individual", IndividualProfile(name="张三", birth_date=birth_date)
    )
    assert fields(violations) == ["birth_date"]
    assert "not a real date" in violations[0].description


def test_future_birth_date_is_rejected() -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    violations = validate(
        individual, "individual", IndividualProfile(name="张三", birth_date=tomorrow)
    )
    assert violations == [FieldViolation("birth_date", f"{tomorrow} is in the future")]


def test_birth_date_before_1900_is_rejected() -> None:
    profile = IndividualProfile(name="张三", birth_date="1899-12-31")
    assert fields(validate(individual, "individual", profile)) == ["birth_date"]


@pytest.mark.parametrize(
    ("former_names", "bad_fields"),
    [
        pytest.param(["张叁", "小三"], [], id="distinct"),
        pytest.param(["张叁", "张三"], ["former_names[1]"], id="current-name"),
        pytest.param(["小三", "张叁", "小三"], ["former_names[2]"], id="duplicate"),
        pytest.param(["Zhang San", "ZHANG SAN"], ["former_names[1]"], id="duplicate-ignoring-case"),
    ],
)
def test_former_names_must_be_new_and_distinct(former_names: list[str], bad_fields: list[str]):
    profile = IndividualProfile(name="张三", former_names=former_names)
    assert fields(validate(individual, "individual", profile)) == bad_fields


# --- identification --------------------------------------------------------------------------


def test_document_number_is_upper_cased_without_spaces() -> None:
    document = IdentificationDocument(id_number=" 110105 19491231 002x ", issuing_country=" chn")
    identification.normalize_record(record=document)
    assert document.id_number == "11010519491231002X"
    assert document.issuing_country == "CHN"


def resident_card(number: str, **validity: str) -> IdentificationDocument:
    return IdentificationDocument(
        id_type=ID_TYPE_RESIDENT_ID_CARD, id_number=number, status=ID_STATUS_VALID, **validity
    )


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("11010519491231002X", id="well-known-example"),
        pytest.param(resident_id("11010519900307123"), id="digit-check"),
        pytest.param(resident_id("44030619851120018"), id="x-check"),
    ],
)
def test_valid_resident_id_is_accepted(number: str) -> None:
    assert validate(identification, "identification", resident_card(number)) == []


def test_resident_id_with_wrong_check_character_is_rejected() -> None:
    number = with_wrong_last_character(resident_id("11010519900307123"), "0123456789X")
    violations = validate(identification, "identification", resident_card(number))
    assert fields(violations) == ["id_number"]
    assert "check character" in violations[0].description


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("11010519491231002", id="17-characters"),
        pytest.param("11010519491231002X0", id="19-characters"),
        pytest.param("1101051949123100AX", id="letter-in-body"),
    ],
)
def test_resident_id_of_the_wrong_shape_is_rejected(number: str) -> None:
    violations = validate(identification, "identification", resident_card(number))
    assert fields(violations) == ["id_number"]
    assert "17 digits" in violations[0].description


def test_a_legacy_15_digit_resident_id_is_upgraded_not_refused() -> None:
    model = REGISTRY.get("identification")
    assert model is not None
    card = resident_card(" 110105491231002 ")
    fixes = REGISTRY.normalize(model, card)
    assert card.id_number == "11010519491231002X"  # 19 before the year, and its check character
    assert [f.rule for f in fixes] == [
        identification.NUMBER_TIDIED,
        identification.RESIDENT_ID_UPGRADED,
    ]
    assert validate(identification, "identification", card) == []


def test_resident_id_with_impossible_birth_date_is_rejected_despite_a_good_check() -> None:
    number = resident_id("11010519900230123")  # born on 30 February
    violations = validate(identification, "identification", resident_card(number))
    assert fields(violations) == ["id_number"]
    assert "birth date" in violations[0].description


def test_violations_never_echo_the_sensitive_document_number() -> None:
    number = with_wrong_last_character(resident_id("11010519900307123"), "0123456789X")
    (violation,) = validate(identification, "identification", resident_card(number))
    assert number not in violation.description
    assert number[:17] not in violation.description


def credit_code(code: str) -> IdentificationDocument:
    return IdentificationDocument(
        id_type=ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, id_number=code, status=ID_STATUS_VALID
    )


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("91350100M000100Y43", id="well-known-example"),
        pytest.param(uscc("91440300MA5DC0Q0X"), id="computed"),
        pytest.param(uscc("12100000400000624"), id="public-institution"),
    ],
)
def test_valid_unified_social_credit_code_is_accepted(code: str) -> None:
    assert validate(identification, "identification", credit_code(code), COMPANY) == []


def test_unified_social_credit_code_with_wrong_check_character_is_rejected() -> None:
    code = with_wrong_last_character("91350100M000100Y43", USCC_CHARSET)
    violations = validate(identification, "identification", credit_code(code), COMPANY)
    assert fields(violations) == ["id_number"]
    assert "check character" in violations[0].description


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("91350100M000100Y4", id="17-characters"),
        pytest.param("91350100O000100Y43", id="letter-O-not-in-charset"),
        pytest.param("91350100I000100Y43", id="letter-I-not-in-charset"),
    ],
)
def test_unified_social_credit_code_of_the_wrong_shape_is_rejected(code: str) -> None:
    violations = validate(identification, "identification", credit_code(code), COMPANY)
    assert fields(violations) == ["id_number"]
    assert "18 characters" in violations[0].description


def test_passport_numbers_are_not_held_to_resident_id_check_characters() -> None:
    passport = IdentificationDocument(
        id_type=ID_TYPE_PASSPORT, id_number="11010519900307123", status=ID_STATUS_VALID
    )
    assert validate(identification, "identification", passport) == []


@pytest.mark.parametrize(
    ("validity", "bad_fields"),
    [
        pytest.param({"valid_from": "2020-01-01", "valid_to": "2040-01-01"}, [], id="ten-years"),
        pytest.param({"valid_from": "2020-01-01"}, [], id="valid-for-life"),
        pytest.param({"valid_from": "2020-02-30"}, ["valid_from"], id="impossible-from"),
        pytest.param({"valid_to": "2040-13-01"}, ["valid_to"], id="impossible-to"),
        pytest.param(
            {"valid_from": "2040-01-01", "valid_to": "2030-01-01"}, ["valid_to"], id="ends-first"
        ),
    ],
)
def test_validity_period_must_be_real_dates_in_order(validity: dict, bad_fields: list[str]):
    document = resident_card("11010519491231002X", **validity)
    assert fields(validate(identification, "identification", document)) == bad_fields


def test_valid_document_past_its_last_day_must_be_recorded_as_expired() -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    document = resident_card("11010519491231002X", valid_from="2010-01-01", valid_to=yesterday)
    violations = validate(identification, "identification", document)
    assert violations == [
        FieldViolation("status", f"document expired on {yesterday}; record it as ID_STATUS_EXPIRED")
    ]
    document.status = ID_STATUS_EXPIRED
    assert validate(identification, "identification", document) == []


def test_document_is_still_valid_on_its_last_day() -> None:
    document = resident_card("11010519491231002X", valid_to=date.today().isoformat())
    assert validate(identification, "identification", document) == []


# --- contact ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        pytest.param("+86 138-0013-8000", "+8613800138000", id="mobile-with-dashes"),
        pytest.param("+86 (10) 6552 9988", "+861065529988", id="landline-with-area-code"),
        pytest.param("+1 (415) 555-0100", "+14155550100", id="north-american"),
        pytest.param("+8613800138000", "+8613800138000", id="already-e164"),
    ],
)
def test_phone_number_is_normalized_to_e164_digits(given: str, normalized: str) -> None:
    point = ContactPoint(phone=Phone(number=given, mobile=True))
    contact.normalize_record(record=point)
    assert point.phone.number == normalized


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        pytest.param(" Zhang.San@Example.COM ", "Zhang.San@example.com", id="domain-lowered"),
        pytest.param("li.si@bank.example.cn", "li.si@bank.example.cn", id="already-canonical"),
        pytest.param(" not-an-address ", "not-an-address", id="no-at-sign-only-trimmed"),
    ],
)
def test_email_is_trimmed_with_domain_lower_cased_and_local_part_kept(given: str, normalized: str):
    point = ContactPoint(email=Email(address=given))
    contact.normalize_record(record=point)
    assert point.email.address == normalized


def test_address_fields_are_trimmed_and_country_upper_cased() -> None:
    point = ContactPoint(
        address=PostalAddress(
            country=" chn ",
            province=" 北京市",
            city="北京市 ",
            district=" 朝阳区 ",
            street="  建国路 88 号 ",
            postal_code=" 100022 ",
        )
    )
    contact.normalize_record(record=point)
    assert point.address == PostalAddress(
        country="CHN",
        province="北京市",
        city="北京市",
        district="朝阳区",
        street="建国路 88 号",
        postal_code="100022",
    )


def test_normalizing_one_kind_of_point_does_not_select_another() -> None:
    point = ContactPoint(phone=Phone(number="+86 138 0013 8000"))
    contact.normalize_record(record=point)
    assert point.WhichOneof("point") == "phone"
    assert not point.HasField("address") and not point.HasField("email")


def test_contact_point_without_address_phone_or_email_is_rejected() -> None:
    assert validate(contact, "contact", ContactPoint(preferred=True)) == [
        FieldViolation("point", "one of address, phone or email is required")
    ]


@pytest.mark.parametrize(
    "point",
    [
        pytest.param(ContactPoint(address=PostalAddress(street="建国路 88 号")), id="address"),
        pytest.param(ContactPoint(phone=Phone(number="+8613800138000")), id="phone"),
        pytest.param(ContactPoint(email=Email(address="zhang.san@example.com")), id="email"),
    ],
)
def test_contact_point_with_one_way_to_reach_the_customer_is_accepted(point: ContactPoint):
    assert validate(contact, "contact", point) == []


# --- rules across subjects (the customer view) ------------------------------------------------


def complete(record: IndividualProfile, customer: CustomerView) -> IndividualProfile:
    model = REGISTRY.get("individual")
    assert model is not None
    REGISTRY.complete(model, record, customer)
    return record


def test_missing_birth_date_and_gender_are_taken_from_the_resident_id_card() -> None:
    card = resident_card(resident_id("11010519900307123"))  # 17th digit 3: male
    profile = complete(IndividualProfile(name="张三"), view(identification=[card]))
    assert profile.birth_date == "1990-03-07" and profile.gender == GENDER_MALE
    female = resident_card(resident_id("11010519851120002"))
    assert complete(IndividualProfile(name="李四"), view(identification=[female])).gender == (
        GENDER_FEMALE
    )


def test_what_the_profile_says_is_not_overwritten_and_other_documents_are_not_read() -> None:
    card = resident_card(resident_id("11010519900307123"))
    given = IndividualProfile(name="张三", birth_date="1990-03-08", gender=GENDER_FEMALE)
    copy = IndividualProfile()
    copy.CopyFrom(given)
    completed = complete(copy, view(identification=[card]))
    assert (completed.birth_date, completed.gender) == (given.birth_date, given.gender)
    assert completed.birth_region == "110105" and completed.pinyin_name == "ZHANG SAN"
    passport = IdentificationDocument(id_type=ID_TYPE_PASSPORT, id_number="E12345678")
    bare = complete(IndividualProfile(name="张三"), view(identification=[passport]))
    assert bare.birth_date == "" and bare.gender == GENDER_UNSPECIFIED


def test_a_birth_date_other_than_the_resident_id_cards_is_a_warning_quoting_neither() -> None:
    number = resident_id("11010519900307123")
    customer = view(identification=[resident_card(number)])
    profile = IndividualProfile(name="张三", birth_date="1990-03-08")
    assert rules("individual", profile, customer) == [individual.BIRTH_DATE_MATCHES_ID]
    (issue,) = validate(individual, "individual", profile, customer)
    assert issue.field == "birth_date"
    assert number not in issue.description and "1990" not in issue.description
    profile.birth_date = "1990-03-07"
    assert rules("individual", profile, customer) == []


def test_identification_refusals_carry_their_rule_ids() -> None:
    number = with_wrong_last_character(resident_id("11010519900307123"), "0123456789X")
    assert rules("identification", resident_card(number)) == [identification.NUMBER_CHECK]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    expired = resident_card("11010519491231002X", valid_to=yesterday)
    assert rules("identification", expired) == [identification.EXPIRED_AS_VALID]
    rule = REGISTRY.rule(identification.NUMBER_CHECK)
    assert rule is not None and rule.severity.value == "ERROR"


def test_a_second_primary_document_is_a_warning() -> None:
    first = resident_card("11010519491231002X")
    first.primary = True
    second = IdentificationDocument(
        id_type=ID_TYPE_PASSPORT, id_number="E12345678", status=ID_STATUS_VALID, primary=True
    )
    assert rules("identification", second, view(identification=[first])) == [
        identification.ONE_PRIMARY
    ]
    assert rules("identification", second, view(identification=[])) == []
    warning = REGISTRY.rule(identification.ONE_PRIMARY)
    assert warning is not None and warning.severity.value == "WARNING"
