"""One router per Finch API area; each module exports `router`."""

from __future__ import annotations
