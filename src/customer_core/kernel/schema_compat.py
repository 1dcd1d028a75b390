"""Refuses a plugin whose new schema would break the records already stored under the old one.

Each subject model's field fingerprint (path -> number, type, cardinality) is kept in
`subject_model_schemas`. At start-up the registered models are compared with it: a removed,
renamed or renumbered field, or a changed type or cardinality, is refused while records of that
model exist; an added field needs a higher schema_version; a lower schema_version is refused.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, insert, select, update
from sqlalchemy.engine import Connection

from customer_core.errors import PluginRegistrationError
from customer_core.kernel.registry import Registry
from customer_core.kernel.subject_model import SubjectModel
from customer_core.storage.tables import subject_model_schemas, subject_records

Fingerprint = dict[str, dict[str, Any]]


def breaking_changes(old: Fingerprint, new: Fingerprint) -> list[str]:
    """Every change from `old` to `new` that makes records written under `old` unreadable or wrong."""
    changes = []
    for path, was in old.items():
        now = new.get(path)
        if now is None:
            parent = path.rpartition(".")[0]
            renamed = [
                p
                for p, f in new.items()
                if p.rpartition(".")[0] == parent and f["number"] == was["number"] and p not in old
            ]
            if renamed:
                changes.append(
                    f"field {path!r} (number {was['number']}) was renamed to {renamed[0]!r}"
                )
            else:
                changes.append(f"field {path!r} (number {was['number']}) was removed")
            continue
        if now["number"] != was["number"]:
            changes.append(f"field {path!r} was renumbered from {was['number']} to {now['number']}")
        if now["type"] != was["type"]:
            changes.append(f"field {path!r} changed type from {was['type']} to {now['type']}")
        if now["repeated"] != was["repeated"]:
            cardinality = {True: "repeated", False: "singular"}
            changes.append(
                f"field {path!r} changed from {cardinality[was['repeated']]} "
                f"to {cardinality[now['repeated']]}"
            )
    return changes


def reconcile_schemas(connection: Connection, registry: Registry) -> None:
    """Checks every registered model against its stored schema and records the accepted ones.

    Raises:
        PluginRegistrationError: naming each model and field whose change is refused.
    """
    stored = {row.name: row for row in connection.execute(select(subject_model_schemas))}
    problems: list[str] = []
    now = datetime.now(UTC)
    for model in registry.models():
        new = model.fingerprint()
        row = stored.get(model.name)
        values = {
            "message_type": model.message_type,
            "schema_version": model.schema_version,
            "fields": json.dumps(new, sort_keys=True),
            "update_time": now,
        }
        if row is None:
            connection.execute(insert(subject_model_schemas).values(name=model.name, **values))
            continue
        model_problems = _check(connection, model, row, json.loads(row.fields), new)
        if model_problems:
            problems += [
                f"plugin {model.plugin!r}, subject model {model.name!r} "
                f"(schema {row.schema_version} -> {model.schema_version}): {p}"
                for p in model_problems
            ]
        elif values["fields"] != row.fields or row.schema_version != model.schema_version:
            connection.execute(
                update(subject_model_schemas)
                .where(subject_model_schemas.c.name == model.name)
                .values(**values)
            )
    if problems:
        raise PluginRegistrationError(problems)


def _check(
    connection: Connection, model: SubjectModel, row: Any, old: Fingerprint, new: Fingerprint
) -> list[str]:
    if model.schema_version < row.schema_version:
        return [f"schema_version went down from {row.schema_version} to {model.schema_version}"]
    changed = old != new or row.message_type != model.message_type
    if not changed:
        return []
    has_records = connection.execute(
        select(exists().where(subject_records.c.subject == model.name))
    ).scalar()
    problems = []
    if has_records:
        if row.message_type != model.message_type:
            problems.append(f"message type changed from {row.message_type} to {model.message_type}")
        problems += breaking_changes(old, new)
        if problems:
            problems[-1] += " while records of this model are stored"
    if not problems and model.schema_version == row.schema_version:
        problems.append("fields changed but schema_version was not increased")
    return problems
