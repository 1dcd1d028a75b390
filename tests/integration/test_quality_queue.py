"""The data stewards' exception queue and the data-quality report, over gRPC as a steward uses them.

A record stored with a warning (or kept by a legacy load with an error) waits in the queue until a
steward resolves or waives it with a comment, or a later version of the record supersedes it;
each steward's action is ledgered on the customer's chain; the queue and the report cover only the
caller's scope. The report counts, per rule and source system, the current records passed,
corrected, completed or raised on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError
from customer_core.v1 import customer_pb2, ledger_pb2
from customer_core.v1 import quality_service_pb2 as q
from tests.integration.conftest import grant
from tests.integration.helpers import RESIDENT_ID, id_card, profile

BIRTH_DATE_RULE = "INDIVIDUAL_BIRTH_DATE_MATCHES_RESIDENT_ID"
OPEN, RESOLVED, WAIVED, SUPERSEDED = (
    q.QUALITY_ISSUE_STATUS_OPEN,
    q.QUALITY_ISSUE_STATUS_RESOLVED,
    q.QUALITY_ISSUE_STATUS_WAIVED,
    q.QUALITY_ISSUE_STATUS_SUPERSEDED,
)


def _as(server: RunningServer, target: str, role: str, org_unit: str) -> Client:
    """A client of a fresh principal holding `role` over `org_unit`."""
    token = grant(server.kernel, f"{role}-{uuid.uuid4().hex[:8]}", role, org_unit)
    return Client(target, token=token)


@pytest.fixture
def branch() -> str:
    return f"H{uuid.uuid4().hex[:8].upper()}-BJ"


@pytest.fixture
def source() -> str:
    return f"S{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
def steward(server: RunningServer, target: str, branch: str) -> Iterator[Client]:
    with _as(server, target, "data_steward", branch) as client:
        yield client


def _warned(client: Client, branch: str, source: str) -> tuple[str, list[str]]:
    """A customer with a resident ID card and a profile from `source` whose birth date is not
    the card's (a warning): the customer's name and the profile's."""
    customer = client.create_customer(
        type="individual", owning_org_unit=branch, display_name="Zhang San", records=[id_card()]
    )
    records = [
        client.create_record(
            customer.customer_number, profile(birth_date="1950-01-01"), source_system=source
        ).name
    ]
    return customer.name, records


def _code(call: pytest.ExceptionInfo[RPCError]) -> grpc.StatusCode:
    return call.value.code


def test_a_warning_waits_in_the_queue_until_a_steward_resolves_it(
    client: Client, steward: Client, branch: str, source: str
) -> None:
    customer, (record,) = _warned(client, branch, source)
    (issue,) = steward.quality_issues(customer=customer)
    assert (issue.rule_id, issue.severity, issue.field, issue.status) == (
        BIRTH_DATE_RULE, customer_pb2.QUALITY_SEVERITY_WARNING, "data.birth_date", OPEN,
    )  # fmt: skip
    assert (issue.customer, issue.record, issue.subject, issue.source_system) == (
        customer, record, "individual", source,
    )  # fmt: skip
    assert issue.owning_org_unit == branch and issue.name.startswith("qualityIssues/")
    assert RESIDENT_ID not in issue.message  # masked
    # Every filter narrows to it; a filter it does not match leaves it out.
    assert [i.name for i in steward.quality_issues(source_system=source)] == [issue.name]
    assert [i.name for i in steward.quality_issues(org_unit=branch, rule_id=BIRTH_DATE_RULE)] == [
        issue.name
    ]
    assert list(steward.quality_issues(customer=customer, severity="error")) == []
    assert list(steward.quality_issues(customer=customer, subject="contact")) == []

    with pytest.raises(RPCError) as refused:
        steward.resolve_issue(issue.name, "   ")
    assert _code(refused) == grpc.StatusCode.INVALID_ARGUMENT
    assert "comment" in refused.value.field_violations

    closed = steward.resolve_issue(issue.name, "the branch corrected the birth date at source")
    assert (closed.status, closed.comment) == (
        RESOLVED, "the branch corrected the birth date at source",
    )  # fmt: skip
    assert closed.closed_by.startswith("data_steward-") and closed.HasField("close_time")
    assert list(steward.quality_issues(customer=customer)) == []
    assert [i.name for i in steward.quality_issues(customer=customer, status="resolved")] == [
        issue.name
    ]
    with pytest.raises(RPCError) as again:
        steward.waive_issue(issue.name, "changed my mind")
    assert _code(again) == grpc.StatusCode.FAILED_PRECONDITION
    assert again.value.reason == "QUALITY_ISSUE_CLOSED"

    # Ledgered on the customer's chain, before and after.
    (entry,) = client.history(customer, "data_quality_issue")
    assert entry.resource == issue.name and entry.action == ledger_pb2.CHANGE_ACTION_UPDATE
    before, after = q.DataQualityIssue(), q.DataQualityIssue()
    before.ParseFromString(entry.before)
    after.ParseFromString(entry.after)
    assert (before.status, after.status, after.comment) == (OPEN, RESOLVED, closed.comment)


