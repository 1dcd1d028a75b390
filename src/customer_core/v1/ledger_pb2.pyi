import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChangeAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_ACTION_UNSPECIFIED: _ClassVar[ChangeAction]
    CHANGE_ACTION_CREATE: _ClassVar[ChangeAction]
    CHANGE_ACTION_UPDATE: _ClassVar[ChangeAction]
    CHANGE_ACTION_DELETE: _ClassVar[ChangeAction]
CHANGE_ACTION_UNSPECIFIED: ChangeAction
CHANGE_ACTION_CREATE: ChangeAction
CHANGE_ACTION_UPDATE: ChangeAction
CHANGE_ACTION_DELETE: ChangeAction

class LedgerEntry(_message.Message):
    __slots__ = ("id", "chain", "sequence", "offset", "time", "principal", "method", "request_id", "source_system", "customer", "subject", "resource", "action", "before", "after", "prev_hash", "hash")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    id: str
    chain: str
    sequence: int
    offset: int
    time: _timestamp_pb2.Timestamp
    principal: str
    method: str
    request_id: str
    source_system: str
    customer: str
    subject: str
    resource: str
    action: ChangeAction
    before: bytes
    after: bytes
    prev_hash: bytes
    hash: bytes
    def __init__(self, id: _Optional[str] = ..., chain: _Optional[str] = ..., sequence: _Optional[int] = ..., offset: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., principal: _Optional[str] = ..., method: _Optional[str] = ..., request_id: _Optional[str] = ..., source_system: _Optional[str] = ..., customer: _Optional[str] = ..., subject: _Optional[str] = ..., resource: _Optional[str] = ..., action: _Optional[_Union[ChangeAction, str]] = ..., before: _Optional[bytes] = ..., after: _Optional[bytes] = ..., prev_hash: _Optional[bytes] = ..., hash: _Optional[bytes] = ...) -> None: ...

class RecordSnapshot(_message.Message):
    __slots__ = ("subject", "type_url", "schema_version", "payload", "sealed", "source_system", "create_time", "update_time", "version")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TYPE_URL_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    subject: str
    type_url: str
    schema_version: int
    payload: bytes
    sealed: bytes
    source_system: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, subject: _Optional[str] = ..., type_url: _Optional[str] = ..., schema_version: _Optional[int] = ..., payload: _Optional[bytes] = ..., sealed: _Optional[bytes] = ..., source_system: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...
