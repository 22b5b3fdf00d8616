"""Employers that sign in through Finch Connect: the company (one per entity) behind a sandbox
login, created on first sign-in and found again on the next.

Finch's sandbox gives the same username the same company (behavior.md §1.10), so the company
is generated from the login and the server's seed; the connection's own id is drawn per
connection, because a login may connect again after a disconnect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finch_sandbox.clock import Clock
from finch_sandbox.ids import derive_seed, seeded_rng
from finch_sandbox.services.connections import company_records, entity_row
from finch_sandbox.services.events import InitialSyncSucceeded
from finch_sandbox.services.job_types import JobTypes
from finch_sandbox.services.providers import ProviderCatalog
from finch_sandbox.services.sync_jobs import new_sync_job
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.models import Connection
from finch_sandbox.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from finch_sandbox.services.generation import GeneratedCompany

# Employees of a single-entity sandbox employer, and of each entity of a multi-entity one;
# a multi-entity employer's first entity is the company the same login gets on its own.
SINGLE_ENTITY_SIZE = 20
MULTI_ENTITY_SIZES = (SINGLE_ENTITY_SIZE, 8, 5)


@dataclass(frozen=True, slots=True)
class Customer:
    """What the application told Finch about the employer when it opened the session."""

    customer_id: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None


@dataclass(frozen=True, slots=True)
class EntityPreview:
    """An entity as the Connect page offers it for selection."""

    position: int
    name: str
    source_id: str | None


class EmployerDirectory:
    """Finds or creates the connection a sandbox login stands for."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        catalog: ProviderCatalog,
        job_types: JobTypes,
    ) -> None:
        self._db = db
        self._job_types = job_types
        self._clock = clock
        self._settings = settings
        self._catalog = catalog

    def company_seed(self, login: str) -> int:
        return derive_seed(self._settings.seed, "connect-login", login)

    def preview_entities(self, login: str, *, provider_id: str) -> list[EntityPreview]:
        """The entities of a multi-entity login's employer, as the selection step lists them."""
        companies = self._generate(login, multi_entity=True, provider_id=provider_id, auth_type="")
        return [
            EntityPreview(i, g.company.get("legal_name") or f"Entity {i + 1}", g.company.get("ein"))
            for i, g in enumerate(companies)
        ]

    def connect(
        self,
        *,
        login: str,
        provider_id: str,
        auth_type: str,
        multi_entity: bool,
        selected: Sequence[int] | None,
        customer: Customer,
    ) -> str:
        """The id of the connection for this login at this provider: the live one if there
        is one (the employer signing in again), else a new one with the chosen entities.

        `selected` lists the entity positions the employer chose (all when None). The
        companies are generated before the write transaction, which then holds its locks only
        for the inserts.
        """
        companies = self._generate(
            login, multi_entity=multi_entity, provider_id=provider_id, auth_type=auth_type
        )
        chosen = sorted(set(range(len(companies)) if selected is None else selected))
        company_id = companies[chosen[0]].company["id"]
        # Documents are kept per entity only when there are several to tell apart.
        per_entity = len(chosen) > 1
        now = self._clock.now()
        from finch_sandbox.services.generation import new_uuid as seeded_uuid

        with UnitOfWork(self._db, write=True) as uow:
            # Taking the ordinal first holds the counter's row until this unit ends, so on
            # PostgreSQL two sign-ins of one login at once queue here, and the second finds
            # the first's connection below (SQLite's write lock does the same). A unit that
            # finds one rolls back, and its ordinal is not spent.
            ordinal = uow.connections.next_in_sequence("connections")
            existing = self._live_connection(uow, companies, provider_id)
            if existing is not None:
                return existing
            identity = seeded_rng(self._settings.seed, "connect-connection", ordinal)
            entity_ids = [seeded_uuid(identity) for _ in companies]
            connection = Connection(
                id=seeded_uuid(identity),
                company_id=company_id,
                entity_id=entity_ids[chosen[0]],
                provider_id=provider_id,
                status="pending" if auth_type == "assisted" else "connected",
                seed=self.company_seed(login),
                employee_size=sum(len(companies[i].employees) for i in chosen),
                created_at=now,
                sync_version=1,
                last_synced_at=now,
                customer_id=customer.customer_id,
                customer_name=customer.customer_name,
                customer_email=customer.customer_email,
            )
            uow.connections.add(connection)
            uow.connections.flush()
            for position, index in enumerate(chosen):
                generated = companies[index]
                uow.connections.add_entity(
                    entity_row(
                        connection.id, entity_ids[index], position, generated, multi=multi_entity
                    )
                )
                scope = entity_ids[index] if per_entity else None
                uow.records(connection.id, scope).insert(company_records(generated), synced=True)
            if auth_type != "assisted":
                initial = new_sync_job(uow, self._job_types, connection.id, now, status="complete")
                # The first sync covers the organization and payroll alike.
                for scope in ("org", "payroll"):
                    uow.record_event(InitialSyncSucceeded(connection.id, initial.id, scope))
            uow.commit()
        return connection.id

    @staticmethod
    def _live_connection(
        uow: UnitOfWork, companies: Sequence[GeneratedCompany], provider_id: str
    ) -> str | None:
        """The login's live connection at the provider, whichever of its entities it has."""
        for generated in companies:
            found = uow.connections.find_by_company(generated.company["id"], provider_id)
            if found is not None:
                return found.id
        return None

    def _generate(
        self, login: str, *, multi_entity: bool, provider_id: str, auth_type: str
    ) -> list[GeneratedCompany]:
        from finch_sandbox.services.generation import generate_company

        seed = self.company_seed(login)
        sizes = MULTI_ENTITY_SIZES if multi_entity else (SINGLE_ENTITY_SIZE,)
        today = self._clock.now().date()
        out = []
        for index, size in enumerate(sizes):
            out.append(
                generate_company(
                    seed=seed if index == 0 else derive_seed(seed, "entity", index),
                    employee_size=size,
                    today=today,
                    full_pay_history=self._settings.full_pay_history,
                    supported_fields=self._catalog.supported_fields(provider_id, auth_type),
                )
            )
        return out
