"""A tenth subject model from one .proto and one small module, packaged as an outside author
packages it, built against the installed kernel's contract, installed with pip and served
through its entry point: no kernel change, no DDL.

The sample (tests/plugins/loyalty) is installed into a directory of this test's own, put on the
import path while its server starts, so the shared environment (and every other test's server)
never sees it.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from sqlalchemy import select

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError, unpack
from customer_core.kernel.customer_number import new_customer_number
from customer_core.plugin import proto_include
from customer_core.storage.tables import data_quality_issues
from customer_core.v1 import admin_service_pb2, customer_pb2, options_pb2
from customer_core_contact.v1 import contact_pb2
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import BUILT_IN_MODELS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "plugins" / "loyalty"


def pip_install(source: Path, target: Path) -> None:
    """`pip install` of a plugin's source directory, built against the installed kernel."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
         "--no-index", "--target", str(target), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample plugin, pip-installed from a copy of its sources into a directory of its own."""
    source = tmp_path_factory.mktemp("source") / "loyalty"
    shutil.copytree(SAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    target = tmp_path_factory.mktemp("site-packages")
    pip_install(source, target)
    yield target


@pytest.fixture(scope="module")
def server_with_loyalty(new_database, site: Path) -> Iterator[RunningServer]:  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        running = start_server(str(new_database("loyalty")))  # every installed plugin
    finally:
        sys.path.remove(str(site))
    yield running
    running.stop(grace=1)


@pytest.fixture(scope="module")
def client(server_with_loyalty: RunningServer) -> Iterator[Client]:
    with Client(
        f"127.0.0.1:{server_with_loyalty.port}", token=admin_token(server_with_loyalty)
    ) as c:
        yield c


def member(client: Client, *, email: bool = True) -> customer_pb2.Customer:
    """A new individual customer, with an e-mail contact point unless told otherwise."""
    records = (
        [contact_pb2.ContactPoint(
            email=contact_pb2.Email(address="member@example.com"),
            purpose=contact_pb2.CONTACT_PURPOSE_HOME,
        )]
        if email
        else []
    )  # fmt: skip
    return client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Member", records=records
    )


def membership(**fields: object):  # type: ignore[no-untyped-def]
    from customer_core_loyalty.v1 import loyalty_pb2

    values: dict[str, object] = {"card_number": "LC0000000042", "tier": loyalty_pb2.TIER_GOLD}
    return loyalty_pb2.LoyaltyMembership(**{**values, **fields})


def test_the_wheel_ships_the_contract_plugins_compile_against(
    tmp_path: Path,
) -> None:
    tree = tmp_path / "customer-core"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    shutil.copy(ROOT / "README.md", tree)
    for folder in ("src", "plugins", "protos"):
        shutil.copytree(
            ROOT / folder, tree / folder, symlinks=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
        )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "--no-deps",
         "--wheel-dir", str(tmp_path / "dist"), str(tree)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("customer_core-*.whl")
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".proto")}
    contract = {p.name for p in (ROOT / "protos" / "customer_core" / "v1").glob("*.proto")}
    assert shipped == {f"customer_core/plugin/protos/customer_core/v1/{n}" for n in contract}
    assert (Path(proto_include()) / "customer_core" / "v1" / "options.proto").is_file()


def test_the_installed_plugin_is_found_through_its_entry_point(site: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-c", "from customer_core.cli import main; main()", "plugins"],
        check=True, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])},
    ).stdout  # fmt: skip
    assert "loyalty: hooks normalize_record, permissions, quality_rules, subject_models" in listed
    assert "model loyalty v1 (customer_core_loyalty.v1.LoyaltyMembership)" in listed


def test_new_model_is_listed_with_its_declarations(client: Client) -> None:
    models = {m.name: m for m in client.subject_models()}
    assert set(models) == BUILT_IN_MODELS | {"loyalty"}
    loyalty = models["loyalty"]
    assert loyalty.plugin == "loyalty" and loyalty.singleton and loyalty.schema_version == 1
    fields = {f.path: f for f in loyalty.fields}
    card = fields["card_number"]
    assert card.sensitive and card.match_key and card.required
    assert list(card.match_tiers) == [options_pb2.MATCH_TIER_HIGH]
    assert list(card.blocking) == [options_pb2.BLOCKING_SORTED_DIGITS]
    assert card.survivorship == options_pb2.SURVIVORSHIP_SOURCE_PRIORITY
    assert list(card.source_priority) == ["CARDS", "CORE"]
    assert fields["points"].survivorship == options_pb2.SURVIVORSHIP_MOST_RECENT
    assert fields["referred_by"].customer_ref and fields["signed_form"].document_ref
    rules = {r.id: r.severity for r in loyalty.quality_rules}
    assert rules == {
        "LOYALTY_POINTS_NOT_NEGATIVE": customer_pb2.QUALITY_SEVERITY_ERROR,
        "LOYALTY_STATEMENT_EMAIL": customer_pb2.QUALITY_SEVERITY_WARNING,
    }


def test_plugin_permissions_are_in_the_role_table(client: Client) -> None:
    roles = client._call(client._admin.ListRoles, admin_service_pb2.ListRolesRequest()).roles
    holders = {r.name for r in roles if "loyalty.points.adjust" in r.permissions}
    assert holders == {"relationship_manager", "data_steward", "admin"}


def test_records_are_normalized_validated_stored_and_served(client: Client) -> None:
    customer = member(client)
    created = client.create_record(
        customer.customer_number, membership(card_number="lc 0000000042")
    )
    assert list(created.quality_issues) == []
    view = client.get_360(customer.customer_number, unmask_reason="loyalty dispute 17")
    (group,) = [g for g in view.subjects if g.subject == "loyalty"]
    assert unpack(group.records[0].data) == membership(card_number="LC0000000042")


def test_hooks_are_called_for_the_owning_plugins_records_only(client: Client) -> None:
    # The loyalty hooks read loyalty fields without looking at the subject: called for a
    # contact or an individual record, they would fail the write.
    customer = member(client)
    from customer_core_individual.v1 import individual_pb2

    client.create_record(customer.customer_number, individual_pb2.IndividualProfile(name="Li Si"))
    assert len(list(client.list_records(customer.customer_number))) == 2


def test_an_error_rule_refuses_with_its_rule_id(client: Client) -> None:
    customer = member(client)
    with pytest.raises(RPCError) as exc:
        client.create_record(customer.customer_number, membership(points=-5))
    assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert exc.value.field_violations == {"record.data.points": "must not be negative"}
    bad = exc.value.detail(error_details_pb2.BadRequest)
    assert bad is not None
    assert [v.reason for v in bad.field_violations] == ["LOYALTY_POINTS_NOT_NEGATIVE"]
    assert list(client.list_records(customer.customer_number, subject="loyalty")) == []


def test_a_warning_rule_stores_the_record_and_the_issue_seeing_the_customers_other_records(
    client: Client, server_with_loyalty: RunningServer
) -> None:
    with_email, without = member(client), member(client, email=False)
    assert list(client.create_record(with_email.customer_number, membership()).quality_issues) == []
    created = client.create_record(without.customer_number, membership(card_number="LC0000000043"))
    assert [(i.rule_id, i.severity, i.field, i.message) for i in created.quality_issues] == [
        ("LOYALTY_STATEMENT_EMAIL", customer_pb2.QUALITY_SEVERITY_WARNING, "data",
         "the customer has no e-mail for statements"),
    ]  # fmt: skip
    assert client.get_record(created.name).name == created.name  # stored

    def issues() -> list[tuple[str, int, bool]]:
        rows = server_with_loyalty.kernel.read(
            lambda c: c.execute(
                select(data_quality_issues)
                .where(
                    data_quality_issues.c.record_id == uuid.UUID(created.name.rpartition("/")[2])
                )
                .order_by(data_quality_issues.c.create_time)
            ).all()
        )
        return [(r.rule_id, r.record_version, r.resolve_time is None) for r in rows]

    assert issues() == [("LOYALTY_STATEMENT_EMAIL", 1, True)]
    # An e-mail arrives; the next write of the membership sees it and resolves the issue.
    client.create_record(
        without.customer_number,
        contact_pb2.ContactPoint(
            email=contact_pb2.Email(address="late@example.com"),
            purpose=contact_pb2.CONTACT_PURPOSE_HOME,
        ),
    )
    updated = client.update_record(created.name, membership(card_number="LC0000000043", points=5))
    assert list(updated.quality_issues) == []
    assert issues() == [("LOYALTY_STATEMENT_EMAIL", 1, False)]


def test_customer_and_document_references_are_checked(client: Client) -> None:
    customer, other = member(client), member(client)
    number = customer.customer_number
    mistyped = other.customer_number[:-1] + ("0" if other.customer_number[-1] != "0" else "1")
    cases = {
        "referred_by": [
            (other.customer_number, "must have the form customers/{customer_number}"),
            (f"customers/{mistyped}", "check character does not match"),
            (customer.name, "must name another customer"),
        ],
        "signed_form": [
            (f"{customer.name}/records/1", "must have the form"),
            (f"{customer.name}/documents/SCAN 1", "lower-case letters"),
            (f"{other.name}/documents/scan-1", "a document of the record's own customer"),
        ],
    }
    for field, values in cases.items():
        for value, problem in values:
            with pytest.raises(RPCError) as exc:
                client.create_record(number, membership(**{field: value}))
            assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT, value
            assert problem in exc.value.field_violations[f"record.data.{field}"], value
    created = client.create_record(
        number,
        membership(referred_by=other.name, signed_form=f"{customer.name}/documents/scan-1"),
    )
    assert unpack(created.data).referred_by == other.name
    with pytest.raises(RPCError) as exc:
        client.create_customer(
            type="individual", owning_org_unit="HO01", display_name="New",
            records=[membership(signed_form=f"customers/{new_customer_number()}/documents/a")],
        )  # fmt: skip
    assert (
        "while the customer is being created"
        in exc.value.field_violations["records[0].data.signed_form"]
    )
