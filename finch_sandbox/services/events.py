"""Domain events a write records with `uow.record_event(...)`; the webhook outbox hook
(services/webhooks.py) turns each into one Finch webhook event in the same transaction.

Plain values: no payload shapes here (the outbox builds the wire body), no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class JobCompleted:
    """A job ended, whatever its status: `job.<type>.completed`."""

    connection_id: str
    job_id: str
    job_type: str
    job_kind: str  # automated | manual: which URL answers it


@dataclass(frozen=True, slots=True)
class InitialSyncSucceeded:
    """A connection's first sync succeeded: `job.initial_data_sync_<scope>.succeeded`."""

    connection_id: str
    job_id: str
    scope: str  # org | payroll


@dataclass(frozen=True, slots=True)
class DataChanged:
    """A sync changed the synced side: `directory.created`, `payment.updated`, ..."""

    connection_id: str
    event_type: str
    data: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AccountUpdated:
    """The connection's status changed: `account.updated`. `authentication_type` None means
    the connection's first account's."""

    connection_id: str
    status: str
    authentication_type: str | None = None


DomainEvent = JobCompleted | InitialSyncSucceeded | DataChanged | AccountUpdated
