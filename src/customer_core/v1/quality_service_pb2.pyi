import datetime

from customer_core.v1 import customer_pb2 as _customer_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QualityIssueStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_ISSUE_STATUS_UNSPECIFIED: _ClassVar[QualityIssueStatus]
    QUALITY_ISSUE_STATUS_OPEN: _ClassVar[QualityIssueStatus]
    QUALITY_ISSUE_STATUS_RESOLVED: _ClassVar[QualityIssueStatus]
    QUALITY_ISSUE_STATUS_WAIVED: _ClassVar[QualityIssueStatus]
    QUALITY_ISSUE_STATUS_SUPERSEDED: _ClassVar[QualityIssueStatus]
QUALITY_ISSUE_STATUS_UNSPECIFIED: QualityIssueStatus
QUALITY_ISSUE_STATUS_OPEN: QualityIssueStatus
QUALITY_ISSUE_STATUS_RESOLVED: QualityIssueStatus
QUALITY_ISSUE_STATUS_WAIVED: QualityIssueStatus
QUALITY_ISSUE_STATUS_SUPERSEDED: QualityIssueStatus

class DataQualityIssue(_message.Message):
    __slots__ = ("name", "customer", "record", "subject", "record_version", "rule_id", "severity", "field", "message", "status", "source_system", "owning_org_unit", "create_time", "close_time", "closed_by", "comment")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    RECORD_VERSION_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    OWNING_ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    customer: str
    record: str
    subject: str
    record_version: int
    rule_id: str
    severity: _customer_pb2.QualitySeverity
    field: str
    message: str
    status: QualityIssueStatus
    source_system: str
    owning_org_unit: str
    create_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    closed_by: str
    comment: str
    def __init__(self, name: _Optional[str] = ..., customer: _Optional[str] = ..., record: _Optional[str] = ..., subject: _Optional[str] = ..., record_version: _Optional[int] = ..., rule_id: _Optional[str] = ..., severity: _Optional[_Union[_customer_pb2.QualitySeverity, str]] = ..., field: _Optional[str] = ..., message: _Optional[str] = ..., status: _Optional[_Union[QualityIssueStatus, str]] = ..., source_system: _Optional[str] = ..., owning_org_unit: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_by: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class ListQualityIssuesRequest(_message.Message):
    __slots__ = ("status", "rule_id", "severity", "source_system", "subject", "org_unit", "customer", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: QualityIssueStatus
    rule_id: str
    severity: _customer_pb2.QualitySeverity
    source_system: str
    subject: str
    org_unit: str
    customer: str
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[QualityIssueStatus, str]] = ..., rule_id: _Optional[str] = ..., severity: _Optional[_Union[_customer_pb2.QualitySeverity, str]] = ..., source_system: _Optional[str] = ..., subject: _Optional[str] = ..., org_unit: _Optional[str] = ..., customer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListQualityIssuesResponse(_message.Message):
    __slots__ = ("issues", "next_page_token")
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    issues: _containers.RepeatedCompositeFieldContainer[DataQualityIssue]
    next_page_token: str
    def __init__(self, issues: _Optional[_Iterable[_Union[DataQualityIssue, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolveQualityIssueRequest(_message.Message):
    __slots__ = ("name", "comment", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    comment: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class WaiveQualityIssueRequest(_message.Message):
    __slots__ = ("name", "comment", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    comment: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetQualityReportRequest(_message.Message):
    __slots__ = ("source_system", "subject")
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    source_system: str
    subject: str
    def __init__(self, source_system: _Optional[str] = ..., subject: _Optional[str] = ...) -> None: ...

class QualityReport(_message.Message):
    __slots__ = ("rows", "compute_time")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_TIME_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[QualityRuleCounts]
    compute_time: _timestamp_pb2.Timestamp
    def __init__(self, rows: _Optional[_Iterable[_Union[QualityRuleCounts, _Mapping]]] = ..., compute_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QualityRuleCounts(_message.Message):
    __slots__ = ("rule_id", "subject", "source_system", "kind", "severity", "records", "passed", "corrected", "completed", "raised", "open")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    RAISED_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    subject: str
    source_system: str
    kind: _customer_pb2.QualityRuleKind
    severity: _customer_pb2.QualitySeverity
    records: int
    passed: int
    corrected: int
    completed: int
    raised: int
    open: int
    def __init__(self, rule_id: _Optional[str] = ..., subject: _Optional[str] = ..., source_system: _Optional[str] = ..., kind: _Optional[_Union[_customer_pb2.QualityRuleKind, str]] = ..., severity: _Optional[_Union[_customer_pb2.QualitySeverity, str]] = ..., records: _Optional[int] = ..., passed: _Optional[int] = ..., corrected: _Optional[int] = ..., completed: _Optional[int] = ..., raised: _Optional[int] = ..., open: _Optional[int] = ...) -> None: ...
