import datetime

from customer_core.v1 import customer_pb2 as _customer_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IdentifiedAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IDENTIFIED_ACTION_UNSPECIFIED: _ClassVar[IdentifiedAction]
    IDENTIFIED_ACTION_LINK: _ClassVar[IdentifiedAction]
    IDENTIFIED_ACTION_ALREADY_EXISTS: _ClassVar[IdentifiedAction]
IDENTIFIED_ACTION_UNSPECIFIED: IdentifiedAction
IDENTIFIED_ACTION_LINK: IdentifiedAction
IDENTIFIED_ACTION_ALREADY_EXISTS: IdentifiedAction

class CreateCustomerRequest(_message.Message):
    __slots__ = ("customer", "cross_references", "records", "request_id", "quality_mode", "if_identified")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CROSS_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    QUALITY_MODE_FIELD_NUMBER: _ClassVar[int]
    IF_IDENTIFIED_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    cross_references: _containers.RepeatedCompositeFieldContainer[_customer_pb2.CrossReference]
    records: _containers.RepeatedCompositeFieldContainer[_customer_pb2.SubjectRecord]
    request_id: str
    quality_mode: _customer_pb2.QualityMode
    if_identified: IdentifiedAction
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., cross_references: _Optional[_Iterable[_Union[_customer_pb2.CrossReference, _Mapping]]] = ..., records: _Optional[_Iterable[_Union[_customer_pb2.SubjectRecord, _Mapping]]] = ..., request_id: _Optional[str] = ..., quality_mode: _Optional[_Union[_customer_pb2.QualityMode, str]] = ..., if_identified: _Optional[_Union[IdentifiedAction, str]] = ...) -> None: ...

class BatchCreateCustomersRequest(_message.Message):
    __slots__ = ("requests", "load_id", "first_line", "quality_mode")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    LOAD_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_LINE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_MODE_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[CreateCustomerRequest]
    load_id: str
    first_line: int
    quality_mode: _customer_pb2.QualityMode
    def __init__(self, requests: _Optional[_Iterable[_Union[CreateCustomerRequest, _Mapping]]] = ..., load_id: _Optional[str] = ..., first_line: _Optional[int] = ..., quality_mode: _Optional[_Union[_customer_pb2.QualityMode, str]] = ...) -> None: ...

class BatchCreateCustomersResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[LoadOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[LoadOutcome, _Mapping]]] = ...) -> None: ...

