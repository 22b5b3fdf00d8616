"""SQL for Connect sessions and authorization codes. Single-use is enforced here, by
compare-and-set updates, so two requests racing on one session or code cannot both win."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from finch_sandbox.storage.models import AuthorizationCode, ConnectSession


class ConnectRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_session(self, connect_session: ConnectSession) -> None:
        self._session.add(connect_session)

    def get_session(self, session_id: str) -> ConnectSession | None:
        return self._session.get(ConnectSession, session_id)

    def set_pending(
        self, session_id: str, step: str | None, pending: dict[str, Any] | None
    ) -> bool:
        """Record the step the employer is on; False if the session was completed meanwhile."""
        result = self._session.execute(
            update(ConnectSession)
            .where(ConnectSession.id == session_id, ConnectSession.completed_at.is_(None))
            .values(pending_step=step, pending=pending)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def complete_session(self, session_id: str, when: datetime) -> bool:
        """Mark the session used; True only for the one caller that did."""
        result = self._session.execute(
            update(ConnectSession)
            .where(ConnectSession.id == session_id, ConnectSession.completed_at.is_(None))
            .values(completed_at=when, pending_step=None, pending=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def add_code(self, code: AuthorizationCode) -> None:
        self._session.add(code)

    def get_code(self, code_hash: str) -> AuthorizationCode | None:
        return self._session.get(AuthorizationCode, code_hash)

    def use_code(self, code_hash: str, when: datetime) -> bool:
        """Spend the code; True only for the one caller that did, and only before it expires."""
        result = self._session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.code_hash == code_hash,
                AuthorizationCode.used_at.is_(None),
                AuthorizationCode.expires_at > when,
            )
            .values(used_at=when)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
