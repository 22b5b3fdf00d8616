"""The sandbox clock kept in the database (services/clock_control.py), on this run's database.
Two `Database`s on one database stand for two processes of a deployment."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from finch_sandbox.clock import read_scope
from finch_sandbox.services.clock_control import database_clock
from finch_sandbox.storage.db import Database, make_database
from finch_sandbox.storage.migrate import upgrade_to_head
from finch_sandbox.worker.wake import NotifyWaker

T0 = datetime(2030, 1, 1, 0, 10, tzinfo=UTC)
THREADS = 4
MOVES = 5


@pytest.fixture
def two_processes(database_url: str) -> Iterator[tuple[Database, Database]]:
    first, second = make_database(database_url), make_database(database_url)
    upgrade_to_head(first.engine)
    yield first, second
    first.dispose()
    second.dispose()


def test_a_process_started_later_takes_the_clock_where_it_was_moved(
    two_processes: tuple[Database, Database],
) -> None:
    first, second = two_processes
    moved = database_clock(first)
    moved.freeze(at=T0)
    moved.advance(timedelta(seconds=90))
    restarted = database_clock(second)
    assert restarted.now() == T0 + timedelta(seconds=90) and restarted.frozen
    moved.unfreeze()
    assert not database_clock(second).frozen


@pytest.mark.postgres
def test_the_next_scope_of_another_process_reads_a_move_and_tells_its_listeners(
    two_processes: tuple[Database, Database],
) -> None:
    a, b = database_clock(two_processes[0]), database_clock(two_processes[1])
    heard: list[datetime] = []
    b.on_move(lambda: heard.append(b.now()))
    with read_scope():
        b.now()  # b has read the clock before the move: no cached reading may hide it
        a.freeze(at=T0)
        assert b.now() != T0, "inside one scope the clock is read once"
    with read_scope():
        assert b.now() == T0 and b.frozen
    assert heard == [T0]
    a.advance(timedelta(seconds=60))
    with read_scope():
        assert b.now() == T0 + timedelta(seconds=60)
    assert heard == [T0, T0 + timedelta(seconds=60)]


def test_moves_made_at_once_in_two_processes_add_up(
    two_processes: tuple[Database, Database],
) -> None:
    clocks = [database_clock(db) for db in two_processes]
    clocks[0].freeze(at=T0)
    barrier = threading.Barrier(2 * THREADS)
    failures: list[BaseException] = []

    def advance(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(MOVES):
                clocks[index % 2].advance(timedelta(seconds=60))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=advance, args=(i,)) for i in range(2 * THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    expected = T0 + timedelta(seconds=60 * MOVES * 2 * THREADS)
    assert database_clock(two_processes[0]).now() == expected


@pytest.mark.postgres
def test_a_move_wakes_the_sleeping_workers_of_another_process(
    two_processes: tuple[Database, Database],
) -> None:
    waker = NotifyWaker(two_processes[0], threading.Event())
    mover = database_clock(two_processes[1])
    timer = threading.Timer(0.2, lambda: mover.advance(timedelta(seconds=1)))
    try:
        started = time.monotonic()
        timer.start()
        waker.wait(timeout=20)
        assert time.monotonic() - started < 10, "woken by the move, not by the timeout"
    finally:
        timer.cancel()
        # The move's thread must be done with its connection before the databases close.
        timer.join(30)
        waker.close()
