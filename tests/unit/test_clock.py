"""The sandbox clock: wall time unless moved; frozen, offset and moved per server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from finch_sandbox.clock import ClockSetting, FrozenClock, SandboxClock, read_scope

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class FakeWall:
    """The wall the clock reads (an edge of the world): moves only when the test says."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


def test_unmoved_clock_follows_the_wall() -> None:
    wall = FakeWall()
    clock = SandboxClock(source=wall)
    assert clock.now() == T0
    wall.at += timedelta(seconds=5)
    assert clock.now() == T0 + timedelta(seconds=5)
    assert not clock.frozen and clock.offset == timedelta(0)


def test_offset_and_advance_keep_it_ticking() -> None:
    wall = FakeWall()
    clock = SandboxClock(source=wall)
    clock.set_offset(timedelta(hours=1))
    assert clock.now() == T0 + timedelta(hours=1)
    assert clock.advance(timedelta(minutes=30)) == T0 + timedelta(hours=1, minutes=30)
    wall.at += timedelta(seconds=1)
    assert clock.now() == T0 + timedelta(hours=1, minutes=30, seconds=1)
    clock.set(T0 - timedelta(days=1))
    assert clock.now() == T0 - timedelta(days=1)
    assert clock.offset == timedelta(days=-1, seconds=-1)


def test_freeze_stops_it_and_unfreeze_resumes_from_where_it_stood() -> None:
    wall = FakeWall()
    clock = SandboxClock(source=wall)
    frozen_at = clock.freeze()
    wall.at += timedelta(minutes=10)
    assert clock.now() == frozen_at == T0 and clock.frozen
    clock.advance(timedelta(seconds=3))
    assert clock.now() == T0 + timedelta(seconds=3)
    clock.unfreeze()
    assert clock.now() == T0 + timedelta(seconds=3), "no jump when it starts ticking again"
    wall.at += timedelta(seconds=2)
    assert clock.now() == T0 + timedelta(seconds=5)
    clock.freeze(at=T0)
    assert clock.now() == T0


def test_every_move_notifies_the_listeners_until_removed() -> None:
    clock = FrozenClock(T0)
    moves: list[datetime] = []
    remove = clock.on_move(lambda: moves.append(clock.now()))
    clock.advance(timedelta(seconds=1))
    clock.set(T0 + timedelta(hours=1))
    clock.set_offset(timedelta(0))
    clock.unfreeze()
    clock.freeze()
    assert len(moves) == 5 and moves[0] == T0 + timedelta(seconds=1)
    remove()
    clock.advance(timedelta(seconds=1))
    assert len(moves) == 5


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        SandboxClock().freeze(at=datetime(2026, 1, 1))


def test_concurrent_advances_are_all_counted() -> None:
    clock = FrozenClock(T0)
    barrier = threading.Barrier(8)

    def advance() -> None:
        barrier.wait()
        for _ in range(500):
            clock.advance(timedelta(microseconds=1))

    threads = [threading.Thread(target=advance) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == T0 + timedelta(microseconds=4000)


class MemoryStore:
    """A ClockStore in memory (the database's stand-in), counting its loads."""

    def __init__(self) -> None:
        self.setting = ClockSetting()
        self.loads = 0

    def load(self) -> ClockSetting:
        self.loads += 1
        return self.setting

    def move(self, change: Callable[[ClockSetting], ClockSetting]) -> ClockSetting:
        self.setting = change(self.setting)
        return self.setting


def test_a_shared_clock_reads_its_store_once_per_scope_and_never_goes_back() -> None:
    wall, store = FakeWall(), MemoryStore()
    a, b = SandboxClock(source=wall), SandboxClock(source=wall)
    a.attach(store, shared=True)
    b.attach(store, shared=True)
    heard: list[datetime] = []
    b.on_move(lambda: heard.append(b.now()))
    a.freeze(at=T0 + timedelta(hours=1))
    assert b.now() == T0, "outside a scope: what it last read"
    with read_scope():
        assert b.now() == T0 + timedelta(hours=1) and b.frozen
        loads = store.loads
        b.now()
        assert store.loads == loads, "read once per scope"
    assert heard == [T0 + timedelta(hours=1)], "a move found by reading is heard"
    older = store.setting
    a.advance(timedelta(minutes=1))
    with read_scope():
        assert b.now() == T0 + timedelta(hours=1, minutes=1)
    store.setting = older  # a read that raced the last move
    b.refresh()
    assert b.now() == T0 + timedelta(hours=1, minutes=1)


def test_an_unshared_clock_keeps_its_moves_in_its_store_and_never_reads_it_again() -> None:
    wall, store = FakeWall(), MemoryStore()
    clock = SandboxClock(source=wall)
    clock.attach(store, shared=False)
    clock.advance(timedelta(minutes=5))
    assert store.setting == ClockSetting(timedelta(minutes=5), None, 1)
    with read_scope():
        assert clock.now() == T0 + timedelta(minutes=5)
    assert store.loads == 1  # when attached


def test_a_setting_observed_in_a_scope_spares_that_scope_its_own_read() -> None:
    wall, store = FakeWall(), MemoryStore()
    clock = SandboxClock(source=wall)
    clock.attach(store, shared=True)
    store.setting = ClockSetting(timedelta(hours=2), None, 3)  # moved by another process
    with read_scope():
        clock.observe(store.setting)  # read by a freshness check's statement
        assert clock.now() == T0 + timedelta(hours=2)
    assert store.loads == 1  # when attached: the scope did not read again
    clock.observe(ClockSetting(timedelta(0), None, 2))
    assert clock.now() == T0 + timedelta(hours=2), "an older setting is ignored"
