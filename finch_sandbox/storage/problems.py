"""One line, with what to do, for each way a database URL can fail before the server is up.

A missing PostgreSQL database used to print ~500 lines of traceback; the CLI turns these
exceptions into `error: <line>` instead (`describe`), and checks the URL's form first
(`check_url`), before any driver is loaded.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

SUPPORTED = "SQLite (sqlite:///path/to/file.db, or sqlite:// in memory) or PostgreSQL (postgresql+psycopg://user@host:5432/dbname)"


class DatabaseProblem(Exception):
    """A database URL that cannot be used; `str()` is the one line to print."""


def check_url(raw: str) -> URL:
    """Parse `raw`; raise DatabaseProblem unless it names a database finch-sandbox can use."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseProblem(
            f"the database URL {raw!r} cannot be parsed; use {SUPPORTED}"
        ) from None
    backend, _, driver = url.drivername.partition("+")
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseProblem(f"{backend!r} databases are not supported; use {SUPPORTED}")
    if backend == "postgresql" and driver not in ("", "psycopg"):
        raise DatabaseProblem(
            f"the PostgreSQL driver {driver!r} is not supported; finch-sandbox ships psycopg 3: "
            f"use postgresql+psycopg://{_rest(url)}"
        )
    if backend == "postgresql" and not url.database:
        raise DatabaseProblem(f"the database URL {_safe(url)} names no database (…/dbname)")
    return url


def describe(exc: BaseException, raw_url: str) -> str | None:
    """The one line for an exception met while opening or migrating `raw_url`, or None when it
    is not a database problem (a bug, to be shown with its traceback)."""
    if isinstance(exc, DatabaseProblem):
        return str(exc)
    try:
        url = make_url(raw_url)
    except ArgumentError:
        return f"the database URL {raw_url!r} cannot be parsed; use {SUPPORTED}"
    if isinstance(exc, NoSuchModuleError):
        return f"{url.drivername!r} is not a database kind SQLAlchemy knows; use {SUPPORTED}"
    if isinstance(exc, ModuleNotFoundError):
        return (
            f"the driver for {url.drivername} is not installed (no module {exc.name!r}); "
            f"use {SUPPORTED}"
        )
    if isinstance(exc, DBAPIError):
        return _describe_dbapi(exc, url)
    return None


def _describe_dbapi(exc: DBAPIError, url: URL) -> str:
    detail = " ".join(str(exc.orig).split())
    if url.get_backend_name() == "sqlite":
        return f"cannot open the SQLite database {url.database}: {detail}"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    missing = re.search(r'database "([^"]+)" does not exist', detail)
    if missing:
        return (
            f'PostgreSQL at {where} has no database "{missing.group(1)}": create it '
            f"(createdb -h {url.host or 'localhost'} {missing.group(1)}) or name another in the URL"
        )
    if "Connection refused" in detail or "could not connect" in detail:
        return (
            f"no PostgreSQL server answers at {where} (connection refused): start it, or check "
            f"the host and port of {_safe(url)}"
        )
    role = re.search(r'role "([^"]+)" does not exist', detail)
    if role:
        return f'PostgreSQL at {where} has no role "{role.group(1)}": create it or use another user'
    if "password authentication failed" in detail or "no password supplied" in detail:
        return f"PostgreSQL at {where} refused the credentials of {_safe(url)}"
    # psycopg's own words, on one line, without the "connection failed:" preamble.
    detail = re.sub(r"^(connection failed: )?", "", detail)
    return f"cannot use PostgreSQL at {where} ({_safe(url)}): {detail}"


def _safe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _rest(url: URL) -> str:
    return _safe(url).split("://", 1)[1]
