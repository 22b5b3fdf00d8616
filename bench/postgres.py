"""finch-sandbox on PostgreSQL: API throughput with 1 vs 2 API processes, and job throughput with
1 vs 2 worker processes, next to the same API figures on SQLite.

    .venv/bin/python -m bench.postgres [--duration 5] [--connections 32] [--jobs 200]
                                       [--rounds 2] [--admin-url URL] [--json results.json]

(a) `GET /employer/directory` and `POST /sandbox/jobs` under `wrk -t2 -c32 -d5s` against
    `serve` on SQLite, `serve --workers 1` and `serve --workers 2` on PostgreSQL.
(b) Jobs completed per second: `serve --no-worker` plus 1 or 2 `worker` processes
    (FINCH_SANDBOX_JOB_DURATION=0, a quota never reached), one job for each of `--jobs`
    2-employee connections. "live": the workers run, the jobs are enqueued as fast as the API
    answers, and the clock stops when the database shows every one complete. "backlog": the
    jobs are enqueued first, then the workers start; the time is that from the first claim to
    the last completion, from the jobs' own timestamps (what the workers alone can do).

Each PostgreSQL run gets a fresh database (`finch_bench_<random>`, migrated with
`finch-sandbox db upgrade`, dropped at the end) on the server of `--admin-url` (default
$FINCH_SANDBOX_TEST_DATABASE_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
Every process started is stopped at the end, also on Ctrl-C. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bench.processes import Processes, Terminated, _raise_terminated, free_port, wait_until_ready
from bench.report import fmt, log, table
from bench.resources import CpuSnapshot
from bench.servers import READY_HEADERS, api_headers, seed_finch
from bench.settings import CLIENT_ID, CLIENT_SECRET, REPO_ROOT
from bench.wrk import LoadResult, Request, run_wrk

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "finch_bench_"
CLI = [sys.executable, "-m", "finch_sandbox"]
NEVER_REACHED = "100000000"
JOB_EMPLOYEES = 2
ENQUEUE_THREADS = 16
CREATE_THREADS = 8
DB_POLL_INTERVAL = 0.02

# The API configurations of part (a), in the order they run and are printed.
SQLITE, PG1, PG2 = "sqlite", "pg_w1", "pg_w2"
API_LABELS = {
    SQLITE: "SQLite, serve",
    PG1: "PostgreSQL, serve --workers 1",
    PG2: "PostgreSQL, serve --workers 2",
}
API_REQUESTS = {
    "directory": Request("GET", "/employer/directory", None),
    "jobs_create": Request("POST", "/sandbox/jobs", '{"type":"data_sync_all"}'),
}
API_TITLES = {"directory": "GET /employer/directory", "jobs_create": "POST /sandbox/jobs"}


# --------------------------------------------------------------------------- environment


def server_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This environment without any FINCH_SANDBOX_* of the caller's, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINCH_SANDBOX_")}
    env.update(
        {
            "FINCH_SANDBOX_CLIENT_ID": CLIENT_ID,
            "FINCH_SANDBOX_CLIENT_SECRET": CLIENT_SECRET,
            "FINCH_SANDBOX_REFRESHES_PER_HOUR": NEVER_REACHED,
        }
    )
    env.update(extra)
    return env


class PostgresServer:
    """Creates fresh, migrated databases on one PostgreSQL server and drops them again."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url).set(drivername="postgresql+psycopg")
        self._admin: Engine = create_engine(
            self.admin_url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 5},
        )

    def check(self) -> str:
        """The server's version; raises RuntimeError if it cannot be reached."""
        try:
            with self._admin.connect() as conn:
                return str(conn.execute(text("SHOW server_version")).scalar())
        except OperationalError as exc:
            raise RuntimeError(
                f"PostgreSQL at {self.admin_url.render_as_string()} is unreachable: {exc.orig}"
            ) from exc

    @contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A new database migrated by `finch-sandbox db upgrade`; yields its URL, then drops it."""
        name = f"{DATABASE_PREFIX}{secrets.token_hex(6)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        try:
            url = self.admin_url.set(database=name).render_as_string(hide_password=False)
            done = subprocess.run(
                [*CLI, "db", "upgrade", "--database-url", url],
                env=server_env({}),
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if done.returncode != 0:
                raise RuntimeError(f"db upgrade failed:\n{done.stdout}\n{done.stderr}")
            yield url
        finally:
            self._drop(name)

    def _drop(self, name: str) -> None:
        for attempt in range(10):
            self._execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            try:
                self._execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except OperationalError:
                if attempt == 9:
                    raise
                time.sleep(0.3)

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(sql))

    def close(self) -> None:
        self._admin.dispose()


# --------------------------------------------------------------------------- processes


def start_server(
    procs: Processes, name: str, env: Mapping[str, str], *args: str
) -> tuple[subprocess.Popen[bytes], str]:
    """`finch-sandbox serve --port <free> <args>`, ready (first 2xx on /providers)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = procs.start([*CLI, "serve", "--port", str(port), *args], name=name, env=env)
    wait_until_ready(procs, proc, base_url + "/providers", READY_HEADERS, time.perf_counter())
    return proc, base_url


