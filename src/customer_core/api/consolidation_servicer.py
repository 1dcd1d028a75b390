"""ConsolidationService: the similar-customer list, merges and unmerges."""

from __future__ import annotations

import uuid
from typing import Any

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.authz.principal import WHOLE_BANK
from customer_core.errors import InvalidArgument, PermissionDenied
from customer_core.kernel.app import Kernel
from customer_core.kernel.matching import relationship_proposals, stewardship
from customer_core.kernel.matching.consolidation import ConsolidationRun
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

    def RunConsolidation(
        self, request: pb.RunConsolidationRequest, context: Any
    ) -> pb.ConsolidationRun:
        principal = current().principal
        if not principal.allows(roles.CUSTOMERS_MERGE, WHOLE_BANK):
            raise PermissionDenied(
                f"{principal.name} may not consolidate: the run covers the whole bank",
                metadata={"permission": roles.CUSTOMERS_MERGE},
            )
        run_id = self.kernel.consolidation.start(created_by=principal.name)
        self.kernel.jobs.wake()
        return run_to_proto(self.kernel.consolidation.get(run_id))

    def GetConsolidationRun(
        self, request: pb.GetConsolidationRunRequest, context: Any
    ) -> pb.ConsolidationRun:
        try:
            run_id = uuid.UUID(request.name.removeprefix("consolidationRuns/"))
        except ValueError:
            raise InvalidArgument.field("name", "must be consolidationRuns/{id}") from None
        return run_to_proto(self.kernel.consolidation.get(run_id))

    def MarkNotSame(self, request: pb.MarkNotSameRequest, context: Any) -> pb.MatchCandidate:
        return self.kernel.write(
            "MarkNotSame",
            request,
            pb.MatchCandidate,
            lambda c, now: stewardship.mark_not_same(c, self.identification, request, now),
        )

    def ListRelationshipProposals(
        self, request: pb.ListRelationshipProposalsRequest, context: Any
    ) -> pb.ListRelationshipProposalsResponse:
        return self.kernel.read(lambda c: relationship_proposals.list_proposals(c, request))

    def ConfirmRelationshipProposal(
        self, request: pb.ConfirmRelationshipProposalRequest, context: Any
    ) -> pb.RelationshipProposal:
        codec = self.identification.codec
        return self.kernel.write(
            "ConfirmRelationshipProposal",
            request,
            pb.RelationshipProposal,
            lambda c, now: relationship_proposals.confirm(c, codec, request, now),
        )

    def RejectRelationshipProposal(
        self, request: pb.RejectRelationshipProposalRequest, context: Any
    ) -> pb.RelationshipProposal:
        return self.kernel.write(
            "RejectRelationshipProposal",
            request,
            pb.RelationshipProposal,
            lambda c, now: relationship_proposals.reject(c, request, now),
        )


_STATES = {
    "queued": pb.CONSOLIDATION_RUN_STATE_QUEUED,
    "running": pb.CONSOLIDATION_RUN_STATE_RUNNING,
    "succeeded": pb.CONSOLIDATION_RUN_STATE_SUCCEEDED,
    "failed": pb.CONSOLIDATION_RUN_STATE_FAILED,
    "cancelled": pb.CONSOLIDATION_RUN_STATE_FAILED,
}


def run_to_proto(run: ConsolidationRun) -> pb.ConsolidationRun:
    """A consolidation run as the API shows it."""
    return pb.ConsolidationRun(
        name=f"consolidationRuns/{run.id}",
        state=_STATES.get(run.state, pb.CONSOLIDATION_RUN_STATE_UNSPECIFIED),
        phase=run.phase,
        done=run.done,
        total=run.total,
        compared_pairs=run.compared,
        merged=run.merged,
        listed=run.listed,
        error=run.error or "",
        proposed_relationships=run.proposed,
    )
