"""Sandbox connections and accounts: create, authenticate tokens, introspect, disconnect.

Emulates POST/PUT /sandbox/connections(/accounts), GET /introspect and POST /disconnect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from finch_sandbox.clock import Clock
from finch_sandbox.errors import BadRequest, InvalidClient, InvalidToken, NotFound
from finch_sandbox.ids import derive_seed, hash_token, new_token, new_uuid, seeded_rng
from finch_sandbox.services.documents import document_records
from finch_sandbox.services.entities import check_disconnect
from finch_sandbox.services.events import AccountUpdated, InitialSyncSucceeded
from finch_sandbox.services.job_types import JobTypes
from finch_sandbox.services.principal import Principal
from finch_sandbox.services.products import (
    DEFAULT_ACCOUNT_PRODUCTS,
    DEFAULT_CONNECTION_PRODUCTS,
    KNOWN_PRODUCTS,
)
from finch_sandbox.services.providers import ProviderCatalog
from finch_sandbox.services.sync_jobs import new_sync_job
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.models import Account, Connection, Entity
from finch_sandbox.storage.repositories.records import NewRecord
from finch_sandbox.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from finch_sandbox.services.generation import GeneratedCompany

MAX_ACCOUNTS_PER_CONNECTION = 3  # behavior.md §1.2

STATUS_MESSAGES = {
    "connected": "This employer is working as expected",
    "pending": "This employer has created a token, and we are waiting for access to its provider",
    "processing": "Finch is setting up access to this employer's provider",
    "reauth": "This employer needs to re-authenticate through Finch Connect",
    "error_no_account_setup": "The employer has not set up an account for Finch with its provider",
    "error_permissions": "The account Finch was given lacks the permissions it needs",
}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    principal: Principal


@dataclass(frozen=True, slots=True)
class AuthenticationMethod:
    """One way the employer authenticated: its type and the products its accounts grant."""

    type: str
    products: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EntityView:
    """An entity of the connection as /introspect lists it (`disconnected` ones included)."""

    id: str
    name: str | None
    source_id: str | None
    status: str


@dataclass(frozen=True, slots=True)
class Introspection:
    """What GET /introspect tells about a token (api/schemas/account.py maps it to the wire)."""

    principal: Principal
    client_id: str
    status: str
    status_message: str
    last_synced_at: datetime | None
    methods: tuple[AuthenticationMethod, ...]
    legal_name: str | None
    entities: tuple[EntityView, ...] = ()
    customer_id: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    username: str | None = None


class ConnectionService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        catalog: ProviderCatalog,
        job_types: JobTypes,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._catalog = catalog
        self._job_types = job_types

    # --- client credentials -----------------------------------------------------------------

    def check_client(self, client_id: str, client_secret: str) -> None:
        if (client_id, client_secret) != (self._settings.client_id, self._settings.client_secret):
            raise InvalidClient()

    # --- creation ---------------------------------------------------------------------------

    def create_connection(
        self,
        *,
        provider_id: str,
        authentication_type: str | None,
        products: Sequence[str] | None,
        employee_size: int | None,
        progress: Callable[[int], None] | None = None,
        fixture: ConnectionFixture | None = None,
    ) -> IssuedToken:
        """POST /sandbox/connections: a new company at a provider, with its first account.

        The company is generated before the write transaction opens, so a 10,000-employee
        company does not hold the database's write lock while it is being made up.
        """
        self.check_provider(provider_id)
        auth_type = authentication_type or self.default_auth_type(provider_id)
        chosen = self._check_products(products, DEFAULT_CONNECTION_PRODUCTS)
        size = 20 if employee_size is None else employee_size
        limit = self._settings.max_employee_size
        if not 1 <= size <= limit:
            # A company is made inside the request: past the limit it would outlast the SDK's
            # 60 s timeout, and the SDK would retry and create a second one.
            raise BadRequest(
                f"[body:employee_size]: must be between 1 and {limit} (larger companies take "
                "longer to generate than the SDK's 60 s timeout; FINCH_SANDBOX_MAX_EMPLOYEE_SIZE "
                "raises the limit)"
            )

        with UnitOfWork(self._db, write=True) as uow:
            ordinal = uow.connections.next_in_sequence("connections")
            uow.commit()

        now = self._clock.now()
        seed = derive_seed(self._settings.seed, "connection", ordinal)
        # Imported here: Faker is heavy, and a server that never creates a company (or not
        # yet) should not pay for it at start-up.
        from finch_sandbox.services.generation import generate_company
        from finch_sandbox.services.generation import new_uuid as seeded_uuid

        def generate(company_seed: int, employees: int) -> GeneratedCompany:
            return generate_company(
                seed=company_seed,
                employee_size=employees,
                today=now.date(),
                full_pay_history=self._settings.full_pay_history,
                supported_fields=self._catalog.supported_fields(provider_id, auth_type),
                # No pay history for a provider whose payroll would only ever answer 501.
                payroll=self._catalog.offers_payroll(provider_id, auth_type),
                progress=progress,
            )

        generated = generate(seed, size)
        rng = seeded_rng(seed, "identity")
        connection_id, entity_id = seeded_uuid(rng), seeded_uuid(rng)
        records = company_records(generated)
        extras = fixture.extra_entities if fixture is not None else []
        if fixture is not None:
            entity_id = fixture.entity_id or entity_id
            records = fixture.rename(records)
        # (entity id, company, its records): a scenario may add entities to the first.
        companies = [(entity_id, generated, records)]
        for index, extra in enumerate(extras, start=1):
            company = generate(derive_seed(seed, "entity", index), extra.employee_size)
            companies.append((extra.id, company, company_records(company)))
        connection = Connection(
            id=connection_id,
            company_id=generated.company["id"],
            entity_id=entity_id,
            provider_id=provider_id,
            # Finch sets up assisted connections by hand; until then they are pending.
            status=(fixture.status if fixture is not None else None)
            or ("pending" if auth_type == "assisted" else "connected"),
            seed=seed,
            employee_size=sum(len(c.employees) for _, c, _ in companies),
            created_at=now,
            sync_version=1,
            last_synced_at=now,
        )
        with UnitOfWork(self._db, write=True) as uow:
            token = None
            if fixture is not None and fixture.access_token is not None:
                # First, so the fixed token and entity id are free again.
                self._retire_holder(uow, fixture.access_token, now)
                token = fixture.access_token
            for held in (e for e, _, _ in companies if uow.connections.entity_exists(e)):
                raise BadRequest(f"[body:entity_id]: entity '{held}' belongs to another connection")
            uow.connections.add(connection)
            uow.connections.flush()
            # Records are kept per entity only when there are several to tell apart.
            multi = len(companies) > 1
            for position, (eid, company, company_docs) in enumerate(companies):
                uow.connections.add_entity(
                    entity_row(connection.id, eid, position, company, multi=multi)
                )
                # Creating a connection performs its initial sync: both sides start equal.
                scope = eid if multi else None
                uow.records(connection.id, scope).insert(company_docs, synced=True)
            if auth_type != "assisted":
                initial = new_sync_job(uow, self._job_types, connection.id, now, status="complete")
                for scope in initial_sync_scopes(chosen):
                    uow.record_event(InitialSyncSucceeded(connection.id, initial.id, scope))
            issued = self.add_account(uow, connection, auth_type, chosen, token=token)
            uow.commit()
        return issued

    def create_account(
        self,
        *,
        company_id: str,
        provider_id: str,
        authentication_type: str | None,
        products: Sequence[str] | None,
    ) -> IssuedToken:
        """POST /sandbox/connections/accounts: the same employer authenticating once more."""
        self.check_provider(provider_id)
        chosen = self._check_products(products, DEFAULT_ACCOUNT_PRODUCTS)
        with UnitOfWork(self._db, write=True) as uow:
            connection = uow.connections.find_by_company(company_id, provider_id)
            if connection is None:
                raise NotFound(
                    f"No connection for company '{company_id}' at provider '{provider_id}'"
                )
            # Two requests at once must not both pass the account limit (PostgreSQL).
            uow.connections.lock(connection.id)
            if len(uow.connections.accounts(connection.id)) >= MAX_ACCOUNTS_PER_CONNECTION:
                raise BadRequest(
                    f"A connection can have at most {MAX_ACCOUNTS_PER_CONNECTION} accounts"
                )
            auth_type = authentication_type or self.default_auth_type(provider_id)
            issued = self.add_account(uow, connection, auth_type, chosen)
            uow.commit()
        return issued

    def _retire_holder(self, uow: UnitOfWork, token: str, now: datetime) -> None:
        """The connection that holds `token` now (a scenario applied before) is disconnected
        and emptied, and the token freed: each application starts a fresh connection."""
        found = uow.connections.account_by_token_hash(hash_token(token))
        if found is None:
            return
        old = found[1].id
        uow.connections.disconnect(old, now)
        uow.connections.retire_tokens(old)
        uow.jobs.delete_all(old)
        uow.records(old).delete_all()
        uow.connections.delete_entities(old)
        uow.connections.flush()

    def add_account(
        self,
        uow: UnitOfWork,
        connection: Connection,
        auth_type: str,
        products: list[str],
        *,
        username: str | None = None,
        token: str | None = None,
    ) -> IssuedToken:
        """A new access token for the connection, in the caller's unit of work (a scenario
        may fix its value)."""
        token = token or new_token()
        account = Account(
            id=new_uuid(),
            connection_id=connection.id,
            token_id=new_uuid(),
            token_hash=hash_token(token),
            authentication_type=auth_type,
            products=products,
            manual=auth_type == "assisted",
            username=username,
            created_at=self._clock.now(),
        )
        uow.connections.add_account(account)
        uow.connections.flush()
        entities = uow.connections.entities(connection.id)
        return IssuedToken(token, _principal(account, connection, entities))

    def default_auth_type(self, provider_id: str) -> str:
        """The method a connection made without one uses: the provider's first automated."""
        provider = self._catalog.get(provider_id)
        if provider is None:
            raise BadRequest(f"[body:provider_id]: unknown provider '{provider_id}'")
        types = [m["type"] for m in provider.get("authentication_methods") or []]
        for candidate in ("credential", "api_token", "oauth"):
            if candidate in types:
                return candidate
        return "assisted" if "assisted" in types else "credential"

    def _check_products(self, products: Sequence[str] | None, default: Sequence[str]) -> list[str]:
        if products is None:
            return list(default)
        unknown = [p for p in products if p not in KNOWN_PRODUCTS]
        if unknown:
            raise BadRequest(
                f"[body:products]: unknown product(s) {', '.join(map(repr, unknown))}; "
                f"expected any of {', '.join(sorted(KNOWN_PRODUCTS))}"
            )
        return list(dict.fromkeys(products))

    def check_provider(self, provider_id: str) -> None:
        if self._catalog.get(provider_id) is None:
            raise BadRequest(f"[body:provider_id]: unknown provider '{provider_id}'")

    # --- tokens -----------------------------------------------------------------------------

    def authenticate(self, token: str) -> Principal:
        """Resolve a bearer token; unknown and disconnected tokens are both invalid. The
        principal carries the connection's `change_version` as read with it."""
        with UnitOfWork(self._db) as uow:
            found = uow.connections.account_by_token_hash(hash_token(token))
            if found is None:
                raise InvalidToken()
            account, connection = found
            if account.disconnected_at is not None or connection.disconnected_at is not None:
                raise InvalidToken("Unauthorized request: the access token has been disconnected")
            return _principal(account, connection, uow.connections.entities(connection.id))

    def set_status(self, principal: Principal, status: str) -> Principal:
        """PUT /sandbox/connections/accounts: move the connection to another status."""
        with UnitOfWork(self._db, write=True) as uow:
            connection = uow.connections.get(principal.connection_id)
            if connection is not None and connection.status != status:
                uow.record_event(
                    AccountUpdated(principal.connection_id, status, principal.authentication_type)
                )
            uow.connections.set_status(principal.connection_id, status)
            uow.commit()
        return replace(principal, status=status)

    def disconnect(self, principal: Principal) -> None:
        """POST /disconnect: every token of the connection stops working."""
        with UnitOfWork(self._db, write=True) as uow:
            uow.connections.disconnect(principal.connection_id, self._clock.now())
            uow.commit()

    def disconnect_entities(self, principal: Principal, entity_ids: Sequence[str]) -> None:
        """POST /disconnect-entity: those entities' data is no longer reachable; the rest of
        the connection carries on. Disconnecting every remaining entity disconnects the
        connection, as there is nothing left to reach."""
        with UnitOfWork(self._db, write=True) as uow:
            uow.connections.lock(principal.connection_id)
            entities = uow.connections.entities(principal.connection_id)
            check_disconnect([e.id for e in entities], entity_ids)
            now = self._clock.now()
            uow.connections.disconnect_entities(principal.connection_id, set(entity_ids), now)
            remaining = [
                e for e in entities if e.disconnected_at is None and e.id not in entity_ids
            ]
            if not remaining:
                uow.connections.disconnect(principal.connection_id, now)
            uow.commit()

    def introspect(self, principal: Principal) -> Introspection:
        """GET /introspect: the connection as the token sees it; methods merged by type."""
        with UnitOfWork(self._db) as uow:
            connection = uow.connections.get(principal.connection_id)
            assert connection is not None
            accounts = uow.connections.accounts(principal.connection_id)
            entities = uow.connections.entities(principal.connection_id)
            company = uow.records(principal.connection_id).synced_doc(
                "company", principal.company_id
            )
        products: dict[str, list[str]] = {}
        for account in accounts:
            merged = products.setdefault(account.authentication_type, [])
            merged.extend(p for p in account.products if p not in merged)
        legal_name = (company or {}).get("legal_name")
        return Introspection(
            principal=principal,
            client_id=self._settings.client_id,
            status=connection.status,
            status_message=STATUS_MESSAGES.get(connection.status, connection.status),
            last_synced_at=connection.last_synced_at,
            methods=tuple(AuthenticationMethod(t, tuple(p)) for t, p in products.items()),
            legal_name=legal_name,
            entities=tuple(
                EntityView(
                    id=entity.id,
                    # Entities made before names were kept are named after the company.
                    name=entity.name if entity.name is not None else legal_name,
                    source_id=entity.source_id,
                    status="disconnected" if entity.disconnected_at else connection.status,
                )
                for entity in entities
            ),
            customer_id=connection.customer_id,
            customer_name=connection.customer_name,
            customer_email=connection.customer_email,
            username=next((a.username for a in accounts if a.id == principal.account_id), None),
        )


