from customer_core.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_LOAN_APPLICATION: _ClassVar[EventType]
    EVENT_TYPE_CARD_APPLICATION: _ClassVar[EventType]
    EVENT_TYPE_ACCOUNT_OPENING: _ClassVar[EventType]
    EVENT_TYPE_OTHER: _ClassVar[EventType]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_PENDING: _ClassVar[Outcome]
    OUTCOME_APPROVED: _ClassVar[Outcome]
    OUTCOME_DECLINED: _ClassVar[Outcome]
    OUTCOME_WITHDRAWN: _ClassVar[Outcome]

class ContactType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTACT_TYPE_UNSPECIFIED: _ClassVar[ContactType]
    CONTACT_TYPE_CALL: _ClassVar[ContactType]
    CONTACT_TYPE_VISIT: _ClassVar[ContactType]
    CONTACT_TYPE_SURVEY: _ClassVar[ContactType]
    CONTACT_TYPE_COMPLAINT: _ClassVar[ContactType]

class ComplaintStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPLAINT_STATUS_UNSPECIFIED: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_OPEN: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_IN_PROGRESS: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_RESOLVED: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_CLOSED: _ClassVar[ComplaintStatus]

class MarketingChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MARKETING_CHANNEL_UNSPECIFIED: _ClassVar[MarketingChannel]
    MARKETING_CHANNEL_SMS: _ClassVar[MarketingChannel]
    MARKETING_CHANNEL_PHONE: _ClassVar[MarketingChannel]
    MARKETING_CHANNEL_EMAIL: _ClassVar[MarketingChannel]
    MARKETING_CHANNEL_APP_PUSH: _ClassVar[MarketingChannel]

class CaptureMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAPTURE_METHOD_UNSPECIFIED: _ClassVar[CaptureMethod]
    CAPTURE_METHOD_PAPER_FORM: _ClassVar[CaptureMethod]
    CAPTURE_METHOD_ONLINE: _ClassVar[CaptureMethod]
    CAPTURE_METHOD_RECORDED_CALL: _ClassVar[CaptureMethod]
    CAPTURE_METHOD_SMS_REPLY: _ClassVar[CaptureMethod]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_LOAN_APPLICATION: EventType
EVENT_TYPE_CARD_APPLICATION: EventType
EVENT_TYPE_ACCOUNT_OPENING: EventType
EVENT_TYPE_OTHER: EventType
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_PENDING: Outcome
OUTCOME_APPROVED: Outcome
OUTCOME_DECLINED: Outcome
OUTCOME_WITHDRAWN: Outcome
CONTACT_TYPE_UNSPECIFIED: ContactType
CONTACT_TYPE_CALL: ContactType
CONTACT_TYPE_VISIT: ContactType
CONTACT_TYPE_SURVEY: ContactType
CONTACT_TYPE_COMPLAINT: ContactType
COMPLAINT_STATUS_UNSPECIFIED: ComplaintStatus
COMPLAINT_STATUS_OPEN: ComplaintStatus
COMPLAINT_STATUS_IN_PROGRESS: ComplaintStatus
COMPLAINT_STATUS_RESOLVED: ComplaintStatus
COMPLAINT_STATUS_CLOSED: ComplaintStatus
MARKETING_CHANNEL_UNSPECIFIED: MarketingChannel
MARKETING_CHANNEL_SMS: MarketingChannel
MARKETING_CHANNEL_PHONE: MarketingChannel
MARKETING_CHANNEL_EMAIL: MarketingChannel
MARKETING_CHANNEL_APP_PUSH: MarketingChannel
CAPTURE_METHOD_UNSPECIFIED: CaptureMethod
CAPTURE_METHOD_PAPER_FORM: CaptureMethod
CAPTURE_METHOD_ONLINE: CaptureMethod
CAPTURE_METHOD_RECORDED_CALL: CaptureMethod
CAPTURE_METHOD_SMS_REPLY: CaptureMethod

class BusinessEvent(_message.Message):
    __slots__ = ("event_type", "occurred_on", "product_code", "outcome", "decided_on")
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_ON_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DECIDED_ON_FIELD_NUMBER: _ClassVar[int]
    event_type: EventType
    occurred_on: str
    product_code: str
    outcome: Outcome
    decided_on: str
    def __init__(self, event_type: _Optional[_Union[EventType, str]] = ..., occurred_on: _Optional[str] = ..., product_code: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., decided_on: _Optional[str] = ...) -> None: ...

class ContactRecord(_message.Message):
    __slots__ = ("contact_type", "occurred_on", "channel", "summary", "complaint_status", "resolution")
    CONTACT_TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_ON_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    contact_type: ContactType
    occurred_on: str
    channel: str
    summary: str
    complaint_status: ComplaintStatus
    resolution: str
    def __init__(self, contact_type: _Optional[_Union[ContactType, str]] = ..., occurred_on: _Optional[str] = ..., channel: _Optional[str] = ..., summary: _Optional[str] = ..., complaint_status: _Optional[_Union[ComplaintStatus, str]] = ..., resolution: _Optional[str] = ...) -> None: ...

class MarketingConsent(_message.Message):
    __slots__ = ("channel", "opted_in", "captured_on", "capture_method")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OPTED_IN_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_ON_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_METHOD_FIELD_NUMBER: _ClassVar[int]
    channel: MarketingChannel
    opted_in: bool
    captured_on: str
    capture_method: CaptureMethod
    def __init__(self, channel: _Optional[_Union[MarketingChannel, str]] = ..., opted_in: _Optional[bool] = ..., captured_on: _Optional[str] = ..., capture_method: _Optional[_Union[CaptureMethod, str]] = ...) -> None: ...

class Interaction(_message.Message):
    __slots__ = ("event", "contact", "consent")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    event: BusinessEvent
    contact: ContactRecord
    consent: MarketingConsent
    def __init__(self, event: _Optional[_Union[BusinessEvent, _Mapping]] = ..., contact: _Optional[_Union[ContactRecord, _Mapping]] = ..., consent: _Optional[_Union[MarketingConsent, _Mapping]] = ...) -> None: ...
