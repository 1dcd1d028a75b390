"""Many clients changing the same customer at once lose no update."""

from __future__ import annotations

import threading

import grpc

from customer_core.client import Client, RPCError, unpack
from customer_core.v1 import customer_pb2
from customer_core_individual.v1 import individual_pb2
from tests.integration.helpers import profile

CLIENTS = 8
UPDATES_EACH = 5
#: The profile keeps at most 20 former names.
NAMES_EACH = 2


def test_eight_clients_with_etags_lose_no_update(target: str, token: str) -> None:
    with Client(target, token=token) as setup:
        customer = setup.create_customer(
            type="individual", owning_org_unit="HO01", display_name="Hot"
        )
        record = setup.create_record(customer.customer_number, profile())
    conflicts = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        with Client(target, token=token) as client:
            for i in range(NAMES_EACH):
                while True:
                    current = client.get_record(record.name)
                    data = unpack(current.data)
                    if not isinstance(data, individual_pb2.IndividualProfile):
                        errors.append(TypeError(type(data)))
                        return
                    data.former_names.append(f"W{n}U{i}")
                    try:
                        client.update_record(record.name, data, etag=current.etag)
                        break
                    except RPCError as exc:
                        if exc.code != grpc.StatusCode.ABORTED:
                            errors.append(exc)
                            return
                        conflicts.append(exc.reason)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Client(target, token=token) as check:
        names = list(unpack(check.get_record(record.name).data).former_names)
    expected = {f"W{n}U{i}" for n in range(CLIENTS) for i in range(NAMES_EACH)}
    assert sorted(names) == sorted(expected)
    assert set(conflicts) <= {"ETAG_MISMATCH"}


def test_concurrent_display_name_updates_each_bump_the_version(target: str, token: str) -> None:
    with Client(target, token=token) as setup:
        customer = setup.create_customer(
            type="individual", owning_org_unit="HO01", display_name="v0"
        )
    seen: list[str] = []
    errors: list[RPCError] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with Client(target, token=token) as client:
            for i in range(UPDATES_EACH):
                while True:
                    current = client.get_customer(customer.name)
                    change = customer_pb2.Customer(
                        name=customer.name, display_name=f"{n}-{i}", etag=current.etag
                    )
                    try:
                        updated = client.update_customer(change, ["display_name"])
                    except RPCError as exc:
                        if exc.code == grpc.StatusCode.ABORTED:
                            continue
                        errors.append(exc)
                        return
                    with lock:
                        seen.append(updated.etag)
                    break

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(seen) == len(set(seen)) == CLIENTS * UPDATES_EACH
