"""Declarative base with a naming convention, and column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, MetaData, TypeDecorator, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JsonDoc(TypeDecorator[Any]):
    """JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere. Python None is SQL
    NULL, so "no document on this side" can be queried with IS NULL. Chosen per dialect when
    the engine first uses it, so a SQLite server never imports the PostgreSQL dialect (tens of
    milliseconds of its start-up)."""

    impl = JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB(none_as_null=True))
        return dialect.type_descriptor(JSON(none_as_null=True))


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite drops tzinfo, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def partial_index(
    name: str, *columns: str, where: str, sqlite_where: str | None = None, unique: bool = False
) -> Index:
    """An index over the rows matching `where` (`sqlite_where` where SQLite spells it
    differently). PostgreSQL's condition waits in `info` until `postgresql_conditions` sets it,
    just before the schema is created there: declaring it now would import the PostgreSQL
    dialect into every SQLite server at start-up."""
    index = Index(name, *columns, unique=unique, sqlite_where=text(sqlite_where or where))
    index.info["postgresql_where"] = where
    return index


def postgresql_conditions(metadata: MetaData) -> None:
    """Give the partial indexes their PostgreSQL conditions (idempotent)."""
    for table in metadata.tables.values():
        for index in table.indexes:
            where = index.info.get("postgresql_where")
            if where is not None:
                index.dialect_kwargs["postgresql_where"] = text(where)
