"""Signed bearer tokens: `customer-core tokens issue`, verified on every call, revocable.

A token is `cc1.<payload>.<tag>`: the payload (token id, principal, roles, expiry) in base64url
JSON, the tag its HMAC-SM3 under the token-signing key, a data key of the `auth` domain. Each
token is also recorded, so it can be revoked.

Revocation applies everywhere within a stated bound, whichever path made it (the RPC, or the CLI
writing to the database directly): each process keeps the set of revoked, unexpired token ids and
reads it anew every `revocation_interval` seconds (one small query, whatever the call rate). A
token is looked up once when first seen (it must be recorded and not revoked); after that, the
set decides. So a revocation committed at time t is refused by every process of every replica from
t + `revocation_interval` + one read of the set on, and at once by the process that made it. A
process whose set has not been read for `STALE_AFTER` intervals reads it before admitting anyone:
a replica cut off from the database does not go on trusting what it last knew.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from customer_core.caching import TTLMap
from customer_core.crypto import primitives
from customer_core.crypto.keyring import AUTH, Keyring
from customer_core.errors import InvalidArgument, NotFound, Unauthenticated, Unavailable
from customer_core.identifiers import check_principal
from customer_core.storage.tables import tokens
from customer_core.storage.transaction import run_in_transaction

log = logging.getLogger(__name__)

PREFIX = "cc1"
SIGNING_SCOPE = "token-signing"
DEFAULT_TTL = 3600
MAX_TTL = 30 * 24 * 3600
#: Seconds between reads of the revoked tokens, by default: the bound on a revocation applying.
REVOCATION_INTERVAL = 1.0
#: Intervals without a successful read after which a process reads before admitting anyone.
STALE_AFTER = 5
#: Seconds a token's verified signature and its first-seen record are remembered.
RECORDED_TTL = 3600.0


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

    def __init__(
        self, engine: Engine, keyring: Keyring, *, revocation_interval: float = REVOCATION_INTERVAL
    ) -> None:
        self._engine = engine
        self._key = run_in_transaction(
            engine, lambda c: keyring.data_key_for_write(c, SIGNING_SCOPE, AUTH).key
        )
        self.revocation_interval = revocation_interval
        # Token ids revoked and not yet expired, as last read (plus this process's revocations).
        self._revoked: frozenset[str] = frozenset()
        self._read_at = -float("inf")  # time.monotonic() of the last successful read
        # This process's own revocations (monotonic time each was made): refused at once, even by
        # a read of the set that began before they committed.
        self._mine: dict[str, float] = {}
        # Token ids looked up when first seen: recorded and not revoked then (True), or not.
        self._recorded: TTLMap[str, bool] = TTLMap(RECORDED_TTL)
        # Tokens whose signature verified: checked again for expiry and revocation on every call.
        self._verified: TTLMap[str, Claims] = TTLMap(RECORDED_TTL)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None

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
        check_principal(principal, "principal")
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
            self._verified.put(token, claims)
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
        self._keep_fresh()
        if token_id in self._revoked or token_id in self._mine:
            return True
        recorded = self._recorded.get(token_id)
        if recorded is None:  # first seen: it must be on record (a restored database may not be)
            row = run_in_transaction(
                self._engine,
                lambda c: c.execute(
                    select(tokens.c.revoke_time).where(tokens.c.id == token_id)
                ).first(),
                write=False,
            )
            recorded = row is not None and row.revoke_time is None
            self._recorded.put(token_id, recorded)
        return not recorded

    def _keep_fresh(self) -> None:
        """Starts the reader of revoked tokens; reads now if the last read is too old."""
        if self._reader is None:
            with self._lock:
                if self._reader is None and not self._stop.is_set():
                    self._reader = threading.Thread(
                        target=self._read_revoked_forever, name="token-revocations", daemon=True
                    )
                    self._reader.start()
        if time.monotonic() - self._read_at > STALE_AFTER * self.revocation_interval:
            try:
                self.read_revoked()
            except Exception as exc:
                raise Unavailable(
                    "cannot confirm that the token is not revoked: the database is unreachable",
                    reason="TOKEN_STATUS_UNAVAILABLE",
                ) from exc

    def read_revoked(self) -> None:
        """Reads the ids of the tokens revoked and not yet expired (replacing what was known)."""
        started = time.monotonic()
        now = datetime.now(UTC)
        revoked = run_in_transaction(
            self._engine,
            lambda c: frozenset(
                c.execute(
                    select(tokens.c.id).where(
                        tokens.c.revoke_time.is_not(None), tokens.c.expire_time > now
                    )
                ).scalars()
            ),
            write=False,
        )
        with self._lock:
            self._revoked, self._read_at = revoked, started
            # Once a read that began after a revocation here has had time to see it, it decides.
            horizon = started - 60.0
            self._mine = {t: at for t, at in self._mine.items() if at > horizon}

    def _read_revoked_forever(self) -> None:
        while not self._stop.wait(self.revocation_interval):
            try:
                self.read_revoked()
            except Exception as exc:  # the next call reads itself once the set is stale
                log.warning("could not read revoked tokens: %s", exc.__class__.__name__)

    def close(self) -> None:
        """Stops reading revoked tokens."""
        self._stop.set()
        if self._reader is not None:
            self._reader.join(timeout=5)

    def revoke(self, connection: Connection, token_id: str, reason: str, now: datetime) -> None:
        """Revokes a token: refused by this process at once, by every other within
        `revocation_interval` and one read of the revoked set (see the module docstring)."""
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
            self._mine[token_id] = time.monotonic()
