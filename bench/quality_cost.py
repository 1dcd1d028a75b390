"""What the data-quality engine costs: CreateCustomer with a record of every subject model, with
the plugins' data-quality rules on and off, in one run.

Each customer comes as source systems send them, so the rules have work to do: an individual
(profile without pinyin, birth date or gender, to be completed from its 15-digit resident ID card,
to be upgraded; a phone typed `138-0013-8000`; an address as one line; an account; an AML
assessment; a CRS self-certification; a marketing consent; a spouse outside the bank) or, every
other call, an organization (profile with a USCC and its organization code, the USCC as its
document, a phone, an address line, an account, a credit rating, a CRS self-certification, a
guarantor outside the bank): the nine models. Values are fresh each call.

Two kernel servers run as `customer-core serve` runs them, each on a fresh migrated database:
`CUSTOMER_CORE_QUALITY_RULES` true (the default) and false (no plugin normalize, complete or
validate hook runs; the contract's field rules still hold, so that server is sent the records
as the corrections and completions would leave them, prepared in this process before the clock
starts: both store the same records). `--callers` threads call each in the
order on, off, off, on, `--customers` calls per half after a warm-up, and each server's halves
are added up, so a drift of the machine weighs on both alike; `--rounds` such rounds, and the
median of their on/off ratios is the figure (these machines are noisy). Printed: customers/s and p50/p99
latency of each, and on/off (the goal: the engine costs at most 10%, on/off >= 0.90).

    .venv/bin/python bench/quality_cost.py [--backend sqlite|postgresql] [--customers 1500]
        [--callers 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

GOAL = 0.90


def _individual(i: int) -> list[Any]:
    from customer_core_agreement.v1 import agreement_pb2 as ag
    from customer_core_interaction.v1 import interaction_pb2 as ix
    from customer_core_relationship.v1 import relationship_pb2 as rp
    from customer_core_risk.v1 import risk_pb2 as rk
    from customer_core_special.v1 import special_pb2 as sp

    from customer_core_contact.v1 import contact_pb2 as ct
    from customer_core_identification.v1 import identification_pb2 as idn
    from customer_core_individual.v1 import individual_pb2 as ind

    legacy_id = f"110105{50 + i % 40:02d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return [
        ind.IndividualProfile(name="张三丰", nationality="CHN", occupation="teacher"),
        idn.IdentificationDocument(
            id_type=idn.ID_TYPE_RESIDENT_ID_CARD, id_number=legacy_id, status=idn.ID_STATUS_VALID
        ),
        ct.ContactPoint(
            phone=ct.Phone(number=f"139-{i % 10**4:04d}-{i // 10**4 % 10**4:04d}"),
            purpose=ct.CONTACT_PURPOSE_HOME,
        ),
        ct.ContactPoint(
            address=ct.PostalAddress(street=f"北京市朝阳区建国路{i % 999 + 1}号"),
            purpose=ct.CONTACT_PURPOSE_HOME,
        ),
        ag.Agreement(account=ag.Account(
            account_number=f"6222{i:015d}", product_code="dep-current", currency="cny",
            branch="br01", opened_on="2020-05-06", status=ag.ACCOUNT_STATUS_ACTIVE,
        )),
        rk.RiskRecord(aml_assessment=rk.AmlAssessment(
            level=rk.AML_LEVEL_LOW, assessed_on="2026-11-03", next_review="2027-11-03",
        )),
        sp.SpecialInformation(tax_residency=sp.TaxResidency(
            regime=sp.TAX_REGIME_CRS, china_only=True, certified_on="2026-03-01",
        )),
        ix.Interaction(consent=ix.MarketingConsent(
            channel=ix.MARKETING_CHANNEL_SMS, opted_in=True, captured_on="2026-10-01",
            capture_method=ix.CAPTURE_METHOD_SMS_REPLY,
        )),
        rp.Relationship(
            kind=rp.RELATIONSHIP_KIND_SPOUSE,
            outside_party=rp.OutsideParty(
                name=" 李四 ", id_type="ID_TYPE_RESIDENT_ID_CARD", id_number="11010519491231002x"
            ),
        ),
    ]  # fmt: skip


def _organization(i: int) -> list[Any]:
    from customer_core_agreement.v1 import agreement_pb2 as ag
    from customer_core_organization.v1 import organization_pb2 as org
    from customer_core_relationship.v1 import relationship_pb2 as rp
    from customer_core_risk.v1 import risk_pb2 as rk
    from customer_core_special.v1 import special_pb2 as sp

    from customer_core.v1.types_pb2 import Money
    from customer_core_contact.v1 import contact_pb2 as ct
    from customer_core_identification.v1 import identification_pb2 as idn

    uscc = "91350100M000100Y43"  # GB 32100's example; its organization code is M000100Y4
    return [
        org.OrganizationProfile(
            legal_name=f"福建示例科技有限公司{i}", english_name="Fujian  Example Technology",
            unified_social_credit_code=uscc, organization_code="M000100Y4",
            legal_form=org.LEGAL_FORM_LIMITED_LIABILITY_COMPANY, industry_code="I6513",
            registered_capital=Money(amount="50000000.00", currency="CNY"),
            establishment_date="2015-10-08",
        ),
        idn.IdentificationDocument(
            id_type=idn.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, id_number=uscc.lower(),
            status=idn.ID_STATUS_VALID,
        ),
        ct.ContactPoint(
            phone=ct.Phone(number=f"+86 591 {8000_0000 + i % 10**7}"),
            purpose=ct.CONTACT_PURPOSE_WORK,
        ),
        ct.ContactPoint(
            address=ct.PostalAddress(street=f"福建省福州市鼓楼区五四路{i % 999 + 1}号"),
            purpose=ct.CONTACT_PURPOSE_REGISTERED,
        ),
        ag.Agreement(account=ag.Account(
            account_number=f"3501{i:015d}", product_code="dep-basic", currency="CNY",
            branch="BR02", opened_on="2016-01-04", status=ag.ACCOUNT_STATUS_ACTIVE,
        )),
        rk.RiskRecord(credit_rating=rk.CreditRating(
            rater="internal", grade="AA", rating_date="2026-06-30",
        )),
        sp.SpecialInformation(tax_residency=sp.TaxResidency(
            regime=sp.TAX_REGIME_CRS, china_only=True, certified_on="2026-03-01",
        )),
        rp.Relationship(
            kind=rp.RELATIONSHIP_KIND_GUARANTOR,
            outside_party=rp.OutsideParty(
                name="王五", id_type="ID_TYPE_RESIDENT_ID_CARD", id_number="11010519491231002X"
            ),
        ),
    ]  # fmt: skip


def _as_the_rules_leave_them(registry: Any, customer_type: str, records: list[Any]) -> None:
    """Corrects and completes `records` in place as the server's rules would."""
    from customer_core.plugin import CustomerView

    for record in records:
        registry.normalize(registry.model_of(record), record)
    for i, record in enumerate(records):
        others = [r for j, r in enumerate(records) if j != i]

        def load(subject: str, in_clear: bool, others: list[Any] = others) -> list[Any]:
            return [r for r in others if registry.model_of(r).name == subject]

        registry.complete(registry.model_of(record), record, CustomerView("", customer_type, load))


