"""Finch Connect: sessions, the employer's way through the Connect page, and the exchange of
the authorization code for an access token.

Emulates POST /connect/sessions, POST /connect/sessions/reauthenticate (behavior.md §6.1-6.2),
connect.tryfinch.com/authorize and POST /auth/token (§6.3). Every expiry reads the injected
clock. The page's progress is kept on the session row, so a step cannot be skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from finch_sandbox.clock import Clock
from finch_sandbox.errors import BadRequest, InvalidGrant, NotFound
from finch_sandbox.ids import hash_token, new_token, new_uuid
from finch_sandbox.services.connections import ConnectionService, IssuedToken
from finch_sandbox.services.employers import Customer, EmployerDirectory
from finch_sandbox.services.events import AccountUpdated
from finch_sandbox.services.products import KNOWN_PRODUCTS
from finch_sandbox.services.providers import ProviderCatalog
from finch_sandbox.services.sandbox_logins import AcceptedLogin, LoginRejected, Method, check_login
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.models import AuthorizationCode, ConnectSession
from finch_sandbox.storage.uow import UnitOfWork

NEW_SESSION_MINUTES = 129_600  # 90 days (behavior.md §6.1)
REAUTH_SESSION_MINUTES = 43_200  # 30 days (§6.2)
MAX_SESSION_MINUTES = 129_600
CODE_LIFETIME = timedelta(minutes=10)  # §6.3
RECORDKEEPERS = ("voya", "empower", "fidelity", "transamerica")

MFA = "mfa"
SELECT_ENTITIES = "select_entities"


@dataclass(frozen=True, slots=True)
class NewSession:
    """The body of POST /connect/sessions, already of the right types."""

    customer_id: str
    customer_name: str
    products: Sequence[str]
    customer_email: str | None = None
    provider_id: str | None = None
    auth_method: str | None = None
    manual: bool = False
    minutes_to_expire: float | None = None
    redirect_uri: str | None = None
    sandbox: str | None = None
    recordkeeper: str | None = None


@dataclass(frozen=True, slots=True)
class SessionView:
    """What the Connect page needs to know about a live session."""

    id: str
    products: tuple[str, ...]
    customer_name: str | None
    provider_id: str | None
    method: Method | None
    manual: bool
    reauthentication: bool
    pending_step: str | None
    pending: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NextStep:
    step: str


@dataclass(frozen=True, slots=True)
class Completed:
    """The employer is done: send the browser to `redirect_url`, or show `code` (embedded)."""

    code: str
    redirect_url: str | None


@dataclass(frozen=True, slots=True)
class TokenGrant:
    issued: IssuedToken
    customer_id: str | None
    customer_name: str | None


class SessionUnavailable(Exception):
    """The Connect link cannot be used: `reason` is unknown, expired or used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConnectFlow:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalog: ProviderCatalog,
        connections: ConnectionService,
        employers: EmployerDirectory,
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalog = catalog
        self._connections = connections
        self._employers = employers

    # --- sessions (the application's side) ---------------------------------------------------

    def new_session(self, request: NewSession) -> str:
        """POST /connect/sessions: a session for a new connection; returns its id.

        Raises:
            BadRequest: a rule the request's types cannot express (see `_check_new`).
        """
        self._check_new(request)
        minutes = (
            NEW_SESSION_MINUTES if request.minutes_to_expire is None else request.minutes_to_expire
        )
        now = self._clock.now()
        row = ConnectSession(
            id=new_uuid(),
            customer_id=request.customer_id,
            customer_name=request.customer_name,
            customer_email=request.customer_email,
            products=list(dict.fromkeys(request.products)),
            redirect_uri=request.redirect_uri,
            provider_id=request.provider_id,
            auth_method=request.auth_method,
            manual=request.manual,
            sandbox=request.sandbox,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        with UnitOfWork(self._db, write=True) as uow:
            uow.connect.add_session(row)
            uow.commit()
        return row.id

    def reauthentication_session(
        self,
        *,
        connection_id: str,
        minutes_to_expire: int | None,
        products: Sequence[str] | None,
        redirect_uri: str | None,
    ) -> str:
        """POST /connect/sessions/reauthenticate: a session that signs an existing connection
        in again; completing it keeps the connection and every id, and issues a new token.

        Raises:
            BadRequest: bad expiry, products or redirect URI.
            NotFound: no live connection with that id.
        """
        _check_minutes(minutes_to_expire)
        _check_products(products, required=False)
        _check_redirect(redirect_uri)
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            connection = uow.connections.get(connection_id)
            if connection is None or connection.disconnected_at is not None:
                raise NotFound(f"No connection with id '{connection_id}'")
            accounts = [a for a in uow.connections.accounts(connection_id) if not a.disconnected_at]
            granted = [p for a in accounts for p in a.products]
            method = accounts[0].authentication_type if accounts else "credential"
            minutes = REAUTH_SESSION_MINUTES if minutes_to_expire is None else minutes_to_expire
            row = ConnectSession(
                id=new_uuid(),
                connection_id=connection_id,
                customer_id=connection.customer_id,
                customer_name=connection.customer_name,
                customer_email=connection.customer_email,
                products=list(dict.fromkeys(products if products is not None else granted)),
                redirect_uri=redirect_uri,
                provider_id=connection.provider_id,
                auth_method=method,
                manual=method == "assisted",
                sandbox="finch",
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
            uow.connect.add_session(row)
            uow.commit()
        return row.id

    def _check_new(self, request: NewSession) -> None:
        for name in ("customer_id", "customer_name"):
            value = getattr(request, name)
            if not 1 <= len(value) <= 255:
                raise BadRequest(f"[body:{name}]: must be 1 to 255 characters long")
        _check_products(request.products, required=True)
        _check_minutes(request.minutes_to_expire)
        _check_redirect(request.redirect_uri)
        if request.customer_email is not None and "@" not in request.customer_email:
            raise BadRequest("[body:customer_email]: must be an email address")
        if request.provider_id is not None and self._catalog.get(request.provider_id) is None:
            raise BadRequest(
                f"[body:integration.provider]: unknown provider '{request.provider_id}'"
            )
        if request.recordkeeper is not None and "recordkeeping" not in request.products:
            raise BadRequest(
                "[body:recordkeeping]: can only be given when the recordkeeping product is requested"
            )
        if request.sandbox == "provider":
            raise BadRequest(
                "[body:sandbox]: finch-sandbox emulates Finch's sandbox (`finch`); provider "
                "sandboxes need a real provider account"
            )

    # --- the Connect page (the employer's side) ---------------------------------------------

    def view(self, session_id: str) -> SessionView:
        """The session behind a Connect link, if it can still be used.

        Raises:
            SessionUnavailable: unknown, expired (by the sandbox clock) or already used.
        """
        with UnitOfWork(self._db) as uow:
            row = uow.connect.get_session(session_id)
        return self._live(row)

    def _live(self, row: ConnectSession | None) -> SessionView:
        if row is None:
            raise SessionUnavailable("unknown")
        if row.completed_at is not None:
            raise SessionUnavailable("used")
        if row.expires_at <= self._clock.now():
            raise SessionUnavailable("expired")
        return SessionView(
            id=row.id,
            products=tuple(row.products),
            customer_name=row.customer_name,
            provider_id=row.provider_id,
            method=_method(row.auth_method),
            manual=row.manual,
            reauthentication=row.connection_id is not None,
            pending_step=row.pending_step,
            pending=dict(row.pending or {}),
        )

    def methods(self, view: SessionView, provider_id: str) -> list[tuple[Method, bool]]:
        """The sign-in methods the page offers for a provider, each with whether the real
        provider supports it. The sandbox offers every automated flow (behavior.md §1.10);
        assisted only when the session asks for it (`manual`)."""
        if view.method is not None:
            return [(view.method, True)]
        provider = self._catalog.get(provider_id) or {}
        native = {m["type"] for m in provider.get("authentication_methods") or []}
        if "api" in native:
            native |= {"oauth"}
        offered = [Method.CREDENTIAL, Method.API_TOKEN, Method.API_CREDENTIAL, Method.OAUTH]
        if view.manual:
            offered.append(Method.ASSISTED)
        return [(m, m.authentication_type in native or m.value in native) for m in offered]

    def sign_in(
        self,
        session_id: str,
        *,
        provider_id: str,
        method: str,
        fields: Mapping[str, str],
        state: str | None,
    ) -> Completed | NextStep:
        """The employer submits the sign-in form.

        Raises:
            SessionUnavailable: the link can no longer be used.
            LoginRejected: wrong sandbox credentials (the page shows the message).
            BadRequest: a provider or method the session does not offer.
        """
        view = self.view(session_id)
        provider_id = view.provider_id or provider_id
        if self._catalog.get(provider_id) is None:
            raise BadRequest(f"Unknown provider '{provider_id}'")
        chosen = _method(method)
        if chosen is None or chosen not in {m for m, _ in self.methods(view, provider_id)}:
            raise BadRequest(f"'{method}' is not a way to sign in to this provider here")
        with UnitOfWork(self._db) as uow:
            row = uow.connect.get_session(session_id)
            customer_id = row.customer_id if row is not None else None
        accepted = check_login(chosen, fields, customer_id=customer_id)
        pending = {
            "provider_id": provider_id,
            "method": chosen.value,
            "login": accepted.login,
            "username": accepted.username,
            "multi_entity": accepted.multi_entity and not view.reauthentication,
        }
        if accepted.mfa:
            return self._wait_for(session_id, MFA, pending)
        return self._after_sign_in(view, pending, state)

    def verify_mfa(self, session_id: str, *, code: str, state: str | None) -> Completed | NextStep:
        """Any code is right in the sandbox; an empty one is not a code.

        Raises:
            SessionUnavailable: the link can no longer be used, or no MFA step is waiting.
            LoginRejected: no code entered.
        """
        view = self.view(session_id)
        if view.pending_step != MFA:
            raise SessionUnavailable("out_of_step")
        if not code.strip():
            raise LoginRejected("Enter the verification code.", "code")
        return self._after_sign_in(view, dict(view.pending), state)

    def select_entities(
        self, session_id: str, *, positions: Sequence[str], state: str | None
    ) -> Completed:
        """The employer picks the entities (accounts) to connect.

        Raises:
            SessionUnavailable: the link can no longer be used, or no selection is waiting.
            LoginRejected: nothing, or something not offered, chosen.
        """
        view = self.view(session_id)
        if view.pending_step != SELECT_ENTITIES:
            raise SessionUnavailable("out_of_step")
        offered = {e["position"] for e in view.pending.get("entities", [])}
        try:
            chosen = sorted({int(p) for p in positions})
        except ValueError:
            chosen = [-1]
        if not chosen:
            raise LoginRejected("Choose at least one entity to connect.", "entities")
        if not set(chosen) <= offered:
            raise LoginRejected("Choose among the entities listed.", "entities")
        return self._complete(view, dict(view.pending), chosen, state)

    def _after_sign_in(
        self, view: SessionView, pending: dict[str, Any], state: str | None
    ) -> Completed | NextStep:
        if pending["multi_entity"]:
            previews = self._employers.preview_entities(
                pending["login"], provider_id=pending["provider_id"]
            )
            pending["entities"] = [
                {"position": p.position, "name": p.name, "source_id": p.source_id} for p in previews
            ]
            return self._wait_for(view.id, SELECT_ENTITIES, pending)
        return self._complete(view, pending, None, state)

    def _wait_for(self, session_id: str, step: str, pending: dict[str, Any]) -> NextStep:
        with UnitOfWork(self._db, write=True) as uow:
            if not uow.connect.set_pending(session_id, step, pending):
                raise SessionUnavailable("used")
            uow.commit()
        return NextStep(step)

    def _complete(
        self,
        view: SessionView,
        pending: Mapping[str, Any],
        selected: Sequence[int] | None,
        state: str | None,
    ) -> Completed:
        method = Method(pending["method"])
        with UnitOfWork(self._db) as uow:
            row = uow.connect.get_session(view.id)
        live = self._live(row)
        assert row is not None
        if live.reauthentication:
            assert row.connection_id is not None
            connection_id = row.connection_id
        else:
            connection_id = self._employers.connect(
                login=pending["login"],
                provider_id=pending["provider_id"],
                auth_type=method.authentication_type,
                multi_entity=bool(pending["multi_entity"]),
                selected=selected,
                customer=Customer(row.customer_id, row.customer_name, row.customer_email),
            )
        code = new_token()
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            if not uow.connect.complete_session(view.id, now):
                raise SessionUnavailable("used")
            uow.connect.add_code(
                AuthorizationCode(
                    code_hash=hash_token(code),
                    session_id=view.id,
                    connection_id=connection_id,
                    authentication_type=method.authentication_type,
                    products=list(row.products),
                    username=pending.get("username"),
                    redirect_uri=row.redirect_uri,
                    created_at=now,
                    expires_at=now + CODE_LIFETIME,
                )
            )
            if live.reauthentication:
                # Signing in again is what a `reauth` connection was waiting for.
                connection = uow.connections.get(connection_id)
                if connection is not None and connection.status == "reauth":
                    uow.connections.set_status(connection_id, "connected")
                    uow.record_event(
                        AccountUpdated(connection_id, "connected", method.authentication_type)
                    )
            uow.commit()
        redirect = None if row.redirect_uri is None else with_query(row.redirect_uri, code, state)
        return Completed(code=code, redirect_url=redirect)

    # --- the token exchange ------------------------------------------------------------------

    def exchange(
        self, *, client_id: str, client_secret: str, code: str, redirect_uri: str | None
    ) -> TokenGrant:
        """POST /auth/token: spend an authorization code on an access token for its connection.

        Raises:
            InvalidClient: wrong application credentials (401).
            InvalidGrant: unknown, used or expired code, or a redirect URI other than the
                session's (400).
        """
        self._connections.check_client(client_id, client_secret)
        code_hash = hash_token(code)
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            grant = uow.connect.get_code(code_hash)
            if grant is None:
                raise InvalidGrant("The authorization code is not valid")
            if grant.redirect_uri is not None and redirect_uri != grant.redirect_uri:
                raise InvalidGrant(
                    "[body:redirect_uri]: does not match the redirect_uri of the Connect session"
                )
            if grant.used_at is not None:
                raise InvalidGrant("The authorization code has already been used")
            if grant.expires_at <= now:
                raise InvalidGrant("The authorization code has expired")
            # Locked before the code is spent: the new account and the bump land together.
            uow.connections.lock(grant.connection_id)
            if not uow.connect.use_code(code_hash, now):
                raise InvalidGrant("The authorization code has already been used")
            connection = uow.connections.get(grant.connection_id)
            if connection is None or connection.disconnected_at is not None:
                raise InvalidGrant("The connection of this authorization code was disconnected")
            issued = self._connections.add_account(
                uow,
                connection,
                grant.authentication_type,
                list(grant.products),
                username=grant.username,
            )
            uow.commit()
        return TokenGrant(issued, connection.customer_id, connection.customer_name)


def with_query(uri: str, code: str, state: str | None) -> str:
    """`redirect_uri?code=…&state=…`, keeping any query the URI already has."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.append(("code", code))
    if state:
        query.append(("state", state))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _method(value: str | None) -> Method | None:
    try:
        return None if value is None else Method(value)
    except ValueError:
        return None


def _check_products(products: Sequence[str] | None, *, required: bool) -> None:
    if products is None:
        if required:
            raise BadRequest("[body:products]: Field required")
        return
    if required and not products:
        raise BadRequest("[body:products]: choose at least one product")
    unknown = [p for p in products if p not in KNOWN_PRODUCTS]
    if unknown:
        raise BadRequest(
            f"[body:products]: unknown product(s) {', '.join(map(repr, unknown))}; "
            f"expected any of {', '.join(sorted(KNOWN_PRODUCTS))}"
        )
    if "deduction" in products and "benefits" in products:
        raise BadRequest(
            "[body:products]: `deduction` is the deprecated name of `benefits`; give one of them"
        )


def _check_minutes(minutes: float | None) -> None:
    if minutes is not None and not 1 <= minutes <= MAX_SESSION_MINUTES:
        raise BadRequest(f"[body:minutes_to_expire]: must be between 1 and {MAX_SESSION_MINUTES}")


def _check_redirect(uri: str | None) -> None:
    if uri is None:
        return
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise BadRequest("[body:redirect_uri]: must be an absolute http(s) URI without a fragment")


__all__ = [
    "AcceptedLogin",
    "Completed",
    "ConnectFlow",
    "LoginRejected",
    "NewSession",
    "NextStep",
    "SessionUnavailable",
    "SessionView",
    "TokenGrant",
]
