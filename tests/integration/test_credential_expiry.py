"""Credential lifecycle, as a branch and an SRE use it: identity documents lapsing soon are listed
in the caller's scope, and the expiry job marks those past their validity expired as ledgered
changes, over gRPC and from the shell; revoked and long-term documents are left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import admin_service_pb2 as admin
from customer_core_identification.v1 import identification_pb2 as idp
from tests.integration.conftest import admin_token, grant, start_server
from tests.integration.helpers import id_card, resident_id

CLI = str(Path(sys.executable).parent / "customer-core")
TODAY = date.today()


def card(valid_to: date | None, status: int = idp.ID_STATUS_VALID) -> idp.IdentificationDocument:
    document = id_card(resident_id())
    document.status = status  # type: ignore[assignment]
    document.valid_from = "2016-01-01"
    if valid_to is not None:
        document.valid_to = valid_to.isoformat()
    return document


def holder(client: Client, document: idp.IdentificationDocument, org_unit: str) -> tuple[str, str]:
    customer = client.create_customer(
        type="individual", owning_org_unit=org_unit, display_name="Holder", records=[document]
    )
    (record,) = client.list_records(customer.customer_number, subject="identification")
    return customer.customer_number, record.name


@pytest.fixture
def documents(client: Client) -> dict[str, tuple[str, str]]:
    return make_documents(client)


def make_documents(client: Client) -> dict[str, tuple[str, str]]:
    """Cards lapsing in 5 and in 100 days, a long-term one and a revoked one, in two new org
    units."""
    org = f"E{uuid.uuid4().hex[:4].upper()}"
    return {
        "soon": holder(client, card(TODAY + timedelta(days=5)), f"{org}1"),
        "later": holder(client, card(TODAY + timedelta(days=100)), f"{org}2"),
        "long_term": holder(client, card(None), f"{org}1"),
        "revoked": holder(
            client, card(TODAY + timedelta(days=5), idp.ID_STATUS_REVOKED), f"{org}1"
        ),
        "org": (org, ""),
    }


def listed(client: Client, days: int, documents: dict[str, tuple[str, str]]) -> list[str]:
    names = {record: label for label, (_, record) in documents.items() if record}
    return [names[r.record] for r in client.expiring_records(days) if r.record in names]


def test_lapsing_documents_are_listed_soonest_first_in_scope(
    client: Client, documents: dict[str, tuple[str, str]], server: Any
) -> None:
    assert listed(client, 10, documents) == ["soon"]
    assert listed(client, 120, documents) == ["soon", "later"]
    (soon,) = [r for r in client.expiring_records(10) if r.record == documents["soon"][1]]
    assert (soon.subject, soon.expires_on) == (
        "identification", (TODAY + timedelta(days=5)).isoformat(),
    )  # fmt: skip
    org = documents["org"][0]
    branch = grant(server.kernel, f"teller-{uuid.uuid4().hex[:6]}", "teller", f"{org}2")
    with Client(f"127.0.0.1:{server.port}", token=branch) as teller:
        assert listed(teller, 120, documents) == ["later"]  # not the other branch's
    with pytest.raises(RPCError) as exc:
        client.expiring_records(400)
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture
def own(new_database: Any) -> Iterator[tuple[Any, Client]]:
    """A server on a database of its own: the expiry job goes through every record there."""
    running = start_server(new_database("expiry"))
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            yield running, client
    finally:
        running.stop(grace=1)


def test_the_expiry_job_marks_lapsed_documents_expired_as_ledgered_changes(
    own: tuple[Any, Client],
) -> None:
    server, client = own
    documents = make_documents(client)
    on = (TODAY + timedelta(days=10)).isoformat()  # run as of a day the first card has lapsed
    run = client.wait_for_expiry(client.expire_records(on), poll=0.05, timeout=60)
    assert run.state == admin.EXPIRY_RUN_STATE_SUCCEEDED, run.error
    assert run.expired >= 1 and run.done >= run.expired
    status = {
        label: unpack(client.get_record(record).data).status
        for label, (_, record) in documents.items() if record
    }  # fmt: skip
    assert status == {
        "soon": idp.ID_STATUS_EXPIRED, "later": idp.ID_STATUS_VALID,
        "long_term": idp.ID_STATUS_VALID, "revoked": idp.ID_STATUS_REVOKED,
    }  # fmt: skip
    number = documents["soon"][0]
    (change,) = [
        e for e in client.history(number, "identification") if e.principal.startswith("job:")
    ]
    assert (change.principal, change.request_id) == ("job:record-expiry", run.name.split("/")[1])
    assert listed(client, 10, documents) == []  # expired: it lapses no more
    again = client.wait_for_expiry(client.expire_records(on), poll=0.05, timeout=60)
    assert again.name != run.name and again.state == admin.EXPIRY_RUN_STATE_SUCCEEDED
    assert unpack(client.get_record(documents["soon"][1]).data).status == idp.ID_STATUS_EXPIRED
    branch = grant(server.kernel, f"teller-{uuid.uuid4().hex[:6]}", "teller", "HO01")
    with Client(f"127.0.0.1:{server.port}", token=branch) as teller, pytest.raises(RPCError) as exc:
        teller.expire_records()
    assert exc.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_an_sre_lists_and_expires_from_the_shell(new_database: Any, tmp_path: Path) -> None:
    url = new_database("expiry_cli")
    key_file = tmp_path / "master.key"
    running = start_server(url, master_key_file=str(key_file))
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            _, record = holder(client, card(TODAY + timedelta(days=3)), "HO01")
    finally:
        running.stop(grace=1)
    env = {**os.environ, "CUSTOMER_CORE_DATABASE_URL": url,
           "CUSTOMER_CORE_MASTER_KEY_FILE": str(key_file)}  # fmt: skip

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, "records", *args], capture_output=True, text=True,
                              timeout=120, env=env, check=False)  # fmt: skip

    soon = cli("expiring", "--days", "7")
    assert soon.returncode == 0, soon.stderr
    assert [json.loads(line)["record"] for line in soon.stdout.splitlines()] == [record]
    expired = cli("expire", "--on", (TODAY + timedelta(days=4)).isoformat())
    assert expired.returncode == 0, expired.stderr
    outcome = json.loads(expired.stdout.strip().splitlines()[-1])
    assert (outcome["state"], outcome["expired"]) == ("succeeded", 1)
    assert cli("expiring", "--days", "7").stdout.strip() == ""
    assert cli("expire", "--on", "tomorrow").returncode == 2