def new_request(i: int, run: str, registry: Any = None) -> Any:
    """Customer `i` of a run: an individual for even `i`, an organization for odd; with a
    `registry`, its records as the plugins' corrections and completions leave them, for the
    server without rules: both then store the same records, and what differs is the engine's
    work (its hooks, the trail of changes, the issues)."""
    from customer_core.client import pack, subject_of
    from customer_core.v1 import customer_pb2
    from customer_core.v1 import customer_service_pb2 as svc

    person = i % 2 == 0
    records = _individual(i) if person else _organization(i)
    if registry is not None:
        _as_the_rules_leave_them(registry, "INDIVIDUAL" if person else "ORGANIZATION", records)
    kind = (
        customer_pb2.CUSTOMER_TYPE_INDIVIDUAL if person else customer_pb2.CUSTOMER_TYPE_ORGANIZATION
    )
    return svc.CreateCustomerRequest(
        customer=customer_pb2.Customer(type=kind, owning_org_unit="HO01", display_name=f"Q{i}"),
        cross_references=[customer_pb2.CrossReference(source_system="CRM", local_id=f"{run}{i}")],
        records=[customer_pb2.SubjectRecord(subject=subject_of(r), data=pack(r)) for r in records],
        request_id=str(uuid.uuid4()),
    )  # fmt: skip


