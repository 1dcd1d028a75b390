"""Data-quality monitoring: per rule and source system, how the current records fared.

Counted over the current version of every record of a customer in the caller's scope, from the
corrections trail (`data_quality_changes`) and the issues (`data_quality_issues`) of that version:
how many records a rule corrected, completed, or raised an issue on, how many of its issues are
still open, and how many records it passed (neither changed nor raised anything on). Every
declared rule has a row for every source system holding records of its model, so a rule that
never fires shows as all passed; the kernel's own rules (FIELD_REQUIRED, FIELD_PATTERN,
RECORD_NORMALIZED, RECORD_COMPLETED) show where they fired. Each count is one grouped query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, select, union
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.kernel import access, quality, quality_trace
from customer_core.kernel.convert import timestamp
from customer_core.kernel.registry import Registry
from customer_core.plugin import Kind, QualityRule
from customer_core.storage.tables import (
    customers,
    data_quality_changes,
    data_quality_issues,
    subject_records,
)
from customer_core.v1 import quality_service_pb2 as q

_R, _C, _X, _I = subject_records.c, customers.c, data_quality_changes.c, data_quality_issues.c
_KERNEL_RULES = {
    rule.id: rule
    for rule in (
        *quality.FIELD_RULES.values(),
        quality_trace.RECORD_NORMALIZED,
        quality_trace.RECORD_COMPLETED,
    )
}
_Key = tuple[str, str, str]  # (rule id, subject, source system)


def _where(request: q.GetQualityReportRequest) -> list[ColumnElement[bool]]:
    """The current records of the customers in scope, of the requested subject and source."""
    found = [access.scope_clause(_C.owning_org_unit, roles.QUALITY_READ)]
    if request.subject:
        found.append(_R.subject == request.subject)
    if request.source_system:
        found.append(func.coalesce(_R.source_system, "") == request.source_system)
    return found


def _of_current(table: Any) -> Any:
    """`table` (changes or issues) joined to the current version of its record and customer."""
    return table.join(
        subject_records,
        and_(_R.id == table.c.record_id, _R.version == table.c.record_version),
    ).join(customers, _C.id == _R.customer_id)


def report(
    connection: Connection, registry: Registry, request: q.GetQualityReportRequest
) -> q.QualityReport:
    """GetQualityReport."""
    where = _where(request)
    source = func.coalesce(_R.source_system, "")
    records = {
        (subject, src): count
        for subject, src, count in connection.execute(
            select(_R.subject, source, func.count())
            .select_from(subject_records.join(customers, _C.id == _R.customer_id))
            .where(*where)
            .group_by(_R.subject, source)
        )
    }
    changed: dict[_Key, dict[str, int]] = defaultdict(dict)
    for rule_id, subject, src, kind, count in connection.execute(
        select(_X.rule_id, _X.subject, source, _X.kind, func.count(distinct(_X.record_id)))
        .select_from(_of_current(data_quality_changes))
        .where(*where)
        .group_by(_X.rule_id, _X.subject, source, _X.kind)
    ):
        changed[rule_id, subject, src][kind] = count
    raised: dict[_Key, tuple[int, int]] = {}
    for rule_id, subject, src, count, still_open in connection.execute(
        select(
            _I.rule_id, _I.subject, source, func.count(distinct(_I.record_id)),
            func.sum(case((_I.status == quality.OPEN, 1), else_=0)),
        )
        .select_from(_of_current(data_quality_issues))
        .where(*where)
        .group_by(_I.rule_id, _I.subject, source)
    ):  # fmt: skip
        raised[rule_id, subject, src] = (count, int(still_open or 0))
    hit = union(
        *(
            select(table.c.rule_id, table.c.subject, source.label("src"), table.c.record_id)
            .select_from(_of_current(table))
            .where(*where)
            for table in (data_quality_changes, data_quality_issues)
        )
    ).subquery()
    touched = {
        (rule_id, subject, src): count
        for rule_id, subject, src, count in connection.execute(
            select(hit.c.rule_id, hit.c.subject, hit.c.src, func.count(literal(1))).group_by(
                hit.c.rule_id, hit.c.subject, hit.c.src
            )
        )
    }
    keys = set(changed) | set(raised) | set(_declared(registry, records))
    rows = []
    for key in sorted(keys):
        rule_id, subject, src = key
        rule = registry.rule(rule_id) or _KERNEL_RULES.get(rule_id)
        total = records.get((subject, src), 0)
        kinds = changed.get(key, {})
        count, still_open = raised.get(key, (0, 0))
        counts = q.QualityRuleCounts(
            rule_id=rule_id, subject=subject, source_system=src,
            kind=quality.KINDS[rule.kind] if rule else None,
            severity=quality.SEVERITIES[rule.severity] if rule else None,
            records=total, passed=max(total - touched.get(key, 0), 0),
            corrected=kinds.get(Kind.CORRECT.value, 0),
            completed=kinds.get(Kind.COMPLETE.value, 0),
            raised=count, open=still_open,
        )  # fmt: skip
        rows.append(counts)
    return q.QualityReport(rows=rows, compute_time=timestamp(datetime.now(UTC)))


def _declared(registry: Registry, records: dict[tuple[str, str], int]) -> Iterable[_Key]:
    """(rule, subject, source) for every declared rule of a model with records from a source."""
    for subject, src in records:
        rules: list[QualityRule] = registry.rules(subject)
        for rule in rules:
            yield rule.id, subject, src
