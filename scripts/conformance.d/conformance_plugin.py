"""pytest plugin for scripts/conformance: re-applies a scenario before every test (each test
gets a fresh connection with the scenario's fixed token and ids) and prints passed / failed /
skipped per SDK resource, synchronous and asynchronous tests apart.

A scenario file may carry `variants`, which the server ignores:
`[{"tests": "<glob over test ids>", "changes": {...}}]`. A test whose id matches `tests`
(fnmatch, as if wrapped in `*`) gets the scenario's connections with `changes` laid over each
(or the variant's own `"connections"`, if it has them); the first match wins. Variants are for
placeholders one connection cannot hold at once: the suite reads job "job_id" as an automated
job in one file and a manual one in another, disconnects entities only a multi-entity
connection has, and registers benefits (assisted providers only) and creates a `457` (which no
provider that reads benefits back supports) next to tests that read benefits.

Environment: TEST_API_BASE_URL (the server), FINCH_SANDBOX_SCENARIO_FILE (the scenario),
FINCH_SANDBOX_CLIENT_ID / FINCH_SANDBOX_CLIENT_SECRET (the application's credentials).
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

_results: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
_failures: list[tuple[str, str]] = []


@pytest.fixture(scope="session")
def _scenario_http() -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    scenario = json.loads(Path(os.environ["FINCH_SANDBOX_SCENARIO_FILE"]).read_text())
    auth = (os.environ["FINCH_SANDBOX_CLIENT_ID"], os.environ["FINCH_SANDBOX_CLIENT_SECRET"])
    with httpx.Client(base_url=os.environ["TEST_API_BASE_URL"], auth=auth, timeout=120) as http:
        yield http, scenario


@pytest.fixture(autouse=True)
def _fresh_connection(
    request: pytest.FixtureRequest, _scenario_http: tuple[httpx.Client, dict[str, Any]]
) -> None:
    http, scenario = _scenario_http
    chosen = {"connections": scenario["connections"]}
    for variant in scenario.get("variants") or ():
        if fnmatch.fnmatchcase(request.node.nodeid, f"*{variant['tests']}*"):
            changes = variant.get("changes") or {}
            connections = variant.get("connections") or scenario["connections"]
            chosen = {"connections": [{**c, **changes} for c in connections]}
            break
    answer = http.post("/_finch-sandbox/scenario", json=chosen)
    if answer.status_code != 201:
        raise RuntimeError(f"applying the scenario failed: {answer.status_code} {answer.text}")


def _resource(item_id: str) -> tuple[str, str]:
    path, _, rest = item_id.partition("::")
    name = path.split("api_resources/", 1)[-1].removesuffix(".py")
    parts = [p.removeprefix("test_") for p in name.split("/")]
    flavour = "async" if rest.startswith("TestAsync") else "sync"
    return "/".join(parts), flavour


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        key = _resource(report.nodeid)
        _results[key][report.outcome] += 1
        if report.outcome == "failed":
            crash = getattr(report.longrepr, "reprcrash", None)
            reason = crash.message if crash is not None else str(report.longrepr)
            _failures.append((report.nodeid, reason.splitlines()[0][:200]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    for flavour in ("sync", "async"):
        rows = sorted((r, c) for (r, f), c in _results.items() if f == flavour)
        if not rows:
            continue
        write("")
        write(f"{flavour} tests per resource:")
        write(f"  {'resource':40} {'passed':>7} {'failed':>7} {'skipped':>8}")
        total: Counter[str] = Counter()
        for resource, counts in rows:
            total.update(counts)
            write(
                f"  {resource:40} {counts['passed']:7} {counts['failed']:7} {counts['skipped']:8}"
            )
        ran = total["passed"] + total["failed"]
        rate = 100.0 * total["passed"] / ran if ran else 0.0
        write(
            f"  {'total':40} {total['passed']:7} {total['failed']:7} {total['skipped']:8}"
            f"   ({rate:.1f}% of the tests not skipped pass)"
        )
    if _failures:
        write("")
        write("failures:")
        for nodeid, reason in _failures:
            write(f"  {nodeid}: {reason}")
