"""The sandbox clock outlives the server: it is kept in the database (on either backend), so a
restarted `finch-sandbox serve` starts where it was moved to, frozen or ticking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.acceptance.processes import ProcessGroups, database_env
from tests.clients import CLIENT_ID, CLIENT_SECRET

CREDS = {"FINCH_SANDBOX_CLIENT_ID": CLIENT_ID, "FINCH_SANDBOX_CLIENT_SECRET": CLIENT_SECRET}
CLOCK = "/_finch-sandbox/clock"
T0 = datetime(2030, 1, 1, 0, 10, tzinfo=UTC)


def read(base: str, path: str = CLOCK, body: dict[str, object] | None = None) -> dict[str, object]:
    with httpx.Client(base_url=base, auth=(CLIENT_ID, CLIENT_SECRET), timeout=30) as http:
        answer = http.get(path) if body is None else http.post(path, json=body)
        answer.raise_for_status()
        state: dict[str, object] = answer.json()
        return state


def parse(state: dict[str, object]) -> datetime:
    assert isinstance(state["now"], str)
    return datetime.fromisoformat(state["now"])


def test_a_restarted_server_keeps_the_moved_clock(tmp_path: Path, database_url: str) -> None:
    env = {**CREDS, **database_env(database_url, tmp_path / "data")}
    with ProcessGroups(env, tmp_path) as procs:
        first, base = procs.serve("first")
        read(base, CLOCK + "/freeze", {"at": "2030-01-01T00:10:00Z"})
        moved = read(base, CLOCK + "/advance", {"seconds": 90})
        assert procs.stop(first) == 0, procs.output(first)

        second, base = procs.serve("second")
        assert read(base) == moved
        assert moved == {"now": "2030-01-01T00:11:30.000Z", "frozen": True, "offset_seconds": None}
        # Whoever starts it is told, with the way back.
        assert (
            "the sandbox clock is frozen at 2030-01-01T00:11:30+00:00, as moved before this "
            "start; POST /_finch-sandbox/clock/reset returns it to wall time"
        ) in procs.output(second)
        # Ticking again from there: the offset from wall time is what is kept.
        read(base, CLOCK + "/unfreeze", {})
        assert procs.stop(second) == 0, procs.output(second)

        third, base = procs.serve("third")
        state = read(base)
        assert state["frozen"] is False
        # Wall time has moved on by the restarts, not by years.
        assert T0 + timedelta(seconds=90) < parse(state) < T0 + timedelta(minutes=10)
        assert isinstance(state["offset_seconds"], float) and state["offset_seconds"] > 86_400
        assert "wall time, as moved before this start" in procs.output(third)
        assert "the sandbox clock is running " in procs.output(third)

        reset = read(base, CLOCK + "/reset", {})
        assert reset["frozen"] is False and reset["offset_seconds"] == 0
        assert abs(parse(reset) - datetime.now(UTC)) < timedelta(minutes=1)
        assert procs.stop(third) == 0, procs.output(third)

        fourth, base = procs.serve("fourth")
        assert read(base)["offset_seconds"] == 0
        assert "the sandbox clock is" not in procs.output(fourth)
