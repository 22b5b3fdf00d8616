"""Alembic migrations, shipped inside the package so a wheel can migrate its own database."""

from __future__ import annotations
