"""SubjectModelService: what the registry holds, for channel systems and people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from customer_core.kernel import quality
from customer_core.kernel.registry import Registry
from customer_core.kernel.subject_model import SubjectModel
from customer_core.plugin import QualityRule
from customer_core.v1 import subject_model_service_pb2 as svc
from customer_core.v1 import subject_model_service_pb2_grpc


def describe(model: SubjectModel, rules: Sequence[QualityRule] = ()) -> svc.SubjectModel:
    """The contract message describing a registered subject model and its quality rules."""
    return svc.SubjectModel(
        name=model.name,
        message_type=model.message_type,
        schema_version=model.schema_version,
        singleton=model.singleton,
        customer_types=list(model.options.customer_types),
        description=model.options.description,
        plugin=model.plugin,
        fields=[
            svc.SubjectModelField(
                path=f.path,
                number=f.descriptor.number,
                type=f.type,
                repeated=f.repeated,
                sensitive=f.rules.sensitive,
                match_key=f.rules.match_key,
                required=f.rules.required,
                max_length=f.rules.max_length,
                customer_ref=f.rules.customer_ref,
                document_ref=f.rules.document_ref,
                match_tiers=list(f.rules.match_tiers),
                blocking=list(f.rules.blocking),
                survivorship=model.survivorship_of(f),
                source_priority=model.source_priority_of(f),
            )
            for f in model.fields
        ],
        survivorship=model.survivorship_of(None),
        source_priority=list(model.options.source_priority),
        quality_rules=[
            svc.QualityRule(
                id=r.id, severity=quality.SEVERITIES[r.severity], description=r.description
            )
            for r in rules
        ],
    )


class SubjectModelServicer(subject_model_service_pb2_grpc.SubjectModelServiceServicer):
    """The servicer of `customer_core.v1.SubjectModelService`."""

    def __init__(self, registry: Registry) -> None:
        self._response = svc.ListSubjectModelsResponse(
            models=[describe(m, registry.rules(m.name)) for m in registry.models()]
        )

    def ListSubjectModels(
        self, request: svc.ListSubjectModelsRequest, context: Any
    ) -> svc.ListSubjectModelsResponse:
        return self._response
