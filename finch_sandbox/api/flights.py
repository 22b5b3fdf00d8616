"""Single flight: of many concurrent requests that would do the same slow work, one does it.

When a cached answer goes stale (a sync published, a job moved), every client polling that
connection misses at the same instant; without this, each miss runs the full app, the
threadpool and the database in parallel, and the whole server stalls behind them for
hundreds of milliseconds. With it, the first miss does the work and the rest wait for it,
then look again: usually they find its answer cached, otherwise they do the work themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import TypeVar

T = TypeVar("T")

# How many times a caller waits for someone else's work before doing its own: a write landing
# while the leader works can leave nothing cached, and then the next one in line leads.
ROUNDS = 4


class Flights:
    """In-flight work by key. Lives on one event loop, like the ASGI app that uses it."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Event] = {}

    @asynccontextmanager
    async def first(self, key: Hashable) -> AsyncIterator[bool]:
        """Yields True to the request that should do the work (others wait for it to leave
        the block), False to each one that waited and should look again."""
        running = self._running.get(key)
        if running is not None:
            await running.wait()
            yield False
            return
        done = asyncio.Event()
        self._running[key] = done
        try:
            yield True
        finally:
            del self._running[key]
            done.set()

    async def look_or_lead(
        self, key: Hashable, look: Callable[[], T | None], lead: Callable[[], Awaitable[None]]
    ) -> T | None:
        """What `look()` finds ready; if nothing, one caller at a time runs `lead()` (which
        should leave something for `look()` to find) while the others wait and look again.
        Returns None to a caller that ran `lead()` itself."""
        for _ in range(ROUNDS):
            found = look()
            if found is not None:
                return found
            async with self.first(key) as leading:
                if leading:
                    await lead()
                    return None
        found = look()
        if found is None:
            await lead()
        return found

    def __len__(self) -> int:
        return len(self._running)
