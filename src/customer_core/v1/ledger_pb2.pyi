import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChangeAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_ACTION_UNSPECIFIED: _ClassVar[ChangeAction]
    CHANGE_ACTION_CREATE: _ClassVar[ChangeAction]
    CHANGE_ACTION_UPDATE: _ClassVar[ChangeAction]
    CHANGE_ACTION_DELETE: _ClassVar[ChangeAction]
    CHANGE_ACTION_MERGE: _ClassVar[ChangeAction]
    CHANGE_ACTION_UNMERGE: _ClassVar[ChangeAction]
    CHANGE_ACTION_MOVE: _ClassVar[ChangeAction]
CHANGE_ACTION_UNSPECIFIED: ChangeAction
CHANGE_ACTION_CREATE: ChangeAction
CHANGE_ACTION_UPDATE: ChangeAction
CHANGE_ACTION_DELETE: ChangeAction
CHANGE_ACTION_MERGE: ChangeAction
CHANGE_ACTION_UNMERGE: ChangeAction
CHANGE_ACTION_MOVE: ChangeAction

class LedgerEntry(_message.Message):
    __slots__ = ("id", "chain", "sequence", "offset", "time", "principal", "method", "request_id", "source_system", "customer", "subject", "resource", "action", "before", "after", "prev_hash", "hash", "operation_id", "operation_chains")
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
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_CHAINS_FIELD_NUMBER: _ClassVar[int]
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
    operation_id: str
    operation_chains: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., chain: _Optional[str] = ..., sequence: _Optional[int] = ..., offset: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., principal: _Optional[str] = ..., method: _Optional[str] = ..., request_id: _Optional[str] = ..., source_system: _Optional[str] = ..., customer: _Optional[str] = ..., subject: _Optional[str] = ..., resource: _Optional[str] = ..., action: _Optional[_Union[ChangeAction, str]] = ..., before: _Optional[bytes] = ..., after: _Optional[bytes] = ..., prev_hash: _Optional[bytes] = ..., hash: _Optional[bytes] = ..., operation_id: _Optional[str] = ..., operation_chains: _Optional[_Iterable[str]] = ...) -> None: ...

class RecordSnapshot(_message.Message):
    __slots__ = ("subject", "type_url", "schema_version", "payload", "sealed", "source_system", "create_time", "update_time", "version", "quality_changes")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TYPE_URL_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    QUALITY_CHANGES_FIELD_NUMBER: _ClassVar[int]
    subject: str
    type_url: str
    schema_version: int
    payload: bytes
    sealed: bytes
    source_system: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    version: int
    quality_changes: _containers.RepeatedCompositeFieldContainer[QualityTrace]
    def __init__(self, subject: _Optional[str] = ..., type_url: _Optional[str] = ..., schema_version: _Optional[int] = ..., payload: _Optional[bytes] = ..., sealed: _Optional[bytes] = ..., source_system: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., quality_changes: _Optional[_Iterable[_Union[QualityTrace, _Mapping]]] = ...) -> None: ...

class QualityTrace(_message.Message):
    __slots__ = ("rule_id", "kind", "field", "original", "value", "sealed")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    kind: str
    field: str
    original: bytes
    value: bytes
    sealed: bool
    def __init__(self, rule_id: _Optional[str] = ..., kind: _Optional[str] = ..., field: _Optional[str] = ..., original: _Optional[bytes] = ..., value: _Optional[bytes] = ..., sealed: _Optional[bool] = ...) -> None: ...

