"""Finch Connect: sessions an application opens for an employer, and the one-time
authorization codes a finished session hands back through the browser."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from finch_sandbox.storage.models.base import Base, JsonDoc, UtcDateTime


class ConnectSession(Base):
    """POST /connect/sessions(/reauthenticate), and where the employer is in the Connect page.

    The page's progress (chosen provider and method, a pending MFA or entity selection) is
    kept here, server side, so a step cannot be skipped by editing a form.
    """

    __tablename__ = "connect_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The connection being re-authenticated; null for a new connection.
    connection_id: Mapped[str | None] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), nullable=True, index=True
    )
    customer_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    customer_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    customer_email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    products: Mapped[list[str]] = mapped_column(JsonDoc)
    redirect_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # `integration` of the request: skips the provider (and method) choice.
    provider_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    auth_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    sandbox: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when the employer finished and a code was issued: the session cannot be used again.
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The step waiting for the employer (mfa | select_entities) and what it needs to finish.
    pending_step: Mapped[str | None] = mapped_column(String(20), nullable=True)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)


class AuthorizationCode(Base):
    """A code handed to the redirect URI; exchanged once, within minutes, for an access token."""

    __tablename__ = "authorization_codes"

    # sha256 of the code: a copy of the database does not hand out live codes.
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("connect_sessions.id", ondelete="CASCADE"), index=True
    )
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    authentication_type: Mapped[str] = mapped_column(String(20))
    products: Mapped[list[str]] = mapped_column(JsonDoc)
    username: Mapped[str | None] = mapped_column(String(255), nullable=True)
    redirect_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
