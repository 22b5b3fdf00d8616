"""compose.yaml only runs commands and flags the CLI really has (Docker does not run here)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from finch_sandbox.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_every_compose_command_is_accepted_by_the_cli() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    commands = [
        service["command"] for service in compose["services"].values() if "command" in service
    ]
    assert len(commands) == 3
    runner = CliRunner()
    for command in commands:
        assert command[0] == "finch-sandbox"
        # --help after the real arguments: typer parses every option, then prints help.
        result = runner.invoke(app, [*command[1:], "--help"])
        assert result.exit_code == 0, (command, result.output)
    env = compose["x-finch"]["environment"]
    assert env["FINCH_SANDBOX_DATABASE_URL"].startswith("postgresql+psycopg://")
