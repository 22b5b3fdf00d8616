"""Moving the sandbox clock from the control plane: read it, advance it, freeze and unfreeze it.

Every rule reads the same clock (clock.py), so quota windows, job durations and webhook
retries all follow; listeners (the job worker, the webhook loop) look again at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from finch_sandbox.clock import Clock, SandboxClock
from finch_sandbox.errors import BadRequest


@dataclass(frozen=True, slots=True)
class ClockState:
    now: datetime
    frozen: bool


class ClockControl:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def _movable(self) -> SandboxClock:
        if not isinstance(self._clock, SandboxClock):
            raise BadRequest("this server's clock cannot be moved")
        return self._clock

    def state(self) -> ClockState:
        clock = self._movable()
        return ClockState(clock.now(), clock.frozen)

    def advance(self, seconds: float) -> ClockState:
        clock = self._movable()
        clock.advance(timedelta(seconds=seconds))
        return self.state()

    def freeze(self, at: datetime | None = None) -> ClockState:
        if at is not None and at.tzinfo is None:
            raise BadRequest("[body:at]: must carry a time zone (e.g. a trailing Z)")
        self._movable().freeze(at)
        return self.state()

    def unfreeze(self) -> ClockState:
        self._movable().unfreeze()
        return self.state()
