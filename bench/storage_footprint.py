"""Bytes each customer takes in the database, all tables and indexes, on SQLite and PostgreSQL.

Customers of the shape the issue of record measured (an individual profile, a resident ID card and
two contact points, one cross-reference each; fresh values), created through the kernel's own
path (`BatchCreateCustomers`, which writes exactly what CreateCustomer writes), their ledger
sealed, then each table's and index's size read from the engine (SQLite's `dbstat`, PostgreSQL's
`pg_total_relation_size` after VACUUM). The baseline printed beside it is the plaintext the
customers carry (their requests' serialized size): what storing them cannot go below.

    .venv/bin/python bench/storage_footprint.py [--customers 5000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

GOAL = 6 * 1024  # bytes a customer, all tables and indexes


def requests(n: int) -> list[Any]:
    from customer_core.client import pack, subject_of
    from customer_core.v1 import customer_pb2
    from customer_core.v1 import customer_service_pb2 as svc
    from customer_core_contact.v1 import contact_pb2
    from tests.integration.helpers import mobile, person

    made = []
    for i in range(n):
        email = contact_pb2.ContactPoint(
            email=contact_pb2.Email(address=f"c{i}@example.cn"),
            purpose=contact_pb2.CONTACT_PURPOSE_HOME,
        )
        records = [*person(f"Footprint {i}"), mobile(f"+86139{i:08d}"), email]
        made.append(
            svc.CreateCustomerRequest(
                customer=customer_pb2.Customer(
                    type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL,
                    owning_org_unit="HO01",
                    display_name=f"Footprint {i}",
                ),
                cross_references=[
                    customer_pb2.CrossReference(source_system="CRM", local_id=f"F{i}")
                ],
                records=[
                    customer_pb2.SubjectRecord(subject=subject_of(r), data=pack(r)) for r in records
                ],
            )
        )
    return made


def sizes(url: str) -> dict[str, int]:
    """Bytes per table, its indexes included."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as c:
                rows = c.exec_driver_sql(
                    "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
                    "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1"
                ).all()
            return {name: int(size) for name, size in rows}
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")
            rows = c.exec_driver_sql(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            ).all()
        return {name: int(size) for name, size in rows}
    finally:
        engine.dispose()


def measure(backend: str, n: int, tmp: str, stack: ExitStack) -> tuple[dict[str, int], int]:
    from customer_core.api.server import create_server
    from customer_core.authz.principal import WHOLE_BANK
    from customer_core.client import Client
    from customer_core.kernel.app import Kernel
    from customer_core.kernel.config import Settings
    from customer_core.storage import migrate
    from customer_core.v1 import customer_service_pb2 as svc
    from customer_core.v1.admin_service_pb2 import RoleBinding
    from tests.support.postgres import PostgresServer

    if backend == "postgresql":
        url = stack.enter_context(PostgresServer()).create_database("footprint")
    else:
        url = f"sqlite:///{tmp}/footprint.db"
    migrate(url)
    settings = Settings(database_url=url, master_key_file=f"{tmp}/master.key", port=0)
    kernel = Kernel.open(settings)
    binding = RoleBinding(principal="bench-admin", role="admin", org_unit=WHOLE_BANK)
    token = kernel.bind_and_issue_token(binding, ttl_seconds=3600, issued_by="bench")
    made = requests(n)
    plaintext = sum(r.ByteSize() for r in made)
    running = create_server(kernel, settings)  # closes the kernel when it stops
    try:
        with Client(f"127.0.0.1:{running.port}", token=token, timeout=600) as client:
            for start in range(0, n, 1000):
                outcomes = client.batch_create_customers(made[start : start + 1000])
                assert all(o.state == svc.LoadOutcome.STATE_APPLIED for o in outcomes)
        kernel.ledger_sealer.seal_now(timeout=300)
    finally:
        running.stop(grace=1)
    return sizes(url), plaintext


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    n = args.customers
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="cc-footprint-") as tmp, ExitStack() as stack:
            by_table, plaintext = measure(backend, n, tmp, stack)
        total = sum(by_table.values())
        print(f"\n{backend}: {n:,} customers, 4 records and 1 cross-reference each")
        print(f"{'table':<28} {'bytes/customer':>15}")
        for name, size in sorted(by_table.items(), key=lambda kv: -kv[1]):
            if size / n >= 1:
                print(f"{name:<28} {size / n:>15,.0f}")
        per = total / n
        print(f"{'total':<28} {per:>15,.0f}   goal {GOAL:,}: {'met' if per <= GOAL else 'NOT met'}")
        print(f"{'x plaintext of the requests':<28} {per / (plaintext / n):>15.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
