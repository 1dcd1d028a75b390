import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Document(_message.Message):
    __slots__ = ("name", "record", "display_name", "content_type", "size_bytes", "sm3", "create_time", "retain_until", "uploaded_by", "kind")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SM3_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RETAIN_UNTIL_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_BY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    name: str
    record: str
    display_name: str
    content_type: str
    size_bytes: int
    sm3: str
    create_time: _timestamp_pb2.Timestamp
    retain_until: _timestamp_pb2.Timestamp
    uploaded_by: str
    kind: str
    def __init__(self, name: _Optional[str] = ..., record: _Optional[str] = ..., display_name: _Optional[str] = ..., content_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sm3: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retain_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., uploaded_by: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class UploadDocumentMetadata(_message.Message):
    __slots__ = ("parent", "record", "display_name", "content_type", "kind", "upload_id", "resume_offset", "size_bytes", "retention_days")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    RESUME_OFFSET_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    record: str
    display_name: str
    content_type: str
    kind: str
    upload_id: str
    resume_offset: int
    size_bytes: int
    retention_days: int
    def __init__(self, parent: _Optional[str] = ..., record: _Optional[str] = ..., display_name: _Optional[str] = ..., content_type: _Optional[str] = ..., kind: _Optional[str] = ..., upload_id: _Optional[str] = ..., resume_offset: _Optional[int] = ..., size_bytes: _Optional[int] = ..., retention_days: _Optional[int] = ...) -> None: ...

class UploadDocumentRequest(_message.Message):
    __slots__ = ("metadata", "data")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadDocumentMetadata
    data: bytes
    def __init__(self, metadata: _Optional[_Union[UploadDocumentMetadata, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class GetDocumentUploadRequest(_message.Message):
    __slots__ = ("parent", "upload_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    upload_id: str
    def __init__(self, parent: _Optional[str] = ..., upload_id: _Optional[str] = ...) -> None: ...

class DocumentUpload(_message.Message):
    __slots__ = ("upload_id", "stored_bytes", "part_size", "complete", "document")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    STORED_BYTES_FIELD_NUMBER: _ClassVar[int]
    PART_SIZE_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    stored_bytes: int
    part_size: int
    complete: bool
    document: str
    def __init__(self, upload_id: _Optional[str] = ..., stored_bytes: _Optional[int] = ..., part_size: _Optional[int] = ..., complete: _Optional[bool] = ..., document: _Optional[str] = ...) -> None: ...

class DownloadDocumentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DownloadDocumentResponse(_message.Message):
    __slots__ = ("document", "data")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    document: Document
    data: bytes
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListDocumentsRequest(_message.Message):
    __slots__ = ("parent", "record", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    record: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., record: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDocumentsResponse(_message.Message):
    __slots__ = ("documents", "next_page_token")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    next_page_token: str
    def __init__(self, documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteDocumentRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteDocumentResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