def test_a_waived_issue_and_a_superseded_one(
    client: Client, steward: Client, branch: str, source: str
) -> None:
    customer, (record,) = _warned(client, branch, source)
    (issue,) = steward.quality_issues(customer=customer)
    waived = steward.waive_issue(issue.name, "the customer's card is known to be misprinted")
    assert waived.status == WAIVED

    fresh = client.get_record(record)
    client.update_record(record, profile(birth_date="1951-01-01"), etag=fresh.etag)
    (second,) = steward.quality_issues(customer=customer)
    assert second.record_version == 2 and second.name != issue.name
    client.update_record(record, profile(birth_date="1949-12-31"))  # right now: no issue
    assert list(steward.quality_issues(customer=customer)) == []
    (old,) = steward.quality_issues(customer=customer, status="superseded")
    assert old.name == second.name and old.closed_by == ""
    # A waived issue stays waived; deleting the record supersedes what is open.
    assert [i.name for i in steward.quality_issues(customer=customer, status="waived")] == [
        issue.name
    ]
    other, (gone,) = _warned(client, branch, source)
    client.delete_record(gone)
    assert list(steward.quality_issues(customer=other)) == []


def test_the_queue_pages_oldest_first(
    client: Client, steward: Client, branch: str, source: str
) -> None:
    names = [_warned(client, branch, source)[0] for _ in range(3)]
    pages = list(steward.quality_issues(source_system=source, page_size=1))
    assert [i.customer for i in pages] == names
    with pytest.raises(RPCError) as forged:
        steward._call(  # a token of another filter
            steward._quality.ListQualityIssues,
            q.ListQualityIssuesRequest(page_token="bm90LWEtdG9rZW4", rule_id="X"),
        )
    assert _code(forged) == grpc.StatusCode.INVALID_ARGUMENT


def test_the_queue_is_scoped(
    server: RunningServer, target: str, client: Client, branch: str, source: str
) -> None:
    customer, _ = _warned(client, branch, source)
    other = _as(server, target, "data_steward", f"{branch}X")
    assert list(other.quality_issues(customer=customer)) == []
    (issue,) = client.quality_issues(customer=customer)  # the admin sees it
    with pytest.raises(RPCError) as hidden:
        other.resolve_issue(issue.name, "not mine")
    assert _code(hidden) == grpc.StatusCode.NOT_FOUND
    auditor = _as(server, target, "auditor", branch)
    assert [i.name for i in auditor.quality_issues(customer=customer)] == [issue.name]
    with pytest.raises(RPCError) as denied:
        auditor.resolve_issue(issue.name, "auditors change nothing")
    assert _code(denied) == grpc.StatusCode.PERMISSION_DENIED
    teller = _as(server, target, "teller", branch)
    with pytest.raises(RPCError) as denied:
        list(teller.quality_issues(customer=customer))
    assert _code(denied) == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(RPCError) as malformed:
        client.resolve_issue("qualityIssues/not-a-uuid", "x")
    bad = malformed.value.detail(error_details_pb2.BadRequest)
    assert [v.field for v in bad.field_violations] == ["name"]


def test_a_legacy_error_waits_in_the_queue(
    server: RunningServer, target: str, steward: Client, branch: str
) -> None:
    loader = _as(server, target, "batch_system", branch)
    customer = loader.create_customer(
        type="individual", owning_org_unit=branch, display_name="Zhang San",
        records=[id_card(RESIDENT_ID[:17] + "1")], legacy=True,
    )  # fmt: skip
    errors = list(steward.quality_issues(customer=customer.name, severity="error"))
    assert [(i.rule_id, i.field) for i in errors] == [
        ("IDENTIFICATION_NUMBER_CHECK", "data.id_number")
    ]


def test_the_report_counts_per_rule_and_source(
    client: Client, steward: Client, branch: str, source: str
) -> None:
    customer = client.create_customer(
        type="individual", owning_org_unit=branch, display_name="Li Si", records=[id_card()]
    )
    for _ in range(2):
        _warned(client, branch, source)
    fine = client.create_customer(
        type="individual", owning_org_unit=branch, display_name="Wang Wu", records=[id_card()]
    )
    client.create_record(fine.customer_number, profile(), source_system=source)
    spaced = " " + RESIDENT_ID[:-1] + "x"
    client.create_record(customer.customer_number, profile(), source_system=source)
    client.create_record(
        client.create_customer(
            type="individual", owning_org_unit=branch, display_name="Zhao Liu"
        ).customer_number,
        id_card(spaced),
        source_system=source,
    )

    rows = {(r.rule_id, r.subject): r for r in steward.quality_report(source_system=source).rows}
    birth = rows[BIRTH_DATE_RULE, "individual"]
    assert (birth.records, birth.raised, birth.open, birth.passed) == (4, 2, 2, 2)
    assert birth.source_system == source and birth.kind == customer_pb2.QUALITY_RULE_KIND_VALIDATE
    corrected = [r for r in rows.values() if r.subject == "identification" and r.corrected]
    assert [(r.records, r.corrected, r.passed) for r in corrected] == [(1, 1, 0)]
    # Every declared rule of a model with records from the source has a row, fired or not.
    assert ("IDENTIFICATION_VALIDITY_DATES", "identification") in rows
    assert rows["IDENTIFICATION_VALIDITY_DATES", "identification"].passed == 1

    (issue, _) = steward.quality_issues(source_system=source)
    steward.resolve_issue(issue.name, "fixed at source")
    after = {(r.rule_id, r.subject): r for r in steward.quality_report(source_system=source).rows}
    assert (
        after[BIRTH_DATE_RULE, "individual"].raised,
        after[BIRTH_DATE_RULE, "individual"].open,
    ) == (2, 1)
    # Another branch's steward counts none of these records.
    assert steward.quality_report(source_system=source, subject="contact").rows == []
