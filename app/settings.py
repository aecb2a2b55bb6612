"""Process configuration, read from OPSGRAPH_* environment variables."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.db import MAX_OVERFLOW, POOL_SIZE

SURFACES = ("opmas", "mockops", "opsconductor", "ansible_hub", "birun")
DATABASE_SCHEMES = ("postgresql+asyncpg", "sqlite+aiosqlite")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Every knob of OpsGraph; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="OPSGRAPH_", extra="ignore")

    database_url: str | None = None
    redis_url: str | None = None
    # PostgreSQL connections each process's main pool keeps open, and how many
    # more a burst may open for one use; see the connection budget in README.md.
    db_pool_size: int = Field(POOL_SIZE, ge=1)
    db_max_overflow: int = Field(MAX_OVERFLOW, ge=0)
    secret_key: SecretStr | None = None
    data_dir: Path = Path(".opsgraph")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    log_level: str = "INFO"

    access_token_expire_minutes: int = 30
    refresh_token_expire_days: int = 14
    allow_registration: bool = False
    two_factor_token_minutes: int = 5
    totp_issuer: str = "OpsGraph"
    # System SMTP server: email verification and email 2FA codes. Unset host:
    # email codes cannot be sent (the email second factor cannot be enabled).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_from: str = "opsgraph@localhost"
    email_code_minutes: int = 10
    email_code_max_attempts: int = 5
    rate_limit_auth: str = "5/minute"
    rate_limit_default: str = "100/minute"
    # Peers (IPs, CIDRs or "*") whose X-Forwarded-For / X-Forwarded-Proto are
    # believed: the client address rate limits, audit and logs use. Empty: none.
    trusted_proxies: str = ""
    # Browser origins (scheme://host[:port], comma-separated) on other sites
    # allowed to call the API: CORS on HTTP, the Origin check on websockets.
    cors_origins: str = ""
    # Request limits against oversized and slow (slowloris) clients: a body over
    # max_body_bytes is refused with 413 while it streams; a body or header block
    # not received within its timeout ends the request (408) or the connection.
    max_body_bytes: int = 10 * 1024 * 1024
    body_read_timeout_seconds: float = 30.0
    header_read_timeout_seconds: float = 10.0

    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 5000
    # Refused before execution: list sizes multiply (see app/graphql/cost.py).
    graphql_max_cost: int = 50_000
    # What a list field without a first/limit argument counts as.
    graphql_default_list_size: int = 20
    # A GraphQL HTTP answer larger than this is replaced by an error.
    graphql_max_response_bytes: int = 10_000_000
    graphql_introspection: Literal["all", "authenticated", "off"] = "authenticated"
    graphql_max_subscriptions_per_connection: int = 20
    # Both websocket protocols close a socket that sent no connection_init by then.
    graphql_connection_init_timeout_seconds: float = 10.0
    # Open GraphQL websockets one user may hold on one API replica.
    graphql_max_connections_per_user: int = 20
    # permessage-deflate compresses every message once per subscriber: off, one
    # busy execution watched by many dashboards would cost a core in zlib alone.
    websocket_compression: bool = False

    event_retention: int = 10_000

    vault_previous_keys: list[SecretStr] = []
    ssh_strict_host_keys: bool = False
    ssh_concurrency: int = 50
    ssh_connect_timeout: float = 10.0
    ssh_login_timeout: float = 15.0
    # Defaults of the runtime settings store (app/runtime_settings): the stored
    # value wins once an operator changes one.
    max_concurrent_executions: int = 8
    long_running_delay_seconds: int = 30
    schedule_trigger_tolerance_seconds: int = 60
    session_timeout_hours: int = 24
    max_concurrent_jobs: int = 10
    log_retention_days: int = 30
    # Ansible may run on the OpsGraph host itself (local connection, localhost
    # plays, controller lookups) / without the bubblewrap sandbox: admins only.
    ansible_allow_controller_execution: bool = False
    ansible_allow_unsandboxed: bool = False

    allow_loopback_urls: bool = False
    # Defaults of the NetBox runtime settings (app/netbox); empty URL: not configured.
    netbox_url: str = ""
    netbox_token: SecretStr | None = None
    netbox_verify_tls: bool = True
    netbox_timeout_seconds: int = 10
    netbox_default_site_id: int = 0
    netbox_default_role_id: int = 0
    netbox_default_device_type_id: int = 0
    netbox_sync_interval_minutes: int = 0
    notification_max_attempts: int = 5
    notification_retry_base_seconds: float = 30.0

    scheduler_interval_seconds: float = 1.0

    worker_processes: int = 1
    worker_threads: int = 32

    scan_max_targets: int = 1024
    scan_window: int = 64
    scan_timeout_seconds: float = 1.0
    scan_tcp_ports: list[int] = [22, 23, 80, 443, 830]
    snmp_port: int = 161
    snmp_timeout_seconds: float = 1.0
    snmp_retries: int = 0
    snmp_communities: list[str] = ["public"]
    poll_interval_seconds: int = 300
    scan_stale_seconds: int = 300
    execution_lease_seconds: float = 30.0
    execution_reconcile_interval: float = 10.0
    execution_requeue_after_seconds: float = 60.0

    # OpenAI-compatible chat-completions provider of the Ansible Hub assistant;
    # unset base URL or model: sending a message answers AI_SERVICE_UNAVAILABLE.
    ai_base_url: str | None = None
    ai_api_key: SecretStr | None = None
    ai_model: str | None = None
    ai_timeout_seconds: float = 60.0
    # Per reply: model turns that may call read-only tools, and the bytes of
    # tool output sent back to the provider in all (past it: truncated).
    ai_max_tool_rounds: int = 4
    ai_max_tool_bytes: int = 32_000

    pipelines_workspace_dir: Path | None = None
    pipelines_git_api_url: str = "https://api.github.com"
    pipelines_git_token: SecretStr | None = None
    federation_route_timeout_seconds: float = 10.0

    rest_prefix_opmas: str = "/api/v1"
    rest_prefix_mockops: str = "/api/v1"
    rest_prefix_opsconductor: str = "/api"
    rest_prefix_opsconductor_legacy: str = ""
    rest_prefix_ansible_hub: str = "/api"
    rest_prefix_birun: str = "/birun/api"

    @field_validator("database_url")
    @classmethod
    def _database_driver(cls, value: str | None) -> str | None:
        scheme = urlsplit(value or "").scheme
        if value and scheme not in DATABASE_SCHEMES:
            raise ValueError(
                f"'{scheme}://' is not a supported database URL: use "
                "postgresql+asyncpg://user:password@host/db or sqlite+aiosqlite:///path"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"'{value[:20]}' is not one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("ai_base_url")
    @classmethod
    def _ai_base_url_is_http(cls, value: str | None) -> str | None:
        parts = urlsplit(value or "")
        if value and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise ValueError("OPSGRAPH_AI_BASE_URL must be an http(s) URL with a host")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, value: str) -> str:
        found = [o.strip().rstrip("/").lower() for o in value.split(",") if o.strip()]
        for origin in found:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("http", "https")
                or not parts.hostname
                or (parts.path or parts.query or parts.fragment)
            ):
                raise ValueError(
                    f"OPSGRAPH_CORS_ORIGINS: '{origin[:80]}' is not an origin "
                    "(scheme://host[:port], e.g. https://console.example.com)"
                )
        return ",".join(found)

    @model_validator(mode="after")
    def _distributed_needs_a_key(self) -> Settings:
        if self.distributed and self.secret_key is None:
            raise ValueError(
                "OPSGRAPH_SECRET_KEY is required in distributed mode "
                "(OPSGRAPH_REDIS_URL is set): every replica must share it"
            )
        return self

    @property
    def allowed_origins(self) -> frozenset[str]:
        """The browser origins of OPSGRAPH_CORS_ORIGINS."""
        return frozenset(o for o in self.cors_origins.split(",") if o)

    @property
    def distributed(self) -> bool:
        """True when Redis carries the job queue and the live events."""
        return self.redis_url is not None

    @property
    def mode(self) -> str:
        """The run mode's name, as logged at start-up."""
        return "distributed" if self.distributed else "embedded"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'opsgraph.db').resolve()}"

    @property
    def pool_options(self) -> dict[str, int]:
        """`make_engine` arguments of the API's and the actors' main pools."""
        return {"pool_size": self.db_pool_size, "max_overflow": self.db_max_overflow}

    @cached_property
    def signing_key(self) -> str:
        """The key that signs tokens and derives the vault key.

        Embedded mode generates one on first start and keeps it in the data dir,
        so tokens survive restarts without any setup.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.prepare_data_dir()
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def prepare_data_dir(self) -> None:
        """Create the data dir (0700) and the SQLite file (0600), or narrow them.

        SQLite gives its -wal and -shm files the mode of the database file, so
        none of them is readable by another local user.
        """
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        database = self.data_dir / "opsgraph.db"
        database.touch(mode=0o600)
        for path in (database, *self.data_dir.glob("opsgraph.db-*")):
            path.chmod(0o600)

    def rest_prefix(self, surface: str) -> str:
        """The URL prefix one REST compatibility surface is mounted at."""
        return str(getattr(self, f"rest_prefix_{surface}")).rstrip("/")