@dataclass(frozen=True, slots=True)
class ExtraEntity:
    """A further entity of a multi-entity scenario connection: a company of its own."""

    id: str
    employee_size: int


@dataclass(frozen=True, slots=True)
class ConnectionFixture:
    """What a scenario fixes about a new connection (services/scenarios.py): its access
    token, its (first) entity id, the ids of its first records of each kind
    (`{"employee": ["individual_id", ...], "pay_group": [...], "document": [...], ...}`),
    its status, and the further entities that make it a multi-entity connection."""

    access_token: str | None = None
    entity_id: str | None = None
    ids: dict[str, list[str]] = field(default_factory=dict)
    status: str | None = None
    extra_entities: list[ExtraEntity] = field(default_factory=list)

    def rename(self, records: list[NewRecord]) -> list[NewRecord]:
        """The records with the fixed ids in place of the generated ones, everywhere they
        are referred to (managers, pay groups' members, pay statements, W-4s)."""
        mapping: dict[str, str] = {}
        for kind, wanted in self.ids.items():
            have = [r.record_id for r in records if r.kind == kind]
            if len(wanted) > len(have):
                raise BadRequest(
                    f"[body:ids.{kind}]: {len(wanted)} ids given, the company has {len(have)}"
                )
            mapping.update(zip(have, wanted, strict=False))
        if not mapping:
            return records
        out = []
        for record in records:
            doc = _renamed(record.doc, mapping)
            record_id = mapping.get(record.record_id, record.record_id)
            if record.kind == "pay_statement":
                payment_id = mapping.get(record.parent_id or "", record.parent_id)
                record_id = statement_record_id(str(payment_id), doc["individual_id"])
            out.append(
                replace(
                    record,
                    record_id=record_id,
                    doc=doc,
                    parent_id=mapping.get(record.parent_id or "", record.parent_id),
                )
            )
        return out


