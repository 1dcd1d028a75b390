import datetime

from customer_core.v1 import customer_pb2 as _customer_pb2
from customer_core.v1 import options_pb2 as _options_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsolidationRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSOLIDATION_RUN_STATE_UNSPECIFIED: _ClassVar[ConsolidationRunState]
    CONSOLIDATION_RUN_STATE_QUEUED: _ClassVar[ConsolidationRunState]
    CONSOLIDATION_RUN_STATE_RUNNING: _ClassVar[ConsolidationRunState]
    CONSOLIDATION_RUN_STATE_SUCCEEDED: _ClassVar[ConsolidationRunState]
    CONSOLIDATION_RUN_STATE_FAILED: _ClassVar[ConsolidationRunState]

class MatchCandidateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_CANDIDATE_STATUS_UNSPECIFIED: _ClassVar[MatchCandidateStatus]
    MATCH_CANDIDATE_STATUS_OPEN: _ClassVar[MatchCandidateStatus]
    MATCH_CANDIDATE_STATUS_MERGED: _ClassVar[MatchCandidateStatus]
    MATCH_CANDIDATE_STATUS_NOT_SAME: _ClassVar[MatchCandidateStatus]

class Agreement(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGREEMENT_UNSPECIFIED: _ClassVar[Agreement]
    AGREEMENT_AGREE: _ClassVar[Agreement]
    AGREEMENT_DIFFER: _ClassVar[Agreement]
    AGREEMENT_MISSING: _ClassVar[Agreement]

class RelationshipProposalStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELATIONSHIP_PROPOSAL_STATUS_UNSPECIFIED: _ClassVar[RelationshipProposalStatus]
    RELATIONSHIP_PROPOSAL_STATUS_OPEN: _ClassVar[RelationshipProposalStatus]
    RELATIONSHIP_PROPOSAL_STATUS_CONFIRMED: _ClassVar[RelationshipProposalStatus]
    RELATIONSHIP_PROPOSAL_STATUS_REJECTED: _ClassVar[RelationshipProposalStatus]
CONSOLIDATION_RUN_STATE_UNSPECIFIED: ConsolidationRunState
CONSOLIDATION_RUN_STATE_QUEUED: ConsolidationRunState
CONSOLIDATION_RUN_STATE_RUNNING: ConsolidationRunState
CONSOLIDATION_RUN_STATE_SUCCEEDED: ConsolidationRunState
CONSOLIDATION_RUN_STATE_FAILED: ConsolidationRunState
MATCH_CANDIDATE_STATUS_UNSPECIFIED: MatchCandidateStatus
MATCH_CANDIDATE_STATUS_OPEN: MatchCandidateStatus
MATCH_CANDIDATE_STATUS_MERGED: MatchCandidateStatus
MATCH_CANDIDATE_STATUS_NOT_SAME: MatchCandidateStatus
AGREEMENT_UNSPECIFIED: Agreement
AGREEMENT_AGREE: Agreement
AGREEMENT_DIFFER: Agreement
AGREEMENT_MISSING: Agreement
RELATIONSHIP_PROPOSAL_STATUS_UNSPECIFIED: RelationshipProposalStatus
RELATIONSHIP_PROPOSAL_STATUS_OPEN: RelationshipProposalStatus
RELATIONSHIP_PROPOSAL_STATUS_CONFIRMED: RelationshipProposalStatus
RELATIONSHIP_PROPOSAL_STATUS_REJECTED: RelationshipProposalStatus

class ConsolidationRun(_message.Message):
    __slots__ = ("name", "state", "phase", "done", "total", "compared_pairs", "merged", "listed", "error", "proposed_relationships")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    COMPARED_PAIRS_FIELD_NUMBER: _ClassVar[int]
    MERGED_FIELD_NUMBER: _ClassVar[int]
    LISTED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: ConsolidationRunState
    phase: str
    done: int
    total: int
    compared_pairs: int
    merged: int
    listed: int
    error: str
    proposed_relationships: int
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[ConsolidationRunState, str]] = ..., phase: _Optional[str] = ..., done: _Optional[int] = ..., total: _Optional[int] = ..., compared_pairs: _Optional[int] = ..., merged: _Optional[int] = ..., listed: _Optional[int] = ..., error: _Optional[str] = ..., proposed_relationships: _Optional[int] = ...) -> None: ...

class RunConsolidationRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetConsolidationRunRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class AttributeComparison(_message.Message):
    __slots__ = ("attribute", "agreement", "first_values", "second_values")
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    FIRST_VALUES_FIELD_NUMBER: _ClassVar[int]
    SECOND_VALUES_FIELD_NUMBER: _ClassVar[int]
    attribute: str
    agreement: Agreement
    first_values: _containers.RepeatedScalarFieldContainer[str]
    second_values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, attribute: _Optional[str] = ..., agreement: _Optional[_Union[Agreement, str]] = ..., first_values: _Optional[_Iterable[str]] = ..., second_values: _Optional[_Iterable[str]] = ...) -> None: ...