# --------------------------------------------------------------------------- (a) API throughput


@dataclass
class Results:
    load: dict[str, dict[str, LoadResult]] = field(default_factory=dict)  # endpoint -> config
    # (mode, workers) -> runs
    jobs: dict[tuple[str, int], list[JobRun]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def load_api(
    procs: Processes,
    config: str,
    env: Mapping[str, str],
    serve_args: Sequence[str],
    results: Results,
    args: argparse.Namespace,
    work: Path,
) -> None:
    """Start one API configuration, seed a 20-employee connection, run wrk on each request."""
    log(f"{API_LABELS[config]}: starting")
    proc, base_url = start_server(procs, config, env, *serve_args)
    try:
        seeded = seed_finch(base_url)
        headers = api_headers(seeded.token)
        for key, request in API_REQUESTS.items():
            if args.warmup > 0:
                run_wrk(
                    base_url,
                    request,
                    headers,
                    duration=args.warmup,
                    connections=args.connections,
                    script_dir=work,
                )
            log(f"{API_LABELS[config]}: wrk {request.method} {request.path} {args.duration}s")
            before = CpuSnapshot.take(proc.pid)
            outcome = run_wrk(
                base_url,
                request,
                headers,
                duration=args.duration,
                connections=args.connections,
                script_dir=work,
            )
            outcome.server_cores, outcome.other_cores = CpuSnapshot.take(proc.pid).cores_since(
                before
            )
            if outcome.non2xx or outcome.socket_errors:
                results.notes.append(
                    f"{API_LABELS[config]} {request.method} {request.path}: {outcome.non2xx} "
                    f"non-2xx (first {outcome.first_bad_status}), {outcome.socket_errors} "
                    "socket errors"
                )
            results.load.setdefault(key, {})[config] = outcome
            if proc.poll() is not None:
                raise RuntimeError(f"{config} exited during the load run\n{procs.log_tail(proc)}")
    finally:
        procs.stop(proc)


def api_throughput(
    procs: Processes,
    postgres: PostgresServer,
    results: Results,
    args: argparse.Namespace,
    work: Path,
) -> None:
    # JOB_DURATION as in bench.compare (the default, 1 s): repeated POST /sandbox/jobs for one
    # connection mostly meet its running job, as on Finch.
    common = {"FINCH_SANDBOX_JOB_DURATION": f"{args.job_duration:g}"}
    data_dir = work / "sqlite-data"
    data_dir.mkdir()
    sqlite_env = server_env({**common, "FINCH_SANDBOX_DATA_DIR": str(data_dir)})
    load_api(procs, SQLITE, sqlite_env, [], results, args, work)
    for config, processes in ((PG1, "1"), (PG2, "2")):
        with postgres.fresh_database() as url:
            env = server_env({**common, "FINCH_SANDBOX_DATABASE_URL": url})
            load_api(procs, config, env, ["--workers", processes], results, args, work)


# --------------------------------------------------------------------------- (b) job throughput


LIVE, BACKLOG = "live", "backlog"
MODE_TITLES = {
    LIVE: "workers running, jobs enqueued as fast as the API answers; jobs/s = jobs ÷ "
    "(first enqueue -> all complete)",
    BACKLOG: "jobs enqueued first (pending), then the workers started; jobs/s = jobs ÷ "
    "(first claim -> last completion, from the jobs' own timestamps)",
}


@dataclass
class JobRun:
    workers: int
    mode: str  # LIVE or BACKLOG
    jobs: int
    enqueue_s: float  # first enqueue request sent -> last answer received
    complete_s: float  # first enqueue (live) or worker launch (backlog) -> all complete
    drain_s: float  # the jobs' first started_at -> their last completed_at (database clock)
    per_worker: list[int]  # jobs finished by each worker process

    @property
    def jobs_per_s(self) -> float:
        seconds = self.complete_s if self.mode == LIVE else self.drain_s
        return self.jobs / seconds if seconds > 0 else 0.0


def create_connections(base_url: str, count: int) -> list[str]:
    """`count` small gusto connections made with the official SDK; their access tokens."""
    from finch import Finch

    def create(_: int) -> str:
        with Finch(
            base_url=base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, max_retries=0
        ) as app:
            created = app.sandbox.connections.create(
                provider_id="gusto", employee_size=JOB_EMPLOYEES
            )
        return str(created.access_token)

    with ThreadPoolExecutor(max_workers=CREATE_THREADS) as pool:
        return list(pool.map(create, range(count)))


def enqueue_all(base_url: str, tokens: Sequence[str]) -> list[str]:
    """One `POST /sandbox/jobs` per token, from ENQUEUE_THREADS threads; the job ids."""
    limits = httpx.Limits(max_connections=ENQUEUE_THREADS)
    with httpx.Client(base_url=base_url, limits=limits, timeout=60.0) as http:

        def enqueue(token: str) -> str:
            answer = http.post(
                "/sandbox/jobs", json={"type": "data_sync_all"}, headers=api_headers(token)
            )
            if answer.status_code != 200:
                raise RuntimeError(f"POST /sandbox/jobs: HTTP {answer.status_code} {answer.text}")
            return str(answer.json()["job_id"])

        with ThreadPoolExecutor(max_workers=ENQUEUE_THREADS) as pool:
            job_ids = list(pool.map(enqueue, tokens))
    if len(set(job_ids)) != len(tokens):
        raise RuntimeError("a connection had a job running already: the runs overlapped")
    return job_ids


IDS = "id = ANY(CAST(:ids AS text[]))"


def wait_all_complete(engine: Engine, job_ids: Sequence[str], timeout: float = 600) -> None:
    """Poll the database every DB_POLL_INTERVAL until every one of `job_ids` is complete."""
    query = text(f"SELECT count(*) FROM jobs WHERE status = 'complete' AND {IDS}")
    deadline = time.perf_counter() + timeout
    with engine.connect() as conn:
        while True:
            done = conn.execute(query, {"ids": list(job_ids)}).scalar_one()
            conn.rollback()  # a fresh snapshot for the next poll
            if done == len(job_ids):
                return
            if time.perf_counter() > deadline:
                raise RuntimeError(f"only {done} of {len(job_ids)} jobs complete after {timeout}s")
            time.sleep(DB_POLL_INTERVAL)


def job_figures(
    engine: Engine, job_ids: Sequence[str], workers: Sequence[subprocess.Popen[bytes]]
) -> tuple[float, list[int]]:
    """(the jobs' first claim -> last completion in seconds, jobs finished per worker process;
    jobs.worker_id is "<pid>-<hex>")."""
    with engine.connect() as conn:
        drain = conn.execute(
            text(
                "SELECT extract(epoch FROM max(completed_at) - min(started_at)) FROM jobs "
                f"WHERE {IDS}"
            ),
            {"ids": list(job_ids)},
        ).scalar_one()
        rows = conn.execute(
            text(
                "SELECT split_part(worker_id, '-', 1) AS pid, count(*) AS n FROM jobs "
                f"WHERE {IDS} GROUP BY 1"
            ),
            {"ids": list(job_ids)},
        ).all()
    counts = {str(row.pid): int(row.n) for row in rows}
    return float(drain), [counts.get(str(proc.pid), 0) for proc in workers]


def launch_workers(
    procs: Processes, name: str, env: Mapping[str, str], count: int
) -> list[subprocess.Popen[bytes]]:
    """Start `count` worker processes at once, then wait until each runs its job loops."""
    workers = [procs.start([*CLI, "worker"], name=f"{name}-{n}", env=env) for n in range(count)]
    deadline = time.monotonic() + 60
    for proc in workers:
        while "job loop" not in procs.log_tail(proc):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"a worker did not start\n{procs.log_tail(proc)}")
            time.sleep(0.02)
    return workers


