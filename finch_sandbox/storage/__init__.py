"""Storage layer: SQLAlchemy 2 models, repositories and the unit of work. No FastAPI here."""

from __future__ import annotations
