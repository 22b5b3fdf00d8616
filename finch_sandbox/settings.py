"""Settings read once from the environment (prefix FINCH_SANDBOX_) and passed down; never mutated.

A plain pydantic model plus `load_settings`, which takes the FINCH_SANDBOX_* variables: every
field is a scalar, so pydantic's own lax parsing of the strings is all the reading there is
(pydantic-settings did the same, for ~70 ms more of every start).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ENV_PREFIX = "FINCH_SANDBOX_"


class Settings(BaseModel):
    """Everything the server and the CLI can be told, each also as `FINCH_SANDBOX_<NAME>`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=4010, ge=0, le=65535)
    # None means the user's data directory (see `resolved_data_dir`): never the current folder,
    # so the server and the CLI find the same data wherever each is started.
    data_dir: Path | None = None
    # Empty means "a SQLite file inside data_dir", resolved by `resolved_database_url`.
    database_url: str = ""
    client_id: str = "finch-sandbox-client-id"
    client_secret: str = "finch-sandbox-client-secret"
    seed: int = 0
    # Finch generates pay history only for companies of at most 100 employees; this lifts that.
    full_pay_history: bool = False
    public_url: str | None = None
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    log_level: str = "info"
    # The largest company POST /sandbox/connections generates. It is made inside the request,
    # at ~0.6 ms per employee on an idle 2-core machine and 3.5-4.5 ms on a busy one (measured
    # on this one at a load average of 13-20: 10,000 in 36-44 s, 25,000 in 58-151 s), so
    # 10,000 stays inside the SDK's 60 s timeout, after which it would retry and create a
    # second connection. Raise it on a faster machine.
    max_employee_size: int = Field(default=10_000, ge=1)
    # Forced refreshes (POST /jobs/automated, /sandbox/jobs) per connection per clock hour.
    refreshes_per_hour: int = Field(default=2, ge=0)
    # Seconds a job stays in_progress before it publishes.
    job_duration: float = Field(default=1.0, ge=0)
    # A worker that stops renewing its hold on a job for this long is presumed dead.
    job_lease_seconds: float = Field(default=5.0, gt=0)
    # Run the job worker inside the API process.
    worker: bool = True
    # API processes `serve` starts (more than one needs PostgreSQL).
    processes: int = Field(default=1, ge=1)
    # Job loops in each worker (in-process or `finch-sandbox worker`).
    worker_concurrency: int = Field(default=1, ge=1)
    # Memory for prepared answers replayed to repeated reads, in MiB; 0 turns caching off.
    response_cache_mb: int = Field(default=32, ge=0)
    # The HTTP server: granian (fast, the default) or uvicorn.
    server: Literal["granian", "uvicorn"] = "granian"
    # Webhook endpoints registered at start (comma-separated URLs).
    webhook_urls: str = ""
    # The base64 webhook signing secret; generated (and printed) at first start if unset.
    webhook_secret: str | None = None

    @field_validator("webhook_secret")
    @classmethod
    def _base64_secret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # The one rule for secrets, shared with the control plane's rotation (imported here, not
        # at the top: the services package imports this module).
        from finch_sandbox.services.signing import check_secret

        check_secret(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _use_psycopg_driver(cls, value: str) -> str:
        # psycopg 3 is the only PostgreSQL driver we ship; accept the common spellings.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def resolved_data_dir(self) -> Path:
        """`data_dir` made absolute, or the per-user data directory (on Linux
        `$XDG_DATA_HOME/finch-sandbox`, by default `~/.local/share/finch-sandbox`)."""
        if self.data_dir is not None:
            return self.data_dir.expanduser().absolute()
        from platformdirs import user_data_path

        return user_data_path("finch-sandbox", appauthor=False)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.resolved_data_dir / 'finch_sandbox.db').as_posix()}"

    @property
    def local_url(self) -> str:
        """Where a client on this machine reaches the server these settings start (a server
        listening on every interface is reached on loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(self.host)
        if host is None:
            host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as FINCH_SANDBOX_* variables, for server processes that build their own."""
    out = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        out[f"FINCH_SANDBOX_{name.upper()}"] = text
    return out


def env_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The FINCH_SANDBOX_* variables that name a setting (case-insensitively), by field."""
    environ = os.environ if environ is None else environ
    out = {}
    for key, value in environ.items():
        if key.upper().startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :].lower()
            if name in Settings.model_fields:
                out[name] = value
    return out


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (e.g. CLI flags) on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings.model_validate({**env_values(), **given})
