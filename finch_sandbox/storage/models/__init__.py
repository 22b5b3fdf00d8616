"""ORM models; importing this package registers every table on Base.metadata."""

from __future__ import annotations

from finch_sandbox.storage.models.base import Base
from finch_sandbox.storage.models.benefits import Benefit, BenefitEnrollment
from finch_sandbox.storage.models.clock import SandboxClockRow
from finch_sandbox.storage.models.connect import AuthorizationCode, ConnectSession
from finch_sandbox.storage.models.connections import Account, Connection, Counter, Entity
from finch_sandbox.storage.models.jobs import Job, RefreshWindow
from finch_sandbox.storage.models.records import Record
from finch_sandbox.storage.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSecret,
)

__all__ = [
    "Account",
    "AuthorizationCode",
    "Base",
    "Benefit",
    "BenefitEnrollment",
    "ConnectSession",
    "Connection",
    "Counter",
    "Entity",
    "Job",
    "Record",
    "RefreshWindow",
    "SandboxClockRow",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookSecret",
]