def _renamed(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {k: _renamed(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, mapping) for v in value]
    return value


def initial_sync_scopes(products: Sequence[str]) -> list[str]:
    """Which initial-sync events a new connection's first sync makes: `org` always, `payroll`
    when the connection reads payroll data."""
    scopes = ["org"]
    if {"payment", "pay_statement"} & set(products):
        scopes.append("payroll")
    return scopes


def company_records(generated: GeneratedCompany) -> list[NewRecord]:
    """The documents of a generated company, in the order the API lists them."""
    records = [NewRecord("company", generated.company["id"], generated.company, 0)]
    for position, employee in enumerate(generated.employees):
        records.append(
            employee_record(
                employee.individual, employee.employment, position, directory=employee.directory
            )
        )
    for position, group in enumerate(generated.pay_groups):
        records.append(NewRecord("pay_group", group["id"], group, position))
    records.extend(document_records([(e.individual, e.employment) for e in generated.employees]))
    for position, item in enumerate(generated.payments):
        records.extend(payment_records(item.payment, item.pay_statements, position))
    return records


def employee_record(
    individual: dict[str, Any],
    employment: dict[str, Any],
    position: int,
    *,
    directory: dict[str, Any] | None = None,
) -> NewRecord:
    """An employee: `{"individual", "employment"}`, and `"directory"`, the person's directory
    entry, when it follows its own catalog rules (services/directory.py)."""
    doc: dict[str, Any] = {"individual": individual, "employment": employment}
    if directory is not None:
        doc["directory"] = directory
    return NewRecord("employee", individual["id"], doc, position)


def statement_record_id(payment_id: str, individual_id: str) -> str:
    """The record id of a pay statement: one per payment and individual."""
    return f"{payment_id}:{individual_id}"


def payment_records(
    payment: dict[str, Any], statements: Sequence[dict[str, Any]], position: int
) -> list[NewRecord]:
    payment_id = payment["id"]
    out = [NewRecord("payment", payment_id, payment, position, sort_date=payment["pay_date"])]
    out.extend(
        NewRecord(
            "pay_statement",
            statement_record_id(payment_id, statement["individual_id"]),
            statement,
            index,
            parent_id=payment_id,
        )
        for index, statement in enumerate(statements)
    )
    return out


def entity_row(
    connection_id: str, entity_id: str, position: int, generated: GeneratedCompany, *, multi: bool
) -> Entity:
    """An entity of a connection: one generated company. Only the entities of a multi-entity
    employer carry a `source_id` (the EIN that tells them apart at the provider)."""
    return Entity(
        id=entity_id,
        connection_id=connection_id,
        position=position,
        company_id=generated.company["id"],
        name=generated.company.get("legal_name"),
        source_id=generated.company.get("ein") if multi else None,
    )


def _principal(account: Account, connection: Connection, entities: Sequence[Entity]) -> Principal:
    return Principal(
        account_id=account.id,
        token_id=account.token_id,
        connection_id=connection.id,
        company_id=connection.company_id,
        entity_id=connection.entity_id,
        provider_id=connection.provider_id,
        authentication_type=account.authentication_type,
        products=tuple(account.products),
        status=connection.status,
        created_at=account.created_at,
        last_synced_at=connection.last_synced_at,
        sync_version=connection.sync_version,
        change_version=connection.change_version,
        entity_ids=tuple(e.id for e in entities if e.disconnected_at is None),
        multi_entity=len(entities) > 1,
    )
