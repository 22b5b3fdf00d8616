"""Benchmark finch-sandbox against Prism, Steady and a bare-ASGI baseline, on loopback.

Throughput and latency (wrk) of four Finch API requests, time from launch to the first 2xx answer,
and peak resident memory, for finch-sandbox, two OpenAPI mock servers (Stoplight Prism, Steady)
serving Finch's OpenAPI file, and a bare ASGI app on finch-sandbox's own server stack (granian).

    .venv/bin/python -m bench.compare [--duration 8] [--connections 32] [--quick] [--skip-mocks]
                                      [--launches 5] [--warmup 1] [--json results.json]

Prism (`@stoplight/prism-cli@5`) and Steady (`@stdy/cli`) are installed from npm into
`bench/.tools/node_modules` on first use and serve `../shared/finch-api/openapi.yaml`; load comes
from `wrk` (`apt-get install -y wrk`). Every process this script starts is stopped before it
exits, also on Ctrl-C. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from bench.processes import (
    Processes,
    Terminated,
    _raise_terminated,
    free_port,
    running,
    wait_until_ready,
)
from bench.report import Results, log, report
from bench.resources import CpuSnapshot, RssSampler, process_tree
from bench.servers import (
    READY_HEADERS,
    Fixtures,
    ServerKind,
    api_headers,
    baseline_kind,
    finch_kind,
    prism_kind,
    probe,
    requests_for,
    seed_finch,
    steady_kind,
)
from bench.settings import BASELINE, EMPLOYEES, FINCH, LABELS, OTHER_CORES_WARNING, PRISM, STEADY
from bench.tools import ensure_tools, versions
from bench.wrk import RUN_ORDER, Request, run_wrk

Prepare = Callable[[str], tuple[Mapping[str, Request], Mapping[str, str]]]


def load_server(
    procs: Processes,
    kind: ServerKind,
    prepare: Prepare,
    endpoints: Sequence[str],
    results: Results,
    args: argparse.Namespace,
    work: Path,
) -> None:
    """Start one server; `prepare(base_url)` readies it and returns the requests and headers to
    send; run each endpoint against it under wrk; stop it."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log(f"{LABELS[kind.name]}: starting on {base_url}")
    with running(procs, kind.argv(port), name=kind.name, env=kind.env()) as proc:
        wait_until_ready(
            procs, proc, base_url + kind.ready_path, READY_HEADERS, time.perf_counter()
        )
        with RssSampler(proc.pid) as rss:
            requests, headers = prepare(base_url)
            for key in endpoints:
                request = requests[key]
                status, text = probe(base_url, request, headers)
                if not 200 <= status < 300:
                    note = f"{LABELS[kind.name]} answered {request.method} {request.path} with HTTP {status}: {text}"
                    results.notes.append(note)
                    log("WARNING " + note)
                if args.warmup > 0:
                    run_wrk(
                        base_url,
                        request,
                        headers,
                        duration=args.warmup,
                        connections=args.connections,
                        script_dir=work,
                    )
                log(f"{LABELS[kind.name]}: wrk {request.method} {request.path} {args.duration}s")
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
                if outcome.other_cores > OTHER_CORES_WARNING:
                    results.notes.append(
                        f"{LABELS[kind.name]} {request.method} {request.path}: other processes "
                        f"kept {outcome.other_cores:.2f} cores busy during the run"
                    )
                results.load.setdefault(key, {})[kind.name] = outcome
                if proc.poll() is not None:
                    raise RuntimeError(f"exited during the load run\n{procs.log_tail(proc)}")
        results.rss[kind.name] = {
            "process": "+".join(rss.names),
            "pid_count": len(process_tree(proc.pid)),
            "idle_mb": round(rss.idle_kb / 1024, 1),
            "peak_mb": round(rss.peak_kb / 1024, 1),
        }


