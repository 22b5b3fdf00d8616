"""Engine and session factories for the two supported databases; no queries live here.

SQLite gets WAL, foreign keys, a busy timeout and explicit BEGIN handling; write transactions
start with BEGIN IMMEDIATE so two writers queue on the lock instead of failing with SQLITE_BUSY
halfway through a read-then-write transaction. PostgreSQL (psycopg 3) gets a pool sized for a
threaded server, READ COMMITTED writers (which lock what they change, see uow.py) and
REPEATABLE READ, READ ONLY readers, so a read unit sees one snapshot however many statements it
runs, as a SQLite read transaction does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from finch_sandbox.storage.changes import CommitHooks

SQLITE_BUSY_TIMEOUT_MS = 30_000
T = TypeVar("T")

# Per process. Requests run in a thread pool (40 threads) beside one worker thread, but a unit
# of work holds its connection only for its own statements, so 10 kept open plus 10 on demand
# serve that without queueing in practice, and several server processes still fit in
# PostgreSQL's default max_connections (100). Past 20, callers wait up to POSTGRES_POOL_TIMEOUT.
POSTGRES_POOL_SIZE = 10
POSTGRES_MAX_OVERFLOW = 10
POSTGRES_POOL_TIMEOUT = 30
# Freshness checks mostly run one at a time on the event loop; the threadpool adds a few, and
# each takes a fraction of a millisecond. Kept small so that several API and worker processes
# still fit in PostgreSQL's default max_connections (100) beside their main pools.
AUTOCOMMIT_POOL_SIZE = 2
AUTOCOMMIT_MAX_OVERFLOW = 4
APPLICATION_NAME = "finch-sandbox"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(frozen=True)
class Database:
    """An engine plus the two session factories the unit of work chooses between."""

    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]
    # In-memory SQLite is one shared connection; sessions must take turns on it.
    serial_lock: threading.RLock | None
    # SQLite file: writers of this process queue here, in order, instead of polling the file
    # lock through SQLite's busy handler (whose sleeps reach 100 ms and make the tail slow).
    write_lock: threading.Lock | None = None
    # PostgreSQL: autocommit connections for single-statement reads that need no snapshot
    # (freshness checks, one per cached answer): no BEGIN, no rollback, no ping.
    autocommit: Engine | None = None
    # What runs around every unit of work's commit (storage/changes.py).
    hooks: CommitHooks = field(default_factory=CommitHooks)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()
        if self.autocommit is not None:
            self.autocommit.dispose()


def autocommit_read(engine: Engine, read: Callable[[Connection], T]) -> T:
    """`read` on an autocommit connection, once more on a fresh one if the first was dead."""
    try:
        with engine.connect() as conn:
            return read(conn)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as conn:
        return read(conn)


def is_memory_sqlite(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def make_database(url: str) -> Database:
    """Engine and session factories for a `sqlite://` or `postgresql+psycopg://` URL."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        return _postgresql_database(url)
    if backend == "sqlite":
        return _sqlite_database(url)
    # Other databases would silently lack the isolation the units of work rely on.
    raise ValueError(f"unsupported database {backend!r}: use a sqlite:// or postgresql:// URL")


def _postgresql_database(url: str) -> Database:
    engine = create_engine(
        url,
        pool_size=POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_MAX_OVERFLOW,
        pool_timeout=POSTGRES_POOL_TIMEOUT,
        # A server restart (or an idle connection dropped by a proxy) costs one reconnect,
        # not one failed request per pooled connection.
        pool_pre_ping=True,
        # psycopg does the JSON (de)serialising itself with these; it accepts bytes as is.
        json_serializer=orjson.dumps,
        json_deserializer=orjson.loads,
        # Names our sessions in pg_stat_activity.
        connect_args={"application_name": APPLICATION_NAME},
    )
    # psycopg puts both into the BEGIN it sends, so the snapshot costs no extra round trip;
    # the pool resets them when the connection is returned.
    reader_engine = engine.execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )
    # Its own small pool, without pre-ping: a pinged checkout would double the round trips
    # of each check. A connection the server dropped fails one statement, which the caller
    # retries on a fresh one (see `autocommit_read`).
    autocommit = create_engine(
        url,
        pool_size=AUTOCOMMIT_POOL_SIZE,
        max_overflow=AUTOCOMMIT_MAX_OVERFLOW,
        pool_timeout=POSTGRES_POOL_TIMEOUT,
        isolation_level="AUTOCOMMIT",
        connect_args={"application_name": APPLICATION_NAME},
    )
    return Database(
        engine,
        sessionmaker(reader_engine, expire_on_commit=False),
        sessionmaker(engine, expire_on_commit=False),
        None,
        autocommit=autocommit,
    )


def _sqlite_database(url: str) -> Database:
    parsed = make_url(url)
    memory = is_memory_sqlite(url)
    if memory:
        engine = create_engine(
            "sqlite://",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
        )
    else:
        assert parsed.database is not None
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            pool_size=16,
            max_overflow=16,
        )
    _install_sqlite_hooks(engine, wal=not memory)
    writer_engine = engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
    return Database(
        engine,
        sessionmaker(engine, expire_on_commit=False),
        sessionmaker(writer_engine, expire_on_commit=False),
        threading.RLock() if memory else None,
        None if memory else threading.Lock(),
    )


def _install_sqlite_hooks(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))
