from customer_core.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RelationshipKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELATIONSHIP_KIND_UNSPECIFIED: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_SPOUSE: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_PARENT: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_CHILD: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_GUARANTOR: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_EXECUTIVE: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_SHAREHOLDER: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_ACTUAL_CONTROLLER: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_PARENT_COMPANY: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_SUBSIDIARY: _ClassVar[RelationshipKind]
    RELATIONSHIP_KIND_GROUP_MEMBER: _ClassVar[RelationshipKind]
RELATIONSHIP_KIND_UNSPECIFIED: RelationshipKind
RELATIONSHIP_KIND_SPOUSE: RelationshipKind
RELATIONSHIP_KIND_PARENT: RelationshipKind
RELATIONSHIP_KIND_CHILD: RelationshipKind
RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER: RelationshipKind
RELATIONSHIP_KIND_GUARANTOR: RelationshipKind
RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE: RelationshipKind
RELATIONSHIP_KIND_EXECUTIVE: RelationshipKind
RELATIONSHIP_KIND_SHAREHOLDER: RelationshipKind
RELATIONSHIP_KIND_ACTUAL_CONTROLLER: RelationshipKind
RELATIONSHIP_KIND_PARENT_COMPANY: RelationshipKind
RELATIONSHIP_KIND_SUBSIDIARY: RelationshipKind
RELATIONSHIP_KIND_GROUP_MEMBER: RelationshipKind

class OutsideParty(_message.Message):
    __slots__ = ("name", "id_type", "id_number")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_type: str
    id_number: str
    def __init__(self, name: _Optional[str] = ..., id_type: _Optional[str] = ..., id_number: _Optional[str] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ("kind", "counterparty", "outside_party", "title", "percentage", "valid_from", "valid_to", "disclosed_by")
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_PARTY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    DISCLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    kind: RelationshipKind
    counterparty: str
    outside_party: OutsideParty
    title: str
    percentage: str
    valid_from: str
    valid_to: str
    disclosed_by: str
    def __init__(self, kind: _Optional[_Union[RelationshipKind, str]] = ..., counterparty: _Optional[str] = ..., outside_party: _Optional[_Union[OutsideParty, _Mapping]] = ..., title: _Optional[str] = ..., percentage: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_to: _Optional[str] = ..., disclosed_by: _Optional[str] = ...) -> None: ...

class GetRelationshipGraphRequest(_message.Message):
    __slots__ = ("customer", "depth")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    customer: str
    depth: int
    def __init__(self, customer: _Optional[str] = ..., depth: _Optional[int] = ...) -> None: ...

class GraphNode(_message.Message):
    __slots__ = ("id", "masked", "customer", "display_name", "outside_party", "distance")
    ID_FIELD_NUMBER: _ClassVar[int]
    MASKED_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_PARTY_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    masked: bool
    customer: str
    display_name: str
    outside_party: bool
    distance: int
    def __init__(self, id: _Optional[str] = ..., masked: _Optional[bool] = ..., customer: _Optional[str] = ..., display_name: _Optional[str] = ..., outside_party: _Optional[bool] = ..., distance: _Optional[int] = ...) -> None: ...

class GraphEdge(_message.Message):
    __slots__ = ("source", "target", "kind", "record", "percentage", "title", "valid_from", "valid_to", "masked")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    MASKED_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    kind: RelationshipKind
    record: str
    percentage: str
    title: str
    valid_from: str
    valid_to: str
    masked: bool
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., kind: _Optional[_Union[RelationshipKind, str]] = ..., record: _Optional[str] = ..., percentage: _Optional[str] = ..., title: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_to: _Optional[str] = ..., masked: _Optional[bool] = ...) -> None: ...

class RelationshipGraph(_message.Message):
    __slots__ = ("root", "nodes", "edges", "truncated")
    ROOT_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    root: str
    nodes: _containers.RepeatedCompositeFieldContainer[GraphNode]
    edges: _containers.RepeatedCompositeFieldContainer[GraphEdge]
    truncated: bool
    def __init__(self, root: _Optional[str] = ..., nodes: _Optional[_Iterable[_Union[GraphNode, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[GraphEdge, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...
