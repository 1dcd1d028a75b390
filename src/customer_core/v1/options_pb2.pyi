from customer_core.v1 import customer_pb2 as _customer_pb2
from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
FIELD_FIELD_NUMBER: _ClassVar[int]
field: _descriptor.FieldDescriptor
SUBJECT_MODEL_FIELD_NUMBER: _ClassVar[int]
subject_model: _descriptor.FieldDescriptor

class FieldRules(_message.Message):
    __slots__ = ("sensitive", "match_key", "required", "max_length", "pattern", "max_items", "mask")
    SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    MATCH_KEY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MASK_FIELD_NUMBER: _ClassVar[int]
    sensitive: bool
    match_key: bool
    required: bool
    max_length: int
    pattern: str
    max_items: int
    mask: str
    def __init__(self, sensitive: _Optional[bool] = ..., match_key: _Optional[bool] = ..., required: _Optional[bool] = ..., max_length: _Optional[int] = ..., pattern: _Optional[str] = ..., max_items: _Optional[int] = ..., mask: _Optional[str] = ...) -> None: ...

class SubjectModelRules(_message.Message):
    __slots__ = ("name", "schema_version", "singleton", "customer_types", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    SINGLETON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TYPES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    schema_version: int
    singleton: bool
    customer_types: _containers.RepeatedScalarFieldContainer[_customer_pb2.CustomerType]
    description: str
    def __init__(self, name: _Optional[str] = ..., schema_version: _Optional[int] = ..., singleton: _Optional[bool] = ..., customer_types: _Optional[_Iterable[_Union[_customer_pb2.CustomerType, str]]] = ..., description: _Optional[str] = ...) -> None: ...
