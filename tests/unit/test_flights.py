"""Single flight (api/flights.py): of concurrent callers with one key, one does the work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from finch_sandbox.api.flights import Flights


class Work:
    """A lead that counts its runs and, on the runs `fills` accepts, leaves a result."""

    def __init__(self, fills: Callable[[int], bool], *, fail: bool = False) -> None:
        self.fills = fills
        self.fail = fail
        self.runs = 0
        self.cache: dict[str, str] = {}

    async def lead(self) -> None:
        self.runs += 1
        await asyncio.sleep(0.005)
        if self.fail:
            raise RuntimeError("boom")
        if self.fills(self.runs):
            self.cache["k"] = f"run {self.runs}"

    def look(self) -> str | None:
        return self.cache.get("k")


def burst(work: Work, callers: int) -> tuple[list[object], Flights]:
    """`callers` concurrent look_or_lead calls on one key; their results (or exceptions)."""

    async def scenario() -> tuple[list[object], Flights]:
        flights = Flights()
        results = await asyncio.gather(
            *(flights.look_or_lead("k", work.look, work.lead) for _ in range(callers)),
            return_exceptions=True,
        )
        return list(results), flights

    return asyncio.run(scenario())


def test_one_caller_leads_and_the_others_find_its_result() -> None:
    work = Work(fills=lambda _run: True)
    results, _ = burst(work, 32)
    assert work.runs == 1
    assert results.count(None) == 1 and results.count("run 1") == 31


def test_when_the_leader_leaves_nothing_the_next_in_line_leads() -> None:
    # The first run was overtaken by a write and cached nothing; the second one did.
    work = Work(fills=lambda run: run == 2)
    results, _ = burst(work, 8)
    assert work.runs == 2
    assert results.count(None) == 2 and results.count("run 2") == 6


def test_callers_that_never_find_a_result_end_up_doing_the_work_themselves() -> None:
    work = Work(fills=lambda _run: False)
    results, _ = burst(work, 3)
    assert results == [None, None, None]
    assert work.runs == 3  # each once: nobody is stuck waiting forever


def test_a_failing_leader_releases_the_others_and_the_key() -> None:
    work = Work(fills=lambda _run: True, fail=True)
    results, flights = burst(work, 4)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert work.runs == 4
    assert len(flights) == 0


def test_keys_are_independent() -> None:
    async def scenario() -> list[str]:
        flights = Flights()
        order: list[str] = []

        async def lead(name: str) -> None:
            order.append(f"start {name}")
            await asyncio.sleep(0.01)
            order.append(f"end {name}")

        await asyncio.gather(
            flights.look_or_lead("a", lambda: None, lambda: lead("a")),
            flights.look_or_lead("b", lambda: None, lambda: lead("b")),
        )
        return order

    assert asyncio.run(scenario())[:2] == ["start a", "start b"]  # b did not wait for a
