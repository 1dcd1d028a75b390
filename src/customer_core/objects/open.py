"""The object store the settings name."""

from __future__ import annotations

from typing import Literal, Protocol

from customer_core.objects.local import LocalStore
from customer_core.objects.s3 import S3Store
from customer_core.objects.store import ObjectStore


class StoreSettings(Protocol):
    """What `open_store` reads of the server's settings."""

    objects_store: Literal["local", "s3"]
    objects_dir: str
    objects_endpoint: str
    objects_bucket: str
    objects_access_key: str
    objects_secret_key: str
    objects_tls: bool
    objects_ca_file: str
    objects_region: str


def open_store(settings: StoreSettings) -> ObjectStore:
    """`local`: the directory `objects_dir`; `s3`: the bucket at `objects_endpoint`. Opening
    contacts nothing: a store down at start-up is found by the first call or health check."""
    if settings.objects_store == "s3":
        return S3Store(
            settings.objects_endpoint,
            settings.objects_bucket,
            settings.objects_access_key,
            settings.objects_secret_key,
            tls=settings.objects_tls,
            ca_file=settings.objects_ca_file,
            region=settings.objects_region,
        )
    return LocalStore(settings.objects_dir)