class LoadOutcome(_message.Message):
    __slots__ = ("line", "state", "customer", "code", "reason", "message", "field_violations")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[LoadOutcome.State]
        STATE_APPLIED: _ClassVar[LoadOutcome.State]
        STATE_REJECTED: _ClassVar[LoadOutcome.State]
        STATE_UNCHANGED: _ClassVar[LoadOutcome.State]
    STATE_UNSPECIFIED: LoadOutcome.State
    STATE_APPLIED: LoadOutcome.State
    STATE_REJECTED: LoadOutcome.State
    STATE_UNCHANGED: LoadOutcome.State
    class FieldViolation(_message.Message):
        __slots__ = ("field", "description")
        FIELD_FIELD_NUMBER: _ClassVar[int]
        DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
        field: str
        description: str
        def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...
    LINE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    line: int
    state: LoadOutcome.State
    customer: _customer_pb2.Customer
    code: str
    reason: str
    message: str
    field_violations: _containers.RepeatedCompositeFieldContainer[LoadOutcome.FieldViolation]
    def __init__(self, line: _Optional[int] = ..., state: _Optional[_Union[LoadOutcome.State, str]] = ..., customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., code: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., field_violations: _Optional[_Iterable[_Union[LoadOutcome.FieldViolation, _Mapping]]] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateCustomerRequest(_message.Message):
    __slots__ = ("customer", "update_mask", "request_id")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CloseCustomerRequest(_message.Message):
    __slots__ = ("name", "etag", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "next_page_token")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Customer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[_customer_pb2.Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LookupCustomerRequest(_message.Message):
    __slots__ = ("source_system", "local_id")
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    LOCAL_ID_FIELD_NUMBER: _ClassVar[int]
    source_system: str
    local_id: str
    def __init__(self, source_system: _Optional[str] = ..., local_id: _Optional[str] = ...) -> None: ...

class LinkCrossReferenceRequest(_message.Message):
    __slots__ = ("parent", "cross_reference", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CROSS_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    cross_reference: _customer_pb2.CrossReference
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., cross_reference: _Optional[_Union[_customer_pb2.CrossReference, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UnlinkCrossReferenceRequest(_message.Message):
    __slots__ = ("parent", "source_system", "local_id", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    LOCAL_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    source_system: str
    local_id: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., source_system: _Optional[str] = ..., local_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateSubjectRecordRequest(_message.Message):
    __slots__ = ("parent", "record", "request_id", "quality_mode")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    QUALITY_MODE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    record: _customer_pb2.SubjectRecord
    request_id: str
    quality_mode: _customer_pb2.QualityMode
    def __init__(self, parent: _Optional[str] = ..., record: _Optional[_Union[_customer_pb2.SubjectRecord, _Mapping]] = ..., request_id: _Optional[str] = ..., quality_mode: _Optional[_Union[_customer_pb2.QualityMode, str]] = ...) -> None: ...

class GetSubjectRecordRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateSubjectRecordRequest(_message.Message):
    __slots__ = ("record", "update_mask", "request_id", "quality_mode")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    QUALITY_MODE_FIELD_NUMBER: _ClassVar[int]
    record: _customer_pb2.SubjectRecord
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    quality_mode: _customer_pb2.QualityMode
    def __init__(self, record: _Optional[_Union[_customer_pb2.SubjectRecord, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ..., quality_mode: _Optional[_Union[_customer_pb2.QualityMode, str]] = ...) -> None: ...

class DeleteSubjectRecordRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListSubjectRecordsRequest(_message.Message):
    __slots__ = ("parent", "subject", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    subject: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., subject: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSubjectRecordsResponse(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[_customer_pb2.SubjectRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[_customer_pb2.SubjectRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCustomer360Request(_message.Message):
    __slots__ = ("name", "as_of")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    name: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SearchCustomersRequest(_message.Message):
    __slots__ = ("subject", "field", "value", "page_size")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    subject: str
    field: str
    value: str
    page_size: int
    def __init__(self, subject: _Optional[str] = ..., field: _Optional[str] = ..., value: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class SearchCustomersResponse(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Customer]
    def __init__(self, customers: _Optional[_Iterable[_Union[_customer_pb2.Customer, _Mapping]]] = ...) -> None: ...

class EraseCustomerRequest(_message.Message):
    __slots__ = ("name", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListInboundReferencesRequest(_message.Message):
    __slots__ = ("parent", "subject", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    subject: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., subject: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class InboundReference(_message.Message):
    __slots__ = ("record", "subject", "field", "customer", "masked", "opaque_id", "create_time")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    MASKED_FIELD_NUMBER: _ClassVar[int]
    OPAQUE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    record: str
    subject: str
    field: str
    customer: str
    masked: bool
    opaque_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, record: _Optional[str] = ..., subject: _Optional[str] = ..., field: _Optional[str] = ..., customer: _Optional[str] = ..., masked: _Optional[bool] = ..., opaque_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListInboundReferencesResponse(_message.Message):
    __slots__ = ("references", "next_page_token")
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    references: _containers.RepeatedCompositeFieldContainer[InboundReference]
    next_page_token: str
    def __init__(self, references: _Optional[_Iterable[_Union[InboundReference, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class VerifyIdentityRequest(_message.Message):
    __slots__ = ("name", "cross_reference", "claims")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CROSS_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    name: str
    cross_reference: _customer_pb2.CrossReference
    claims: _containers.RepeatedCompositeFieldContainer[IdentityClaim]
    def __init__(self, name: _Optional[str] = ..., cross_reference: _Optional[_Union[_customer_pb2.CrossReference, _Mapping]] = ..., claims: _Optional[_Iterable[_Union[IdentityClaim, _Mapping]]] = ...) -> None: ...

class IdentityClaim(_message.Message):
    __slots__ = ("subject", "field", "value")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    subject: str
    field: str
    value: str
    def __init__(self, subject: _Optional[str] = ..., field: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class VerifyIdentityResponse(_message.Message):
    __slots__ = ("customer", "verdicts")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    VERDICTS_FIELD_NUMBER: _ClassVar[int]
    customer: str
    verdicts: _containers.RepeatedCompositeFieldContainer[ClaimVerdict]
    def __init__(self, customer: _Optional[str] = ..., verdicts: _Optional[_Iterable[_Union[ClaimVerdict, _Mapping]]] = ...) -> None: ...

class ClaimVerdict(_message.Message):
    __slots__ = ("subject", "field", "outcome")
    class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        OUTCOME_UNSPECIFIED: _ClassVar[ClaimVerdict.Outcome]
        OUTCOME_MATCH: _ClassVar[ClaimVerdict.Outcome]
        OUTCOME_MISMATCH: _ClassVar[ClaimVerdict.Outcome]
        OUTCOME_NOT_ON_FILE: _ClassVar[ClaimVerdict.Outcome]
    OUTCOME_UNSPECIFIED: ClaimVerdict.Outcome
    OUTCOME_MATCH: ClaimVerdict.Outcome
    OUTCOME_MISMATCH: ClaimVerdict.Outcome
    OUTCOME_NOT_ON_FILE: ClaimVerdict.Outcome
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    subject: str
    field: str
    outcome: ClaimVerdict.Outcome
    def __init__(self, subject: _Optional[str] = ..., field: _Optional[str] = ..., outcome: _Optional[_Union[ClaimVerdict.Outcome, str]] = ...) -> None: ...
