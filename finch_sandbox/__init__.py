"""finch-sandbox: an offline, stateful emulator of the Finch HRIS API and its Sandbox."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
