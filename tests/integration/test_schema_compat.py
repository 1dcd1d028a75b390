"""The kernel refuses to start with a plugin whose schema change would break stored records.

Each test stands in for "the previous release of the plugin" by writing that release's schema
into the registry table, exactly as the previous kernel recorded it, then starts the current one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy

from customer_core.client import Client
from customer_core.errors import PluginRegistrationError
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.storage.tables import subject_model_schemas
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import profile

Edit = Callable[[dict[str, Any]], None]


def previous_release(url: str, edit: Edit, version: int | None = None) -> None:
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        row = connection.execute(
            sqlalchemy.select(subject_model_schemas).where(
                subject_model_schemas.c.name == "individual"
            )
        ).one()
        fields = json.loads(row.fields)
        edit(fields)
        connection.execute(
            sqlalchemy.update(subject_model_schemas)
            .where(subject_model_schemas.c.name == "individual")
            .values(
                fields=json.dumps(fields),
                schema_version=row.schema_version if version is None else version,
            )
        )
    engine.dispose()


@pytest.fixture
def url_with_records(new_database) -> str:  # type: ignore[no-untyped-def]
    url = str(new_database("compat"))
    running = start_server(url)
    with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
        customer = client.create_customer(
            type="individual", owning_org_unit="HO01", display_name="Kept"
        )
        client.create_record(customer.customer_number, profile())
    running.stop(grace=1)
    return url


def refusal(url: str) -> str:
    with pytest.raises(PluginRegistrationError) as exc:
        Kernel.open(Settings(database_url=url))
    return "\n".join(exc.value.problems)


def test_removed_field_is_refused(url_with_records: str) -> None:
    previous_release(
        url_with_records,
        lambda f: f.update(nickname={"number": 10, "type": "string", "repeated": False}),
    )
    problems = refusal(url_with_records)
    assert "plugin 'individual', subject model 'individual'" in problems
    assert "field 'nickname' (number 10) was removed" in problems


def test_renumbered_field_is_refused(url_with_records: str) -> None:
    previous_release(url_with_records, lambda f: f["occupation"].update(number=17))
    assert "field 'occupation' was renumbered from 17 to 7" in refusal(url_with_records)


def test_renamed_field_is_refused(url_with_records: str) -> None:
    def rename(fields: dict[str, Any]) -> None:
        fields["job"] = fields.pop("occupation")

    previous_release(url_with_records, rename)
    assert "field 'job' (number 7) was renamed to 'occupation'" in refusal(url_with_records)


def test_changed_type_is_refused(url_with_records: str) -> None:
    previous_release(url_with_records, lambda f: f["gender"].update(type="string"))
    assert (
        "field 'gender' changed type from string to enum customer_core_individual.v1.Gender"
        in refusal(url_with_records)
    )


def test_changed_cardinality_is_refused(url_with_records: str) -> None:
    previous_release(url_with_records, lambda f: f["former_names"].update(repeated=False))
    assert "field 'former_names' changed from singular to repeated" in refusal(url_with_records)


def test_added_field_needs_a_new_schema_version(url_with_records: str) -> None:
    previous_release(url_with_records, lambda f: f.pop("marital_status"))
    assert "fields changed but schema_version was not increased" in refusal(url_with_records)


def test_added_field_with_a_new_version_is_accepted_and_recorded(url_with_records: str) -> None:
    previous_release(url_with_records, lambda f: f.pop("marital_status"), version=0)
    Kernel.open(Settings(database_url=url_with_records)).close()
    engine = sqlalchemy.create_engine(url_with_records)
    with engine.connect() as connection:
        row = connection.execute(
            sqlalchemy.select(subject_model_schemas).where(
                subject_model_schemas.c.name == "individual"
            )
        ).one()
    engine.dispose()
    assert "marital_status" in json.loads(row.fields)
    assert row.schema_version == 1


def test_breaking_change_without_stored_records_is_accepted_with_a_new_version(
    new_database,
) -> None:  # type: ignore[no-untyped-def]
    url = str(new_database("empty"))
    Kernel.open(Settings(database_url=url)).close()
    previous_release(
        url,
        lambda f: f.update(nickname={"number": 10, "type": "string", "repeated": False}),
        version=0,
    )
    Kernel.open(Settings(database_url=url)).close()  # nothing stored can break


def test_lower_schema_version_is_refused(url_with_records: str) -> None:
    previous_release(url_with_records, lambda f: None, version=5)
    assert "schema_version went down from 5 to 1" in refusal(url_with_records)
