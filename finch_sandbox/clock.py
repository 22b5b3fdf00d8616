"""The one source of time: every rule (quota windows, job durations, leases, `retry_at`, and
later webhook retries and Connect session expiry) reads a Clock, never `datetime.now()`.

`SandboxClock` is the clock a server runs on. It is wall time (UTC) unless moved:

- `now()`                  the sandbox's current time;
- `advance(delta)`         move it forward (or back, with a negative delta); works frozen or not;
- `set_offset(delta)`      run at wall time + `delta` (keeps ticking unless frozen);
- `set(when)`              jump to `when` (keeps ticking from there unless frozen);
- `freeze(at=None)`        stop it, at `at` or at its current time;
- `unfreeze()`             let it tick again from where it stands (the offset absorbs the gap);
- `reset()`                back to wall time, ticking.

Where it stands is a `ClockSetting` (offset from wall time, or the frozen instant, and how many
moves made it). A clock attached to a `ClockStore` (the database, services/clock_control.py)
makes every move there, atomically, so a restart keeps it; a *shared* one (several processes
on one PostgreSQL database) also reads the store again at the first `now()` inside each
`read_scope()` (an API request, a worker pass), so whatever was moved before the scope began,
by any process, is what the scope sees.

Every move notifies the listeners added with `on_move(listener)` (after the move, outside the
lock), and so does a `refresh()` that finds the clock moved by another process, so that
whoever sleeps until a time on this clock (the job worker's wake event) looks again at once: a
job due after an `advance` finishes without waiting for wall time.

`FrozenClock(start)` is a SandboxClock frozen at `start`, for tests. Thread-safe throughout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

MoveListener = Callable[[], None]


class Clock(Protocol):
    """What rules read. Servers pass a SandboxClock; anything with these two methods will do."""

    def now(self) -> datetime: ...

    def on_move(self, listener: MoveListener) -> Callable[[], None]:
        """Call `listener()` whenever the clock is moved; returns a function that stops it."""
        ...


def wall_time() -> datetime:
    """The machine's UTC time: the only call to `datetime.now` in the package."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ClockSetting:
    """Where a SandboxClock stands: wall time + `offset`, or stopped at `frozen_at`.
    `version` counts the moves that made it, so a process never trades a newer setting for an
    older one it read a moment before."""

    offset: timedelta = timedelta(0)
    frozen_at: datetime | None = None
    version: int = 0

    def now(self, wall: datetime) -> datetime:
        return self.frozen_at if self.frozen_at is not None else wall + self.offset

    # --- the moves, as pure functions of (setting, wall time) -------------------------------

    def advanced(self, delta: timedelta) -> ClockSetting:
        if self.frozen_at is not None:
            return self._next(self.offset, self.frozen_at + delta)
        return self._next(self.offset + delta, None)

    def set_to(self, when: datetime, wall: datetime) -> ClockSetting:
        if self.frozen_at is not None:
            return self._next(self.offset, when)
        return self._next(when - wall, None)

    def with_offset(self, offset: timedelta, wall: datetime) -> ClockSetting:
        return self._next(offset, wall + offset if self.frozen_at is not None else None)

    def frozen(self, at: datetime | None, wall: datetime) -> ClockSetting:
        return self._next(self.offset, at if at is not None else self.now(wall))

    def reset(self) -> ClockSetting:
        return self._next(timedelta(0), None)

    def unfrozen(self, wall: datetime) -> ClockSetting:
        if self.frozen_at is None:
            return self._next(self.offset, None)
        return self._next(self.frozen_at - wall, None)

    def _next(self, offset: timedelta, frozen_at: datetime | None) -> ClockSetting:
        return ClockSetting(offset, frozen_at, self.version + 1)


def distance_from_wall(offset: timedelta) -> str | None:
    """How far a running clock stands from wall time, in words ("2:00:00 ahead of wall
    time"); None under a second, which is wall time for anyone reading it."""
    if abs(offset) < timedelta(seconds=1):
        return None
    rounded = timedelta(seconds=round(abs(offset).total_seconds()))
    return f"{rounded} {'ahead of' if offset > timedelta(0) else 'behind'} wall time"


class ClockStore(Protocol):
    """Where a clock's setting is kept beyond one process's memory (the database)."""

    def load(self) -> ClockSetting: ...

    def move(self, change: Callable[[ClockSetting], ClockSetting]) -> ClockSetting:
        """Apply `change` to the stored setting atomically (two moves at once both count);
        return the setting stored."""
        ...


class _Scope:
    """One API request or worker pass: the shared clocks already read afresh in it."""

    __slots__ = ("fresh",)

    def __init__(self) -> None:
        self.fresh: set[int] = set()


_scope: ContextVar[_Scope | None] = ContextVar("finch_sandbox_clock_scope", default=None)


