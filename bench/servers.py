"""The servers compared and how each is launched: finch-sandbox, the bare-ASGI baseline,
Prism and Steady; seeding finch-sandbox and the requests each server gets."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.settings import (
    API_VERSION,
    BASELINE,
    BASELINE_BODY_ENV,
    CLIENT_ID,
    CLIENT_SECRET,
    EMPLOYEES,
    FINCH,
    NODE_MODULES,
    PRISM,
    PRISM_JS,
    REPO_ROOT,
    SPEC,
    STEADY,
    STEADY_JS,
)
from bench.wrk import Request


def api_headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Finch-API-Version": API_VERSION,
    }


READY_HEADERS = {"Finch-API-Version": API_VERSION}


def steady_binary() -> Path | None:
    """The native executable that `steady.js` would spawn; run it directly so the measured
    process is the server itself, not a node wrapper."""
    os_name = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower()
    )
    if os_name is None or arch is None:
        return None
    name = "steady.exe" if os_name == "win32" else "steady"
    candidate = NODE_MODULES / f"@stdy/cli-{os_name}-{arch}" / "bin" / name
    return candidate if candidate.exists() else None


@dataclass
class ServerKind:
    name: str
    argv: Callable[[int], list[str]]
    env: Callable[[], dict[str, str]] = field(default=lambda: dict(os.environ))
    ready_path: str = "/providers"
    # Where the process starts; `python -m finch_sandbox` imports the package found there.
    cwd: Path = REPO_ROOT


def finch_kind(data_dir_factory: Callable[[], Path], job_duration: str = "1") -> ServerKind:
    def env() -> dict[str, str]:
        return {
            **os.environ,
            "FINCH_SANDBOX_DATA_DIR": str(data_dir_factory()),
            "FINCH_SANDBOX_JOB_DURATION": job_duration,
            "FINCH_SANDBOX_REFRESHES_PER_HOUR": "100000000",
            "FINCH_SANDBOX_CLIENT_ID": CLIENT_ID,
            "FINCH_SANDBOX_CLIENT_SECRET": CLIENT_SECRET,
        }

    return ServerKind(
        FINCH,
        lambda port: [sys.executable, "-m", "finch_sandbox", "serve", "--port", str(port)],
        env,
    )


def baseline_kind(body_file: Path) -> ServerKind:
    return ServerKind(
        BASELINE,
        lambda port: [sys.executable, "-m", "bench.baseline_app", "--port", str(port)],
        lambda: {**os.environ, BASELINE_BODY_ENV: str(body_file)},
    )


def prism_kind(node: str) -> ServerKind:
    # `-v error`: no per-request log lines (finch-sandbox and granian log at warning level too).
    return ServerKind(
        PRISM,
        lambda port: [
            node,
            str(PRISM_JS),
            "mock",
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-v",
            "error",
            str(SPEC),
        ],
    )


def steady_kind(node: str) -> ServerKind:
    binary = steady_binary()
    launcher = [str(binary)] if binary else [node, str(STEADY_JS)]
    # `-q`: no per-request log lines.
    return ServerKind(
        STEADY,
        lambda port: [*launcher, "-p", str(port), "--host", "127.0.0.1", "-q", str(SPEC)],
    )


@dataclass
class Fixtures:
    token: str
    individual_ids: list[str]
    job_id: str
    directory_body: bytes


def seed_finch(base_url: str) -> Fixtures:
    from finch import Finch

    client = Finch(
        base_url=base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, max_retries=0
    )
    created = client.sandbox.connections.create(provider_id="gusto", employee_size=EMPLOYEES)
    token = created.access_token
    headers = api_headers(token)
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as http:
        directory = http.get("/employer/directory")
        directory.raise_for_status()
        ids = [person["id"] for person in directory.json()["individuals"]]
        job = http.post("/sandbox/jobs", json={"type": "data_sync_all"})
        job.raise_for_status()
    if len(ids) != EMPLOYEES:
        raise RuntimeError(f"expected {EMPLOYEES} individuals, directory lists {len(ids)}")
    return Fixtures(token, ids, job.json()["job_id"], directory.content)


def requests_for(individual_ids: Sequence[str], job_id: str) -> dict[str, Request]:
    individuals = json.dumps(
        {"requests": [{"individual_id": i} for i in individual_ids]}, separators=(",", ":")
    )
    return {
        "directory": Request("GET", "/employer/directory", None),
        "individual": Request("POST", "/employer/individual", individuals),
        "jobs_create": Request("POST", "/sandbox/jobs", '{"type":"data_sync_all"}'),
        "job_get": Request("GET", f"/jobs/automated/{job_id}", None),
    }


def probe(base_url: str, request: Request, headers: Mapping[str, str]) -> tuple[int, str]:
    """One request before the load run, so a non-2xx answer is shown with its body."""
    with httpx.Client(timeout=30.0) as http:
        answer = http.request(
            request.method,
            base_url + request.path,
            headers=headers,
            content=request.body.encode() if request.body is not None else None,
        )
    return answer.status_code, answer.text[:300]
