"""Use cases, in plain Python. Services take collaborators explicitly and raise FinchError."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from finch_sandbox.clock import Clock
from finch_sandbox.services.benefits import BenefitService
from finch_sandbox.services.connect_flow import ConnectFlow
from finch_sandbox.services.connections import ConnectionService
from finch_sandbox.services.data_edits import DataEditService
from finch_sandbox.services.documents import DocumentService
from finch_sandbox.services.employer_data import EmployerDataService
from finch_sandbox.services.employers import EmployerDirectory
from finch_sandbox.services.forwarding import ForwardingService
from finch_sandbox.services.job_types import JobTypes, default_job_types
from finch_sandbox.services.pay_groups import PayGroupService
from finch_sandbox.services.pay_statement_items import PayStatementItemService
from finch_sandbox.services.providers import ProviderCatalog
from finch_sandbox.services.quotas import QuotaPolicy
from finch_sandbox.services.scenarios import ScenarioService
from finch_sandbox.services.sync import SyncService
from finch_sandbox.services.sync_jobs import SyncJobService
from finch_sandbox.services.webhooks import WebhookService
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import Database


@dataclass(frozen=True)
class Services:
    """Everything a request handler may call, built once per app (or CLI command)."""

    settings: Settings
    db: Database
    clock: Clock
    catalog: ProviderCatalog
    connections: ConnectionService
    employer_data: EmployerDataService
    employers: EmployerDirectory
    connect: ConnectFlow
    data_edits: DataEditService
    sync: SyncService
    sync_jobs: SyncJobService
    job_types: JobTypes
    pay_groups: PayGroupService
    pay_statement_items: PayStatementItemService
    documents: DocumentService
    forwarding: ForwardingService
    scenarios: ScenarioService
    benefits: BenefitService
    webhooks: WebhookService
    # Set on every enqueue so an in-process worker starts at once instead of at its next poll.
    wake_worker: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def build(cls, settings: Settings, db: Database, clock: Clock) -> Services:
        catalog = ProviderCatalog.load()
        wake = threading.Event()
        job_types = default_job_types()
        employer_data = EmployerDataService(db, catalog)
        connections = ConnectionService(db, clock, settings, catalog, job_types)
        employers = EmployerDirectory(db, clock, settings, catalog, job_types)
        sync_jobs = SyncJobService(
            db,
            clock,
            quota=QuotaPolicy(settings.refreshes_per_hour),
            wake_worker=wake,
            job_types=job_types,
        )
        pay_statement_items = PayStatementItemService(db, clock, employer_data)
        webhooks = WebhookService(db, clock, settings)
        webhooks.install()
        benefits = BenefitService(db, clock, catalog, job_types=job_types, wake_worker=wake)
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            catalog=catalog,
            connections=connections,
            employer_data=employer_data,
            employers=employers,
            connect=ConnectFlow(db, clock, catalog, connections, employers),
            data_edits=DataEditService(db, clock, catalog),
            sync=SyncService(db, clock),
            sync_jobs=sync_jobs,
            job_types=job_types,
            pay_groups=PayGroupService(db, employer_data),
            pay_statement_items=pay_statement_items,
            documents=DocumentService(db, employer_data),
            forwarding=ForwardingService(),
            scenarios=ScenarioService(connections, pay_statement_items, sync_jobs, benefits),
            benefits=benefits,
            webhooks=webhooks,
            wake_worker=wake,
        )
