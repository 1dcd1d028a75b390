from customer_core.v1 import customer_pb2 as _customer_pb2
from customer_core.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubjectModelField(_message.Message):
    __slots__ = ("path", "number", "type", "repeated", "sensitive", "match_key", "required", "max_length", "customer_ref", "document_ref", "match_tiers", "blocking", "survivorship", "source_priority")
    PATH_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REPEATED_FIELD_NUMBER: _ClassVar[int]
    SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    MATCH_KEY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_REF_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_REF_FIELD_NUMBER: _ClassVar[int]
    MATCH_TIERS_FIELD_NUMBER: _ClassVar[int]
    BLOCKING_FIELD_NUMBER: _ClassVar[int]
    SURVIVORSHIP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    path: str
    number: int
    type: str
    repeated: bool
    sensitive: bool
    match_key: bool
    required: bool
    max_length: int
    customer_ref: bool
    document_ref: bool
    match_tiers: _containers.RepeatedScalarFieldContainer[_options_pb2.MatchTier]
    blocking: _containers.RepeatedScalarFieldContainer[_options_pb2.Blocking]
    survivorship: _options_pb2.Survivorship
    source_priority: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, path: _Optional[str] = ..., number: _Optional[int] = ..., type: _Optional[str] = ..., repeated: _Optional[bool] = ..., sensitive: _Optional[bool] = ..., match_key: _Optional[bool] = ..., required: _Optional[bool] = ..., max_length: _Optional[int] = ..., customer_ref: _Optional[bool] = ..., document_ref: _Optional[bool] = ..., match_tiers: _Optional[_Iterable[_Union[_options_pb2.MatchTier, str]]] = ..., blocking: _Optional[_Iterable[_Union[_options_pb2.Blocking, str]]] = ..., survivorship: _Optional[_Union[_options_pb2.Survivorship, str]] = ..., source_priority: _Optional[_Iterable[str]] = ...) -> None: ...

class QualityRule(_message.Message):
    __slots__ = ("id", "severity", "description", "kind")
    ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    id: str
    severity: _customer_pb2.QualitySeverity
    description: str
    kind: _customer_pb2.QualityRuleKind
    def __init__(self, id: _Optional[str] = ..., severity: _Optional[_Union[_customer_pb2.QualitySeverity, str]] = ..., description: _Optional[str] = ..., kind: _Optional[_Union[_customer_pb2.QualityRuleKind, str]] = ...) -> None: ...

class SubjectModel(_message.Message):
    __slots__ = ("name", "message_type", "schema_version", "singleton", "customer_types", "description", "plugin", "fields", "survivorship", "source_priority", "quality_rules")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    SINGLETON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TYPES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    SURVIVORSHIP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    QUALITY_RULES_FIELD_NUMBER: _ClassVar[int]
    name: str
    message_type: str
    schema_version: int
    singleton: bool
    customer_types: _containers.RepeatedScalarFieldContainer[_customer_pb2.CustomerType]
    description: str
    plugin: str
    fields: _containers.RepeatedCompositeFieldContainer[SubjectModelField]
    survivorship: _options_pb2.Survivorship
    source_priority: _containers.RepeatedScalarFieldContainer[str]
    quality_rules: _containers.RepeatedCompositeFieldContainer[QualityRule]
    def __init__(self, name: _Optional[str] = ..., message_type: _Optional[str] = ..., schema_version: _Optional[int] = ..., singleton: _Optional[bool] = ..., customer_types: _Optional[_Iterable[_Union[_customer_pb2.CustomerType, str]]] = ..., description: _Optional[str] = ..., plugin: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[SubjectModelField, _Mapping]]] = ..., survivorship: _Optional[_Union[_options_pb2.Survivorship, str]] = ..., source_priority: _Optional[_Iterable[str]] = ..., quality_rules: _Optional[_Iterable[_Union[QualityRule, _Mapping]]] = ...) -> None: ...

class ListSubjectModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSubjectModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[SubjectModel]
    def __init__(self, models: _Optional[_Iterable[_Union[SubjectModel, _Mapping]]] = ...) -> None: ...
