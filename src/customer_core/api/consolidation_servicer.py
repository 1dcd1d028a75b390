"""ConsolidationService: the similar-customer list, merges and unmerges."""

from __future__ import annotations

from typing import Any

from customer_core.kernel.app import Kernel
from customer_core.kernel.matching import stewardship
from customer_core.v1 import consolidation_service_pb2 as pb
from customer_core.v1 import consolidation_service_pb2_grpc


class ConsolidationServicer(consolidation_service_pb2_grpc.ConsolidationServiceServicer):
    """The servicer of `customer_core.v1.ConsolidationService`."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.identification = kernel.identification

    def ListMatchCandidates(
        self, request: pb.ListMatchCandidatesRequest, context: Any
    ) -> pb.ListMatchCandidatesResponse:
        return self.kernel.read(
            lambda c: stewardship.list_candidates(c, self.identification, request)
        )

    def MergeCustomers(self, request: pb.MergeCustomersRequest, context: Any) -> pb.Merge:
        return self.kernel.write(
            "MergeCustomers",
            request,
            pb.Merge,
            lambda c, now: stewardship.merge_customers(c, self.identification, request, now),
        )

    def UnmergeCustomers(self, request: pb.UnmergeCustomersRequest, context: Any) -> pb.Merge:
        return self.kernel.write(
            "UnmergeCustomers",
            request,
            pb.Merge,
            lambda c, now: stewardship.unmerge_customers(c, self.identification, request, now),
        )

    def ListMerges(self, request: pb.ListMergesRequest, context: Any) -> pb.ListMergesResponse:
        return self.kernel.read(lambda c: stewardship.list_merges(c, request))

    def MarkNotSame(self, request: pb.MarkNotSameRequest, context: Any) -> pb.MatchCandidate:
        return self.kernel.write(
            "MarkNotSame",
            request,
            pb.MatchCandidate,
            lambda c, now: stewardship.mark_not_same(c, self.identification, request, now),
        )
