"""A server killed (SIGKILL) mid-job and started again finishes that job exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from finch_sandbox.testing import free_port
from tests.acceptance.processes import (
    CLI,
    cli_env,
    database_env,
    served_database_url,
    wait_until_up,
)
from tests.clients import make_client
from tests.spec import SpecRecorder

CREDS = {"FINCH_SANDBOX_CLIENT_ID": "crash-id", "FINCH_SANDBOX_CLIENT_SECRET": "crash-secret"}


def start(env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=cli_env(env),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        # Its own process group, so a crash can take the server and its workers down at once.
        start_new_session=True,
    )
    wait_until_up(proc, f"http://127.0.0.1:{port}")
    return proc


def test_sigkill_mid_job_then_restart_completes_it_once(tmp_path: Path, database_url: str) -> None:
    env = {
        **CREDS,
        **database_env(database_url, tmp_path / "data"),
        "FINCH_SANDBOX_JOB_DURATION": "2",
        "FINCH_SANDBOX_JOB_LEASE_SECONDS": "1",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(env, tmp_path, port)
    try:
        app = make_client(base, SpecRecorder(), client_id="crash-id", client_secret="crash-secret")
        created = app.sandbox.connections.create(provider_id="gusto", employee_size=30)
        client = make_client(base, SpecRecorder(), created.access_token)
        person = client.hris.directory.list().individuals[5]
        client.sandbox.individual.update(person.id, first_name="Survivor")
        job = client.sandbox.jobs.create(type="data_sync_all")
        deadline = time.monotonic() + 10
        while client.jobs.automated.retrieve(job.job_id).status != "in_progress":
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    proc = start(env, tmp_path, port)
    try:
        client = make_client(base, SpecRecorder(), created.access_token)
        deadline = time.monotonic() + 20
        while (status := client.jobs.automated.retrieve(job.job_id).status) != "complete":
            assert status == "in_progress" and time.monotonic() < deadline, status
            time.sleep(0.05)
        assert client.hris.directory.list().individuals[5].first_name == "Survivor"
        assert client.hris.directory.list().paging.count == 30
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)

    # Read back with plain SQL, whichever database the server used.
    engine = create_engine(served_database_url(database_url, tmp_path / "data"), poolclass=NullPool)
    with engine.connect() as db:
        version = db.execute(text("SELECT sync_version FROM connections")).scalar_one()
        attempts, status = db.execute(
            text("SELECT attempts, status FROM jobs WHERE id = :id"), {"id": job.job_id}
        ).one()
    engine.dispose()
    # Initial sync (1) plus exactly one publish by the job, though two workers claimed it.
    assert version == 2
    assert (attempts, status) == (2, "complete")
