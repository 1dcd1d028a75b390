import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KeyLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_LEVEL_UNSPECIFIED: _ClassVar[KeyLevel]
    KEY_LEVEL_MASTER: _ClassVar[KeyLevel]
    KEY_LEVEL_KEY_ENCRYPTING: _ClassVar[KeyLevel]
    KEY_LEVEL_DATA: _ClassVar[KeyLevel]

class RotationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROTATION_STATE_UNSPECIFIED: _ClassVar[RotationState]
    ROTATION_STATE_RUNNING: _ClassVar[RotationState]
    ROTATION_STATE_SUCCEEDED: _ClassVar[RotationState]
    ROTATION_STATE_FAILED: _ClassVar[RotationState]

class ExpiryRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPIRY_RUN_STATE_UNSPECIFIED: _ClassVar[ExpiryRunState]
    EXPIRY_RUN_STATE_RUNNING: _ClassVar[ExpiryRunState]
    EXPIRY_RUN_STATE_SUCCEEDED: _ClassVar[ExpiryRunState]
    EXPIRY_RUN_STATE_FAILED: _ClassVar[ExpiryRunState]
KEY_LEVEL_UNSPECIFIED: KeyLevel
KEY_LEVEL_MASTER: KeyLevel
KEY_LEVEL_KEY_ENCRYPTING: KeyLevel
KEY_LEVEL_DATA: KeyLevel
ROTATION_STATE_UNSPECIFIED: RotationState
ROTATION_STATE_RUNNING: RotationState
ROTATION_STATE_SUCCEEDED: RotationState
ROTATION_STATE_FAILED: RotationState
EXPIRY_RUN_STATE_UNSPECIFIED: ExpiryRunState
EXPIRY_RUN_STATE_RUNNING: ExpiryRunState
EXPIRY_RUN_STATE_SUCCEEDED: ExpiryRunState
EXPIRY_RUN_STATE_FAILED: ExpiryRunState

class Role(_message.Message):
    __slots__ = ("name", "permissions", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    permissions: _containers.RepeatedScalarFieldContainer[str]
    description: str
    def __init__(self, name: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ...) -> None: ...

class ListRolesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListRolesResponse(_message.Message):
    __slots__ = ("roles",)
    ROLES_FIELD_NUMBER: _ClassVar[int]
    roles: _containers.RepeatedCompositeFieldContainer[Role]
    def __init__(self, roles: _Optional[_Iterable[_Union[Role, _Mapping]]] = ...) -> None: ...

class RoleBinding(_message.Message):
    __slots__ = ("name", "principal", "role", "org_unit", "read_subjects", "write_subjects", "created_by", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    READ_SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    WRITE_SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    principal: str
    role: str
    org_unit: str
    read_subjects: _containers.RepeatedScalarFieldContainer[str]
    write_subjects: _containers.RepeatedScalarFieldContainer[str]
    created_by: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., principal: _Optional[str] = ..., role: _Optional[str] = ..., org_unit: _Optional[str] = ..., read_subjects: _Optional[_Iterable[str]] = ..., write_subjects: _Optional[_Iterable[str]] = ..., created_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateRoleBindingRequest(_message.Message):
    __slots__ = ("role_binding", "request_id")
    ROLE_BINDING_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    role_binding: RoleBinding
    request_id: str
    def __init__(self, role_binding: _Optional[_Union[RoleBinding, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteRoleBindingRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListRoleBindingsRequest(_message.Message):
    __slots__ = ("principal",)
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    principal: str
    def __init__(self, principal: _Optional[str] = ...) -> None: ...

class ListRoleBindingsResponse(_message.Message):
    __slots__ = ("role_bindings",)
    ROLE_BINDINGS_FIELD_NUMBER: _ClassVar[int]
    role_bindings: _containers.RepeatedCompositeFieldContainer[RoleBinding]
    def __init__(self, role_bindings: _Optional[_Iterable[_Union[RoleBinding, _Mapping]]] = ...) -> None: ...

class IssueTokenRequest(_message.Message):
    __slots__ = ("principal", "roles", "ttl_seconds")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    principal: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    ttl_seconds: int
    def __init__(self, principal: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class IssueTokenResponse(_message.Message):
    __slots__ = ("token", "token_id", "expire_time")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    token: str
    token_id: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, token: _Optional[str] = ..., token_id: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RevokeTokenRequest(_message.Message):
    __slots__ = ("token_id", "reason")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    reason: str
    def __init__(self, token_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class KeyRotation(_message.Message):
    __slots__ = ("name", "level", "target", "state", "done", "total", "new_version", "error", "start_time", "end_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEW_VERSION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    level: KeyLevel
    target: str
    state: RotationState
    done: int
    total: int
    new_version: int
    error: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., level: _Optional[_Union[KeyLevel, str]] = ..., target: _Optional[str] = ..., state: _Optional[_Union[RotationState, str]] = ..., done: _Optional[int] = ..., total: _Optional[int] = ..., new_version: _Optional[int] = ..., error: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RotateMasterKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateKeyEncryptionKeyRequest(_message.Message):
    __slots__ = ("domain",)
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    domain: str
    def __init__(self, domain: _Optional[str] = ...) -> None: ...

class RotateDataKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetKeyRotationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("time", "principal", "method", "customers", "unmasked_fields", "reason", "outcome", "request_id")
    TIME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    UNMASKED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    principal: str
    method: str
    customers: _containers.RepeatedScalarFieldContainer[str]
    unmasked_fields: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    outcome: str
    request_id: str
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., principal: _Optional[str] = ..., method: _Optional[str] = ..., customers: _Optional[_Iterable[str]] = ..., unmasked_fields: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., outcome: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListAuditEventsRequest(_message.Message):
    __slots__ = ("principal", "customer", "start_time", "end_time", "page_size", "page_token")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    principal: str
    customer: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, principal: _Optional[str] = ..., customer: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAuditEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ExpireRecordsRequest(_message.Message):
    __slots__ = ("on",)
    ON_FIELD_NUMBER: _ClassVar[int]
    on: str
    def __init__(self, on: _Optional[str] = ...) -> None: ...

class GetExpiryRunRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ExpiryRun(_message.Message):
    __slots__ = ("name", "on", "state", "done", "total", "expired", "error")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    name: str
    on: str
    state: ExpiryRunState
    done: int
    total: int
    expired: int
    error: str
    def __init__(self, name: _Optional[str] = ..., on: _Optional[str] = ..., state: _Optional[_Union[ExpiryRunState, str]] = ..., done: _Optional[int] = ..., total: _Optional[int] = ..., expired: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class ListExpiringRecordsRequest(_message.Message):
    __slots__ = ("within_days",)
    WITHIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    within_days: int
    def __init__(self, within_days: _Optional[int] = ...) -> None: ...

class ExpiringRecord(_message.Message):
    __slots__ = ("customer", "record", "subject", "expires_on")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    customer: str
    record: str
    subject: str
    expires_on: str
    def __init__(self, customer: _Optional[str] = ..., record: _Optional[str] = ..., subject: _Optional[str] = ..., expires_on: _Optional[str] = ...) -> None: ...

class ListExpiringRecordsResponse(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[ExpiringRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[ExpiringRecord, _Mapping]]] = ...) -> None: ...
