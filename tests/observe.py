"""Ways for tests to watch what a request burst does: fire it at once, count the SQL it runs."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

WORKER_THREAD_PREFIX = "finch-sandbox-worker"


@dataclass
class StatementCount:
    n: int = 0


@contextmanager
def statements(engine: Engine, matching: str) -> Iterator[StatementCount]:
    """Counts the SQL statements request handling runs on the engine inside the block that
    match the regular expression `matching`: the work itself, not the freshness checks of
    cached answers, which cost a read each on PostgreSQL."""
    count = StatementCount()
    lock = threading.Lock()
    pattern = re.compile(matching)

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread().name.startswith(WORKER_THREAD_PREFIX):
            return  # the job worker's own polling is not the requests' doing
        if not pattern.search(statement):
            return
        with lock:
            count.n += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def burst(
    base_url: str,
    n: int,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str],
    json: object = None,
) -> list[httpx.Response]:
    """`n` requests released together from `n` threads (one connection each)."""
    barrier = threading.Barrier(n)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def fire() -> None:
        with httpx.Client(base_url=base_url, timeout=30.0) as http:
            request = http.build_request(method, path, headers=dict(headers), json=json)
            barrier.wait()
            response = http.send(request)
            with lock:
                responses.append(response)

    threads = [threading.Thread(target=fire) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(responses) == n, "some requests of the burst never came back"
    return responses
