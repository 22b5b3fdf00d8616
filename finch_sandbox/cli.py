"""Command line: `finch-sandbox serve`, `connections create`, `db ...`, `webhooks ...`, `clock ...`."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from finch_sandbox import __version__
from finch_sandbox.settings import ENV_PREFIX, Settings, load_settings, settings_env

if TYPE_CHECKING:
    from rich.console import Console

    from finch_sandbox.services import Services

app = typer.Typer(
    help="finch-sandbox: an offline, stateful emulator of the Finch API.", no_args_is_help=True
)
connections_app = typer.Typer(help="Sandbox connections.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook endpoints and deliveries.", no_args_is_help=True)
app.add_typer(connections_app, name="connections")
app.add_typer(db_app, name="db")
clock_app = typer.Typer(
    help="The running server's sandbox clock: show it, move it, put it back.", no_args_is_help=True
)
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(clock_app, name="clock")


@functools.cache
def console() -> Console:
    """rich, for the commands that draw; `serve` prints plainly and starts without it."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="SQLAlchemy URL; default: a SQLite file in the data directory. `sqlite://` is in-memory."
    ),
]
DataDir = Annotated[Path | None, typer.Option(help="Where the default SQLite file lives.")]


def _quiet_server_class() -> type:
    import uvicorn

    class QuietServer(uvicorn.Server):
        """uvicorn re-raises SIGINT/SIGTERM after its graceful shutdown, which cancels the app's
        lifespan mid-teardown and prints a traceback; here a signal only asks for the shutdown."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            handled = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return QuietServer


# Settings whose command-line flag is not named after the setting.
FLAG_NAMES = {
    "processes": "--workers",
    "worker_concurrency": "--concurrency",
    "worker": "--no-worker",
}


def _settings(**overrides: object) -> Settings:
    from pydantic import ValidationError

    try:
        return load_settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            given = overrides.get(name) is not None
            flag = FLAG_NAMES.get(name, f"--{name.replace('_', '-')}")
            source = flag if given else f"{ENV_PREFIX}{name.upper()}"
            _fail(f"{source}={error['input']!s}: {error['msg']}", code=None)
        raise typer.Exit(2) from None


def _fail(message: str, *, code: int | None = 2) -> None:
    """One line on stderr, `error: ...`; then exit with `code` (unless None: more follow)."""
    typer.echo(f"{typer.style('error:', fg='red')} {message}", err=True)
    if code is not None:
        raise typer.Exit(code)


@contextlib.contextmanager
def _database_errors(url: str) -> Iterator[None]:
    """Turn an unusable database (bad URL, missing driver, server down, no such database) into
    one line and exit 2; anything else is a bug and keeps its traceback."""
    from finch_sandbox.storage.problems import check_url, describe

    try:
        check_url(url)
        yield
    except Exception as exc:
        line = describe(exc, url)
        if line is None:
            raise
        _fail(line)


def _refuse_processes_on_sqlite(settings: Settings, *, flag_given: bool) -> None:
    if settings.processes > 1 and settings.resolved_database_url.startswith("sqlite"):
        given = "--workers " if flag_given else f"{ENV_PREFIX}PROCESSES="
        _fail(
            f"{given}{settings.processes} needs PostgreSQL: a SQLite file is served by one "
            "process (one writer at a time, and no way to tell the others what changed). Use "
            "--workers 1, or set FINCH_SANDBOX_DATABASE_URL (or --database-url) to "
            "postgresql+psycopg://user@host:5432/dbname"
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (Finch's SDK tests use 4010).")
    ] = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    seed: Annotated[int | None, typer.Option(help="Seed for generated company data.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="API processes on the port (more than one needs PostgreSQL)."),
    ] = None,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="Run no job worker here; run `finch-sandbox worker`."),
    ] = False,
) -> None:
    """Start the emulator (migrating the database first)."""
    from finch_sandbox.listener import PortInUse, claim_port

    settings = _settings(
        host=host,
        port=port,
        database_url=database_url,
        data_dir=data_dir,
        seed=seed,
        processes=workers,
        worker=False if no_worker else None,
    )
    _refuse_processes_on_sqlite(settings, flag_given=workers is not None)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    # Alembic narrates every check at INFO; a migration that runs is worth a line, not that.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    say = functools.partial(typer.echo, err=True)
    url = settings.resolved_database_url
    say(typer.style(f"finch-sandbox {__version__}", bold=True))
    if not settings.database_url:
        say(f"  data dir       {settings.resolved_data_dir}")
    say(f"  database       {url}")
    # Start-up creates ~100k objects that live as long as the process: the collector would
    # only walk them again and again while the app is imported and built, from the database
    # URL's check on (it imports SQLAlchemy). _started() turns it back on.
    gc.disable()
    try:
        with claim_port(settings.host, settings.port), _database_errors(url):
            if settings.server == "granian":
                _serve_granian(settings)
            else:
                _serve_uvicorn(settings)
    except PortInUse as exc:
        _fail(str(exc), code=1)
    finally:
        gc.enable()
    say("stopped")


def _listening(settings: Settings) -> None:
    """Printed once the port is bound, not before."""
    say = functools.partial(typer.echo, err=True)
    base_url = f"http://{settings.host}:{settings.port}"
    say(f"listening on {base_url}")
    say(f"  client_id      {settings.client_id}")
    say(f"  client_secret  {settings.client_secret}")
    say(f"  docs           {settings.local_url}/_docs (offline)")
    say(f'  use it with    Finch(base_url="{base_url}", client_id=..., client_secret=...)')
    say("  press Ctrl-C to stop")


def _started() -> None:
    """The app is built: what exists now is kept for good, out of the collector's sight, which
    also keeps later full collections (and their pauses) small."""
    gc.freeze()
    gc.enable()


def _serve_granian(settings: Settings) -> None:
    import os

    from granian.constants import Interfaces
    from granian.log import LogLevels

    if settings.processes == 1:
        _serve_granian_embedded(settings)
        return
    from granian import Granian

    from finch_sandbox.storage.db import make_database
    from finch_sandbox.storage.migrate import upgrade_to_head

    # Migrate once here, not in each API process at the same moment.
    db = make_database(settings.resolved_database_url)
    upgrade_to_head(db.engine)
    db.dispose()
    # Granian's worker processes build the app themselves, from the environment.
    os.environ.update(settings_env(settings))
    _started()
    server = Granian(
        "finch_sandbox.app:app_from_env",
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=settings.processes,
        websockets=False,
        log_level=LogLevels.warning,
    )
    server.on_startup(lambda: _listening(settings))
    server.serve()


def _serve_granian_embedded(settings: Settings) -> None:
    """One process: granian's server runs on this process's event loop, with the app object
    built here — no worker process, so start-up imports everything once and memory is one
    interpreter's."""
    import asyncio

    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server.embed import Server

    from finch_sandbox.app import create_app

    _limit_malloc_arenas()
    application = create_app(settings)
    server = Server(
        application,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        websockets=False,
        log_level=LogLevels.error,
    )
    server.on_startup(lambda: _listening(settings))
    _started()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop)
        await server.serve()

    asyncio.run(run())


