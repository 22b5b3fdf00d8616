"""Typed repositories: all SQL lives here, no business rules."""

from __future__ import annotations
