"""Signed bearer tokens: `customer-core tokens issue`, verified on every call, revocable.

A token is `cc1.<payload>.<tag>`: the payload (token id, principal, roles, expiry) in base64url
JSON, the tag its HMAC-SM3 under the token-signing key, a data key of the `auth` domain. Each
token is also recorded, so it can be revoked; a revocation takes effect within `status_ttl`.
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from customer_core.authz.principal import PRINCIPAL_NAME
from customer_core.crypto import primitives
from customer_core.crypto.keyring import AUTH, Keyring
from customer_core.errors import InvalidArgument, NotFound, Unauthenticated
from customer_core.storage.tables import tokens
from customer_core.storage.transaction import run_in_transaction

PREFIX = "cc1"
SIGNING_SCOPE = "token-signing"
DEFAULT_TTL = 3600
MAX_TTL = 30 * 24 * 3600


@dataclass(frozen=True)
class Claims:
    """What a verified token says."""

    token_id: str
    principal: str
    roles: tuple[str, ...]
    expire_time: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenService:
    """Issues, verifies and revokes tokens."""

    def __init__(self, engine: Engine, keyring: Keyring, *, status_ttl: float = 5.0) -> None:
        self._engine = engine
        self._key = run_in_transaction(
            engine, lambda c: keyring.data_key_for_write(c, SIGNING_SCOPE, AUTH).key
        )
        self._status_ttl = status_ttl
        self._revoked: dict[str, tuple[float, bool]] = {}
        # Tokens whose signature verified: checked again for expiry and revocation on every call.
        self._verified: dict[str, Claims] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        connection: Connection,
        principal: str,
        roles: list[str],
        ttl_seconds: int,
        issued_by: str,
        now: datetime,
    ) -> tuple[str, Claims]:
        """A new token for `principal`: (token, its claims)."""
        if not PRINCIPAL_NAME.fullmatch(principal):
            raise InvalidArgument.field("principal", "must be 1-128 letters, digits or _.@:-")
        ttl = ttl_seconds or DEFAULT_TTL
        if not 0 < ttl <= MAX_TTL:
            raise InvalidArgument.field("ttl_seconds", f"must be between 1 and {MAX_TTL}")
        claims = Claims(str(uuid.uuid4()), principal, tuple(roles), now + timedelta(seconds=ttl))
        connection.execute(
            insert(tokens).values(
                id=claims.token_id,
                principal=principal,
                roles=",".join(roles),
                issued_by=issued_by,
                create_time=now,
                expire_time=claims.expire_time,
            )
        )
        payload = json.dumps(
            {
                "jti": claims.token_id,
                "sub": principal,
                "roles": list(roles),
                "exp": int(claims.expire_time.timestamp()),
            },
            separators=(",", ":"),
        ).encode()
        body = f"{PREFIX}.{_b64(payload)}"
        return f"{body}.{_b64(primitives.hmac_sm3(self._key, body.encode()))}", claims

    def verify(self, token: str) -> Claims:
        """The claims of a valid token; UNAUTHENTICATED for a forged, expired or revoked one."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._check_signature(token)
            with self._lock:
                if len(self._verified) > 100_000:
                    self._verified.clear()
                self._verified[token] = claims
        if claims.expire_time <= datetime.now(UTC):
            raise Unauthenticated("bearer token expired", reason="TOKEN_EXPIRED")
        if self._is_revoked(claims.token_id):
            raise Unauthenticated("bearer token was revoked", reason="TOKEN_REVOKED")
        return claims

    def _check_signature(self, token: str) -> Claims:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise Unauthenticated("malformed bearer token", reason="TOKEN_MALFORMED")
        body = f"{parts[0]}.{parts[1]}"
        try:
            tag = _unb64(parts[2])
            data = json.loads(_unb64(parts[1]))
            claims = Claims(
                str(data["jti"]),
                str(data["sub"]),
                tuple(data["roles"]),
                datetime.fromtimestamp(int(data["exp"]), UTC),
            )
        except (ValueError, KeyError, TypeError):
            raise Unauthenticated("malformed bearer token", reason="TOKEN_MALFORMED") from None
        if not hmac.compare_digest(tag, primitives.hmac_sm3(self._key, body.encode())):
            raise Unauthenticated("bearer token signature does not verify", reason="TOKEN_INVALID")
        return claims

    def _is_revoked(self, token_id: str) -> bool:
        cached = self._revoked.get(token_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        row = run_in_transaction(
            self._engine,
            lambda c: c.execute(
                select(tokens.c.revoke_time).where(tokens.c.id == token_id)
            ).first(),
            write=False,
        )
        revoked = row is None or row.revoke_time is not None
        with self._lock:
            if len(self._revoked) > 100_000:
                self._revoked.clear()
            self._revoked[token_id] = (time.monotonic() + self._status_ttl, revoked)
        return revoked

    def revoke(self, connection: Connection, token_id: str, reason: str, now: datetime) -> None:
        """Revokes a token (effective on this replica at once, on others within `status_ttl`)."""
        try:
            uuid.UUID(token_id)
        except ValueError:
            raise InvalidArgument.field("token_id", "must be a token id (a UUID)") from None
        if not reason.strip() or "\x00" in reason:
            raise InvalidArgument.field("reason", "is required, in plain text")
        result = connection.execute(
            update(tokens)
            .where(tokens.c.id == token_id)
            .values(revoke_time=now, revoke_reason=reason)
        )
        if result.rowcount == 0:
            raise NotFound("customer_core.v1.Token", token_id, f"token {token_id} does not exist")
        with self._lock:
            self._revoked.pop(token_id, None)
