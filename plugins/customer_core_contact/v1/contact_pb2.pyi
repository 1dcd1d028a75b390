from customer_core.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ContactPurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTACT_PURPOSE_UNSPECIFIED: _ClassVar[ContactPurpose]
    CONTACT_PURPOSE_HOME: _ClassVar[ContactPurpose]
    CONTACT_PURPOSE_WORK: _ClassVar[ContactPurpose]
    CONTACT_PURPOSE_STATEMENT: _ClassVar[ContactPurpose]
    CONTACT_PURPOSE_SIGNED: _ClassVar[ContactPurpose]
    CONTACT_PURPOSE_REGISTERED: _ClassVar[ContactPurpose]
CONTACT_PURPOSE_UNSPECIFIED: ContactPurpose
CONTACT_PURPOSE_HOME: ContactPurpose
CONTACT_PURPOSE_WORK: ContactPurpose
CONTACT_PURPOSE_STATEMENT: ContactPurpose
CONTACT_PURPOSE_SIGNED: ContactPurpose
CONTACT_PURPOSE_REGISTERED: ContactPurpose

class PostalAddress(_message.Message):
    __slots__ = ("country", "province", "city", "district", "street", "postal_code", "division_code")
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    country: str
    province: str
    city: str
    district: str
    street: str
    postal_code: str
    division_code: str
    def __init__(self, country: _Optional[str] = ..., province: _Optional[str] = ..., city: _Optional[str] = ..., district: _Optional[str] = ..., street: _Optional[str] = ..., postal_code: _Optional[str] = ..., division_code: _Optional[str] = ...) -> None: ...

class Phone(_message.Message):
    __slots__ = ("number", "mobile", "country")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    MOBILE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    number: str
    mobile: bool
    country: str
    def __init__(self, number: _Optional[str] = ..., mobile: _Optional[bool] = ..., country: _Optional[str] = ...) -> None: ...

class Email(_message.Message):
    __slots__ = ("address",)
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    address: str
    def __init__(self, address: _Optional[str] = ...) -> None: ...

class ContactPoint(_message.Message):
    __slots__ = ("address", "phone", "email", "purpose", "preferred")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_FIELD_NUMBER: _ClassVar[int]
    address: PostalAddress
    phone: Phone
    email: Email
    purpose: ContactPurpose
    preferred: bool
    def __init__(self, address: _Optional[_Union[PostalAddress, _Mapping]] = ..., phone: _Optional[_Union[Phone, _Mapping]] = ..., email: _Optional[_Union[Email, _Mapping]] = ..., purpose: _Optional[_Union[ContactPurpose, str]] = ..., preferred: _Optional[bool] = ...) -> None: ...
