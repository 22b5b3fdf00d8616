"""Run `finch-sandbox` as a real subprocess, the way a user does."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from finch_sandbox.testing import free_port

CLI = [sys.executable, "-m", "finch_sandbox"]


def database_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """Where a served process keeps its data: on a SQLite run, the default file inside
    `data_dir` (as on a user's first run); on a PostgreSQL run, the test's own database."""
    if database_url.startswith("sqlite"):
        return {"FINCH_SANDBOX_DATA_DIR": str(data_dir)}
    return {"FINCH_SANDBOX_DATABASE_URL": database_url}


def served_database_url(database_url: str, data_dir: Path) -> str:
    """The URL of the database a process given `database_env(...)` uses."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{data_dir / 'finch_sandbox.db'}"
    return database_url


def cli_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINCH_SANDBOX_")}
    env.update(extra)
    return env


def wait_until_up(proc: subprocess.Popen[str], base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else ""
            raise RuntimeError(f"server exited early: {output}")
        try:
            httpx.get(base + "/providers", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def serve(env: dict[str, str], cwd: Path, *args: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), *args],
        env=cli_env(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"server exited early: {proc.stdout.read() if proc.stdout else ''}"
                )
            try:
                httpx.get(base + "/providers", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


# --- several processes at once (API processes and workers on one shared database) ----------


def log_tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a process's log file ("" if it has none yet)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class ProcessGroups:
    """`finch-sandbox` subprocesses, each in its own session (so its process group holds it and
    anything it forks, e.g. granian's API processes), with output in a log file per process.

    Use as a context manager: on exit every process still running gets SIGTERM, then SIGKILL
    after a grace period, by process group, so no test leaves a process behind."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.logs: dict[int, Path] = {}
        self._procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> ProcessGroups:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_all()

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """`finch-sandbox <args>` with this group's environment; output to `<cwd>/<name>.log`."""
        log = self.cwd / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*CLI, *args],
                env=cli_env(self.env),
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._procs.append(proc)
        self.logs[proc.pid] = log
        return proc

    def serve(
        self, name: str, *args: str, timeout: float = 30
    ) -> tuple[subprocess.Popen[bytes], str]:
        """Start `serve --port <free port> <args>` and wait until it answers; return it and its
        base URL."""
        port = free_port()
        proc = self.start(name, "serve", "--port", str(port), *args)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(proc, base, timeout)  # type: ignore[arg-type]
        except (RuntimeError, httpx.HTTPError) as exc:
            raise RuntimeError(f"{name} did not come up: {exc}\n{self.output(proc)}") from exc
        return proc, base

    def worker(self, name: str, *args: str, timeout: float = 30) -> subprocess.Popen[bytes]:
        """Start `worker <args>` and wait until it says its job loops run."""
        proc = self.start(name, "worker", *args)
        deadline = time.monotonic() + timeout
        while "job loop" not in self.output(proc):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{self.output(proc)}")
            time.sleep(0.05)
        return proc

    def output(self, proc: subprocess.Popen[bytes], lines: int = 40) -> str:
        return log_tail(self.logs[proc.pid], lines)

    def signal(self, proc: subprocess.Popen[bytes], sig: int) -> None:
        """Send `sig` to the process's whole group (only while it is not yet reaped, so the
        group id cannot belong to anyone else)."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 15) -> int:
        """SIGTERM the group, SIGKILL it after `grace` seconds; return the exit code."""
        self.signal(proc, signal.SIGTERM)
        try:
            return proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.signal(proc, signal.SIGKILL)
            return proc.wait()
        finally:
            # A group leader that exited may leave children behind (e.g. a killed supervisor).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        while self._procs:
            self.stop(self._procs.pop())
