"""Which GetCustomer360 reads may run outside a transaction (their one statement is a snapshot)."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from customer_core.authz.context import CallContext, acting_as
from customer_core.authz.principal import Principal
from customer_core.kernel.customer360 import needs_no_transaction
from customer_core.v1.customer_service_pb2 import GetCustomer360Request

LIVE = GetCustomer360Request(name="customers/" + "1" * 18)
AS_OF = GetCustomer360Request(name=LIVE.name, as_of=Timestamp(seconds=1_700_000_000))


@pytest.mark.parametrize(
    ("request_", "unmask_reason", "alone"),
    [
        (LIVE, "", True),  # masked: the one statement is the whole read
        # Unmasking reads data keys after the ciphertexts: the same snapshot, or a rotation in
        # between retires the key the ciphertext names.
        (LIVE, "KYC review", False),
        (AS_OF, "", False),  # replays the ledger: several reads
        (AS_OF, "KYC review", False),
    ],
)
def test_only_a_live_masked_view_runs_without_a_transaction(
    request_: GetCustomer360Request, unmask_reason: str, alone: bool
) -> None:
    with acting_as(CallContext(Principal("teller"), unmask_reason=unmask_reason)):
        assert needs_no_transaction(request_) is alone
