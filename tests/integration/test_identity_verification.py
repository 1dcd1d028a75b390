"""VerifyIdentity as a counter or call centre uses it: claimed attributes against what is on
file, answered match, mismatch or not on file, never with the stored value; scoped, audited and
rate-limited per caller and per customer."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator

import grpc
import pytest
from google.rpc import error_details_pb2

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError
from customer_core.v1 import customer_service_pb2 as svc
from tests.integration.conftest import admin_token, grant, start_server
from tests.integration.helpers import RESIDENT_ID, id_card, mobile, profile

V = svc.ClaimVerdict
LEGACY_ID = RESIDENT_ID[:6] + RESIDENT_ID[8:17]  # the same card's 15-digit form


def _customer(client: Client) -> str:
    local = uuid.uuid4().hex[:10]
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="张三",
        cross_references=[("CORE", local)], records=[profile(), id_card(), mobile()],
    ).customer_number  # fmt: skip


def _outcomes(answer: svc.VerifyIdentityResponse) -> list[int]:
    return [v.outcome for v in answer.verdicts]


def test_each_claim_is_answered_without_the_stored_value(client: Client) -> None:
    number = _customer(client)
    answer = client.verify_identity(
        number,
        [
            ("identification", "id_type", "ID_TYPE_RESIDENT_ID_CARD"),
            ("identification", "id_number", LEGACY_ID.lower()),  # upgraded as the plugin does
            ("individual", "name", "张三"),
            ("contact", "phone.number", "138-0013-8000"),  # to E.164 as the plugin does
            ("individual", "birth_date", "1950-01-01"),
            ("contact", "email.address", "zhang@example.com"),
        ],
    )
    assert answer.customer == f"customers/{number}"
    assert _outcomes(answer) == [
        V.OUTCOME_MATCH, V.OUTCOME_MATCH, V.OUTCOME_MATCH, V.OUTCOME_MATCH,
        V.OUTCOME_MISMATCH, V.OUTCOME_NOT_ON_FILE,
    ]  # fmt: skip
    assert [(v.subject, v.field) for v in answer.verdicts][1] == ("identification", "id_number")
    raw = answer.SerializeToString()
    assert RESIDENT_ID.encode() not in raw and b"1949" not in raw and b"13800138000" not in raw
    wrong = client.verify_identity(
        number, [("identification", "id_number", RESIDENT_ID[:-1] + "1")]
    )
    assert _outcomes(wrong) == [V.OUTCOME_MISMATCH]


def test_a_customer_is_found_by_its_cross_reference(client: Client) -> None:
    local = uuid.uuid4().hex[:10]
    number = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="张三",
        cross_references=[("CRM", local)], records=[profile()],
    ).customer_number  # fmt: skip
    answer = client.verify_identity(
        claims=[("individual", "name", "李四")], cross_reference=("CRM", local)
    )
    assert answer.customer == f"customers/{number}" and _outcomes(answer) == [V.OUTCOME_MISMATCH]
    with pytest.raises(RPCError) as call:
        client.verify_identity(
            claims=[("individual", "name", "张三")], cross_reference=("CRM", "none")
        )
    assert call.value.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("claims", "field"),
    [
        pytest.param([], "claims", id="no-claims"),
        pytest.param([("nothing", "name", "x")], "claims[0].subject", id="unknown-subject"),
        pytest.param([("individual", "shoe_size", "42")], "claims[0].field", id="unknown-field"),
        pytest.param([("individual", "name", " ")], "claims[0].value", id="empty-value"),
        pytest.param([("identification", "id_type", "ID_TYPE_LIBRARY_CARD")], "claims[0].value",
                     id="not-an-enum-value"),
        pytest.param([("individual", "name", "张三"),
                      ("organization", "legal_representative.id_number", "110105")],
                     "claims[1].field", id="sensitive-not-a-match-key"),
        pytest.param([("individual", "name", "x")] * 11, "claims", id="too-many"),
    ],
)  # fmt: skip
def test_a_bad_claim_is_refused_naming_its_field(
    client: Client, claims: list[tuple[str, str, str]], field: str
) -> None:
    number = _customer(client)
    with pytest.raises(RPCError) as call:
        client.verify_identity(number, claims)
    assert call.value.code == grpc.StatusCode.INVALID_ARGUMENT
    bad = call.value.detail(error_details_pb2.BadRequest)
    assert [v.field for v in bad.field_violations] == [field]


def test_out_of_scope_is_not_found_and_the_auditor_may_not_verify(
    client: Client, server: RunningServer, target: str
) -> None:
    number = _customer(client)  # of HO01
    claims = [("individual", "name", "张三")]
    branch = grant(server.kernel, f"teller-{uuid.uuid4().hex[:8]}", "teller", "BR99")
    with Client(target, token=branch) as teller, pytest.raises(RPCError) as call:
        teller.verify_identity(number, claims)
    assert call.value.code == grpc.StatusCode.NOT_FOUND
    auditor = grant(server.kernel, f"auditor-{uuid.uuid4().hex[:8]}", "auditor")
    with Client(target, token=auditor) as reader, pytest.raises(RPCError) as call:
        reader.verify_identity(number, claims)
    assert call.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_each_verification_is_audited_with_its_customer(client: Client) -> None:
    number = _customer(client)
    client.verify_identity(number, [("individual", "name", "张三")])
    deadline = time.monotonic() + 10  # the audit queue is flushed every 0.2 s
    while True:
        events = list(client.list_audit_events(customer=number))
        verified = [e for e in events if e.method.endswith("/VerifyIdentity")]
        if verified or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [(e.outcome, list(e.customers)) for e in verified] == [("OK", [f"customers/{number}"])]


@pytest.fixture
def limited(new_database: Callable[[str], str]) -> Iterator[tuple[RunningServer, str]]:
    running = start_server(
        new_database("verify"), verify_identity_per_caller=4, verify_identity_per_customer=2
    )
    yield running, f"127.0.0.1:{running.port}"
    running.stop(grace=1)


def _limited_by(call: pytest.ExceptionInfo[RPCError]) -> str:
    assert call.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    info = call.value.detail(error_details_pb2.ErrorInfo)
    assert info.reason == "VERIFICATION_RATE_LIMITED"
    retry = call.value.detail(error_details_pb2.RetryInfo)
    assert 0 < retry.retry_delay.ToTimedelta().total_seconds() <= 60
    return str(info.metadata["per"])


def test_trying_id_numbers_one_after_another_is_stopped(limited: tuple[RunningServer, str]) -> None:
    running, target = limited
    with Client(target, token=admin_token(running)) as client:
        first, second = _customer(client), _customer(client)
        guess = [("identification", "id_number", RESIDENT_ID)]
        for _ in range(2):
            client.verify_identity(first, guess)
        with pytest.raises(RPCError) as call:
            client.verify_identity(first, guess)
        assert _limited_by(call) == "customer"
        client.verify_identity(second, guess)  # the caller's fourth charge
        with pytest.raises(RPCError) as call:
            client.verify_identity(second, guess)
        assert _limited_by(call) == "caller"
    with Client(target, token=admin_token(running)) as other:
        with pytest.raises(RPCError) as call:  # the first customer's limit holds for anyone
            other.verify_identity(first, guess)
        assert _limited_by(call) == "customer"


def test_the_cli_verifies_and_refuses_a_malformed_claim(
    client: Client, target: str, token: str
) -> None:
    from tests.integration.test_cli import run

    number = _customer(client)
    done = run(
        "customers", "verify", number, "--claim", "individual.name=张三",
        "--claim", f"identification.id_number={RESIDENT_ID}", "--target", target, token=token,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdicts"] == [
        {"subject": "individual", "field": "name", "outcome": "OUTCOME_MATCH"},
        {"subject": "identification", "field": "id_number", "outcome": "OUTCOME_MATCH"},
    ]
    bad = run("customers", "verify", number, "--claim", "name", "--target", target, token=token)
    assert bad.returncode != 0 and "SUBJECT.FIELD=VALUE" in bad.stderr
