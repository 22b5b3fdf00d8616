"""Single flight (api/flights.py): of concurrent callers with one key, one does the work."""

from __future__ import annotations

import asyncio

from finch_sandbox.api.flights import Flights


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_one_caller_leads_and_the_others_find_its_result() -> None:
    async def scenario() -> tuple[list[str | None], int]:
        flights = Flights()
        cache: dict[str, str] = {}
        leads = 0

        async def lead() -> None:
            nonlocal leads
            leads += 1
            await asyncio.sleep(0.01)
            cache["k"] = "done"

        results = await asyncio.gather(
            *(flights.look_or_lead("k", lambda: cache.get("k"), lead) for _ in range(32))
        )
        return list(results), leads

    results, leads = run(scenario())  # type: ignore[misc]
    assert leads == 1
    assert results.count(None) == 1 and results.count("done") == 31


def test_when_the_leader_leaves_nothing_the_next_in_line_leads() -> None:
    async def scenario() -> tuple[list[str | None], int]:
        flights = Flights()
        cache: dict[str, str] = {}
        leads = 0

        async def lead() -> None:
            nonlocal leads
            leads += 1
            await asyncio.sleep(0.005)
            if leads == 2:  # the first attempt was overtaken by a write and cached nothing
                cache["k"] = "second"

        results = await asyncio.gather(
            *(flights.look_or_lead("k", lambda: cache.get("k"), lead) for _ in range(8))
        )
        return list(results), leads

    results, leads = run(scenario())  # type: ignore[misc]
    assert leads == 2
    assert results.count(None) == 2 and results.count("second") == 6


def test_callers_that_never_find_a_result_end_up_doing_the_work_themselves() -> None:
    async def scenario() -> int:
        flights = Flights()
        leads = 0

        async def lead() -> None:
            nonlocal leads
            leads += 1
            await asyncio.sleep(0.001)

        results = await asyncio.gather(
            *(flights.look_or_lead("k", lambda: None, lead) for _ in range(3))
        )
        assert results == [None, None, None]
        return leads

    assert run(scenario()) == 3  # each once: nobody is stuck waiting forever


def test_a_failing_leader_releases_the_others_and_the_key() -> None:
    async def scenario() -> tuple[list[object], int]:
        flights = Flights()
        calls = 0

        async def lead() -> None:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.001)
            raise RuntimeError("boom")

        results = await asyncio.gather(
            *(flights.look_or_lead("k", lambda: None, lead) for _ in range(4)),
            return_exceptions=True,
        )
        assert len(flights) == 0
        return list(results), calls

    results, calls = run(scenario())  # type: ignore[misc]
    assert all(isinstance(r, RuntimeError) for r in results)
    assert calls == 4


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

    order = run(scenario())
    assert order[:2] == ["start a", "start b"]  # b did not wait for a