def measure_launches(procs: Processes, kind: ServerKind, launches: int) -> list[float]:
    """Median-worthy samples: launch, poll every 10 ms until 2xx, stop; `launches` times."""
    samples = []
    for _ in range(launches):
        port = free_port()
        env = kind.env()
        argv = kind.argv(port)
        started = time.perf_counter()
        with running(procs, argv, name=f"{kind.name}-launch", env=env, cwd=kind.cwd) as proc:
            elapsed = wait_until_ready(
                procs, proc, f"http://127.0.0.1:{port}{kind.ready_path}", READY_HEADERS, started
            )
        samples.append(round(elapsed * 1000, 1))
    return samples


def run(args: argparse.Namespace, node: str | None) -> Results:
    results = Results()
    results.load_average = os.getloadavg()[0]
    if results.load_average > 0.5:
        results.notes.append(
            f"the 1-minute load average was {results.load_average:.2f} at the start: other "
            "processes share the CPUs, so figures are noisier and lower than on an idle machine"
        )
    servers = [FINCH, BASELINE] + ([] if args.skip_mocks else [PRISM, STEADY])
    with tempfile.TemporaryDirectory(prefix="finch-bench-") as tmp:
        work = Path(tmp)
        procs = Processes(work)
        counter = iter(range(1_000_000))

        def fresh_data_dir() -> Path:
            path = work / f"data-{next(counter)}"
            path.mkdir()
            return path

        kinds: dict[str, ServerKind] = {FINCH: finch_kind(fresh_data_dir, f"{args.job_duration:g}")}
        body_file = work / "directory.json"
        kinds[BASELINE] = baseline_kind(body_file)
        if node is not None:
            kinds[PRISM] = prism_kind(node)
            kinds[STEADY] = steady_kind(node)
        try:
            # finch-sandbox first: it mints the token and the directory bytes the others use.
            fixtures: list[Fixtures] = []

            def prepare_finch(base_url: str) -> tuple[dict[str, Request], dict[str, str]]:
                log("finch-sandbox: seeding a 20-employee gusto connection with the Finch SDK")
                seeded = seed_finch(base_url)
                fixtures.append(seeded)
                body_file.write_bytes(seeded.directory_body)
                return requests_for(seeded.individual_ids, seeded.job_id), api_headers(seeded.token)

            load_server(procs, kinds[FINCH], prepare_finch, RUN_ORDER, results, args, work)
            headers = api_headers(fixtures[0].token)

            def prepare_baseline(base_url: str) -> tuple[dict[str, Request], dict[str, str]]:
                got = httpx.get(base_url + "/employer/directory", timeout=10.0).content
                if got != fixtures[0].directory_body:
                    raise RuntimeError("the baseline does not answer finch-sandbox's bytes")
                return {"directory": Request("GET", "/employer/directory", None)}, headers

            load_server(
                procs, kinds[BASELINE], prepare_baseline, ["directory"], results, args, work
            )

            # Any uuid will do for the mocks: they answer from the OpenAPI file's examples.
            mock_requests = requests_for(
                [str(uuid.uuid4()) for _ in range(EMPLOYEES)], str(uuid.uuid4())
            )
            for name in (PRISM, STEADY):
                if name not in kinds:
                    continue
                try:
                    load_server(
                        procs,
                        kinds[name],
                        lambda _url: (mock_requests, headers),
                        RUN_ORDER,
                        results,
                        args,
                        work,
                    )
                except (RuntimeError, httpx.HTTPError) as exc:
                    results.errors[name] = str(exc)
                    log(f"{LABELS[name]}: FAILED: {exc}")

            # Round-robin, one launch of each server per round: on a shared machine whose speed
            # drifts over minutes, every server then meets the same slow and fast spells.
            launching = [name for name in servers if name not in results.errors]
            log(f"{', '.join(LABELS[n] for n in launching)}: {args.launches} launch round(s)")
            for _ in range(args.launches):
                for name in list(launching):
                    try:
                        sample = measure_launches(procs, kinds[name], 1)
                    except RuntimeError as exc:
                        results.errors[f"{name}_launch"] = str(exc)
                        log(f"{LABELS[name]}: launch FAILED: {exc}")
                        launching.remove(name)
                        results.launch_ms.pop(name, None)
                        continue
                    results.launch_ms.setdefault(name, []).extend(sample)
        finally:
            procs.stop_all()
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 8; quick: 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument(
        "--warmup",
        type=int,
        help="seconds of unmeasured load before each run (default 1; quick: 0)",
    )
    parser.add_argument(
        "--launches", type=int, help="launches per server for launch time (default 5; quick: 1)"
    )
    parser.add_argument("--quick", action="store_true", help="a ~1-minute smoke run")
    parser.add_argument("--skip-mocks", action="store_true", help="skip Prism and Steady")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure here")
    parser.add_argument(
        "--job-duration",
        type=float,
        default=1.0,
        help=(
            "FINCH_SANDBOX_JOB_DURATION for the load runs (default 1, the server's default: "
            "repeated POST /sandbox/jobs meet the running job, as on Finch; 0 makes nearly "
            "every call create and run a job, the worst case)"
        ),
    )
    parser.add_argument(
        "--skip-jobs", action="store_true", help="skip enqueue->complete and creation timings"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    if args.duration is None:
        args.duration = 2 if quick else 8
    if args.warmup is None:
        args.warmup = 0 if quick else 1
    if args.launches is None:
        args.launches = 1 if quick else 5
    if args.duration < 1 or args.connections < 2 or args.launches < 1 or args.warmup < 0:
        parser.error("--duration, --launches >= 1, --connections >= 2, --warmup >= 0")
    return args


def job_figures(args: argparse.Namespace) -> tuple[str, dict[str, object]]:
    """Enqueue->complete (job duration 0) and connection creation, per company size."""
    from bench.job_latency import measure

    sizes = [20, 1000] if args.quick else [20, 1000, 10000]
    figures = measure(sizes, runs=3 if args.quick else 5)
    lines = [
        "",
        "POST /sandbox/jobs -> job complete (FINCH_SANDBOX_JOB_DURATION=0), and connection creation",
        f"{'employees':>10} {'create s':>9} {'enqueue->complete ms (median)':>30} {'min':>7} {'max':>7}",
    ]
    for fig in figures:
        lines.append(
            f"{fig.employees:>10} {fig.create_s:>9.2f} {fig.median_ms:>30.1f} "
            f"{min(fig.complete_ms):>7.1f} {max(fig.complete_ms):>7.1f}"
        )
    for fig in figures:
        lines.append(
            f"SUMMARY job_complete_ms employees={fig.employees} median={fig.median_ms:.1f} "
            f"create_s={fig.create_s:.2f}"
        )
    data = {
        str(fig.employees): {"create_s": fig.create_s, "complete_ms": fig.complete_ms}
        for fig in figures
    }
    return "\n".join(lines), data


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    node = ensure_tools(args.skip_mocks)
    previous = {
        sig: signal.signal(sig, _raise_terminated) for sig in (signal.SIGTERM, signal.SIGHUP)
    }
    # Ctrl-C must reach the finally-blocks even when started from a shell that ignores SIGINT.
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.perf_counter()
    try:
        results = run(args, node)
    except (KeyboardInterrupt, Terminated):
        print("\ninterrupted; every server was stopped", file=sys.stderr)
        return 130
    except (RuntimeError, httpx.HTTPError, subprocess.SubprocessError) as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    text, data = report(results, args)
    print(text)
    if not args.skip_jobs:
        jobs_text, jobs_data = job_figures(args)
        print(jobs_text)
        data["jobs"] = jobs_data
    info = versions(node)
    print(
        "versions: "
        + " ".join(f"{k}={v}" for k, v in info.items() if v is not None)
        + f"  (run took {time.perf_counter() - started:.0f}s)"
    )
    if args.json is not None:
        data["config"] = {
            "duration_s": args.duration,
            "connections": args.connections,
            "threads": 2,
            "warmup_s": args.warmup,
            "launches": args.launches,
            "skip_mocks": args.skip_mocks,
            "employees": EMPLOYEES,
        }
        data["versions"] = info
        args.json.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
