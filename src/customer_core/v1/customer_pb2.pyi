import datetime

from google.protobuf import any_pb2 as _any_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CustomerType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CUSTOMER_TYPE_UNSPECIFIED: _ClassVar[CustomerType]
    CUSTOMER_TYPE_INDIVIDUAL: _ClassVar[CustomerType]
    CUSTOMER_TYPE_ORGANIZATION: _ClassVar[CustomerType]

class CustomerStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CUSTOMER_STATUS_UNSPECIFIED: _ClassVar[CustomerStatus]
    CUSTOMER_STATUS_ACTIVE: _ClassVar[CustomerStatus]
    CUSTOMER_STATUS_MERGED: _ClassVar[CustomerStatus]
    CUSTOMER_STATUS_CLOSED: _ClassVar[CustomerStatus]

class QualityRuleKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_RULE_KIND_UNSPECIFIED: _ClassVar[QualityRuleKind]
    QUALITY_RULE_KIND_VALIDATE: _ClassVar[QualityRuleKind]
    QUALITY_RULE_KIND_CORRECT: _ClassVar[QualityRuleKind]
    QUALITY_RULE_KIND_COMPLETE: _ClassVar[QualityRuleKind]

class QualityMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_MODE_UNSPECIFIED: _ClassVar[QualityMode]
    QUALITY_MODE_ONLINE: _ClassVar[QualityMode]
    QUALITY_MODE_LEGACY_LOAD: _ClassVar[QualityMode]

class QualitySeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_SEVERITY_UNSPECIFIED: _ClassVar[QualitySeverity]
    QUALITY_SEVERITY_ERROR: _ClassVar[QualitySeverity]
    QUALITY_SEVERITY_WARNING: _ClassVar[QualitySeverity]
CUSTOMER_TYPE_UNSPECIFIED: CustomerType
CUSTOMER_TYPE_INDIVIDUAL: CustomerType
CUSTOMER_TYPE_ORGANIZATION: CustomerType
CUSTOMER_STATUS_UNSPECIFIED: CustomerStatus
CUSTOMER_STATUS_ACTIVE: CustomerStatus
CUSTOMER_STATUS_MERGED: CustomerStatus
CUSTOMER_STATUS_CLOSED: CustomerStatus
QUALITY_RULE_KIND_UNSPECIFIED: QualityRuleKind
QUALITY_RULE_KIND_VALIDATE: QualityRuleKind
QUALITY_RULE_KIND_CORRECT: QualityRuleKind
QUALITY_RULE_KIND_COMPLETE: QualityRuleKind
QUALITY_MODE_UNSPECIFIED: QualityMode
QUALITY_MODE_ONLINE: QualityMode
QUALITY_MODE_LEGACY_LOAD: QualityMode
QUALITY_SEVERITY_UNSPECIFIED: QualitySeverity
QUALITY_SEVERITY_ERROR: QualitySeverity
QUALITY_SEVERITY_WARNING: QualitySeverity

class Customer(_message.Message):
    __slots__ = ("name", "customer_number", "type", "status", "owning_org_unit", "display_name", "merged_into", "create_time", "update_time", "close_time", "close_reason", "etag", "erase_time", "identified")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OWNING_ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_REASON_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIED_FIELD_NUMBER: _ClassVar[int]
    name: str
    customer_number: str
    type: CustomerType
    status: CustomerStatus
    owning_org_unit: str
    display_name: str
    merged_into: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    close_reason: str
    etag: str
    erase_time: _timestamp_pb2.Timestamp
    identified: bool
    def __init__(self, name: _Optional[str] = ..., customer_number: _Optional[str] = ..., type: _Optional[_Union[CustomerType, str]] = ..., status: _Optional[_Union[CustomerStatus, str]] = ..., owning_org_unit: _Optional[str] = ..., display_name: _Optional[str] = ..., merged_into: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_reason: _Optional[str] = ..., etag: _Optional[str] = ..., erase_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., identified: _Optional[bool] = ...) -> None: ...

class CrossReference(_message.Message):
    __slots__ = ("source_system", "local_id", "customer", "create_time")
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    LOCAL_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    source_system: str
    local_id: str
    customer: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, source_system: _Optional[str] = ..., local_id: _Optional[str] = ..., customer: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubjectRecord(_message.Message):
    __slots__ = ("name", "subject", "data", "schema_version", "source_system", "etag", "create_time", "update_time", "quality_issues", "quality_changes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    QUALITY_ISSUES_FIELD_NUMBER: _ClassVar[int]
    QUALITY_CHANGES_FIELD_NUMBER: _ClassVar[int]
    name: str
    subject: str
    data: _any_pb2.Any
    schema_version: int
    source_system: str
    etag: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    quality_issues: _containers.RepeatedCompositeFieldContainer[QualityIssue]
    quality_changes: _containers.RepeatedCompositeFieldContainer[QualityChange]
    def __init__(self, name: _Optional[str] = ..., subject: _Optional[str] = ..., data: _Optional[_Union[_any_pb2.Any, _Mapping]] = ..., schema_version: _Optional[int] = ..., source_system: _Optional[str] = ..., etag: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., quality_issues: _Optional[_Iterable[_Union[QualityIssue, _Mapping]]] = ..., quality_changes: _Optional[_Iterable[_Union[QualityChange, _Mapping]]] = ...) -> None: ...

class QualityChange(_message.Message):
    __slots__ = ("rule_id", "kind", "field", "original", "value")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    kind: QualityRuleKind
    field: str
    original: str
    value: str
    def __init__(self, rule_id: _Optional[str] = ..., kind: _Optional[_Union[QualityRuleKind, str]] = ..., field: _Optional[str] = ..., original: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class QualityIssue(_message.Message):
    __slots__ = ("rule_id", "severity", "field", "message")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    severity: QualitySeverity
    field: str
    message: str
    def __init__(self, rule_id: _Optional[str] = ..., severity: _Optional[_Union[QualitySeverity, str]] = ..., field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class SubjectRecordGroup(_message.Message):
    __slots__ = ("subject", "records")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    subject: str
    records: _containers.RepeatedCompositeFieldContainer[SubjectRecord]
    def __init__(self, subject: _Optional[str] = ..., records: _Optional[_Iterable[_Union[SubjectRecord, _Mapping]]] = ...) -> None: ...

class Customer360(_message.Message):
    __slots__ = ("customer", "subjects", "cross_references", "completeness")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    CROSS_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    subjects: _containers.RepeatedCompositeFieldContainer[SubjectRecordGroup]
    cross_references: _containers.RepeatedCompositeFieldContainer[CrossReference]
    completeness: Completeness
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., subjects: _Optional[_Iterable[_Union[SubjectRecordGroup, _Mapping]]] = ..., cross_references: _Optional[_Iterable[_Union[CrossReference, _Mapping]]] = ..., completeness: _Optional[_Union[Completeness, _Mapping]] = ...) -> None: ...

class Completeness(_message.Message):
    __slots__ = ("score", "present", "missing")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    score: float
    present: _containers.RepeatedCompositeFieldContainer[ExpectedAttribute]
    missing: _containers.RepeatedCompositeFieldContainer[ExpectedAttribute]
    def __init__(self, score: _Optional[float] = ..., present: _Optional[_Iterable[_Union[ExpectedAttribute, _Mapping]]] = ..., missing: _Optional[_Iterable[_Union[ExpectedAttribute, _Mapping]]] = ...) -> None: ...

class ExpectedAttribute(_message.Message):
    __slots__ = ("subject", "field", "description")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subject: str
    field: str
    description: str
    def __init__(self, subject: _Optional[str] = ..., field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...
