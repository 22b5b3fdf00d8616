"""The README's examples, run as a new user would copy them, against a served sandbox: the
Python quickstart and the scenario document. (The TypeScript quickstart is run in
test_typescript_sdk.py, which has Node.js at hand.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.acceptance.processes import database_env, serve

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
DEFAULT_BASE = "http://127.0.0.1:4010"
DEFAULT_CREDS = {
    "FINCH_SANDBOX_CLIENT_ID": "finch-sandbox-client-id",
    "FINCH_SANDBOX_CLIENT_SECRET": "finch-sandbox-client-secret",
}


def block(language: str, after: str) -> str:
    """The first ```language block that follows the heading or sentence `after`."""
    rest = README[README.index(after) :]
    return rest.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_python_quickstart_runs_as_written(tmp_path: Path, database_url: str) -> None:
    snippet = block("python", "## Quickstart with the Python SDK")
    assert DEFAULT_BASE in snippet
    with serve(
        {**DEFAULT_CREDS, **database_env(database_url, tmp_path / "data")}, tmp_path
    ) as base:
        done = subprocess.run(
            [sys.executable, "-c", snippet.replace(DEFAULT_BASE, base)],
            # Nothing from the environment: the snippet must say all it needs itself.
            env={k: v for k, v in os.environ.items() if not k.startswith("FINCH_")},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    # One line per person of the 20-person company it connects to: first name, last name and
    # department (None for someone without one).
    assert len(printed) == 20, done.stdout
    assert all(len(line.split(" ")) >= 3 for line in printed), printed
    assert sum(not line.endswith(" None") for line in printed) > 10, printed


def test_the_scenario_example_applies_and_its_ids_answer(tmp_path: Path, database_url: str) -> None:
    document = json.loads(block("json", "### Scenarios"))
    declared = document["connections"][0]
    with serve(
        {**DEFAULT_CREDS, **database_env(database_url, tmp_path / "data")}, tmp_path
    ) as base:
        applied = httpx.post(
            f"{base}/_finch-sandbox/scenario",
            auth=("finch-sandbox-client-id", "finch-sandbox-client-secret"),
            json=document,
            timeout=60,
        )
        assert applied.status_code == 201, applied.text
        headers = {"Authorization": f"Bearer {declared['access_token']}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            directory = http.get("/employer/directory").json()["individuals"]
            assert [p["id"] for p in directory[:2]] == declared["ids"]["employee"]
            enrolled = http.get("/employer/benefits/benefit_id/enrolled").json()
            assert enrolled["individual_ids"] == ["individual_id"]
            rules = http.get("/employer/pay-statement-item/rule").json()["responses"]
            assert [r["id"] for r in rules] == ["rule_id"]
            assert http.get("/jobs/automated/job_id").json()["status"] == "complete"
            entities = http.get("/introspect").json()["entities"]
            assert [e["id"] for e in entities] == [declared["entity_id"]]
