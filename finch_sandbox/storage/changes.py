"""What a unit of work changed, and the hooks that run around its commit.

A write declares once, at the unit of work, that it changed what a connection's callers can
see: `uow.mark_changed(connection_id)` (repository write methods that always change what callers
see call it themselves: publishing, a status change, a new account, a job moving). At
`uow.commit()` the unit of work, in this order:

1. calls each `before_commit` hook with `(uow, changed, events)`, in the transaction: the
   place to write rows that must commit with the change (the webhook outbox: a hook reads the
   domain events recorded with `uow.record_event(event)` and inserts its rows through
   `uow.session`); an exception there rolls the whole unit back;
2. bumps `connections.change_version` of every changed connection (including any a hook
   marked), in the transaction: what cached answers in every process are checked against;
3. commits;
4. calls each `after_commit` listener with `{connection_id: change_version}` of what it bumped
   (in-process stamps, request-scoped write logs). A listener must not raise.

Hooks are registered per `Database` (so per app): `db.hooks.before_commit.append(hook)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from finch_sandbox.storage.uow import UnitOfWork

BeforeCommit = Callable[["UnitOfWork", frozenset[str], tuple[object, ...]], None]
AfterCommit = Callable[[Mapping[str, int]], None]


@dataclass
class CommitHooks:
    before_commit: list[BeforeCommit] = field(default_factory=list)
    after_commit: list[AfterCommit] = field(default_factory=list)


class WriteLog:
    """The change versions the units of work of one request committed, for a caller that
    wants to cache what its own write produced (see `record_writes`)."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}

    def add(self, versions: Mapping[str, int]) -> None:
        self.versions.update(versions)


_current_log: ContextVar[WriteLog | None] = ContextVar("finch_sandbox_write_log", default=None)


@contextmanager
def record_writes() -> Iterator[WriteLog]:
    """Collect what units of work commit inside the block, in this context and the threads it
    hands work to (they run in a copy of the context, which refers to the same log)."""
    log = WriteLog()
    token = _current_log.set(log)
    try:
        yield log
    finally:
        _current_log.reset(token)


def current_write_log() -> WriteLog | None:
    return _current_log.get()
