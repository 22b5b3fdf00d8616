"""Background execution of durable jobs. Depends on services and storage, never on the API."""

from __future__ import annotations
