from customer_core.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IdType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ID_TYPE_UNSPECIFIED: _ClassVar[IdType]
    ID_TYPE_RESIDENT_ID_CARD: _ClassVar[IdType]
    ID_TYPE_PASSPORT: _ClassVar[IdType]
    ID_TYPE_HK_MACAO_PERMIT: _ClassVar[IdType]
    ID_TYPE_TAIWAN_PERMIT: _ClassVar[IdType]
    ID_TYPE_FOREIGN_PERMANENT_RESIDENT: _ClassVar[IdType]
    ID_TYPE_MILITARY_ID: _ClassVar[IdType]
    ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE: _ClassVar[IdType]
    ID_TYPE_BUSINESS_LICENCE: _ClassVar[IdType]
    ID_TYPE_OTHER: _ClassVar[IdType]

class IdStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ID_STATUS_UNSPECIFIED: _ClassVar[IdStatus]
    ID_STATUS_VALID: _ClassVar[IdStatus]
    ID_STATUS_EXPIRED: _ClassVar[IdStatus]
    ID_STATUS_REVOKED: _ClassVar[IdStatus]
ID_TYPE_UNSPECIFIED: IdType
ID_TYPE_RESIDENT_ID_CARD: IdType
ID_TYPE_PASSPORT: IdType
ID_TYPE_HK_MACAO_PERMIT: IdType
ID_TYPE_TAIWAN_PERMIT: IdType
ID_TYPE_FOREIGN_PERMANENT_RESIDENT: IdType
ID_TYPE_MILITARY_ID: IdType
ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE: IdType
ID_TYPE_BUSINESS_LICENCE: IdType
ID_TYPE_OTHER: IdType
ID_STATUS_UNSPECIFIED: IdStatus
ID_STATUS_VALID: IdStatus
ID_STATUS_EXPIRED: IdStatus
ID_STATUS_REVOKED: IdStatus

class IdentificationDocument(_message.Message):
    __slots__ = ("id_type", "id_number", "issuer", "issuing_country", "valid_from", "valid_to", "status", "primary")
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    ISSUING_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    id_type: IdType
    id_number: str
    issuer: str
    issuing_country: str
    valid_from: str
    valid_to: str
    status: IdStatus
    primary: bool
    def __init__(self, id_type: _Optional[_Union[IdType, str]] = ..., id_number: _Optional[str] = ..., issuer: _Optional[str] = ..., issuing_country: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_to: _Optional[str] = ..., status: _Optional[_Union[IdStatus, str]] = ..., primary: _Optional[bool] = ...) -> None: ...
