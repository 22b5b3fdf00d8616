"""`finch-sandbox clock ...`: the running server's clock from the command line, through its
control plane over HTTP (so it moves the clock the server reads, wherever the CLI runs)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.acceptance.processes import CLI, cli_env, database_env, serve
from tests.clients import CLIENT_ID, CLIENT_SECRET

CREDS = {"FINCH_SANDBOX_CLIENT_ID": CLIENT_ID, "FINCH_SANDBOX_CLIENT_SECRET": CLIENT_SECRET}


def clock_cli(base: str, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "clock", *argv, "--url", base],
        env=cli_env(CREDS),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def served_clock(base: str) -> dict[str, object]:
    answer = httpx.get(f"{base}/_finch-sandbox/clock", auth=(CLIENT_ID, CLIENT_SECRET))
    answer.raise_for_status()
    state: dict[str, object] = answer.json()
    return state


def test_the_cli_shows_moves_and_resets_the_servers_clock(
    tmp_path: Path, database_url: str
) -> None:
    with serve({**CREDS, **database_env(database_url, tmp_path / "data")}, tmp_path) as base:
        frozen = clock_cli(base, tmp_path, "freeze", "--at", "2030-01-01T00:00:00Z")
        assert frozen.returncode == 0, frozen.stderr
        assert frozen.stdout == "2030-01-01T00:00:00.000Z  frozen\n"

        for duration, now in (
            ("90", "2030-01-01T00:01:30.000Z"),
            ("2h", "2030-01-01T02:01:30.000Z"),
            ("1.5d", "2030-01-02T14:01:30.000Z"),
            ("-30m", "2030-01-02T13:31:30.000Z"),  # a negative duration is not an option
        ):
            moved = clock_cli(base, tmp_path, "advance", duration)
            assert moved.returncode == 0, moved.stderr
            assert moved.stdout == f"{now}  frozen\n"
            assert served_clock(base)["now"] == now

        ticking = clock_cli(base, tmp_path, "unfreeze")
        assert ticking.returncode == 0, ticking.stderr
        assert " ahead of wall time\n" in ticking.stdout
        assert served_clock(base)["frozen"] is False

        shown = clock_cli(base, tmp_path, "show")
        assert shown.stdout.startswith("2030-01-02T13:31:3"), shown.stdout

        reset = clock_cli(base, tmp_path, "reset")
        assert reset.returncode == 0, reset.stderr
        assert reset.stdout.endswith("  running, at wall time\n")
        at = datetime.fromisoformat(reset.stdout.split()[0])
        assert abs(at - datetime.now(UTC)) < timedelta(minutes=1)
        assert served_clock(base)["offset_seconds"] == 0

        bad = clock_cli(base, tmp_path, "advance", "soon")
        assert bad.returncode == 2
        assert "'soon' is not a duration" in bad.stderr
        assert served_clock(base)["offset_seconds"] == 0, "a refused move moves nothing"

        naive = clock_cli(base, tmp_path, "freeze", "--at", "2030-01-01T00:00:00")
        assert naive.returncode == 2
        assert (
            naive.stderr.strip() == "error: [body:at]: must carry a time zone (e.g. a trailing Z)"
        )
        assert served_clock(base)["frozen"] is False
