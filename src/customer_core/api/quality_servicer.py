"""DataQualityService: the data stewards' exception queue and the data-quality report."""

from __future__ import annotations

from typing import Any

from customer_core.kernel import quality_report, stewardship
from customer_core.kernel.app import Kernel
from customer_core.v1 import quality_service_pb2 as q
from customer_core.v1 import quality_service_pb2_grpc


class DataQualityServicer(quality_service_pb2_grpc.DataQualityServiceServicer):
    """The servicer of `customer_core.v1.DataQualityService`."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def ListQualityIssues(
        self, request: q.ListQualityIssuesRequest, context: Any
    ) -> q.ListQualityIssuesResponse:
        return self.kernel.read(lambda c: stewardship.list_issues(c, request))

    def ResolveQualityIssue(
        self, request: q.ResolveQualityIssueRequest, context: Any
    ) -> q.DataQualityIssue:
        return self.kernel.write(
            "ResolveQualityIssue",
            request,
            q.DataQualityIssue,
            lambda c, now: stewardship.close(c, request, stewardship.RESOLVED, now),
        )

    def WaiveQualityIssue(
        self, request: q.WaiveQualityIssueRequest, context: Any
    ) -> q.DataQualityIssue:
        return self.kernel.write(
            "WaiveQualityIssue",
            request,
            q.DataQualityIssue,
            lambda c, now: stewardship.close(c, request, stewardship.WAIVED, now),
        )

    def GetQualityReport(self, request: q.GetQualityReportRequest, context: Any) -> q.QualityReport:
        return self.kernel.read(lambda c: quality_report.report(c, self.kernel.registry, request))
