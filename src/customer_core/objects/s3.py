"""Any S3-compatible store (MinIO, SeaweedFS, Ceph RGW, AWS S3) through the `minio` client.

Nothing here is MinIO-only: plain S3 calls (PutObject, GetObject with a range, HeadObject,
ListObjectsV2 and ListObjectVersions, DeleteObject by version, object-lock retention). The
bucket is created with object lock (hence versioning) when it is missing. Transient failures
(connection errors, 5xx, throttling) are retried by urllib3 with backoff; what still fails is
`StoreUnavailable`, so the features that need the store answer UNAVAILABLE and the rest serve.
"""

from __future__ import annotations

import io
import ssl
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.retention import Retention
from urllib3.exceptions import HTTPError

from customer_core.objects.store import (
    ObjectLocked,
    ObjectMissing,
    ObjectStore,
    StoreUnavailable,
    check_key,
)

#: S3 error codes that mean "no such object".
MISSING = {"NoSuchKey", "NoSuchVersion", "NoSuchObject"}
#: S3 error codes a locked object's deletion or overwrite is refused with.
LOCKED = {"AccessDenied", "ObjectLocked", "InvalidRequest"}
PROBE_KEY = "probes/object-lock"


def http_client(
    *, connect_timeout: float, read_timeout: float, retries: int, ca_file: str = ""
) -> urllib3.PoolManager:
    """The connection pool the client uses: bounded timeouts, retries with backoff."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=16,
        cert_reqs=ssl.CERT_REQUIRED,
        ca_certs=ca_file or None,
        retries=urllib3.Retry(
            total=retries,
            backoff_factor=0.2,
            status_forcelist=[500, 502, 503, 504],
            allowed_methods=None,  # every method: each call here is idempotent
            raise_on_status=False,
        ),
    )


class S3Store(ObjectStore):
    """One bucket of an S3-compatible store."""

    kind = "s3"

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        *,
        tls: bool = True,
        ca_file: str = "",
        region: str = "",
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
        retries: int = 3,
    ) -> None:
        self.bucket = bucket
        self.location = f"{'https' if tls else 'http'}://{endpoint}/{bucket}"
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=tls,
            region=region or None,
            http_client=http_client(
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries=retries,
                ca_file=ca_file,
            ),
        )
        self._bucket_ready = False

    # -- errors --------------------------------------------------------------------------

    def _unavailable(self, action: str, exc: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"object store {self.location} unavailable ({action}): {exc}")

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket, object_lock=True)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
        except (S3Error, HTTPError, OSError) as exc:
            raise self._unavailable("bucket", exc) from exc
        self._bucket_ready = True

    # -- the interface -------------------------------------------------------------------

    def put(
        self, key: str, data: bytes | bytearray, *, retain_until: datetime | None = None
    ) -> None:
        self._ensure_bucket()
        retention = Retention(COMPLIANCE, retain_until) if retain_until is not None else None
        try:
            self.client.put_object(
                self.bucket, check_key(key), io.BytesIO(data), len(data), retention=retention
            )
        except S3Error as exc:
            if exc.code in LOCKED:
                raise ObjectLocked(key) from exc
            raise self._unavailable("put", exc) from exc
        except (HTTPError, OSError) as exc:
            raise self._unavailable("put", exc) from exc

    def get(self, key: str, offset: int = 0, length: int | None = None) -> bytes:
        self._ensure_bucket()
        response = None
        try:
            response = self.client.get_object(
                self.bucket, check_key(key), offset=offset, length=length or 0
            )
            data = response.read()
        except S3Error as exc:
            if exc.code in MISSING:
                raise ObjectMissing(key) from exc
            raise self._unavailable("get", exc) from exc
        except (HTTPError, OSError) as exc:
            raise self._unavailable("get", exc) from exc
        finally:
            if response is not None:
                response.close()
                response.release_conn()
        if length == 0:
            return b""
        return bytes(data)

    def size(self, key: str) -> int | None:
        self._ensure_bucket()
        try:
            return int(self.client.stat_object(self.bucket, check_key(key)).size or 0)
        except S3Error as exc:
            if exc.code in MISSING or exc.code == "NoSuchKey":
                return None
            raise self._unavailable("stat", exc) from exc
        except (HTTPError, OSError) as exc:
            raise self._unavailable("stat", exc) from exc

    def _versions(self, key: str) -> list[str | None]:
        return [
            o.version_id
            for o in self.client.list_objects(self.bucket, prefix=key, include_version=True)
            if o.object_name == key
        ]

    def delete(self, key: str) -> None:
        self._ensure_bucket()
        check_key(key)
        try:
            for version in self._versions(key):
                self.client.remove_object(self.bucket, key, version_id=version)
        except S3Error as exc:
            if exc.code in LOCKED:
                raise ObjectLocked(key) from exc
            if exc.code in MISSING:
                return
            raise self._unavailable("delete", exc) from exc
        except (HTTPError, OSError) as exc:
            raise self._unavailable("delete", exc) from exc

    def list(self, prefix: str) -> Iterator[str]:
        self._ensure_bucket()
        try:
            keys = [
                o.object_name
                for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
                if o.object_name and not o.is_dir
            ]
        except (S3Error, HTTPError, OSError) as exc:
            raise self._unavailable("list", exc) from exc
        return iter(sorted(keys))

    def check(self) -> None:
        self._bucket_ready = False
        self._ensure_bucket()

    def lock_enforced(self) -> bool:
        """Writes a probe locked for a few seconds and tries to delete its version: a store
        that refuses enforces the lock (the probe is then left to expire)."""
        key = f"{PROBE_KEY}/{uuid.uuid4().hex}"
        self.put(key, b"probe", retain_until=datetime.now(UTC) + timedelta(seconds=5))
        try:
            self.delete(key)
        except ObjectLocked:
            return True
        return False
