from customer_core.v1 import customer_pb2 as _customer_pb2
from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MatchTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_TIER_UNSPECIFIED: _ClassVar[MatchTier]
    MATCH_TIER_HIGHEST: _ClassVar[MatchTier]
    MATCH_TIER_HIGH: _ClassVar[MatchTier]
    MATCH_TIER_MEDIUM: _ClassVar[MatchTier]
    MATCH_TIER_LOW: _ClassVar[MatchTier]

class Blocking(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BLOCKING_UNSPECIFIED: _ClassVar[Blocking]
    BLOCKING_FOLDED: _ClassVar[Blocking]
    BLOCKING_SIMPLIFIED: _ClassVar[Blocking]
    BLOCKING_PHONETIC: _ClassVar[Blocking]
    BLOCKING_SORTED_DIGITS: _ClassVar[Blocking]

class Survivorship(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SURVIVORSHIP_UNSPECIFIED: _ClassVar[Survivorship]
    SURVIVORSHIP_SOURCE_PRIORITY: _ClassVar[Survivorship]
    SURVIVORSHIP_MOST_RECENT: _ClassVar[Survivorship]
    SURVIVORSHIP_MOST_COMPLETE: _ClassVar[Survivorship]
MATCH_TIER_UNSPECIFIED: MatchTier
MATCH_TIER_HIGHEST: MatchTier
MATCH_TIER_HIGH: MatchTier
MATCH_TIER_MEDIUM: MatchTier
MATCH_TIER_LOW: MatchTier
BLOCKING_UNSPECIFIED: Blocking
BLOCKING_FOLDED: Blocking
BLOCKING_SIMPLIFIED: Blocking
BLOCKING_PHONETIC: Blocking
BLOCKING_SORTED_DIGITS: Blocking
SURVIVORSHIP_UNSPECIFIED: Survivorship
SURVIVORSHIP_SOURCE_PRIORITY: Survivorship
SURVIVORSHIP_MOST_RECENT: Survivorship
SURVIVORSHIP_MOST_COMPLETE: Survivorship
FIELD_FIELD_NUMBER: _ClassVar[int]
field: _descriptor.FieldDescriptor
SUBJECT_MODEL_FIELD_NUMBER: _ClassVar[int]
subject_model: _descriptor.FieldDescriptor

class FieldRules(_message.Message):
    __slots__ = ("sensitive", "match_key", "required", "max_length", "pattern", "max_items", "mask", "customer_ref", "document_ref", "match_tiers", "blocking", "survivorship", "source_priority")
    SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    MATCH_KEY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MASK_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_REF_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_REF_FIELD_NUMBER: _ClassVar[int]
    MATCH_TIERS_FIELD_NUMBER: _ClassVar[int]
    BLOCKING_FIELD_NUMBER: _ClassVar[int]
    SURVIVORSHIP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    sensitive: bool
    match_key: bool
    required: bool
    max_length: int
    pattern: str
    max_items: int
    mask: str
    customer_ref: bool
    document_ref: bool
    match_tiers: _containers.RepeatedScalarFieldContainer[MatchTier]
    blocking: _containers.RepeatedScalarFieldContainer[Blocking]
    survivorship: Survivorship
    source_priority: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sensitive: _Optional[bool] = ..., match_key: _Optional[bool] = ..., required: _Optional[bool] = ..., max_length: _Optional[int] = ..., pattern: _Optional[str] = ..., max_items: _Optional[int] = ..., mask: _Optional[str] = ..., customer_ref: _Optional[bool] = ..., document_ref: _Optional[bool] = ..., match_tiers: _Optional[_Iterable[_Union[MatchTier, str]]] = ..., blocking: _Optional[_Iterable[_Union[Blocking, str]]] = ..., survivorship: _Optional[_Union[Survivorship, str]] = ..., source_priority: _Optional[_Iterable[str]] = ...) -> None: ...

class SubjectModelRules(_message.Message):
    __slots__ = ("name", "schema_version", "singleton", "customer_types", "description", "survivorship", "source_priority")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    SINGLETON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TYPES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SURVIVORSHIP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    schema_version: int
    singleton: bool
    customer_types: _containers.RepeatedScalarFieldContainer[_customer_pb2.CustomerType]
    description: str
    survivorship: Survivorship
    source_priority: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., schema_version: _Optional[int] = ..., singleton: _Optional[bool] = ..., customer_types: _Optional[_Iterable[_Union[_customer_pb2.CustomerType, str]]] = ..., description: _Optional[str] = ..., survivorship: _Optional[_Union[Survivorship, str]] = ..., source_priority: _Optional[_Iterable[str]] = ...) -> None: ...
