"""Webhooks survive a crash: a server killed (SIGKILL) with undelivered events delivers them,
under the same event ids, after it is started again. Also the `webhooks` CLI and the secret
printed at first start."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.acceptance.processes import CLI, ProcessGroups, cli_env, database_env
from tests.clients import make_client
from tests.receiver import Receiver, unwrap_all
from tests.spec import SpecRecorder

CREDS = {"FINCH_SANDBOX_CLIENT_ID": "wh-id", "FINCH_SANDBOX_CLIENT_SECRET": "wh-secret"}
SECRET_LINE = re.compile(r"webhook signing secret \(generated[^)]*\): (\S+)")


def test_sigkill_with_undelivered_events_then_restart_delivers_them(
    tmp_path: Path, database_url: str
) -> None:
    with Receiver() as receiver:
        env = {
            **CREDS,
            **database_env(database_url, tmp_path / "data"),
            "FINCH_SANDBOX_WEBHOOK_URLS": receiver.url,
        }
        with ProcessGroups(env, tmp_path) as procs:
            first, base = procs.serve("first")
            found = SECRET_LINE.search(procs.output(first))
            assert found, f"a generated secret is printed at start:\n{procs.output(first)}"
            secret = found.group(1)

            receiver.script = [500, 500]  # both first attempts fail: both stay undelivered
            app = make_client(base, SpecRecorder(), client_id="wh-id", client_secret="wh-secret")
            created = app.sandbox.connections.create(provider_id="gusto", employee_size=5)
            failed = receiver.wait_for(2)
            procs.signal(first, signal.SIGKILL)
            first.wait(10)

            second, base = procs.serve("second")
            assert SECRET_LINE.search(procs.output(second)) is None, "the secret was kept"
            # Whether the kill came before or after the first attempts were settled, a minute
            # on the sandbox clock makes them due again (the 5 s retry, or the dead lease).
            with httpx.Client(base_url=base, auth=("wh-id", "wh-secret")) as control:
                advance = {"seconds": 61}
                control.post("/_finch-sandbox/clock/advance", json=advance).raise_for_status()
                delivered = receiver.wait_for(4)[2:]
            assert [r.answered for r in delivered] == [200, 200]
            assert {r.event_id for r in delivered} == {r.event_id for r in failed}
            events = unwrap_all(delivered, secret)
            assert {e["event_type"] for e in events} == {
                "job.initial_data_sync_org.succeeded",
                "job.initial_data_sync_payroll.succeeded",
            }
            assert {e["connection_id"] for e in events} == {created.connection_id}
            extra = receiver.quiet_for(0.5)[4:]
            log = control_log(base)
            assert extra == [], f"delivered once each after the restart: {log}"
            assert {d["status"] for e in log for d in e["deliveries"]} == {"delivered"}


def control_log(base: str) -> list[dict[str, Any]]:
    response = httpx.get(base + "/_finch-sandbox/webhooks/events", auth=("wh-id", "wh-secret"))
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def test_webhooks_cli_add_and_log(tmp_path: Path, database_url: str) -> None:
    env = cli_env({**CREDS, **database_env(database_url, tmp_path / "data")})

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, "webhooks", *args], env=env, cwd=tmp_path, capture_output=True, text=True
        )

    with Receiver() as receiver:
        added = cli("add", receiver.url)
        assert added.returncode == 0, added.stderr
        secret = re.search(r"signing secret (\S+)", added.stderr)
        assert secret is not None
        assert receiver.url in cli("list").stdout
        bad = cli("add", "not a url")
        assert bad.returncode == 2 and "not an http(s) URL" in bad.stderr

        with ProcessGroups(env, tmp_path) as procs:
            _, base = procs.serve("server")
            app = make_client(base, SpecRecorder(), client_id="wh-id", client_secret="wh-secret")
            created = app.sandbox.connections.create(provider_id="gusto", employee_size=5)
            unwrap_all(receiver.wait_for(2), secret.group(1))

    log = cli("log", "--connection", created.connection_id)
    assert log.returncode == 0, log.stderr
    assert "job.initial_data_sync_org.succeeded" in log.stdout
    assert "delivered" in log.stdout and "#1 200" in log.stdout
    only = cli("log", "--type", "job.initial_data_sync_payroll.succeeded").stdout
    assert "job.initial_data_sync_payroll.succeeded" in only
    assert "initial_data_sync_org" not in only
    assert cli("log", "--connection", "nobody").stdout == ""
