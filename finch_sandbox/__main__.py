"""`python -m finch_sandbox` runs the CLI."""

from __future__ import annotations

from finch_sandbox.cli import main

main()
