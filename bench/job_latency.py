"""Time from `POST /sandbox/jobs` to a `complete` job (FINCH_SANDBOX_JOB_DURATION=0), and the time
to create the connection, for companies of several sizes.

    .venv/bin/python -m bench.job_latency [--sizes 20 1000 10000] [--runs 5]

Runs `finch-sandbox serve` as a subprocess on a fresh SQLite file and drives it with the official
SDK over loopback. Each run edits one individual first, so every sync has something to publish.
`bench.compare` calls `measure` too, so its report carries these figures.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from finch import Finch

from finch_sandbox.testing import free_port

CLIENT_ID, CLIENT_SECRET = "bench-id", "bench-secret"
# How an integration polls a job; a tight loop would measure GIL contention, not the job.
POLL_INTERVAL = 0.002


@dataclass(frozen=True)
class SizeFigures:
    employees: int
    create_s: float
    complete_ms: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.complete_ms)


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FINCH_SANDBOX_DATA_DIR": str(data_dir),
        "FINCH_SANDBOX_CLIENT_ID": CLIENT_ID,
        "FINCH_SANDBOX_CLIENT_SECRET": CLIENT_SECRET,
        "FINCH_SANDBOX_JOB_DURATION": "0",
        "FINCH_SANDBOX_REFRESHES_PER_HOUR": "1000000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "finch_sandbox", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/providers", timeout=1).raise_for_status()
            return proc
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.05)


def enqueue_to_complete(client: Finch, individual_id: str, run: int) -> float:
    client.sandbox.individual.update(individual_id, preferred_name=f"bench-{run}")
    started = time.perf_counter()
    job = client.sandbox.jobs.create(type="data_sync_all")
    while client.jobs.automated.retrieve(job.job_id).status != "complete":
        time.sleep(POLL_INTERVAL)
    return time.perf_counter() - started


def measure(sizes: list[int], runs: int) -> list[SizeFigures]:
    """One server, one connection per size: creation time and enqueue->complete times."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc = start_server(Path(tmp), port)
        base = f"http://127.0.0.1:{port}"
        try:
            with Finch(
                base_url=base,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                max_retries=0,
                timeout=600,
            ) as app:
                for size in sizes:
                    t0 = time.perf_counter()
                    created = app.sandbox.connections.create(
                        provider_id="gusto", employee_size=size
                    )
                    create_s = time.perf_counter() - t0
                    with Finch(
                        base_url=base, access_token=created.access_token, max_retries=0
                    ) as client:
                        person = client.hris.directory.list(limit=1).individuals[0]
                        times = [
                            enqueue_to_complete(client, person.id, run) * 1000
                            for run in range(runs)
                        ]
                    out.append(SizeFigures(size, create_s, times))
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'employees':>10} {'create s':>10} {'enqueue->complete ms (median)':>30} {'min':>8} {'max':>8}"
    )
    for fig in measure(args.sizes, args.runs):
        print(
            f"{fig.employees:>10} {fig.create_s:>10.2f} {fig.median_ms:>30.1f} "
            f"{min(fig.complete_ms):>8.1f} {max(fig.complete_ms):>8.1f}"
        )


if __name__ == "__main__":
    main()
