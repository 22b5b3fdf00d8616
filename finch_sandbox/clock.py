"""The one source of time: every rule (quota windows, job durations, leases, `retry_at`, and
later webhook retries and Connect session expiry) reads a Clock, never `datetime.now()`.

`SandboxClock` is the clock a server runs on. It is wall time (UTC) unless moved:

- `now()`                  the sandbox's current time;
- `advance(delta)`         move it forward (or back, with a negative delta); works frozen or not;
- `set_offset(delta)`      run at wall time + `delta` (keeps ticking unless frozen);
- `set(when)`              jump to `when` (keeps ticking from there unless frozen);
- `freeze(at=None)`        stop it, at `at` or at its current time;
- `unfreeze()`             let it tick again from where it stands (the offset absorbs the gap).

Every move notifies the listeners added with `on_move(listener)` (after the move, outside the
lock), so that whoever sleeps until a time on this clock (the job worker's wake event) looks
again at once: a job due after an `advance` finishes without waiting for wall time.

`FrozenClock(start)` is a SandboxClock frozen at `start`, for tests. Thread-safe throughout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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
        self._offset = offset
        self._frozen_at = frozen_at
        self._lock = threading.Lock()
        self._listeners: list[MoveListener] = []

    # --- reading ----------------------------------------------------------------------------

    def now(self) -> datetime:
        frozen = self._frozen_at  # one read: a reference swap is atomic, no lock needed
        if frozen is not None:
            return frozen
        return self._source() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    @property
    def offset(self) -> timedelta:
        """How far the clock stands from wall time (computed afresh when frozen)."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at - self._source()
            return self._offset

    # --- moving -----------------------------------------------------------------------------

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta
            moved = self._now_locked()
        self._notify()
        return moved

    def set(self, when: datetime) -> None:
        _check_aware(when)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = when
            else:
                self._offset = when - self._source()
        self._notify()

    def set_offset(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset
            if self._frozen_at is not None:
                self._frozen_at = self._source() + offset
        self._notify()

    def freeze(self, at: datetime | None = None) -> datetime:
        if at is not None:
            _check_aware(at)
        with self._lock:
            self._frozen_at = at if at is not None else self._now_locked()
            frozen = self._frozen_at
        self._notify()
        return frozen

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None
        self._notify()

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

    def _now_locked(self) -> datetime:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._source() + self._offset


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