class ListCustomerHistoryRequest(_message.Message):
    __slots__ = ("customer", "subject", "page_size", "page_token")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer: str
    subject: str
    page_size: int
    page_token: str
    def __init__(self, customer: _Optional[str] = ..., subject: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCustomerHistoryResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[LedgerEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchChangesRequest(_message.Message):
    __slots__ = ("from_offset", "exclude_source_system", "subjects")
    FROM_OFFSET_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    from_offset: int
    exclude_source_system: str
    subjects: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, from_offset: _Optional[int] = ..., exclude_source_system: _Optional[str] = ..., subjects: _Optional[_Iterable[str]] = ...) -> None: ...

class BlockHead(_message.Message):
    __slots__ = ("height", "first_offset", "last_offset", "merkle_root", "prev_hash", "hash", "signature", "public_key", "seal_time")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FIRST_OFFSET_FIELD_NUMBER: _ClassVar[int]
    LAST_OFFSET_FIELD_NUMBER: _ClassVar[int]
    MERKLE_ROOT_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SEAL_TIME_FIELD_NUMBER: _ClassVar[int]
    height: int
    first_offset: int
    last_offset: int
    merkle_root: bytes
    prev_hash: bytes
    hash: bytes
    signature: bytes
    public_key: str
    seal_time: _timestamp_pb2.Timestamp
    def __init__(self, height: _Optional[int] = ..., first_offset: _Optional[int] = ..., last_offset: _Optional[int] = ..., merkle_root: _Optional[bytes] = ..., prev_hash: _Optional[bytes] = ..., hash: _Optional[bytes] = ..., signature: _Optional[bytes] = ..., public_key: _Optional[str] = ..., seal_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyLedgerRequest(_message.Message):
    __slots__ = ("first_block", "last_block", "chains", "max_blocks")
    FIRST_BLOCK_FIELD_NUMBER: _ClassVar[int]
    LAST_BLOCK_FIELD_NUMBER: _ClassVar[int]
    CHAINS_FIELD_NUMBER: _ClassVar[int]
    MAX_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    first_block: int
    last_block: int
    chains: bool
    max_blocks: int
    def __init__(self, first_block: _Optional[int] = ..., last_block: _Optional[int] = ..., chains: _Optional[bool] = ..., max_blocks: _Optional[int] = ...) -> None: ...

class VerifyLedgerResponse(_message.Message):
    __slots__ = ("ok", "blocks_checked", "entries_checked", "first_failure", "failed_block", "failed_entry", "next_block", "last_block")
    OK_FIELD_NUMBER: _ClassVar[int]
    BLOCKS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_FAILURE_FIELD_NUMBER: _ClassVar[int]
    FAILED_BLOCK_FIELD_NUMBER: _ClassVar[int]
    FAILED_ENTRY_FIELD_NUMBER: _ClassVar[int]
    NEXT_BLOCK_FIELD_NUMBER: _ClassVar[int]
    LAST_BLOCK_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    blocks_checked: int
    entries_checked: int
    first_failure: str
    failed_block: int
    failed_entry: str
    next_block: int
    last_block: int
    def __init__(self, ok: _Optional[bool] = ..., blocks_checked: _Optional[int] = ..., entries_checked: _Optional[int] = ..., first_failure: _Optional[str] = ..., failed_block: _Optional[int] = ..., failed_entry: _Optional[str] = ..., next_block: _Optional[int] = ..., last_block: _Optional[int] = ...) -> None: ...

class GetInclusionProofRequest(_message.Message):
    __slots__ = ("entry_id",)
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    def __init__(self, entry_id: _Optional[str] = ...) -> None: ...

class ProofStep(_message.Message):
    __slots__ = ("sibling", "left")
    SIBLING_FIELD_NUMBER: _ClassVar[int]
    LEFT_FIELD_NUMBER: _ClassVar[int]
    sibling: bytes
    left: bool
    def __init__(self, sibling: _Optional[bytes] = ..., left: _Optional[bool] = ...) -> None: ...

class InclusionProof(_message.Message):
    __slots__ = ("entry", "block", "path")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    entry: LedgerEntry
    block: BlockHead
    path: _containers.RepeatedCompositeFieldContainer[ProofStep]
    def __init__(self, entry: _Optional[_Union[LedgerEntry, _Mapping]] = ..., block: _Optional[_Union[BlockHead, _Mapping]] = ..., path: _Optional[_Iterable[_Union[ProofStep, _Mapping]]] = ...) -> None: ...
