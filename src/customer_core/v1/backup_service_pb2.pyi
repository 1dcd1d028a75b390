import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BackupRunKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BACKUP_RUN_KIND_UNSPECIFIED: _ClassVar[BackupRunKind]
    BACKUP_RUN_KIND_CREATE: _ClassVar[BackupRunKind]
    BACKUP_RUN_KIND_VERIFY: _ClassVar[BackupRunKind]

class BackupRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BACKUP_RUN_STATE_UNSPECIFIED: _ClassVar[BackupRunState]
    BACKUP_RUN_STATE_RUNNING: _ClassVar[BackupRunState]
    BACKUP_RUN_STATE_SUCCEEDED: _ClassVar[BackupRunState]
    BACKUP_RUN_STATE_FAILED: _ClassVar[BackupRunState]
BACKUP_RUN_KIND_UNSPECIFIED: BackupRunKind
BACKUP_RUN_KIND_CREATE: BackupRunKind
BACKUP_RUN_KIND_VERIFY: BackupRunKind
BACKUP_RUN_STATE_UNSPECIFIED: BackupRunState
BACKUP_RUN_STATE_RUNNING: BackupRunState
BACKUP_RUN_STATE_SUCCEEDED: BackupRunState
BACKUP_RUN_STATE_FAILED: BackupRunState

class Backup(_message.Message):
    __slots__ = ("name", "complete", "create_time", "kind", "source", "schema_revision", "tables", "chunks", "rows", "size_bytes", "ledger_height", "ledger_hash")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_REVISION_FIELD_NUMBER: _ClassVar[int]
    TABLES_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LEDGER_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_HASH_FIELD_NUMBER: _ClassVar[int]
    name: str
    complete: bool
    create_time: _timestamp_pb2.Timestamp
    kind: str
    source: str
    schema_revision: str
    tables: int
    chunks: int
    rows: int
    size_bytes: int
    ledger_height: int
    ledger_hash: str
    def __init__(self, name: _Optional[str] = ..., complete: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[str] = ..., source: _Optional[str] = ..., schema_revision: _Optional[str] = ..., tables: _Optional[int] = ..., chunks: _Optional[int] = ..., rows: _Optional[int] = ..., size_bytes: _Optional[int] = ..., ledger_height: _Optional[int] = ..., ledger_hash: _Optional[str] = ...) -> None: ...

class BackupRun(_message.Message):
    __slots__ = ("name", "kind", "backup", "state", "done", "total", "rows", "error", "corrupt", "removed", "create_time", "end_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BACKUP_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CORRUPT_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: BackupRunKind
    backup: str
    state: BackupRunState
    done: int
    total: int
    rows: int
    error: str
    corrupt: bool
    removed: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[BackupRunKind, str]] = ..., backup: _Optional[str] = ..., state: _Optional[_Union[BackupRunState, str]] = ..., done: _Optional[int] = ..., total: _Optional[int] = ..., rows: _Optional[int] = ..., error: _Optional[str] = ..., corrupt: _Optional[bool] = ..., removed: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateBackupRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyBackupRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetBackupRunRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListBackupsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBackupsResponse(_message.Message):
    __slots__ = ("backups",)
    BACKUPS_FIELD_NUMBER: _ClassVar[int]
    backups: _containers.RepeatedCompositeFieldContainer[Backup]
    def __init__(self, backups: _Optional[_Iterable[_Union[Backup, _Mapping]]] = ...) -> None: ...

class GetBackupRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...
