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
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SPEC = Path(__file__).resolve().parents[2] / "shared/finch-api/openapi.yaml"
TOOLS_DIR = BENCH_DIR / ".tools"
NODE_MODULES = TOOLS_DIR / "node_modules"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
STEADY_PACKAGE = "@stdy/cli"
PRISM_JS = NODE_MODULES / "@stoplight/prism-cli/dist/index.js"
STEADY_JS = NODE_MODULES / "@stdy/cli/steady.js"
BASELINE_APP = BENCH_DIR / "baseline_app.py"
BASELINE_BODY_ENV = "BENCH_BASELINE_BODY"

API_VERSION = "2020-09-17"
CLIENT_ID, CLIENT_SECRET = "bench-client-id", "bench-client-secret"
EMPLOYEES = 20
READY_TIMEOUT = 90.0
OTHER_CORES_WARNING = 0.2
POLL_INTERVAL = 0.01

FINCH, PRISM, STEADY, BASELINE = "finch", "prism", "steady", "baseline"
LABELS = {
    FINCH: "finch-sandbox",
    PRISM: "prism",
    STEADY: "steady",
    BASELINE: "baseline (bare ASGI)",
}
OTHERS = (PRISM, STEADY, BASELINE)


# --------------------------------------------------------------------------- processes


class Terminated(Exception):
    """Raised in the main thread by SIGTERM/SIGHUP so the same finally-blocks as Ctrl-C run."""


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(f"signal {signum}")


class Processes:
    """Every child this script starts, each in its own session so that it, and anything it
    spawns, can be stopped by process group without touching any other process."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._live: list[subprocess.Popen[bytes]] = []
        self._logs: dict[int, Path] = {}

    def start(
        self,
        argv: Sequence[str],
        *,
        name: str,
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO_ROOT,
    ) -> subprocess.Popen[bytes]:
        log = self._log_dir / f"{name}-{len(self._logs)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                list(argv),
                env=dict(env) if env is not None else None,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._live.append(proc)
        self._logs[proc.pid] = log
        return proc

    def log_tail(self, proc: subprocess.Popen[bytes], lines: int = 15) -> str:
        log = self._logs.get(proc.pid)
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
        """SIGTERM the child's process group, SIGKILL the group after `grace` seconds.

        The group is only signalled while its leader is not yet reaped, so its id cannot have
        been reused by an unrelated process."""
        if proc in self._live:
            self._live.remove(proc)
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self) -> None:
        for proc in list(reversed(self._live)):
            self.stop(proc, grace=5.0)


@contextlib.contextmanager
def running(
    procs: Processes,
    argv: Sequence[str],
    *,
    name: str,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
) -> Iterator[subprocess.Popen[bytes]]:
    proc = procs.start(argv, name=name, env=env, cwd=cwd)
    try:
        yield proc
    finally:
        procs.stop(proc)


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(
    procs: Processes,
    proc: subprocess.Popen[bytes],
    url: str,
    headers: Mapping[str, str],
    started: float,
    timeout: float = READY_TIMEOUT,
) -> float:
    """Poll `url` every 10 ms until it answers 2xx; return seconds since `started`."""
    last = "no answer"
    with httpx.Client(timeout=5.0) as client:
        while True:
            try:
                status = client.get(url, headers=headers).status_code
                if 200 <= status < 300:
                    return time.perf_counter() - started
                last = f"HTTP {status}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{url}: server exited with code {proc.returncode}\n{procs.log_tail(proc)}"
                )
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{url}: not ready after {timeout:.0f}s ({last})")
            time.sleep(POLL_INTERVAL)


# --------------------------------------------------------------------------- memory


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime, all threads


@dataclass(frozen=True)
class CpuSnapshot:
    """Busy CPU seconds of the whole machine, of a server's process tree, of this script, and
    of this script's reaped children (wrk), at one instant."""

    at: float
    machine: float
    server: float
    own: float

    @classmethod
    def take(cls, server_pid: int) -> CpuSnapshot:
        import resource

        try:
            with open("/proc/stat") as fh:
                ticks = [int(v) for v in fh.readline().split()[1:]]
            # user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
            machine = (sum(ticks[:8]) - ticks[3] - ticks[4]) / _TICK
        except (OSError, ValueError, IndexError):
            machine = 0.0
        server = sum(_process_cpu_seconds(p) for p in process_tree(server_pid))
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
        return cls(time.perf_counter(), machine, server, own)

    def cores_since(self, before: CpuSnapshot) -> tuple[float, float]:
        """(server cores, other cores) averaged between `before` and this snapshot."""
        elapsed = self.at - before.at
        if elapsed <= 0:
            return 0.0, 0.0
        server = self.server - before.server
        other = (self.machine - before.machine) - server - (self.own - before.own)
        return server / elapsed, max(other, 0.0) / elapsed