class MatchCandidate(_message.Message):
    __slots__ = ("name", "customers", "tier", "score", "attributes", "status", "origin", "actor", "comment", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    customers: _containers.RepeatedScalarFieldContainer[str]
    tier: _options_pb2.MatchTier
    score: float
    attributes: _containers.RepeatedCompositeFieldContainer[AttributeComparison]
    status: MatchCandidateStatus
    origin: str
    actor: str
    comment: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., customers: _Optional[_Iterable[str]] = ..., tier: _Optional[_Union[_options_pb2.MatchTier, str]] = ..., score: _Optional[float] = ..., attributes: _Optional[_Iterable[_Union[AttributeComparison, _Mapping]]] = ..., status: _Optional[_Union[MatchCandidateStatus, str]] = ..., origin: _Optional[str] = ..., actor: _Optional[str] = ..., comment: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Merge(_message.Message):
    __slots__ = ("name", "survivor", "loser", "tier", "reason", "actor", "create_time", "moved_records", "moved_cross_references", "merged_records", "unmerge_time", "unmerge_actor")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SURVIVOR_FIELD_NUMBER: _ClassVar[int]
    LOSER_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    MOVED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    MOVED_CROSS_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    MERGED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    UNMERGE_TIME_FIELD_NUMBER: _ClassVar[int]
    UNMERGE_ACTOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    survivor: str
    loser: str
    tier: _options_pb2.MatchTier
    reason: str
    actor: str
    create_time: _timestamp_pb2.Timestamp
    moved_records: _containers.RepeatedScalarFieldContainer[str]
    moved_cross_references: _containers.RepeatedCompositeFieldContainer[_customer_pb2.CrossReference]
    merged_records: _containers.RepeatedScalarFieldContainer[str]
    unmerge_time: _timestamp_pb2.Timestamp
    unmerge_actor: str
    def __init__(self, name: _Optional[str] = ..., survivor: _Optional[str] = ..., loser: _Optional[str] = ..., tier: _Optional[_Union[_options_pb2.MatchTier, str]] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., moved_records: _Optional[_Iterable[str]] = ..., moved_cross_references: _Optional[_Iterable[_Union[_customer_pb2.CrossReference, _Mapping]]] = ..., merged_records: _Optional[_Iterable[str]] = ..., unmerge_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unmerge_actor: _Optional[str] = ...) -> None: ...

class ListMatchCandidatesRequest(_message.Message):
    __slots__ = ("status", "tier", "customer", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: MatchCandidateStatus
    tier: _options_pb2.MatchTier
    customer: str
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[MatchCandidateStatus, str]] = ..., tier: _Optional[_Union[_options_pb2.MatchTier, str]] = ..., customer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMatchCandidatesResponse(_message.Message):
    __slots__ = ("candidates", "next_page_token")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[MatchCandidate]
    next_page_token: str
    def __init__(self, candidates: _Optional[_Iterable[_Union[MatchCandidate, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MergeCustomersRequest(_message.Message):
    __slots__ = ("customers", "survivor", "reason", "request_id")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    SURVIVOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedScalarFieldContainer[str]
    survivor: str
    reason: str
    request_id: str
    def __init__(self, customers: _Optional[_Iterable[str]] = ..., survivor: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class UnmergeCustomersRequest(_message.Message):
    __slots__ = ("merge", "reason", "request_id")
    MERGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    merge: str
    reason: str
    request_id: str
    def __init__(self, merge: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListMergesRequest(_message.Message):
    __slots__ = ("customer", "page_size", "page_token")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer: str
    page_size: int
    page_token: str
    def __init__(self, customer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMergesResponse(_message.Message):
    __slots__ = ("merges", "next_page_token")
    MERGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    merges: _containers.RepeatedCompositeFieldContainer[Merge]
    next_page_token: str
    def __init__(self, merges: _Optional[_Iterable[_Union[Merge, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MarkNotSameRequest(_message.Message):
    __slots__ = ("candidate", "comment", "request_id")
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    candidate: str
    comment: str
    request_id: str
    def __init__(self, candidate: _Optional[str] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RelationshipProposal(_message.Message):
    __slots__ = ("name", "owner", "counterparty", "kind", "title", "evidence", "status", "record", "actor", "comment", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    owner: str
    counterparty: str
    kind: str
    title: str
    evidence: _containers.RepeatedScalarFieldContainer[str]
    status: RelationshipProposalStatus
    record: str
    actor: str
    comment: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., owner: _Optional[str] = ..., counterparty: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., evidence: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[RelationshipProposalStatus, str]] = ..., record: _Optional[str] = ..., actor: _Optional[str] = ..., comment: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRelationshipProposalsRequest(_message.Message):
    __slots__ = ("status", "customer", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: RelationshipProposalStatus
    customer: str
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[RelationshipProposalStatus, str]] = ..., customer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRelationshipProposalsResponse(_message.Message):
    __slots__ = ("proposals", "next_page_token")
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    proposals: _containers.RepeatedCompositeFieldContainer[RelationshipProposal]
    next_page_token: str
    def __init__(self, proposals: _Optional[_Iterable[_Union[RelationshipProposal, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ConfirmRelationshipProposalRequest(_message.Message):
    __slots__ = ("proposal", "comment", "kind", "request_id")
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    proposal: str
    comment: str
    kind: str
    request_id: str
    def __init__(self, proposal: _Optional[str] = ..., comment: _Optional[str] = ..., kind: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RejectRelationshipProposalRequest(_message.Message):
    __slots__ = ("proposal", "comment", "request_id")
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    proposal: str
    comment: str
    request_id: str
    def __init__(self, proposal: _Optional[str] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...