def run_half(
    target: str, token: str, requests: list[Any], callers: int
) -> tuple[float, list[float]]:
    """Sends `requests` from `callers` threads: (seconds, each call's latency)."""
    from customer_core.client import Client

    latencies: list[float] = []
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            with Client(target, token=token, timeout=60) as client:
                for request in requests[k::callers]:
                    start = time.perf_counter()
                    client._call(client._customers.CreateCustomer, request)
                    latencies.append(time.perf_counter() - start)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(callers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start, latencies


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from kernel_throughput import kernel_server, tree_cpu_seconds  # as `customer-core serve`

    from customer_core.kernel.config import Settings
    from customer_core.kernel.registry import load_registry
    from customer_core.storage import migrate
    from tests.support.postgres import PostgresServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=("postgresql", "sqlite"))
    parser.add_argument("--customers", type=int, default=1500, help="calls per half")
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="on, off, off, on each")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cc-qbench-") as tmp, ExitStack() as stack:
        postgres = stack.enter_context(PostgresServer()) if args.backend == "postgresql" else None
        servers = {}
        for mode in ("on", "off"):
            url = (
                postgres.create_database(f"q_{mode}") if postgres else f"sqlite:///{tmp}/{mode}.db"
            )
            migrate(url)
            settings = Settings(
                database_url=url, host="127.0.0.1", port=0, processes=1,
                master_key_file=f"{tmp}/master.key", quality_rules=mode == "on",
            )  # fmt: skip
            servers[mode] = stack.enter_context(kernel_server(settings))
        seconds = {"on": 0.0, "off": 0.0}
        cpu = {"on": 0.0, "off": 0.0}
        latencies: dict[str, list[float]] = {"on": [], "off": []}
        registry = load_registry()
        rounds: list[float] = []  # each round's on/off throughput
        order = ("on", "off", "off", "on") * args.rounds
        for n, mode in enumerate(order):
            if n % 4 == 0:
                at_start = dict(seconds)
            server = servers[mode]
            clean = registry if mode == "off" else None
            warm = [new_request(i, f"W{n}", clean) for i in range(args.callers * 4)]
            run_half(server.target, server.token, warm, args.callers)
            requests = [new_request(i, f"M{n}", clean) for i in range(args.customers)]
            print(f"quality {mode}: {args.customers:,} CreateCustomer calls ...", flush=True)
            before = tree_cpu_seconds(server.pids)
            took, lat = run_half(server.target, server.token, requests, args.callers)
            cpu[mode] += tree_cpu_seconds(server.pids) - before
            seconds[mode] += took
            latencies[mode] += lat
            if n % 4 == 3:
                spent = {m: seconds[m] - at_start[m] for m in seconds}
                rounds.append(spent["off"] / spent["on"])
    calls = 2 * args.customers * args.rounds
    rates = {mode: calls / seconds[mode] for mode in seconds}
    print()
    print(f"backend {args.backend}: CreateCustomer with 8 or 9 records (all nine models), "
          f"{args.callers} callers")  # fmt: skip
    print(
        f"{'quality rules':<14} {'customers/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'server CPU ms/customer':>23}"
    )
    for mode in ("on", "off"):
        lat = sorted(latencies[mode])
        p50 = statistics.median(lat) * 1000
        p99 = lat[int(len(lat) * 0.99) - 1] * 1000
        per = cpu[mode] / calls * 1000
        print(f"{mode:<14} {rates[mode]:>12.1f} {p50:>8.1f} {p99:>8.1f} {per:>23.2f}")
    ratio = statistics.median(rounds)
    verdict = "meets" if ratio >= GOAL else "misses"
    each = ", ".join(f"{r:.3f}" for r in rounds)
    print(f"on/off throughput per round: {each}")
    print(f"on/off throughput, median of {args.rounds} rounds: {ratio:.3f} "
          f"({verdict} the goal of >= {GOAL:.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