class RssSampler:
    """Peak resident memory of a server's process tree: the largest sum of VmRSS seen every
    50 ms, or the kernel's own high-water mark (VmHWM) of the server process if that is larger."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.idle_kb = sum(_status_kb(p, "VmRSS") for p in process_tree(pid))
        self.peak_kb = self.idle_kb
        self.names = sorted({process_name(p) for p in process_tree(pid)})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            tree = process_tree(self.pid)
            self.peak_kb = max(self.peak_kb, sum(_status_kb(p, "VmRSS") for p in tree))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmHWM"))


# --------------------------------------------------------------------------- wrk


@dataclass(frozen=True)
class Endpoint:
    key: str
    method: str
    title: str


ENDPOINTS = (
    Endpoint("directory", "GET", "GET /employer/directory"),
    Endpoint("individual", "POST", "POST /employer/individual (20 ids)"),
    Endpoint("jobs_create", "POST", "POST /sandbox/jobs"),
    Endpoint("job_get", "GET", "GET /jobs/automated/{job_id}"),
)
# POST /sandbox/jobs runs last: finch-sandbox's worker publishes every job it enqueues, and that
# backlog must not eat into another endpoint's measurement.
RUN_ORDER = ("directory", "individual", "job_get", "jobs_create")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: str | None


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    first_bad_status: int
    socket_errors: int
    bytes_per_response: float
    # CPU cores kept busy on average during the run: by the server, and by processes that are
    # neither the server, wrk nor this script (tests, editors... anything sharing the machine).
    server_cores: float = 0.0
    other_cores: float = 0.0


def lua_string(text: str) -> str:
    """A double-quoted Lua literal; anything but printable ASCII goes out as \\ddd byte escapes."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        out.append(char if 32 <= byte < 127 and char not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def wrk_script(request: Request, headers: Mapping[str, str]) -> str:
    """Set method/body/headers, count non-2xx answers per thread, and print one JSON line."""
    lines = [f"wrk.method = {lua_string(request.method)}"]
    if request.body is not None:
        lines.append(f"wrk.body = {lua_string(request.body)}")
    lines += [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()]
    lines.append(
        """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0; first_bad = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == 0 then first_bad = status end
  end
end
function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    if first == 0 then first = t:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,"first_bad":%d,' ..
    '"p50_us":%d,"p99_us":%d,"socket_errors":%d}\\n',
    summary.requests, summary.duration, summary.bytes, bad, first,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout))
end
"""
    )
    return "\n".join(lines)


