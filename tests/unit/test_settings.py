"""Settings come from FINCH_SANDBOX_* variables, with explicit values on top."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from finch_sandbox.settings import Settings, env_values, load_settings, settings_env


def test_variables_are_read_case_insensitively_and_others_ignored() -> None:
    environ = {
        "FINCH_SANDBOX_PORT": "5000",
        "finch_sandbox_seed": "9",
        "FINCH_SANDBOX_NOT_A_SETTING": "x",
        "PORT": "1",
    }
    assert env_values(environ) == {"port": "5000", "seed": "9"}


def test_strings_are_parsed_into_each_fields_type(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "FINCH_SANDBOX_PORT": "5000",
        "FINCH_SANDBOX_WORKER": "false",
        "FINCH_SANDBOX_JOB_DURATION": "0.25",
        "FINCH_SANDBOX_DATA_DIR": "/tmp/somewhere",
        "FINCH_SANDBOX_DATABASE_URL": "postgres://u@h/db",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(seed=3, port=None)
    assert settings.port == 5000 and settings.seed == 3
    assert settings.worker is False and settings.job_duration == 0.25
    assert settings.data_dir == Path("/tmp/somewhere")
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_explicit_values_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINCH_SANDBOX_PORT", "5000")
    assert load_settings(port=6000).port == 6000


def test_settings_built_directly_do_not_read_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FINCH_SANDBOX_PORT", "5000")
    assert Settings().port == 4010


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINCH_SANDBOX_REFRESHES_PER_HOUR", "-1")
    with pytest.raises(ValidationError, match="refreshes_per_hour"):
        load_settings()


def test_settings_env_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Settings(port=5001, worker=False, job_duration=0.5, public_url=None, seed=77)
    for name, value in settings_env(original).items():
        monkeypatch.setenv(name, value)
    assert load_settings() == original


def test_the_default_data_dir_is_the_users_whatever_the_current_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.resolved_data_dir == tmp_path / "xdg" / "finch-sandbox"
    assert settings.resolved_database_url == (
        f"sqlite:///{tmp_path}/xdg/finch-sandbox/finch_sandbox.db"
    )
    assert not (tmp_path / "xdg").exists(), "resolving the path creates nothing"


def test_a_relative_data_dir_is_made_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings(data_dir=Path("here")).resolved_data_dir == tmp_path / "here"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:4010"),
        ("0.0.0.0", "http://127.0.0.1:4010"),
        ("::", "http://[::1]:4010"),
        ("::1", "http://[::1]:4010"),
        ("sandbox.internal", "http://sandbox.internal:4010"),
    ],
)
def test_local_url_reaches_the_server_the_settings_start(host: str, url: str) -> None:
    assert Settings(host=host).local_url == url


def test_a_webhook_secret_must_be_base64(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINCH_SANDBOX_WEBHOOK_SECRET", "not base64!")
    with pytest.raises(ValidationError, match="base64"):
        load_settings()
    # base64 that the TypeScript SDK refuses to use (not the encoding of its own bytes)
    monkeypatch.setenv("FINCH_SANDBOX_WEBHOOK_SECRET", "mysecretkey=")
    with pytest.raises(ValidationError, match=r"canonical base64.*'mysecretkew='"):
        load_settings()
    monkeypatch.setenv("FINCH_SANDBOX_WEBHOOK_SECRET", "5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH")
    monkeypatch.setenv("FINCH_SANDBOX_WEBHOOK_URLS", "http://a/x,http://b/y")
    settings = load_settings()
    assert settings.webhook_secret == "5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
    assert settings.webhook_urls == "http://a/x,http://b/y"
