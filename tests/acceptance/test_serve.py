"""The CLI as a user runs it: serve, restart, same seed, `connections create`."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from finch import Finch

from tests.acceptance.processes import CLI, cli_env, database_env, serve, wait_until_up
from tests.clients import make_client
from tests.spec import SpecRecorder

CREDS = {"FINCH_SANDBOX_CLIENT_ID": "acc-id", "FINCH_SANDBOX_CLIENT_SECRET": "acc-secret"}


def sdk(base_url: str, token: str | None = None) -> Finch:
    return make_client(
        base_url, SpecRecorder(), token, client_id="acc-id", client_secret="acc-secret"
    )


@pytest.mark.sqlite_only("about the SQLite file in the data directory")
def test_data_survives_a_restart_on_the_sqlite_file(tmp_path: Path) -> None:
    env = {**CREDS, "FINCH_SANDBOX_DATA_DIR": str(tmp_path / "data")}
    with serve(env, tmp_path) as base:
        created = sdk(base).sandbox.connections.create(provider_id="gusto", employee_size=8)
        client = sdk(base, created.access_token)
        person = client.hris.directory.list().individuals[0]
        client.sandbox.individual.update(person.id, first_name="Persisted")
        before = [p.model_dump() for p in client.hris.directory.list()]
    assert (tmp_path / "data" / "finch_sandbox.db").exists()
    with serve(env, tmp_path) as base:
        client = sdk(base, created.access_token)
        assert [p.model_dump() for p in client.hris.directory.list()] == before
        assert client.sandbox.individual.update(person.id).first_name == "Persisted"


def test_same_seed_gives_the_same_company_and_another_seed_does_not(
    tmp_path: Path, new_database_url: Callable[..., str]
) -> None:
    def first_company(seed: str, name: str) -> tuple[object, ...]:
        env = {
            **CREDS,
            "FINCH_SANDBOX_SEED": seed,
            "FINCH_SANDBOX_DATABASE_URL": new_database_url(name),
        }
        with serve(env, tmp_path) as base:
            created = sdk(base).sandbox.connections.create(provider_id="gusto", employee_size=10)
            client = sdk(base, created.access_token)
            people = [p.model_dump() for p in client.hris.directory.list()]
            ids = [p["id"] for p in people]
            individuals = [
                r.body.model_dump()
                for r in client.hris.individuals.retrieve_many(
                    requests=[{"individual_id": i} for i in ids]
                )
            ]
            return (
                created.company_id,
                client.hris.company.retrieve().model_dump(),
                people,
                individuals,
            )

    one = first_company("42", "a")
    again = first_company("42", "b")
    other = first_company("43", "c")
    assert one == again
    assert one[0] != other[0]
    assert one[2] != other[2]


@pytest.mark.sqlite_only("about in-memory SQLite")
def test_in_memory_database(tmp_path: Path) -> None:
    with serve({**CREDS}, tmp_path, "--database-url", "sqlite://") as base:
        created = sdk(base).sandbox.connections.create(provider_id="gusto", employee_size=3)
        assert sdk(base, created.access_token).hris.directory.list().paging.count == 3
    assert not list(tmp_path.glob("**/*.db"))


def test_connections_create_from_another_folder_gives_a_token_the_running_server_accepts(
    tmp_path: Path, database_url: str
) -> None:
    """The CLI goes through the running server's API: run from anywhere, with no database
    settings at all, the token is in the server's database and no stray data dir appears."""
    env = {**CREDS, **database_env(database_url, tmp_path / "data")}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with serve(env, tmp_path) as base:
        port = base.rsplit(":", 1)[1]
        result = subprocess.run(
            [*CLI, "connections", "create", "--provider", "gusto", "--employees", "12"],
            # Only what names the server: its port and its application credentials.
            env=cli_env({**CREDS, "FINCH_SANDBOX_PORT": port, "XDG_DATA_HOME": str(elsewhere)}),
            cwd=elsewhere,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        token = result.stdout.strip()
        assert len(token) == 36, result.stdout
        assert f"on {base}" in result.stderr
        assert sdk(base, token).hris.directory.list().paging.count == 12
    assert list(elsewhere.iterdir()) == [], "the CLI wrote nothing where it ran"


def test_connections_create_without_a_server_refuses_in_one_line(tmp_path: Path) -> None:
    from finch_sandbox.testing import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [*CLI, "connections", "create", "--url", url],
        env=cli_env({"XDG_DATA_HOME": str(tmp_path)}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"error: no finch-sandbox server answers at {url}: start one (finch-sandbox serve), "
        "or pass --url with the base URL of the one you use"
    )
    assert list(tmp_path.iterdir()) == []


def test_connections_create_with_other_credentials_says_which(tmp_path: Path) -> None:
    with serve({**CREDS, "FINCH_SANDBOX_DATABASE_URL": "sqlite://"}, tmp_path) as base:
        result = subprocess.run(
            [*CLI, "connections", "create", "--url", base],
            env=cli_env({}),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert "FINCH_SANDBOX_CLIENT_ID" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_prints_base_url_and_credentials(tmp_path: Path, database_url: str) -> None:
    from finch_sandbox.testing import free_port

    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--database-url", database_url],
        env=cli_env(CREDS),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        wait_until_up(proc, f"http://127.0.0.1:{port}")
        assert f"http://127.0.0.1:{port}" in text
        assert "acc-id" in text and "acc-secret" in text
    finally:
        import signal

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["serve"], {"FINCH_SANDBOX_PORT": "abc"}, "FINCH_SANDBOX_PORT=abc: Input should be"),
        (["serve", "--port", "99999"], {}, "--port=99999: Input should be less than"),
        (
            ["worker"],
            {"finch_sandbox_job_duration": "-1"},
            "FINCH_SANDBOX_JOB_DURATION=-1: Input should be greater",
        ),
    ],
)
def test_bad_settings_are_named_and_refused(
    tmp_path: Path, argv: list[str], env: dict[str, str], expected: str
) -> None:
    result = subprocess.run(
        [*CLI, *argv],
        env=cli_env(env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / ".finch-sandbox").exists(), "nothing is created before the refusal"
