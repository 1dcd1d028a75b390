"""GetRelationshipGraph: the parties linked to a customer, following relationship records both ways.

A breadth-first walk from the root (which must be in the caller's scope): each customer in scope
gives its own relationship records (outgoing links) and the relationship records of other
customers naming it (inbound references, indexed by the kernel). A customer outside the caller's
scope is an opaque, masked node: no customer number, no name, and it is not walked further, so
nothing of its own links shows; a link it states shows only that it exists. Each node is seen
once (cycles end there), and the walk stops at `MAX_NODES`.
"""

from __future__ import annotations

from typing import Any

from customer_core.plugin import InvalidArgument, Party, ServiceContext, StoredRecord
from customer_core_relationship.v1 import relationship_pb2, relationship_pb2_grpc

SUBJECT = "relationship"
#: Links from the root a graph goes when the request does not say.
DEFAULT_DEPTH = 2
#: The most links from the root a request may ask for.
MAX_DEPTH = 5
#: The most nodes a graph holds (then `truncated`).
MAX_NODES = 200


class RelationshipServicer(relationship_pb2_grpc.RelationshipServiceServicer):
    """The servicer of `customer_core_relationship.v1.RelationshipService`."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def GetRelationshipGraph(
        self, request: relationship_pb2.GetRelationshipGraphRequest, context: Any
    ) -> relationship_pb2.RelationshipGraph:
        depth = request.depth or DEFAULT_DEPTH
        if not 1 <= depth <= MAX_DEPTH:
            raise InvalidArgument.field("depth", f"must be 1 to {MAX_DEPTH} (0: {DEFAULT_DEPTH})")
        root = self.context.customer(request.customer, field="customer")
        return _Walk(self.context).graph(root, depth)


class _Walk:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.graph_ = relationship_pb2.RelationshipGraph()
        self.nodes: dict[str, relationship_pb2.GraphNode] = {}
        self.records: set[str] = set()

    def graph(self, root: Party, depth: int) -> relationship_pb2.RelationshipGraph:
        self.graph_.root = root.opaque_id
        self._node(root, 0)
        frontier = [root]
        for distance in range(1, depth + 1):
            reached: list[Party] = []
            for party in frontier:
                reached += self._outgoing(party, distance)
                reached += self._inbound(party, distance)
            frontier = reached
        return self.graph_

    def _node(self, party: Party, distance: int) -> bool:
        """Adds `party`'s node unless it is there; False when the graph is full."""
        if party.opaque_id in self.nodes:
            return True
        if len(self.nodes) >= MAX_NODES:
            self.graph_.truncated = True
            return False
        node = self.graph_.nodes.add(id=party.opaque_id, masked=party.masked, distance=distance)
        if not party.masked:
            node.customer, node.display_name = party.name, party.display_name
        self.nodes[party.opaque_id] = node
        return True

    def _outgoing(self, party: Party, distance: int) -> list[Party]:
        """`party`'s own links; the customers in scope first reached through them."""
        reached = []
        for record in self.context.records(party.name, SUBJECT):
            data = record.data
            assert isinstance(data, relationship_pb2.Relationship)
            if record.name in self.records:
                continue
            if data.HasField("outside_party"):
                target_id = f"{record.name}/outside_party"
                if target_id not in self.nodes:
                    if len(self.nodes) >= MAX_NODES:
                        self.graph_.truncated = True
                        continue
                    self.nodes[target_id] = self.graph_.nodes.add(
                        id=target_id, outside_party=True, distance=distance,
                        display_name=data.outside_party.name,
                    )  # fmt: skip
            else:
                target = self.context.party(data.counterparty)
                if target is None:
                    continue
                new = target.opaque_id not in self.nodes
                if not self._node(target, distance):
                    continue
                target_id = target.opaque_id
                if new and not target.masked:
                    reached.append(target)
            self._edge(party.opaque_id, target_id, record)
        return reached

    def _inbound(self, party: Party, distance: int) -> list[Party]:
        """Links to `party` stated by other customers; the customers in scope first reached."""
        reached = []
        for reference in self.context.inbound_references(party.name, SUBJECT):
            referrer = reference.referrer
            if reference.record and reference.record in self.records:
                continue
            new = referrer.opaque_id not in self.nodes
            if not self._node(referrer, distance):
                continue
            if new and not referrer.masked:
                reached.append(referrer)
            record = self.context.record(reference.record) if reference.record else None
            if record is None:  # stated by a customer outside the caller's scope, or unreadable
                self.graph_.edges.add(
                    source=referrer.opaque_id, target=party.opaque_id, masked=True
                )
                continue
            self._edge(referrer.opaque_id, party.opaque_id, record)
        return reached

    def _edge(self, source: str, target: str, record: StoredRecord) -> None:
        data = record.data
        assert isinstance(data, relationship_pb2.Relationship)
        self.records.add(record.name)
        self.graph_.edges.add(
            source=source, target=target, kind=data.kind, record=record.name,
            percentage=data.percentage, title=data.title, valid_from=data.valid_from,
            valid_to=data.valid_to,
        )  # fmt: skip
