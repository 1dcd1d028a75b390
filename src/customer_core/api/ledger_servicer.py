"""LedgerService: a customer's history, the change stream, verification and inclusion proofs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from customer_core.kernel.app import Kernel
from customer_core.ledger import history, stream
from customer_core.ledger.verify import inclusion_proof, verify
from customer_core.v1 import ledger_pb2, ledger_pb2_grpc


class LedgerServicer(ledger_pb2_grpc.LedgerServiceServicer):
    """The servicer of `customer_core.v1.LedgerService`."""

    def __init__(self, kernel: Kernel, *, poll_interval: float = stream.POLL_INTERVAL) -> None:
        self.kernel = kernel
        self.poll_interval = poll_interval

    def ListCustomerHistory(
        self, request: ledger_pb2.ListCustomerHistoryRequest, context: Any
    ) -> ledger_pb2.ListCustomerHistoryResponse:
        return self.kernel.read(lambda c: history.list_history(c, request))

    def WatchChanges(
        self, request: ledger_pb2.WatchChangesRequest, context: Any
    ) -> Iterator[ledger_pb2.LedgerEntry | None]:
        # `None`s are heartbeats the pipeline consumes (see customer_core.ledger.stream).
        return stream.watch(self.kernel, request, poll=self.poll_interval)

    def VerifyLedger(
        self, request: ledger_pb2.VerifyLedgerRequest, context: Any
    ) -> ledger_pb2.VerifyLedgerResponse:
        return self.kernel.read(
            lambda c: verify(c, request.first_block, request.last_block, request.chains)
        )

    def GetInclusionProof(
        self, request: ledger_pb2.GetInclusionProofRequest, context: Any
    ) -> ledger_pb2.InclusionProof:
        return self.kernel.read(lambda c: inclusion_proof(c, request.entry_id))
