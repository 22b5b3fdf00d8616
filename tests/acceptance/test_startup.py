"""What a new user meets when starting the server wrong: a busy port, several processes on
SQLite, an unusable database. Each is one line on stderr and a non-zero exit, before anything
is written or "listening" is printed."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.acceptance.processes import CLI, ProcessGroups, cli_env
from tests.acceptance.test_serve import CREDS, sdk
from tests.conftest import NewDatabaseUrl


def run_cli(
    tmp_path: Path, *argv: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    from finch_sandbox.testing import free_port

    # A port of its own: the default (4010) may be taken by a server this test does not know
    # about, and the port is checked before the database.
    own = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "FINCH_SANDBOX_PORT": str(free_port())}
    return subprocess.run(
        [*CLI, *argv],
        env=cli_env({**own, **(env or {})}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("second_server", ["granian", "uvicorn"])
def test_a_second_server_on_a_busy_port_exits_with_one_line(
    tmp_path: Path, second_server: str
) -> None:
    env = {**CREDS, "FINCH_SANDBOX_DATABASE_URL": "sqlite://"}
    with ProcessGroups(env, tmp_path) as procs:
        _first, base = procs.serve("first")
        token = sdk(base).sandbox.connections.create(provider_id="gusto", employee_size=3)
        port = base.rsplit(":", 1)[1]
        second = run_cli(
            tmp_path,
            "serve",
            "--port",
            port,
            env={**env, "FINCH_SANDBOX_SERVER": second_server},
        )
        assert second.returncode == 1, second.stderr
        assert error_lines(second.stderr) == [
            f"error: 127.0.0.1:{port} is already in use by another finch-sandbox server; stop "
            "it, or start this one on another port (--port or FINCH_SANDBOX_PORT)"
        ]
        assert "listening" not in second.stderr
        assert "Traceback" not in second.stderr
        # Every request still reaches the first server (no connection was split off).
        client = sdk(base, token.access_token)
        for _ in range(20):
            assert client.hris.directory.list().paging.count == 3


def test_a_port_another_program_listens_on_is_refused(tmp_path: Path) -> None:
    with socket.socket() as other:
        # As another HTTP server would: listening, and sharing nothing.
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = run_cli(tmp_path, "serve", "--port", str(port), "--database-url", "sqlite://")
    assert result.returncode == 1
    assert error_lines(result.stderr) == [
        f"error: 127.0.0.1:{port} is already in use by another process; stop it, or start this "
        "one on another port (--port or FINCH_SANDBOX_PORT)"
    ]
    assert "listening" not in result.stderr


def test_the_default_data_dir_is_the_users_not_the_current_folder(tmp_path: Path) -> None:
    workdir = tmp_path / "project"
    workdir.mkdir()
    env = {**CREDS, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    with ProcessGroups(env, workdir) as procs:
        proc, base = procs.serve("server")
        token = sdk(base).sandbox.connections.create(provider_id="gusto", employee_size=2)
        assert sdk(base, token.access_token).hris.directory.list().paging.count == 2
        output = procs.output(proc)
    data_dir = tmp_path / "xdg" / "finch-sandbox"
    assert f"data dir       {data_dir}" in output
    assert (data_dir / "finch_sandbox.db").exists()
    assert sorted(p.name for p in workdir.iterdir()) == ["server.log"]


@pytest.mark.parametrize(
    ("argv", "env", "given"),
    [
        (["--workers", "2"], {}, "--workers 2"),
        ([], {"FINCH_SANDBOX_PROCESSES": "3"}, "FINCH_SANDBOX_PROCESSES=3"),
    ],
)
def test_several_processes_on_sqlite_are_refused(
    tmp_path: Path, argv: list[str], env: dict[str, str], given: str
) -> None:
    result = run_cli(tmp_path, "serve", *argv, env=env)
    assert result.returncode == 2
    assert error_lines(result.stderr) == [
        f"error: {given} needs PostgreSQL: a SQLite file is served by one process (one "
        "writer at a time, and no way to tell the others what changed). Use --workers 1, or set "
        "FINCH_SANDBOX_DATABASE_URL (or --database-url) to "
        "postgresql+psycopg://user@host:5432/dbname"
    ]
    assert not (tmp_path / "xdg").exists(), "nothing is created before the refusal"


def test_a_bad_worker_count_names_the_flag_given(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "serve", "--workers", "0")
    assert result.returncode == 2
    assert error_lines(result.stderr) == [
        "error: --workers=0: Input should be greater than or equal to 1"
    ]


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"], ["worker"]])
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense", "error: the database URL 'nonsense' cannot be parsed; use SQLite"),
        (
            "postgresql+asyncpg://u@127.0.0.1/x",
            "error: the PostgreSQL driver 'asyncpg' is not supported; finch-sandbox ships "
            "psycopg 3: use postgresql+psycopg://u@127.0.0.1/x",
        ),
        ("mysql://u@127.0.0.1/x", "error: 'mysql' databases are not supported; use SQLite"),
        (
            "postgresql://u@127.0.0.1:{closed}/x",
            "error: no PostgreSQL server answers at 127.0.0.1:{closed} (connection refused)",
        ),
    ],
)
def test_an_unusable_database_url_is_one_line(
    tmp_path: Path, command: list[str], url: str, expected: str
) -> None:
    from finch_sandbox.testing import free_port

    closed = free_port()  # nothing listens there
    url, expected = url.format(closed=closed), expected.format(closed=closed)
    result = run_cli(tmp_path, *command, "--database-url", url)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert "listening" not in result.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"], ["worker"]])
def test_a_missing_postgresql_database_is_one_line(
    tmp_path: Path, new_database_url: NewDatabaseUrl, command: list[str]
) -> None:
    # A real server, a database that is not there.
    url = make_url(new_database_url(empty=True)).set(database="finch_test_missing_db")
    rendered = url.render_as_string(hide_password=False)
    result = run_cli(tmp_path, *command, "--database-url", rendered)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    host = url.host or "localhost"
    assert error_lines(result.stderr) == [
        f'error: PostgreSQL at {host}:{url.port or 5432} has no database "finch_test_missing_db": '
        f"create it (createdb -h {host} finch_test_missing_db) or name another in the URL"
    ]
    assert len(result.stderr.splitlines()) <= 3  # the banner's lines and the error
