"""Process roles: `serve --no-worker` beside a separate `finch-sandbox worker`, and what every
API process then sees (its cached answers are checked against the database, not memory)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.acceptance.processes import CLI, cli_env, serve
from tests.clients import make_client
from tests.spec import SpecRecorder

CREDS = {"FINCH_SANDBOX_CLIENT_ID": "roles-id", "FINCH_SANDBOX_CLIENT_SECRET": "roles-secret"}


def test_a_separate_worker_runs_the_jobs_and_the_api_sees_them(tmp_path: Path) -> None:
    env = {
        **CREDS,
        "FINCH_SANDBOX_DATA_DIR": str(tmp_path / "data"),
        "FINCH_SANDBOX_JOB_DURATION": "0.3",
    }
    subprocess.run(
        [*CLI, "db", "upgrade"], env=cli_env(env), cwd=tmp_path, check=True, capture_output=True
    )
    with serve(env, tmp_path, "--no-worker") as base:
        app = make_client(base, SpecRecorder(), client_id="roles-id", client_secret="roles-secret")
        created = app.sandbox.connections.create(provider_id="gusto", employee_size=4)
        client = make_client(base, SpecRecorder(), created.access_token)
        person = client.hris.directory.list().individuals[0]
        client.hris.directory.list()  # cached now
        client.sandbox.individual.update(person.id, first_name="Elsewhere")
        job = client.sandbox.jobs.create(type="data_sync_all")
        time.sleep(0.5)
        # No worker anywhere yet: the job waits, and nothing is published.
        assert client.jobs.automated.retrieve(job.job_id).status == "pending"
        assert client.jobs.automated.retrieve(job.job_id).status == "pending"
        worker = subprocess.Popen(
            [*CLI, "worker"],
            env=cli_env(env),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 20
            while client.jobs.automated.retrieve(job.job_id).status != "complete":
                assert time.monotonic() < deadline
                time.sleep(0.02)
            # The API process never saw the change happen, yet serves the synced data.
            assert client.hris.directory.list().individuals[0].first_name == "Elsewhere"
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            assert worker.wait(timeout=15) == 0


def test_worker_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {**CREDS, "FINCH_SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = subprocess.run(
        [*CLI, "worker"], env=cli_env(env), cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "db upgrade" in result.stderr