def job_round(
    procs: Processes,
    env: Mapping[str, str],
    base_url: str,
    engine: Engine,
    tokens: Sequence[str],
    *,
    count: int,
    mode: str,
    name: str,
) -> JobRun:
    workers: list[subprocess.Popen[bytes]] = []
    try:
        if mode == LIVE:
            workers = launch_workers(procs, name, env, count)
            started = time.perf_counter()
            job_ids = enqueue_all(base_url, tokens)
            enqueue_s = time.perf_counter() - started
        else:
            started = time.perf_counter()
            job_ids = enqueue_all(base_url, tokens)
            enqueue_s = time.perf_counter() - started
            started = time.perf_counter()
            workers = launch_workers(procs, name, env, count)
        wait_all_complete(engine, job_ids)
        complete_s = time.perf_counter() - started
        drain_s, per_worker = job_figures(engine, job_ids, workers)
    finally:
        for worker in workers:
            procs.stop(worker)
    return JobRun(count, mode, len(job_ids), enqueue_s, complete_s, drain_s, per_worker)


def job_throughput(
    procs: Processes, postgres: PostgresServer, results: Results, args: argparse.Namespace
) -> None:
    """One database and one set of connections; each round runs 1 then 2 worker processes,
    first live, then on a backlog."""
    with postgres.fresh_database() as url:
        env = server_env({"FINCH_SANDBOX_DATABASE_URL": url, "FINCH_SANDBOX_JOB_DURATION": "0"})
        engine = create_engine(url, poolclass=NullPool)
        proc, base_url = start_server(procs, "jobs-api", env, "--no-worker")
        try:
            log(f"jobs: creating {args.jobs} {JOB_EMPLOYEES}-employee connections")
            started = time.perf_counter()
            tokens = create_connections(base_url, args.jobs)
            log(f"jobs: created in {time.perf_counter() - started:.1f}s")
            for round_ in range(args.rounds):
                for mode in (LIVE, BACKLOG):
                    for count in (1, 2):
                        run = job_round(
                            procs,
                            env,
                            base_url,
                            engine,
                            tokens,
                            count=count,
                            mode=mode,
                            name=f"worker-{round_}-{mode}-{count}",
                        )
                        results.jobs.setdefault((mode, count), []).append(run)
                        log(
                            f"jobs ({mode}): {count} worker(s): {run.jobs_per_s:.1f} jobs/s "
                            f"(enqueued in {run.enqueue_s:.2f}s, all complete after "
                            f"{run.complete_s:.2f}s, claim->last completion {run.drain_s:.2f}s, "
                            f"per worker {run.per_worker})"
                        )
        finally:
            procs.stop(proc)
            engine.dispose()


