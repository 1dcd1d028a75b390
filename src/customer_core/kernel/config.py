"""Settings, from `CUSTOMER_CORE_*` environment variables; every one has a working default."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of a customer-core server.

    Attributes:
        database_url: `sqlite:///path` (default), `postgresql+psycopg://...` or
            `cockroachdb+psycopg://...`.
        host: interface the gRPC server listens on.
        port: its port (0 picks a free one).
        plugins: comma-separated names of the subject-model plugins to load; empty loads all installed.
        max_workers: threads serving RPCs.
        db_pool_size: database connections kept open.
        health_check_interval: seconds between database reachability checks for gRPC health.
    """

    model_config = SettingsConfigDict(env_prefix="CUSTOMER_CORE_", extra="ignore")

    database_url: str = "sqlite:///var/customer-core.db"
    host: str = "127.0.0.1"
    port: int = Field(default=50051, ge=0, le=65535)
    plugins: str = ""
    max_workers: int = Field(default=32, ge=1)
    db_pool_size: int = Field(default=16, ge=1)
    health_check_interval: float = Field(default=5.0, gt=0)

    def enabled_plugins(self) -> list[str] | None:
        """The plugin names to load, or None for all installed."""
        names = [n.strip() for n in self.plugins.split(",") if n.strip()]
        return names or None
