"""The built-in subject-model plugins, each hook called directly with real messages.

Check characters are computed here by independent means (the recursive form of ISO 7064
MOD 11-2, and the powers of 3 modulo 31), not by the plugins' weight tables.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib.metadata import entry_points
from types import ModuleType

import pluggy
import pytest
from google.protobuf.message import Message

import customer_core_contact as contact
import customer_core_identification as identification
import customer_core_individual as individual
from customer_core.errors import FieldViolation
from customer_core.plugin import ENTRY_POINT_GROUP, CustomerFacts, _hookspecs
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
from customer_core_individual.v1.individual_pb2 import IndividualProfile

PERSON = CustomerFacts(customer_number="", customer_type="INDIVIDUAL")
COMPANY = CustomerFacts(customer_number="C000000001", customer_type="ORGANIZATION")
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
    plugin: ModuleType, subject: str, record: Message, customer: CustomerFacts = PERSON
) -> list[FieldViolation]:
    """The violations `plugin` finds in `record`, as a list."""
    return list(plugin.validate_record(subject=subject, record=record, customer=customer) or [])


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


def test_plugins_register_against_the_hook_specifications_and_answer_only_for_their_subject():
    manager = pluggy.PluginManager(_hookspecs.PROJECT)
    manager.add_hookspecs(_hookspecs)
    for plugin in (individual, identification, contact):
        manager.register(plugin)  # raises if a hook's arguments do not fit the specification
    empty_contact = ContactPoint()
    results = manager.hook.validate_record(subject="contact", record=empty_contact, customer=PERSON)
    assert [v for result in results for v in result] == [
        FieldViolation("point", "one of address, phone or email is required")
    ]


@pytest.mark.parametrize(
    ("plugin", "messy", "invalid"),
    [
        pytest.param(
            individual,
            IndividualProfile(name=" 张三 ", pinyin_name="zhang  san"),
            IndividualProfile(name="张三", birth_date="2999-01-01"),
            id="individual",
        ),
        pytest.param(
            identification,
            IdentificationDocument(id_number=" 1101 0519 4912 3100 2x "),
            IdentificationDocument(id_type=ID_TYPE_RESIDENT_ID_CARD, id_number="123"),
            id="identification",
        ),
        pytest.param(
            contact,
            ContactPoint(phone=Phone(number="+86 138-0013-8000")),
            ContactPoint(),
            id="contact",
        ),
    ],
)
def test_records_of_other_subjects_are_left_alone(
    plugin: ModuleType, messy: Message, invalid: Message
) -> None:
    subject = plugin.SUBJECT
    assert validate(plugin, subject, invalid) != []  # its own subject would be rejected...
    assert validate(plugin, "vehicle", invalid) == []  # ...another subject's is not its business
    before = messy.SerializeToString()
    plugin.normalize_record(subject="vehicle", record=messy)
    assert messy.SerializeToString() == before


# --- individual ------------------------------------------------------------------------------


def test_names_and_occupation_are_trimmed() -> None:
    profile = IndividualProfile(
        name="  张三 ", former_names=[" 张叁", "Zhang San  "], occupation="\t教师 "
    )
    individual.normalize_record(subject="individual", record=profile)
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
    individual.normalize_record(subject="individual", record=profile)
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
    identification.normalize_record(subject="identification", record=document)
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
        pytest.param("110105491231002", id="old-15-digit-card"),
        pytest.param("1101051949123100AX", id="letter-in-body"),
    ],
)
def test_resident_id_of_the_wrong_shape_is_rejected(number: str) -> None:
    violations = validate(identification, "identification", resident_card(number))
    assert fields(violations) == ["id_number"]
    assert "17 digits" in violations[0].description


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
        id_type=ID_TYPE_PASSPORT, id_number="110105199003071230", status=ID_STATUS_VALID
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
    contact.normalize_record(subject="contact", record=point)
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
    contact.normalize_record(subject="contact", record=point)
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
    contact.normalize_record(subject="contact", record=point)
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
    contact.normalize_record(subject="contact", record=point)
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
