from customer_core.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Gender(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GENDER_UNSPECIFIED: _ClassVar[Gender]
    GENDER_MALE: _ClassVar[Gender]
    GENDER_FEMALE: _ClassVar[Gender]
    GENDER_OTHER: _ClassVar[Gender]

class Education(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EDUCATION_UNSPECIFIED: _ClassVar[Education]
    EDUCATION_PRIMARY: _ClassVar[Education]
    EDUCATION_SECONDARY: _ClassVar[Education]
    EDUCATION_VOCATIONAL: _ClassVar[Education]
    EDUCATION_BACHELOR: _ClassVar[Education]
    EDUCATION_MASTER: _ClassVar[Education]
    EDUCATION_DOCTORATE: _ClassVar[Education]

class MaritalStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MARITAL_STATUS_UNSPECIFIED: _ClassVar[MaritalStatus]
    MARITAL_STATUS_SINGLE: _ClassVar[MaritalStatus]
    MARITAL_STATUS_MARRIED: _ClassVar[MaritalStatus]
    MARITAL_STATUS_DIVORCED: _ClassVar[MaritalStatus]
    MARITAL_STATUS_WIDOWED: _ClassVar[MaritalStatus]
GENDER_UNSPECIFIED: Gender
GENDER_MALE: Gender
GENDER_FEMALE: Gender
GENDER_OTHER: Gender
EDUCATION_UNSPECIFIED: Education
EDUCATION_PRIMARY: Education
EDUCATION_SECONDARY: Education
EDUCATION_VOCATIONAL: Education
EDUCATION_BACHELOR: Education
EDUCATION_MASTER: Education
EDUCATION_DOCTORATE: Education
MARITAL_STATUS_UNSPECIFIED: MaritalStatus
MARITAL_STATUS_SINGLE: MaritalStatus
MARITAL_STATUS_MARRIED: MaritalStatus
MARITAL_STATUS_DIVORCED: MaritalStatus
MARITAL_STATUS_WIDOWED: MaritalStatus

class IndividualProfile(_message.Message):
    __slots__ = ("name", "former_names", "pinyin_name", "gender", "birth_date", "nationality", "occupation", "education", "marital_status", "birth_region")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FORMER_NAMES_FIELD_NUMBER: _ClassVar[int]
    PINYIN_NAME_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    OCCUPATION_FIELD_NUMBER: _ClassVar[int]
    EDUCATION_FIELD_NUMBER: _ClassVar[int]
    MARITAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    BIRTH_REGION_FIELD_NUMBER: _ClassVar[int]
    name: str
    former_names: _containers.RepeatedScalarFieldContainer[str]
    pinyin_name: str
    gender: Gender
    birth_date: str
    nationality: str
    occupation: str
    education: Education
    marital_status: MaritalStatus
    birth_region: str
    def __init__(self, name: _Optional[str] = ..., former_names: _Optional[_Iterable[str]] = ..., pinyin_name: _Optional[str] = ..., gender: _Optional[_Union[Gender, str]] = ..., birth_date: _Optional[str] = ..., nationality: _Optional[str] = ..., occupation: _Optional[str] = ..., education: _Optional[_Union[Education, str]] = ..., marital_status: _Optional[_Union[MaritalStatus, str]] = ..., birth_region: _Optional[str] = ...) -> None: ...
