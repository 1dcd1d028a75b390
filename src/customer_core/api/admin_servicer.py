"""AdminService and AuditService: role bindings, tokens, key rotations and the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from google.protobuf import empty_pb2, timestamp_pb2

from customer_core.authz import audit, bindings, roles
from customer_core.authz.context import current
from customer_core.authz.principal import WHOLE_BANK
from customer_core.authz.roles import BUILT_IN
from customer_core.errors import InvalidArgument, PermissionDenied
from customer_core.identifiers import check_principal
from customer_core.kernel import expiry, pagination
from customer_core.kernel.app import Kernel
from customer_core.kernel.convert import timestamp, to_datetime
from customer_core.kernel.key_rotation import Rotation
from customer_core.kernel.names import parse_customer_name
from customer_core.v1 import admin_service_pb2 as admin
from customer_core.v1 import admin_service_pb2_grpc

_LEVELS = {
    "master": admin.KEY_LEVEL_MASTER,
    "kek": admin.KEY_LEVEL_KEY_ENCRYPTING,
    "data": admin.KEY_LEVEL_DATA,
}


def rotation_to_proto(row: Rotation) -> admin.KeyRotation:
    """The contract message of a key rotation."""
    return admin.KeyRotation(
        name=f"keyRotations/{row.id}",
        level=_LEVELS[row.level],
        target=row.target,
        state=f"ROTATION_STATE_{row.state}",
        done=row.done,
        total=row.total,
        new_version=row.new_version,
        error=row.error or "",
        start_time=timestamp(row.start_time),
        end_time=timestamp(row.end_time),
    )


class AdminServicer(admin_service_pb2_grpc.AdminServiceServicer):
    """The servicer of `customer_core.v1.AdminService`."""

    def __init__(self, kernel: Kernel, on_bindings_changed: Callable[[], None]) -> None:
        self.kernel = kernel
        self._changed = on_bindings_changed

    def ListRoles(self, request: admin.ListRolesRequest, context: Any) -> admin.ListRolesResponse:
        return admin.ListRolesResponse(
            roles=[
                admin.Role(
                    name=r.name, permissions=sorted(r.permissions), description=r.description
                )
                for r in self.kernel.registry.roles.values()
            ]
        )

    def CreateRoleBinding(
        self, request: admin.CreateRoleBindingRequest, context: Any
    ) -> admin.RoleBinding:
        subjects = {m.name for m in self.kernel.registry.models()}
        created = self.kernel.write(
            "CreateRoleBinding", request, admin.RoleBinding,
            lambda c, now: bindings.create(c, request.role_binding, subjects, current().principal.name, now),
        )  # fmt: skip
        self._changed()
        return created

    def DeleteRoleBinding(
        self, request: admin.DeleteRoleBindingRequest, context: Any
    ) -> empty_pb2.Empty:
        def work(c: Any, now: Any) -> empty_pb2.Empty:
            bindings.remove(c, request.name)
            return empty_pb2.Empty()

        done = self.kernel.write("DeleteRoleBinding", request, empty_pb2.Empty, work)
        self._changed()
        return done

    def ListRoleBindings(
        self, request: admin.ListRoleBindingsRequest, context: Any
    ) -> admin.ListRoleBindingsResponse:
        return admin.ListRoleBindingsResponse(
            role_bindings=self.kernel.read(lambda c: bindings.list_bindings(c, request.principal))
        )

    def IssueToken(
        self, request: admin.IssueTokenRequest, context: Any
    ) -> admin.IssueTokenResponse:
        unknown = set(request.roles) - set(BUILT_IN)
        if unknown:
            raise InvalidArgument.field("roles", f"unknown roles: {', '.join(sorted(unknown))}")

        def work(c: Any) -> admin.IssueTokenResponse:
            token, claims = self.kernel.tokens.issue(
                c,
                request.principal,
                list(request.roles),
                int(request.ttl_seconds),
                current().principal.name,
                datetime.now(UTC),
            )
            return admin.IssueTokenResponse(
                token=token, token_id=claims.token_id, expire_time=timestamp(claims.expire_time)
            )

        return self.kernel.run(work)

    def RevokeToken(self, request: admin.RevokeTokenRequest, context: Any) -> empty_pb2.Empty:
        self.kernel.run(
            lambda c: self.kernel.tokens.revoke(
                c, request.token_id, request.reason, datetime.now(UTC)
            )
        )
        return empty_pb2.Empty()

    def _rotate(self, level: str, target: str) -> admin.KeyRotation:
        """Starts a rotation (or finds the one of `level` and `target` already running); this
        replica's job runner claims it at once, another replica's if this one dies."""
        rotator = self.kernel.rotator
        job_id = rotator.start(level, target, created_by=current().principal.name)
        self.kernel.jobs.wake()
        return rotation_to_proto(rotator.get(job_id))

    def RotateMasterKey(
        self, request: admin.RotateMasterKeyRequest, context: Any
    ) -> admin.KeyRotation:
        return self._rotate("master", "*")

    def RotateKeyEncryptionKey(
        self, request: admin.RotateKeyEncryptionKeyRequest, context: Any
    ) -> admin.KeyRotation:
        return self._rotate("kek", request.domain)

    def RotateDataKeys(
        self, request: admin.RotateDataKeysRequest, context: Any
    ) -> admin.KeyRotation:
        return self._rotate("data", "*")

    def GetKeyRotation(
        self, request: admin.GetKeyRotationRequest, context: Any
    ) -> admin.KeyRotation:
        try:
            job_id = uuid.UUID(request.name.removeprefix("keyRotations/"))
        except ValueError:
            raise InvalidArgument.field("name", "must be keyRotations/{id}") from None
        return rotation_to_proto(self.kernel.rotator.get(job_id))

    def ExpireRecords(self, request: admin.ExpireRecordsRequest, context: Any) -> admin.ExpiryRun:
        principal = current().principal
        if not principal.allows(roles.RECORDS_WRITE, WHOLE_BANK):
            raise PermissionDenied(
                f"{principal.name} may not expire records: the run covers the whole bank",
                metadata={"permission": roles.RECORDS_WRITE},
            )
        on = None
        if request.on:
            try:
                on = date.fromisoformat(request.on)
            except ValueError:
                raise InvalidArgument.field("on", "must be a date, YYYY-MM-DD") from None
        run_id = self.kernel.expiry.start(on, created_by=principal.name)
        self.kernel.jobs.wake()
        return expiry_run_to_proto(self.kernel.expiry.get(run_id))

    def GetExpiryRun(self, request: admin.GetExpiryRunRequest, context: Any) -> admin.ExpiryRun:
        try:
            run_id = uuid.UUID(request.name.removeprefix("expiryRuns/"))
        except ValueError:
            raise InvalidArgument.field("name", "must be expiryRuns/{id}") from None
        return expiry_run_to_proto(self.kernel.expiry.get(run_id))

    def ListExpiringRecords(
        self, request: admin.ListExpiringRecordsRequest, context: Any
    ) -> admin.ListExpiringRecordsResponse:
        found = self.kernel.read(
            lambda c: expiry.expiring(c, self.kernel.codec, int(request.within_days))
        )
        return admin.ListExpiringRecordsResponse(
            records=[
                admin.ExpiringRecord(
                    customer=f"customers/{x.customer_number}", record=x.record,
                    subject=x.subject, expires_on=x.expires_on.isoformat(),
                )
                for x in found
            ]
        )  # fmt: skip


_EXPIRY_STATES = {
    "queued": admin.EXPIRY_RUN_STATE_RUNNING,
    "running": admin.EXPIRY_RUN_STATE_RUNNING,
    "succeeded": admin.EXPIRY_RUN_STATE_SUCCEEDED,
    "failed": admin.EXPIRY_RUN_STATE_FAILED,
    "cancelled": admin.EXPIRY_RUN_STATE_FAILED,
}


def expiry_run_to_proto(run: expiry.ExpiryRun) -> admin.ExpiryRun:
    """An expiry run as the API shows it."""
    return admin.ExpiryRun(
        name=f"expiryRuns/{run.id}", on=run.on.isoformat(), state=_EXPIRY_STATES[run.state],
        done=run.done, total=run.total, expired=run.expired, error=run.error or "",
    )  # fmt: skip


class AuditServicer(admin_service_pb2_grpc.AuditServiceServicer):
    """The servicer of `customer_core.v1.AuditService`."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def ListAuditEvents(
        self, request: admin.ListAuditEventsRequest, context: Any
    ) -> admin.ListAuditEventsResponse:
        size = pagination.page_size(request.page_size)
        if request.principal:
            check_principal(request.principal, "principal")
        customer = parse_customer_name(request.customer, "customer") if request.customer else ""
        scope = f"{request.principal}|{customer}|{request.start_time}|{request.end_time}"
        before = pagination.time_and_id(
            pagination.decode_token(request.page_token, scope, (str, str))
        )
        self.kernel.audit.flush()
        rows = self.kernel.read(
            lambda c: audit.query_events(
                c,
                principal=request.principal,
                customer=customer,
                start=_time(request, "start_time"),
                end=_time(request, "end_time"),
                limit=size + 1,
                before=before,
            )
        )
        response = admin.ListAuditEventsResponse(
            events=[
                admin.AuditEvent(
                    time=timestamp(r.time),
                    principal=r.principal,
                    method=r.method,
                    customers=[f"customers/{n}" for n in r.customers.split(",") if n],
                    unmasked_fields=[f for f in r.unmasked_fields.split("\n") if f],
                    reason=r.reason,
                    outcome=r.outcome,
                    request_id=r.request_id,
                )
                for r in rows[:size]
            ]
        )
        if len(rows) > size:
            last = rows[size - 1]
            response.next_page_token = pagination.encode_token(
                [last.time.isoformat(), str(last.id)], scope
            )
        return response


def _time(request: admin.ListAuditEventsRequest, field: str) -> datetime | None:
    if not request.HasField(field):
        return None
    value: timestamp_pb2.Timestamp = getattr(request, field)
    return to_datetime(value, field)
