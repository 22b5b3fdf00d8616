"""Load with wrk: the requests measured, the Lua script that counts non-2xx answers, and
the parsed figures of a run."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


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
