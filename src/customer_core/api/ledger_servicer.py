"""LedgerService: a customer's history, the change stream, verification and inclusion proofs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from customer_core.errors import InvalidArgument, ResourceExhausted
from customer_core.kernel import change_stream, history
from customer_core.kernel.app import Kernel
from customer_core.ledger import stream
from customer_core.ledger.verify import inclusion_proof
from customer_core.ledger.verify_pages import verify_part
from customer_core.v1 import ledger_pb2, ledger_pb2_grpc

#: The `ErrorInfo.reason` of a verification refused because enough run already.
VERIFICATION_BUSY = "VERIFICATION_BUSY"
#: Seconds a refused verification is told to wait (`RetryInfo`): about one call's work.
BUSY_RETRY_DELAY = 0.5


class LedgerServicer(ledger_pb2_grpc.LedgerServiceServicer):
    """The servicer of `customer_core.v1.LedgerService`."""

    def __init__(self, kernel: Kernel, *, poll_interval: float = stream.POLL_INTERVAL) -> None:
        self.kernel = kernel
        self.poll_interval = poll_interval
        settings = kernel.settings
        #: Verifications running in this process; one past the limit is refused, not queued.
        self._verifications = threading.BoundedSemaphore(settings.ledger_verify_concurrency)
        self._verify_limits = (
            settings.ledger_verify_max_blocks,
            settings.ledger_verify_max_entries,
        )

    def ListCustomerHistory(
        self, request: ledger_pb2.ListCustomerHistoryRequest, context: Any
    ) -> ledger_pb2.ListCustomerHistoryResponse:
        return self.kernel.read(lambda c: history.list_history(c, request))

    def WatchChanges(
        self, request: ledger_pb2.WatchChangesRequest, context: Any
    ) -> Iterator[ledger_pb2.LedgerEntry | None]:
        # `None`s are heartbeats the pipeline consumes (see customer_core.kernel.change_stream).
        return change_stream.watch(self.kernel.read, request, poll=self.poll_interval)

    def VerifyLedger(
        self, request: ledger_pb2.VerifyLedgerRequest, context: Any
    ) -> ledger_pb2.VerifyLedgerResponse:
        if request.max_blocks < 0:
            raise InvalidArgument.field("max_blocks", "must not be negative")
        max_blocks, max_entries = self._verify_limits
        if request.max_blocks:
            max_blocks = min(request.max_blocks, max_blocks)
        if not self._verifications.acquire(blocking=False):
            raise ResourceExhausted(
                "too many ledger verifications are running; try again later",
                reason=VERIFICATION_BUSY,
                metadata={"limit": str(self.kernel.settings.ledger_verify_concurrency)},
                retry_delay=BUSY_RETRY_DELAY,
            )
        try:
            return self.kernel.read(
                lambda c: verify_part(
                    c,
                    request.first_block,
                    request.last_block,
                    request.chains,
                    max_blocks=max_blocks,
                    max_entries=max_entries,
                )
            )
        finally:
            self._verifications.release()

    def GetInclusionProof(
        self, request: ledger_pb2.GetInclusionProofRequest, context: Any
    ) -> ledger_pb2.InclusionProof:
        return self.kernel.read(lambda c: inclusion_proof(c, request.entry_id))
