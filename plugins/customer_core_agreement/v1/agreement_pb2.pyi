from customer_core.v1 import options_pb2 as _options_pb2
from customer_core.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_STATUS_UNSPECIFIED: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_ACTIVE: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_DORMANT: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_FROZEN: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_CLOSED: _ClassVar[AccountStatus]

class ContractType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTRACT_TYPE_UNSPECIFIED: _ClassVar[ContractType]
    CONTRACT_TYPE_CREDIT_LINE: _ClassVar[ContractType]
    CONTRACT_TYPE_LOAN: _ClassVar[ContractType]
    CONTRACT_TYPE_COLLATERAL: _ClassVar[ContractType]
    CONTRACT_TYPE_GUARANTEE: _ClassVar[ContractType]
    CONTRACT_TYPE_PRODUCT: _ClassVar[ContractType]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_INTERNET_BANKING: _ClassVar[Channel]
    CHANNEL_MOBILE_BANKING: _ClassVar[Channel]
    CHANNEL_SMS_ALERTS: _ClassVar[Channel]
    CHANNEL_TELEPHONE_BANKING: _ClassVar[Channel]
ACCOUNT_STATUS_UNSPECIFIED: AccountStatus
ACCOUNT_STATUS_ACTIVE: AccountStatus
ACCOUNT_STATUS_DORMANT: AccountStatus
ACCOUNT_STATUS_FROZEN: AccountStatus
ACCOUNT_STATUS_CLOSED: AccountStatus
CONTRACT_TYPE_UNSPECIFIED: ContractType
CONTRACT_TYPE_CREDIT_LINE: ContractType
CONTRACT_TYPE_LOAN: ContractType
CONTRACT_TYPE_COLLATERAL: ContractType
CONTRACT_TYPE_GUARANTEE: ContractType
CONTRACT_TYPE_PRODUCT: ContractType
CHANNEL_UNSPECIFIED: Channel
CHANNEL_INTERNET_BANKING: Channel
CHANNEL_MOBILE_BANKING: Channel
CHANNEL_SMS_ALERTS: Channel
CHANNEL_TELEPHONE_BANKING: Channel

class Account(_message.Message):
    __slots__ = ("account_number", "product_code", "currency", "branch", "opened_on", "closed_on", "status")
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    OPENED_ON_FIELD_NUMBER: _ClassVar[int]
    CLOSED_ON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    account_number: str
    product_code: str
    currency: str
    branch: str
    opened_on: str
    closed_on: str
    status: AccountStatus
    def __init__(self, account_number: _Optional[str] = ..., product_code: _Optional[str] = ..., currency: _Optional[str] = ..., branch: _Optional[str] = ..., opened_on: _Optional[str] = ..., closed_on: _Optional[str] = ..., status: _Optional[_Union[AccountStatus, str]] = ...) -> None: ...

class Contract(_message.Message):
    __slots__ = ("contract_type", "contract_number", "product_code", "amount", "signed_on", "start_date", "end_date", "secures_contract")
    CONTRACT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    SECURES_CONTRACT_FIELD_NUMBER: _ClassVar[int]
    contract_type: ContractType
    contract_number: str
    product_code: str
    amount: _types_pb2.Money
    signed_on: str
    start_date: str
    end_date: str
    secures_contract: str
    def __init__(self, contract_type: _Optional[_Union[ContractType, str]] = ..., contract_number: _Optional[str] = ..., product_code: _Optional[str] = ..., amount: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., signed_on: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., secures_contract: _Optional[str] = ...) -> None: ...

class ChannelAgreement(_message.Message):
    __slots__ = ("channel", "signed_phone", "signed_on", "cancelled_on")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SIGNED_PHONE_FIELD_NUMBER: _ClassVar[int]
    SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_ON_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    signed_phone: str
    signed_on: str
    cancelled_on: str
    def __init__(self, channel: _Optional[_Union[Channel, str]] = ..., signed_phone: _Optional[str] = ..., signed_on: _Optional[str] = ..., cancelled_on: _Optional[str] = ...) -> None: ...

class Agreement(_message.Message):
    __slots__ = ("account", "contract", "channel")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    account: Account
    contract: Contract
    channel: ChannelAgreement
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., contract: _Optional[_Union[Contract, _Mapping]] = ..., channel: _Optional[_Union[ChannelAgreement, _Mapping]] = ...) -> None: ...