@contextmanager
def read_scope() -> Iterator[None]:
    """Inside the block (and the threads it hands work to, which run in a copy of its
    context), a shared clock's first `now()` reads the store, so it reflects every move
    committed before that read, in any process; later reads in the block cost nothing."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


class SandboxClock:
    """Wall time plus an offset, optionally frozen; see the module docstring."""

    def __init__(
        self,
        *,
        offset: timedelta = timedelta(0),
        frozen_at: datetime | None = None,
        source: Callable[[], datetime] = wall_time,
    ) -> None:
        if frozen_at is not None:
            _check_aware(frozen_at)
        self._source = source
        self._setting = ClockSetting(offset, frozen_at)
        self._lock = threading.Lock()
        self._listeners: list[MoveListener] = []
        self._store: ClockStore | None = None
        self._shared = False

    def attach(self, store: ClockStore, *, shared: bool) -> None:
        """Keep this clock in `store` from now on, starting from what it holds. `shared`: other
        processes move it too, so reads inside a `read_scope()` look at the store first."""
        self._setting = store.load()
        self._store = store
        self._shared = shared

    # --- reading ----------------------------------------------------------------------------

    def now(self) -> datetime:
        if self._shared:
            scope = _scope.get()
            if scope is not None and id(self) not in scope.fresh:
                scope.fresh.add(id(self))
                self.refresh()
        # One read of the setting: a reference swap is atomic, no lock needed.
        return self._setting.now(self._source())

    @property
    def frozen(self) -> bool:
        return self._setting.frozen_at is not None

    @property
    def offset(self) -> timedelta:
        """How far the clock stands from wall time (computed afresh when frozen)."""
        setting = self._setting
        if setting.frozen_at is not None:
            return setting.frozen_at - self._source()
        return setting.offset

    @property
    def setting(self) -> ClockSetting:
        return self._setting

    @property
    def shared(self) -> bool:
        """Other processes move it too: reads need a `read_scope()` to see their moves."""
        return self._shared

    def observe(self, setting: ClockSetting) -> None:
        """A setting just read from the store by someone reading the database anyway (an API
        process's freshness check): taken if newer, and the current scope need not read the
        store again. Saves a round trip on requests that check a cached answer."""
        scope = _scope.get()
        if scope is not None:
            scope.fresh.add(id(self))
        if self._adopt(setting):
            self._notify()

    def refresh(self) -> None:
        """Take the store's setting if it is newer (another process moved the clock); the
        listeners hear of it as of a move made here."""
        if self._store is not None and self._adopt(self._store.load()):
            self._notify()

    # --- moving -----------------------------------------------------------------------------

    def advance(self, delta: timedelta) -> datetime:
        return self._move(lambda s, _wall: s.advanced(delta)).now(self._source())

    def set(self, when: datetime) -> None:
        _check_aware(when)
        self._move(lambda s, wall: s.set_to(when, wall))

    def set_offset(self, offset: timedelta) -> None:
        self._move(lambda s, wall: s.with_offset(offset, wall))

    def freeze(self, at: datetime | None = None) -> datetime:
        if at is not None:
            _check_aware(at)
        frozen = self._move(lambda s, wall: s.frozen(at, wall)).frozen_at
        assert frozen is not None
        return frozen

    def unfreeze(self) -> None:
        self._move(lambda s, wall: s.unfrozen(wall))

    def reset(self) -> None:
        """Back to wall time, ticking."""
        self._move(lambda s, _wall: s.reset())

    def _move(self, change: Callable[[ClockSetting, datetime], ClockSetting]) -> ClockSetting:
        store = self._store
        if store is not None:
            # Computed on the stored setting under its lock, so moves made at the same moment
            # by several processes add up as moves made one after the other do.
            moved = store.move(lambda stored: change(stored, self._source()))
            self._adopt(moved)
            scope = _scope.get()
            if scope is not None:
                scope.fresh.add(id(self))  # what this scope moved is as fresh as a read
        else:
            with self._lock:
                moved = change(self._setting, self._source())
                self._setting = moved
        self._notify()
        return moved

    def _adopt(self, setting: ClockSetting) -> bool:
        with self._lock:
            # An older one was read before a move this process has already taken.
            if setting.version <= self._setting.version:
                return False
            self._setting = setting
            return True

    # --- listeners --------------------------------------------------------------------------

    def on_move(self, listener: MoveListener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()


class SystemClock(SandboxClock):
    """Wall time, unmoved until told otherwise (what `create_app` uses by default)."""


class FrozenClock(SandboxClock):
    """A clock that moves only when told to, so tests cross quota windows without sleeping."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        super().__init__(frozen_at=start)


def _check_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("the sandbox clock needs aware datetimes (UTC)")