def run_wrk(
    base_url: str,
    request: Request,
    headers: Mapping[str, str],
    *,
    duration: int,
    connections: int,
    script_dir: Path,
) -> LoadResult:
    script = script_dir / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    script.write_text(wrk_script(request, headers))
    argv = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        base_url + request.path,
    ]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output, _ = proc.communicate(timeout=duration + 60)
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = output.decode(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed (exit {proc.returncode}):\n{text}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    requests = int(raw["requests"])
    seconds = raw["duration_us"] / 1e6
    return LoadResult(
        requests=requests,
        seconds=round(seconds, 3),
        rps=requests / seconds if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        non2xx=int(raw["non2xx"]),
        first_bad_status=int(raw["first_bad"]),
        socket_errors=int(raw["socket_errors"]),
        bytes_per_response=raw["bytes"] / requests if requests else 0.0,
    )


# --------------------------------------------------------------------------- servers


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


# --------------------------------------------------------------------------- the run


@dataclass
class Results:
    load: dict[str, dict[str, LoadResult]] = field(default_factory=dict)  # endpoint -> server
    launch_ms: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    load_average: float = 0.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


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


def ensure_tools(skip_mocks: bool) -> str | None:
    """Check wrk (and node/npm + the two mocks unless skipped); return the node executable."""
    if shutil.which("wrk") is None:
        print(
            "wrk is not on PATH. Install it, e.g.:  apt-get install -y wrk  (or brew install wrk)",
            file=sys.stderr,
        )
        raise SystemExit(2)
    if skip_mocks:
        return None
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        print(
            "node and npm are needed for Prism and Steady (or pass --skip-mocks).", file=sys.stderr
        )
        raise SystemExit(2)
    if not SPEC.exists():
        print(f"OpenAPI file not found: {SPEC} (or pass --skip-mocks).", file=sys.stderr)
        raise SystemExit(2)
    if not PRISM_JS.exists() or not STEADY_JS.exists():
        TOOLS_DIR.mkdir(parents=True, exist_ok=True)
        log(f"npm install --prefix {TOOLS_DIR} {PRISM_PACKAGE} {STEADY_PACKAGE}")
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(TOOLS_DIR),
                "--no-audit",
                "--no-fund",
                PRISM_PACKAGE,
                STEADY_PACKAGE,
            ],
            check=True,
            timeout=900,
        )
    if not PRISM_JS.exists() or not STEADY_JS.exists():
        print(f"npm install did not produce {PRISM_JS} and {STEADY_JS}", file=sys.stderr)
        raise SystemExit(2)
    return node