def _limit_malloc_arenas() -> None:
    """glibc gives every thread that allocates its own malloc arena; with a threadpool that is
    tens of mostly idle arenas of resident memory. Two are plenty for this server."""
    import ctypes

    try:
        # The process's own symbols, libc's among them (ctypes.util.find_library would spawn
        # ldconfig: tens of milliseconds of start-up).
        libc = ctypes.CDLL(None)
        m_arena_max = -8  # from malloc.h
        libc.mallopt(m_arena_max, 2)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def _serve_uvicorn(settings: Settings) -> None:
    import uvicorn

    from finch_sandbox.app import create_app
    from finch_sandbox.listener import bind_socket

    server_class = _quiet_server_class()
    application = create_app(settings)
    # Bound here, so "listening" is true when printed and a busy port is one line, not a log.
    sock = bind_socket(settings.host, settings.port)
    _started()
    _listening(settings)
    server_class(
        uvicorn.Config(application, host=settings.host, port=settings.port, log_level="warning")
    ).run(sockets=[sock])


@connections_app.command("create")
def create_connection(
    provider: Annotated[
        str, typer.Option(help="A provider id from GET /providers, e.g. gusto.")
    ] = "gusto",
    employees: Annotated[int, typer.Option(help="Number of employees to generate.")] = 20,
    assisted: Annotated[bool, typer.Option(help="Create an assisted connection.")] = False,
    authentication_type: Annotated[
        str | None, typer.Option(help="credential | api_token | oauth | assisted")
    ] = None,
    products: Annotated[
        list[str] | None, typer.Option("--products", help="Repeat for several.")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            help="The running server's base URL; default: the one FINCH_SANDBOX_HOST and "
            "FINCH_SANDBOX_PORT name (http://127.0.0.1:4010)."
        ),
    ] = None,
) -> None:
    """Create a sandbox connection on the running server and print its access token (only the
    token goes to stdout).

    It goes through the server's HTTP API (POST /sandbox/connections, with the client
    credentials of FINCH_SANDBOX_CLIENT_ID/SECRET), so the token is in the database that server
    uses, wherever this command runs.
    """
    from finch_sandbox.remote import RemoteError, create_sandbox_connection

    settings = _settings()
    base = (url or settings.local_url).rstrip("/")
    auth_type = "assisted" if assisted else authentication_type
    try:
        with console().status(f"creating a {employees}-employee company on {base}"):
            created = create_sandbox_connection(
                base,
                (settings.client_id, settings.client_secret),
                provider_id=provider,
                authentication_type=auth_type,
                products=products,
                employee_size=employees,
            )
    except RemoteError as exc:
        _fail(str(exc))
    console().print(
        f"connection {created['connection_id']} ({created['provider_id']}, "
        f"{created['authentication_type']}, {employees} employees, "
        f"products: {', '.join(created['products'])}) on {base}"
    )
    typer.echo(created["access_token"])


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Job loops in this process.")] = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Run job workers only (no HTTP), e.g. beside `serve --no-worker` on PostgreSQL."""
    import threading

    from finch_sandbox.services import Services
    from finch_sandbox.services.clock_control import database_clock
    from finch_sandbox.storage.db import make_database
    from finch_sandbox.storage.migrate import HEAD_REVISION, current_revision
    from finch_sandbox.worker import start_workers, stop_workers

    settings = _settings(
        database_url=database_url, data_dir=data_dir, worker_concurrency=concurrency
    )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    with _database_errors(settings.resolved_database_url):
        db = make_database(settings.resolved_database_url)
        revision = current_revision(db.engine)
    if revision != HEAD_REVISION:
        _fail("the database is not migrated; run `finch-sandbox db upgrade`")
    services = Services.build(settings, db, database_clock(db))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    workers = start_workers(services)
    console().print(
        f"finch-sandbox worker: {len(workers)} job loop(s) on {settings.resolved_database_url}"
    )
    stop.wait()
    # SIGTERM or Ctrl-C: jobs in hand go back to the queue for another worker.
    stop_workers(workers)
    db.dispose()
    console().print("stopped")


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None, data_dir: DataDir = None) -> None:
    """Run the migrations up to the newest schema (the server also does this at start)."""
    from finch_sandbox.storage.db import make_database
    from finch_sandbox.storage.migrate import current_revision, upgrade_to_head

    settings = _settings(database_url=database_url, data_dir=data_dir)
    with _database_errors(settings.resolved_database_url):
        db = make_database(settings.resolved_database_url)
        upgrade_to_head(db.engine)
        console().print(
            f"{settings.resolved_database_url} at revision {current_revision(db.engine)}"
        )
    db.dispose()


