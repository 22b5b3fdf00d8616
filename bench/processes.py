"""Starting, waiting for and stopping the processes a benchmark runs; Ctrl-C and SIGTERM
stop them all."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType

import httpx

from bench.settings import POLL_INTERVAL, READY_TIMEOUT, REPO_ROOT


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