def package_version(package_dir: Path) -> str | None:
    try:
        return str(json.loads((package_dir / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def versions(node: str | None) -> dict[str, str | None]:
    def first_line(argv: list[str]) -> str | None:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        text = (done.stdout or done.stderr).strip()
        return text.splitlines()[0] if text else None

    import granian

    from finch_sandbox import __version__

    return {
        "finch_sandbox": __version__,
        "python": platform.python_version(),
        "granian": granian.__version__,
        "wrk": " ".join((first_line(["wrk", "-v"]) or "").split()[:2]) or None,
        "node": first_line([node, "--version"]) if node else None,
        "prism": package_version(NODE_MODULES / "@stoplight/prism-cli") if node else None,
        "steady": package_version(NODE_MODULES / "@stdy/cli") if node else None,
        "cpus": str(os.cpu_count()),
    }


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


# --------------------------------------------------------------------------- report


def ratio_value(finch: float | None, other: float | None) -> float | None:
    if finch is None or other is None or other == 0:
        return None
    return finch / other


def ratio(finch: float | None, other: float | None) -> str:
    value = ratio_value(finch, other)
    if value is None:
        return "-"
    return f"{value:.3f}x" if value < 0.1 else f"{value:.2f}x"


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def report(results: Results, args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    out: list[str] = []
    summary: dict[str, dict[str, Any]] = {}
    order = [FINCH, PRISM, STEADY, BASELINE]

    def add_summary(figure: str, values: Mapping[str, float | None], digits: int) -> None:
        finch = values.get(FINCH)
        entry: dict[str, Any] = {name: values.get(name) for name in order if name in values}
        for other in OTHERS:
            if other in values:
                entry[f"ratio_{other}"] = ratio_value(finch, values[other])
        summary[figure] = entry
        parts = [f"{n}={fmt(values.get(n), digits)}" for n in order if n in values]
        parts += [f"ratio_{o}={ratio(finch, values[o])}" for o in OTHERS if o in values]
        out_summary.append(f"SUMMARY {figure} " + " ".join(parts))

    out_summary: list[str] = []
    load_headers = [
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "sock err",
        "bytes/resp",
        "srv cores",
        "other cores",
        "finch-sandbox req/s ÷ this",
    ]
    for endpoint in ENDPOINTS:
        by_server = results.load.get(endpoint.key, {})
        if not by_server:
            continue
        finch = by_server.get(FINCH)
        rows = []
        for name in order:
            r = by_server.get(name)
            if r is None:
                continue
            bad = str(r.non2xx) + (f" ({r.first_bad_status})" if r.non2xx else "")
            rows.append(
                [
                    LABELS[name],
                    f"{r.rps:.0f}",
                    f"{r.p50_ms:.2f}",
                    f"{r.p99_ms:.2f}",
                    bad,
                    str(r.socket_errors),
                    f"{r.bytes_per_response:.0f}",
                    f"{r.server_cores:.2f}",
                    f"{r.other_cores:.2f}",
                    "-" if name == FINCH else ratio(finch.rps if finch else None, r.rps),
                ]
            )
        out.append(
            f"\n{endpoint.title}   (wrk -t2 -c{args.connections} -d{args.duration}s, "
            f"{sum(r.requests for r in by_server.values())} requests in all)"
        )
        out.append(table(load_headers, rows))
        for figure, attr, digits in (
            ("rps", "rps", 0),
            ("p50_ms", "p50_ms", 2),
            ("p99_ms", "p99_ms", 2),
        ):
            values = {n: getattr(r, attr) for n, r in by_server.items()}
            add_summary(f"{endpoint.key}_{figure}", values, digits)

    if results.launch_ms:
        medians = {n: statistics.median(s) for n, s in results.launch_ms.items()}
        rows = [
            [
                LABELS[n],
                f"{medians[n]:.0f}",
                f"{min(results.launch_ms[n]):.0f}",
                f"{max(results.launch_ms[n]):.0f}",
                "-" if n == FINCH else ratio(medians.get(FINCH), medians[n]),
            ]
            for n in order
            if n in medians
        ]
        out.append(f"\nLaunch to first 2xx answer, ms (median of {args.launches})")
        out.append(table(["server", "median", "min", "max", "finch-sandbox ÷ this"], rows))
        add_summary("launch_ms", medians, 0)

    if results.rss:
        rows = [
            [
                LABELS[n],
                results.rss[n]["process"],
                f"{results.rss[n]['idle_mb']:.1f}",
                f"{results.rss[n]['peak_mb']:.1f}",
                "-"
                if n == FINCH
                else ratio(results.rss.get(FINCH, {}).get("peak_mb"), results.rss[n]["peak_mb"]),
            ]
            for n in order
            if n in results.rss
        ]
        out.append("\nResident memory, MB (idle = once ready; peak = during its load runs)")
        out.append(table(["server", "process", "idle", "peak", "finch-sandbox ÷ this"], rows))
        add_summary("peak_rss_mb", {n: v["peak_mb"] for n, v in results.rss.items()}, 1)

    if results.notes:
        out.append("\nNotes:")
        out += [f"  {note}" for note in results.notes]
    if results.errors:
        out.append("\nErrors:")
        out += [f"  {name}: {text}" for name, text in results.errors.items()]
    out.append(
        "\nRatios are finch-sandbox ÷ the other server: for req/s higher is better for"
        " finch-sandbox, for ms and MB lower is."
    )
    out += out_summary
    data = {
        "load": {k: {n: vars(r) for n, r in by.items()} for k, by in results.load.items()},
        "launch_ms": results.launch_ms,
        "rss": results.rss,
        "summary": summary,
        "notes": results.notes,
        "errors": results.errors,
        "load_average_at_start": results.load_average,
    }
    return "\n".join(out), data


# --------------------------------------------------------------------------- main


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