def _webhook_service(database_url: str | None, data_dir: Path | None) -> Services:
    from finch_sandbox.services import Services
    from finch_sandbox.services.clock_control import database_clock
    from finch_sandbox.storage.db import make_database
    from finch_sandbox.storage.migrate import upgrade_to_head

    settings = _settings(database_url=database_url, data_dir=data_dir)
    db = make_database(settings.resolved_database_url)
    upgrade_to_head(db.engine)
    return Services.build(settings, db, database_clock(db))


@webhooks_app.command("add")
def webhooks_add(url: str, database_url: DatabaseUrl = None, data_dir: DataDir = None) -> None:
    """Register a webhook endpoint (every event from now on is sent to it)."""
    from finch_sandbox.errors import FinchError

    services = _webhook_service(database_url, data_dir)
    try:
        endpoint = services.webhooks.add_endpoint(url)
        services.webhooks.setup()  # a secret exists from here on, so it can be shown
        secret = services.webhooks.secrets()[0]
    except FinchError as exc:
        console().print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()
    console().print(f"endpoint {endpoint.id} {endpoint.url}")
    console().print(f"signing secret {secret}")


@webhooks_app.command("list")
def webhooks_list(database_url: DatabaseUrl = None, data_dir: DataDir = None) -> None:
    """The registered webhook endpoints (id, URL)."""
    services = _webhook_service(database_url, data_dir)
    try:
        for endpoint in services.webhooks.endpoints():
            typer.echo(f"{endpoint.id}  {endpoint.url}")
    finally:
        services.db.dispose()


