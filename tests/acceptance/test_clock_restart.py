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
        assert read(base) == moved == {"now": "2030-01-01T00:11:30.000Z", "frozen": True}
        # Ticking again from there: the offset from wall time is what is kept.
        read(base, CLOCK + "/unfreeze", {})
        assert procs.stop(second) == 0, procs.output(second)

        _, base = procs.serve("third")
        state = read(base)
        assert state["frozen"] is False
        # Wall time has moved on by the restarts, not by years.
        assert T0 + timedelta(seconds=90) < parse(state) < T0 + timedelta(minutes=10)