# --------------------------------------------------------------------------- report


def ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def divide(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def report(results: Results, args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    out: list[str] = []
    summary: list[str] = []
    data: dict[str, Any] = {"load": {}, "jobs": {}, "notes": results.notes}
    for key, by_config in results.load.items():
        rows = []
        for config in (SQLITE, PG1, PG2):
            r = by_config.get(config)
            if r is None:
                continue
            rows.append(
                [
                    API_LABELS[config],
                    f"{r.rps:.0f}",
                    f"{r.p50_ms:.2f}",
                    f"{r.p99_ms:.2f}",
                    str(r.non2xx),
                    str(r.socket_errors),
                    f"{r.server_cores:.2f}",
                    f"{r.other_cores:.2f}",
                ]
            )
        out.append(
            f"\n{API_TITLES[key]}   (wrk -t2 -c{args.connections} -d{args.duration}s, "
            "20-employee connection)"
        )
        out.append(
            table(
                [
                    "configuration",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "non-2xx",
                    "sock err",
                    "srv cores",
                    "other cores",
                ],
                rows,
            )
        )
        w1, w2 = by_config.get(PG1), by_config.get(PG2)
        scaling = divide(w2.rps if w2 else None, w1.rps if w1 else None)
        out.append(f"2 API processes ÷ 1 (req/s): {ratio_text(scaling)}")
        data["load"][key] = {c: vars(r) for c, r in by_config.items()}
        data["load"][key]["ratio_w2_w1"] = scaling
        for figure, digits in (("rps", 0), ("p50_ms", 2), ("p99_ms", 2)):
            values = {c: getattr(r, figure) for c, r in by_config.items()}
            parts = [f"{c}={fmt(values.get(c), digits)}" for c in (SQLITE, PG1, PG2)]
            ratio = divide(values.get(PG2), values.get(PG1))
            parts.append(f"ratio_w2_w1={ratio_text(ratio)}")
            parts.append(
                f"ratio_pg_w1_sqlite={ratio_text(divide(values.get(PG1), values.get(SQLITE)))}"
            )
            summary.append(f"SUMMARY {key}_{figure} " + " ".join(parts))

    if results.jobs:
        out.append(
            f"\nJobs completed per second (FINCH_SANDBOX_JOB_DURATION=0, serve --no-worker + N "
            f"worker processes, {args.jobs} {JOB_EMPLOYEES}-employee connections, one job each)"
        )
        data["jobs"] = {}
        for mode in (LIVE, BACKLOG):
            rows = []
            medians: dict[int, float] = {}
            for count in (1, 2):
                runs = results.jobs.get((mode, count), [])
                if runs:
                    medians[count] = statistics.median(run.jobs_per_s for run in runs)
                for run in runs:
                    rows.append(
                        [
                            str(count),
                            f"{run.enqueue_s:.2f}",
                            f"{run.complete_s:.2f}",
                            f"{run.drain_s:.2f}",
                            f"{run.jobs_per_s:.1f}",
                            "/".join(map(str, run.per_worker)),
                        ]
                    )
            if not rows:
                continue
            out.append(f"\n{mode}: {MODE_TITLES[mode]}")
            out.append(
                table(
                    [
                        "workers",
                        "enqueue s",
                        "to all complete s",
                        "claim->last s",
                        "jobs/s",
                        "per worker",
                    ],
                    rows,
                )
            )
            scaling = divide(medians.get(2), medians.get(1))
            out.append(f"2 workers ÷ 1 (jobs/s, medians of {args.rounds}): {ratio_text(scaling)}")
            data["jobs"][mode] = {
                str(count): [vars(run) for run in results.jobs.get((mode, count), [])]
                for count in (1, 2)
            }
            data["jobs"][mode]["ratio_w2_w1"] = scaling
            summary.append(
                f"SUMMARY jobs_per_s_{mode} workers1={fmt(medians.get(1), 1)} "
                f"workers2={fmt(medians.get(2), 1)} ratio_w2_w1={ratio_text(scaling)}"
            )

    if results.notes:
        out.append("\nNotes:")
        out += [f"  {note}" for note in results.notes]
    out += summary
    return "\n".join(out), data


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.postgres", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="seconds of unmeasured load before each run"
    )
    parser.add_argument(
        "--job-duration",
        type=float,
        default=1.0,
        help="FINCH_SANDBOX_JOB_DURATION of the API runs (default 1, as bench.compare)",
    )
    parser.add_argument(
        "--jobs", type=int, default=200, help="connections (one job each) for part (b)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each worker count in part (b) (default 2)"
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("FINCH_SANDBOX_TEST_DATABASE_URL") or DEFAULT_ADMIN_URL,
        help="a PostgreSQL URL whose role may create databases",
    )
    parser.add_argument("--skip-api", action="store_true", help="skip part (a)")
    parser.add_argument("--skip-jobs", action="store_true", help="skip part (b)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure here")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 2 or args.jobs < 1 or args.rounds < 1:
        parser.error("--duration, --jobs, --rounds >= 1 and --connections >= 2")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None and not args.skip_api:
        print("wrk is not on PATH: apt-get install -y wrk", file=sys.stderr)
        return 2
    postgres = PostgresServer(args.admin_url)
    try:
        pg_version = postgres.check()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    previous = {
        sig: signal.signal(sig, _raise_terminated) for sig in (signal.SIGTERM, signal.SIGHUP)
    }
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    results = Results()
    load = os.getloadavg()[0]
    if load > 0.5:
        results.notes.append(
            f"the 1-minute load average was {load:.2f} at the start: other processes share the "
            "CPUs, so figures are noisier and lower than on an idle machine"
        )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="finch-bench-pg-") as tmp:
        work = Path(tmp)
        procs = Processes(work)
        try:
            if not args.skip_api:
                api_throughput(procs, postgres, results, args, work)
            if not args.skip_jobs:
                job_throughput(procs, postgres, results, args)
        except (KeyboardInterrupt, Terminated):
            print("\ninterrupted; every process was stopped", file=sys.stderr)
            return 130
        except (RuntimeError, httpx.HTTPError, subprocess.SubprocessError) as exc:
            print(f"\nbenchmark failed: {exc}", file=sys.stderr)
            return 1
        finally:
            procs.stop_all()
            postgres.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    text_out, data = report(results, args)
    print(text_out)
    print(
        f"versions: postgresql={pg_version} cpus={os.cpu_count()}  "
        f"(run took {time.perf_counter() - started:.0f}s)"
    )
    if args.json is not None:
        data["config"] = {
            "duration_s": args.duration,
            "connections": args.connections,
            "warmup_s": args.warmup,
            "jobs": args.jobs,
            "rounds": args.rounds,
            "postgresql": pg_version,
        }
        args.json.write_text(json.dumps(data, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