@webhooks_app.command("remove")
def webhooks_remove(
    endpoint_id: str, database_url: DatabaseUrl = None, data_dir: DataDir = None
) -> None:
    """Remove a webhook endpoint (its pending deliveries go with it)."""
    from finch_sandbox.errors import FinchError

    services = _webhook_service(database_url, data_dir)
    try:
        services.webhooks.remove_endpoint(endpoint_id)
    except FinchError as exc:
        console().print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()


@webhooks_app.command("log")
def webhooks_log(
    connection: Annotated[str | None, typer.Option(help="Only this connection's events.")] = None,
    event_type: Annotated[
        str | None, typer.Option("--type", help="Only events of this type.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many of the newest events.")] = 20,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Events, newest first, each with its deliveries' attempts (status, latency, next retry)."""
    from finch_sandbox.errors import FinchError

    services = _webhook_service(database_url, data_dir)
    try:
        events = services.webhooks.events(
            connection_id=connection, event_type=event_type, limit=limit
        )
    except FinchError as exc:
        console().print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()
    for event in events:
        when = event.created_at.isoformat(timespec="seconds")
        typer.echo(f"{event.id}  {event.event_type}  connection {event.connection_id}  {when}")
        if not event.deliveries:
            typer.echo("    (no endpoint was registered)")
        for delivery in event.deliveries:
            line = f"    {delivery.status:<9} {delivery.url}"
            if delivery.next_attempt_at is not None:
                line += f"  next attempt {delivery.next_attempt_at.isoformat(timespec='seconds')}"
            typer.echo(line)
            for n, attempt in enumerate(delivery.attempts, start=1):
                answer = attempt.status_code if attempt.status_code is not None else attempt.error
                typer.echo(f"      #{n} {answer}  {attempt.latency_ms} ms")


ServerUrl = Annotated[
    str | None,
    typer.Option(
        help="The running server's base URL; default: the one FINCH_SANDBOX_HOST and "
        "FINCH_SANDBOX_PORT name (http://127.0.0.1:4010)."
    ),
]
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(duration: str) -> float:
    """`3600`, `90s`, `15m`, `2h`, `1.5d`, and the same with a minus sign (back in time)."""
    text = duration.strip().lower()
    scale = _UNITS.get(text[-1:], 0)
    try:
        return float(text[:-1] if scale else text) * (scale or 1)
    except ValueError:
        raise typer.BadParameter(
            f"'{duration}' is not a duration: give seconds, or a number with s, m, h or d"
        ) from None


def _clock(url: str | None, move: str | None = None, body: dict[str, object] | None = None) -> None:
    from finch_sandbox.remote import RemoteError, sandbox_clock

    settings = _settings()
    base = (url or settings.local_url).rstrip("/")
    try:
        state = sandbox_clock(base, (settings.client_id, settings.client_secret), move, body)
    except RemoteError as exc:
        _fail(str(exc))
    if state["frozen"]:
        how = "frozen"
    else:
        from datetime import timedelta

        from finch_sandbox.clock import distance_from_wall

        offset = timedelta(seconds=state.get("offset_seconds") or 0)
        how = f"running, {distance_from_wall(offset) or 'at wall time'}"
    typer.echo(f"{state['now']}  {how}")


@clock_app.command("show")
def clock_show(url: ServerUrl = None) -> None:
    """Print the sandbox's time, and whether it is frozen or how far it is from wall time."""
    _clock(url)


@clock_app.command("advance", context_settings={"ignore_unknown_options": True})
def clock_advance(
    duration: Annotated[str, typer.Argument(help="Seconds, or 90s, 15m, 2h, 1d; -1h goes back.")],
    url: ServerUrl = None,
) -> None:
    """Move the clock by DURATION: quota windows, due jobs and webhook retries follow at once."""
    _clock(url, "advance", {"seconds": _seconds(duration)})


@clock_app.command("freeze")
def clock_freeze(
    at: Annotated[
        str | None, typer.Option(help="Stop it at this instant (ISO 8601 with a zone, e.g. Z).")
    ] = None,
    url: ServerUrl = None,
) -> None:
    """Stop the clock, where it stands or at --at."""
    _clock(url, "freeze", {"at": at} if at else {})


@clock_app.command("unfreeze")
def clock_unfreeze(url: ServerUrl = None) -> None:
    """Let the clock tick again from where it stands."""
    _clock(url, "unfreeze")


@clock_app.command("reset")
def clock_reset(url: ServerUrl = None) -> None:
    """Put the clock back to wall time, ticking."""
    _clock(url, "reset")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
