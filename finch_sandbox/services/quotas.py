"""The forced-refresh quota: a fixed window of one clock hour per connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class QuotaPolicy:
    """`allowed` refreshes per connection in each clock-hour window (Finch's examples show 2)."""

    allowed: int

    def window_start(self, now: datetime) -> datetime:
        return now.replace(minute=0, second=0, microsecond=0)

    def retry_at(self, now: datetime) -> datetime:
        """When the quota is available again: the start of the next window."""
        return self.window_start(now) + WINDOW

    def remaining(self, used: int) -> int:
        return max(self.allowed - used, 0)
