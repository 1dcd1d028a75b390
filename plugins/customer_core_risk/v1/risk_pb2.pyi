from customer_core.v1 import options_pb2 as _options_pb2
from customer_core.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LoanClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOAN_CLASS_UNSPECIFIED: _ClassVar[LoanClass]
    LOAN_CLASS_NORMAL: _ClassVar[LoanClass]
    LOAN_CLASS_SPECIAL_MENTION: _ClassVar[LoanClass]
    LOAN_CLASS_SUBSTANDARD: _ClassVar[LoanClass]
    LOAN_CLASS_DOUBTFUL: _ClassVar[LoanClass]
    LOAN_CLASS_LOSS: _ClassVar[LoanClass]

class ListType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_TYPE_UNSPECIFIED: _ClassVar[ListType]
    LIST_TYPE_BLACKLIST: _ClassVar[ListType]
    LIST_TYPE_SANCTIONS: _ClassVar[ListType]
    LIST_TYPE_PEP: _ClassVar[ListType]
    LIST_TYPE_WATCHLIST: _ClassVar[ListType]

class HitStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HIT_STATUS_UNSPECIFIED: _ClassVar[HitStatus]
    HIT_STATUS_UNDER_REVIEW: _ClassVar[HitStatus]
    HIT_STATUS_CONFIRMED: _ClassVar[HitStatus]
    HIT_STATUS_FALSE_POSITIVE: _ClassVar[HitStatus]
    HIT_STATUS_CLEARED: _ClassVar[HitStatus]

class AmlLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AML_LEVEL_UNSPECIFIED: _ClassVar[AmlLevel]
    AML_LEVEL_LOW: _ClassVar[AmlLevel]
    AML_LEVEL_MEDIUM: _ClassVar[AmlLevel]
    AML_LEVEL_HIGH: _ClassVar[AmlLevel]
    AML_LEVEL_PROHIBITED: _ClassVar[AmlLevel]
LOAN_CLASS_UNSPECIFIED: LoanClass
LOAN_CLASS_NORMAL: LoanClass
LOAN_CLASS_SPECIAL_MENTION: LoanClass
LOAN_CLASS_SUBSTANDARD: LoanClass
LOAN_CLASS_DOUBTFUL: LoanClass
LOAN_CLASS_LOSS: LoanClass
LIST_TYPE_UNSPECIFIED: ListType
LIST_TYPE_BLACKLIST: ListType
LIST_TYPE_SANCTIONS: ListType
LIST_TYPE_PEP: ListType
LIST_TYPE_WATCHLIST: ListType
HIT_STATUS_UNSPECIFIED: HitStatus
HIT_STATUS_UNDER_REVIEW: HitStatus
HIT_STATUS_CONFIRMED: HitStatus
HIT_STATUS_FALSE_POSITIVE: HitStatus
HIT_STATUS_CLEARED: HitStatus
AML_LEVEL_UNSPECIFIED: AmlLevel
AML_LEVEL_LOW: AmlLevel
AML_LEVEL_MEDIUM: AmlLevel
AML_LEVEL_HIGH: AmlLevel
AML_LEVEL_PROHIBITED: AmlLevel

class LoanClassification(_message.Message):
    __slots__ = ("loan_class", "as_of", "contract_number")
    LOAN_CLASS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    loan_class: LoanClass
    as_of: str
    contract_number: str
    def __init__(self, loan_class: _Optional[_Union[LoanClass, str]] = ..., as_of: _Optional[str] = ..., contract_number: _Optional[str] = ...) -> None: ...

class CreditRating(_message.Message):
    __slots__ = ("rater", "grade", "rating_date", "valid_to")
    RATER_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    RATING_DATE_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    rater: str
    grade: str
    rating_date: str
    valid_to: str
    def __init__(self, rater: _Optional[str] = ..., grade: _Optional[str] = ..., rating_date: _Optional[str] = ..., valid_to: _Optional[str] = ...) -> None: ...

class CreditLimit(_message.Message):
    __slots__ = ("limit_type", "limit", "utilised", "valid_from", "valid_to")
    LIMIT_TYPE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    UTILISED_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    limit_type: str
    limit: _types_pb2.Money
    utilised: _types_pb2.Money
    valid_from: str
    valid_to: str
    def __init__(self, limit_type: _Optional[str] = ..., limit: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., utilised: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., valid_from: _Optional[str] = ..., valid_to: _Optional[str] = ...) -> None: ...

class ListHit(_message.Message):
    __slots__ = ("list_type", "list_name", "hit_date", "status", "listed_name")
    LIST_TYPE_FIELD_NUMBER: _ClassVar[int]
    LIST_NAME_FIELD_NUMBER: _ClassVar[int]
    HIT_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LISTED_NAME_FIELD_NUMBER: _ClassVar[int]
    list_type: ListType
    list_name: str
    hit_date: str
    status: HitStatus
    listed_name: str
    def __init__(self, list_type: _Optional[_Union[ListType, str]] = ..., list_name: _Optional[str] = ..., hit_date: _Optional[str] = ..., status: _Optional[_Union[HitStatus, str]] = ..., listed_name: _Optional[str] = ...) -> None: ...

class AmlAssessment(_message.Message):
    __slots__ = ("level", "assessed_on", "next_review")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ASSESSED_ON_FIELD_NUMBER: _ClassVar[int]
    NEXT_REVIEW_FIELD_NUMBER: _ClassVar[int]
    level: AmlLevel
    assessed_on: str
    next_review: str
    def __init__(self, level: _Optional[_Union[AmlLevel, str]] = ..., assessed_on: _Optional[str] = ..., next_review: _Optional[str] = ...) -> None: ...

class RiskRecord(_message.Message):
    __slots__ = ("loan_classification", "credit_rating", "credit_limit", "list_hit", "aml_assessment")
    LOAN_CLASSIFICATION_FIELD_NUMBER: _ClassVar[int]
    CREDIT_RATING_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    LIST_HIT_FIELD_NUMBER: _ClassVar[int]
    AML_ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    loan_classification: LoanClassification
    credit_rating: CreditRating
    credit_limit: CreditLimit
    list_hit: ListHit
    aml_assessment: AmlAssessment
    def __init__(self, loan_classification: _Optional[_Union[LoanClassification, _Mapping]] = ..., credit_rating: _Optional[_Union[CreditRating, _Mapping]] = ..., credit_limit: _Optional[_Union[CreditLimit, _Mapping]] = ..., list_hit: _Optional[_Union[ListHit, _Mapping]] = ..., aml_assessment: _Optional[_Union[AmlAssessment, _Mapping]] = ...) -> None: ...
