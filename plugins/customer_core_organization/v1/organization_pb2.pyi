from customer_core.v1 import options_pb2 as _options_pb2
from customer_core.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LegalForm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEGAL_FORM_UNSPECIFIED: _ClassVar[LegalForm]
    LEGAL_FORM_LIMITED_LIABILITY_COMPANY: _ClassVar[LegalForm]
    LEGAL_FORM_JOINT_STOCK_COMPANY: _ClassVar[LegalForm]
    LEGAL_FORM_STATE_OWNED_ENTERPRISE: _ClassVar[LegalForm]
    LEGAL_FORM_COLLECTIVE_ENTERPRISE: _ClassVar[LegalForm]
    LEGAL_FORM_PARTNERSHIP: _ClassVar[LegalForm]
    LEGAL_FORM_SOLE_PROPRIETORSHIP: _ClassVar[LegalForm]
    LEGAL_FORM_INDIVIDUAL_BUSINESS: _ClassVar[LegalForm]
    LEGAL_FORM_FOREIGN_INVESTED_ENTERPRISE: _ClassVar[LegalForm]
    LEGAL_FORM_PUBLIC_INSTITUTION: _ClassVar[LegalForm]
    LEGAL_FORM_SOCIAL_ORGANIZATION: _ClassVar[LegalForm]
    LEGAL_FORM_GOVERNMENT_AGENCY: _ClassVar[LegalForm]
    LEGAL_FORM_OTHER: _ClassVar[LegalForm]
LEGAL_FORM_UNSPECIFIED: LegalForm
LEGAL_FORM_LIMITED_LIABILITY_COMPANY: LegalForm
LEGAL_FORM_JOINT_STOCK_COMPANY: LegalForm
LEGAL_FORM_STATE_OWNED_ENTERPRISE: LegalForm
LEGAL_FORM_COLLECTIVE_ENTERPRISE: LegalForm
LEGAL_FORM_PARTNERSHIP: LegalForm
LEGAL_FORM_SOLE_PROPRIETORSHIP: LegalForm
LEGAL_FORM_INDIVIDUAL_BUSINESS: LegalForm
LEGAL_FORM_FOREIGN_INVESTED_ENTERPRISE: LegalForm
LEGAL_FORM_PUBLIC_INSTITUTION: LegalForm
LEGAL_FORM_SOCIAL_ORGANIZATION: LegalForm
LEGAL_FORM_GOVERNMENT_AGENCY: LegalForm
LEGAL_FORM_OTHER: LegalForm

class LegalRepresentative(_message.Message):
    __slots__ = ("name", "id_type", "id_number")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_type: str
    id_number: str
    def __init__(self, name: _Optional[str] = ..., id_type: _Optional[str] = ..., id_number: _Optional[str] = ...) -> None: ...

class OrganizationProfile(_message.Message):
    __slots__ = ("legal_name", "former_names", "english_name", "unified_social_credit_code", "organization_code", "business_licence_number", "registration_number", "loan_card_number", "account_opening_permit_number", "national_tax_registration_number", "local_tax_registration_number", "legal_form", "industry_code", "registered_capital", "establishment_date", "business_scope", "legal_representative")
    LEGAL_NAME_FIELD_NUMBER: _ClassVar[int]
    FORMER_NAMES_FIELD_NUMBER: _ClassVar[int]
    ENGLISH_NAME_FIELD_NUMBER: _ClassVar[int]
    UNIFIED_SOCIAL_CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_CODE_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_LICENCE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOAN_CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_OPENING_PERMIT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_TAX_REGISTRATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOCAL_TAX_REGISTRATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LEGAL_FORM_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_CAPITAL_FIELD_NUMBER: _ClassVar[int]
    ESTABLISHMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_SCOPE_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    legal_name: str
    former_names: _containers.RepeatedScalarFieldContainer[str]
    english_name: str
    unified_social_credit_code: str
    organization_code: str
    business_licence_number: str
    registration_number: str
    loan_card_number: str
    account_opening_permit_number: str
    national_tax_registration_number: str
    local_tax_registration_number: str
    legal_form: LegalForm
    industry_code: str
    registered_capital: _types_pb2.Money
    establishment_date: str
    business_scope: str
    legal_representative: LegalRepresentative
    def __init__(self, legal_name: _Optional[str] = ..., former_names: _Optional[_Iterable[str]] = ..., english_name: _Optional[str] = ..., unified_social_credit_code: _Optional[str] = ..., organization_code: _Optional[str] = ..., business_licence_number: _Optional[str] = ..., registration_number: _Optional[str] = ..., loan_card_number: _Optional[str] = ..., account_opening_permit_number: _Optional[str] = ..., national_tax_registration_number: _Optional[str] = ..., local_tax_registration_number: _Optional[str] = ..., legal_form: _Optional[_Union[LegalForm, str]] = ..., industry_code: _Optional[str] = ..., registered_capital: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., establishment_date: _Optional[str] = ..., business_scope: _Optional[str] = ..., legal_representative: _Optional[_Union[LegalRepresentative, _Mapping]] = ...) -> None: ...
