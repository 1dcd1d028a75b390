from customer_core.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NoTinReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_TIN_REASON_UNSPECIFIED: _ClassVar[NoTinReason]
    NO_TIN_REASON_NOT_ISSUED: _ClassVar[NoTinReason]
    NO_TIN_REASON_UNABLE_TO_OBTAIN: _ClassVar[NoTinReason]
    NO_TIN_REASON_NOT_REQUIRED: _ClassVar[NoTinReason]

class TaxRegime(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAX_REGIME_UNSPECIFIED: _ClassVar[TaxRegime]
    TAX_REGIME_CRS: _ClassVar[TaxRegime]
    TAX_REGIME_FATCA: _ClassVar[TaxRegime]

class InvestorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVESTOR_TYPE_UNSPECIFIED: _ClassVar[InvestorType]
    INVESTOR_TYPE_INDIVIDUAL: _ClassVar[InvestorType]
    INVESTOR_TYPE_ORGANIZATION: _ClassVar[InvestorType]
    INVESTOR_TYPE_PROFESSIONAL: _ClassVar[InvestorType]

class AgencyService(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENCY_SERVICE_UNSPECIFIED: _ClassVar[AgencyService]
    AGENCY_SERVICE_PAYROLL: _ClassVar[AgencyService]
    AGENCY_SERVICE_PENSION: _ClassVar[AgencyService]
    AGENCY_SERVICE_REIMBURSEMENT: _ClassVar[AgencyService]
    AGENCY_SERVICE_OTHER: _ClassVar[AgencyService]
NO_TIN_REASON_UNSPECIFIED: NoTinReason
NO_TIN_REASON_NOT_ISSUED: NoTinReason
NO_TIN_REASON_UNABLE_TO_OBTAIN: NoTinReason
NO_TIN_REASON_NOT_REQUIRED: NoTinReason
TAX_REGIME_UNSPECIFIED: TaxRegime
TAX_REGIME_CRS: TaxRegime
TAX_REGIME_FATCA: TaxRegime
INVESTOR_TYPE_UNSPECIFIED: InvestorType
INVESTOR_TYPE_INDIVIDUAL: InvestorType
INVESTOR_TYPE_ORGANIZATION: InvestorType
INVESTOR_TYPE_PROFESSIONAL: InvestorType
AGENCY_SERVICE_UNSPECIFIED: AgencyService
AGENCY_SERVICE_PAYROLL: AgencyService
AGENCY_SERVICE_PENSION: AgencyService
AGENCY_SERVICE_REIMBURSEMENT: AgencyService
AGENCY_SERVICE_OTHER: AgencyService

class TaxJurisdiction(_message.Message):
    __slots__ = ("country", "tin", "no_tin_reason", "explanation")
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    TIN_FIELD_NUMBER: _ClassVar[int]
    NO_TIN_REASON_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    country: str
    tin: str
    no_tin_reason: NoTinReason
    explanation: str
    def __init__(self, country: _Optional[str] = ..., tin: _Optional[str] = ..., no_tin_reason: _Optional[_Union[NoTinReason, str]] = ..., explanation: _Optional[str] = ...) -> None: ...

class TaxResidency(_message.Message):
    __slots__ = ("regime", "china_only", "jurisdictions", "certified_on", "us_person")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    CHINA_ONLY_FIELD_NUMBER: _ClassVar[int]
    JURISDICTIONS_FIELD_NUMBER: _ClassVar[int]
    CERTIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    US_PERSON_FIELD_NUMBER: _ClassVar[int]
    regime: TaxRegime
    china_only: bool
    jurisdictions: _containers.RepeatedCompositeFieldContainer[TaxJurisdiction]
    certified_on: str
    us_person: bool
    def __init__(self, regime: _Optional[_Union[TaxRegime, str]] = ..., china_only: _Optional[bool] = ..., jurisdictions: _Optional[_Iterable[_Union[TaxJurisdiction, _Mapping]]] = ..., certified_on: _Optional[str] = ..., us_person: _Optional[bool] = ...) -> None: ...

class QualifiedInvestor(_message.Message):
    __slots__ = ("investor_type", "assessed_on", "expires_on", "evidence")
    INVESTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    ASSESSED_ON_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    investor_type: InvestorType
    assessed_on: str
    expires_on: str
    evidence: str
    def __init__(self, investor_type: _Optional[_Union[InvestorType, str]] = ..., assessed_on: _Optional[str] = ..., expires_on: _Optional[str] = ..., evidence: _Optional[str] = ...) -> None: ...

class AgencyPayment(_message.Message):
    __slots__ = ("payer", "payer_name", "account_number", "service", "valid_from", "valid_to")
    PAYER_FIELD_NUMBER: _ClassVar[int]
    PAYER_NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    payer: str
    payer_name: str
    account_number: str
    service: AgencyService
    valid_from: str
    valid_to: str
    def __init__(self, payer: _Optional[str] = ..., payer_name: _Optional[str] = ..., account_number: _Optional[str] = ..., service: _Optional[_Union[AgencyService, str]] = ..., valid_from: _Optional[str] = ..., valid_to: _Optional[str] = ...) -> None: ...

class SpecialInformation(_message.Message):
    __slots__ = ("tax_residency", "qualified_investor", "agency_payment")
    TAX_RESIDENCY_FIELD_NUMBER: _ClassVar[int]
    QUALIFIED_INVESTOR_FIELD_NUMBER: _ClassVar[int]
    AGENCY_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    tax_residency: TaxResidency
    qualified_investor: QualifiedInvestor
    agency_payment: AgencyPayment
    def __init__(self, tax_residency: _Optional[_Union[TaxResidency, _Mapping]] = ..., qualified_investor: _Optional[_Union[QualifiedInvestor, _Mapping]] = ..., agency_payment: _Optional[_Union[AgencyPayment, _Mapping]] = ...) -> None: ...
