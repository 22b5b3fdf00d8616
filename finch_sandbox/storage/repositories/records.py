"""SQL for company data documents of one connection (both sides); see models/records.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from finch_sandbox.storage.models import Record

INSERT_BATCH = 2000


@dataclass(frozen=True, slots=True)
class NewRecord:
    kind: str
    record_id: str
    doc: dict[str, Any]
    position: int
    parent_id: str | None = None
    sort_date: str | None = None


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A document a publish changed on the synced side: `before` None if it is new, `after`
    None if it was deleted."""

    kind: str
    record_id: str
    parent_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class RecordRepository:
    """Every query is filtered by the connection this repository was built for, and by its
    entity when built for one entity of a multi-entity connection."""

    def __init__(
        self,
        session: Session,
        connection_id: str,
        mark_changed: Callable[..., None] | None = None,
        entity_id: str | None = None,
    ) -> None:
        self._session = session
        self._connection_id = connection_id
        self._mark_changed = mark_changed
        self._entity_id = entity_id

    def _where(self, kind: str) -> Any:
        if self._entity_id is None:
            return and_(Record.connection_id == self._connection_id, Record.kind == kind)
        return and_(
            Record.connection_id == self._connection_id,
            Record.kind == kind,
            Record.entity_id == self._entity_id,
        )

    # --- writes -----------------------------------------------------------------------------

    def insert(self, records: Iterable[NewRecord], *, synced: bool) -> None:
        """Insert new documents on the provider side; `synced` also sets the synced side
        (which callers see, so the connection is marked changed)."""
        if synced and self._mark_changed is not None:
            self._mark_changed(self._connection_id)
        batch: list[dict[str, Any]] = []
        for rec in records:
            batch.append(
                {
                    "connection_id": self._connection_id,
                    "entity_id": self._entity_id,
                    "kind": rec.kind,
                    "record_id": rec.record_id,
                    "parent_id": rec.parent_id,
                    "position": rec.position,
                    "sort_date": rec.sort_date,
                    "provider_doc": rec.doc,
                    "synced_doc": rec.doc if synced else None,
                    "dirty": not synced,
                }
            )
            if len(batch) >= INSERT_BATCH:
                self._session.execute(insert(Record), batch)
                batch = []
        if batch:
            self._session.execute(insert(Record), batch)

    def update_provider_doc(
        self, kind: str, record_id: str, doc: dict[str, Any], *, sort_date: str | None = None
    ) -> bool:
        values: dict[str, Any] = {"provider_doc": doc, "dirty": True}
        if sort_date is not None:
            values["sort_date"] = sort_date
        result = self._session.execute(
            update(Record)
            .where(self._where(kind), Record.record_id == record_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def put_both_sides(self, kind: str, record_id: str, doc: dict[str, Any]) -> bool:
        """Replace a document on both sides at once: for data the employer owns in Finch
        itself (pay-statement-item rules), which no provider sync ever changes."""
        if self._mark_changed is not None:
            self._mark_changed(self._connection_id)
        result = self._session.execute(
            update(Record)
            .where(self._where(kind), Record.record_id == record_id)
            .values(provider_doc=doc, synced_doc=doc, dirty=False)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete_both_sides(self, kind: str, record_id: str) -> bool:
        if self._mark_changed is not None:
            self._mark_changed(self._connection_id)
        result = self._session.execute(
            delete(Record)
            .where(self._where(kind), Record.record_id == record_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete_all(self) -> None:
        """Every document of the connection, both sides (a retired scenario connection)."""
        if self._mark_changed is not None:
            self._mark_changed(self._connection_id)
        self._session.execute(
            delete(Record)
            .where(Record.connection_id == self._connection_id)
            .execution_options(synchronize_session=False)
        )

    def publish(self) -> list[RecordChange]:
        """Copy every changed provider document to the synced side; returns what changed.

        Every statement touches only dirty rows, through the partial index on them, so a sync
        costs in proportion to what changed, not to the size of the company. A dirty row whose
        two sides are equal (an edit that set what was there) is not a change.
        Callers see the synced side, so the connection is marked changed.
        """
        if self._mark_changed is not None:
            self._mark_changed(self._connection_id)
        dirty = and_(Record.connection_id == self._connection_id, Record.dirty == True)  # noqa: E712
        changes = [
            RecordChange(kind, record_id, parent_id, before, after)
            for kind, record_id, parent_id, before, after in self._session.execute(
                select(
                    Record.kind,
                    Record.record_id,
                    Record.parent_id,
                    Record.synced_doc,
                    Record.provider_doc,
                )
                .where(dirty)
                .order_by(Record.kind, Record.position)
            )
            if before != after
        ]
        # Documents deleted on the provider side leave both sides.
        self._session.execute(
            delete(Record)
            .where(dirty, Record.provider_doc.is_(None))
            .execution_options(synchronize_session=False)
        )
        self._session.execute(
            update(Record)
            .where(dirty)
            .values(synced_doc=Record.provider_doc, dirty=False)
            .execution_options(synchronize_session=False)
        )
        return changes

    # --- provider side ----------------------------------------------------------------------

    def provider_doc(self, kind: str, record_id: str) -> dict[str, Any] | None:
        return self._session.scalar(
            select(Record.provider_doc).where(self._where(kind), Record.record_id == record_id)
        )

    def provider_docs(self, kind: str) -> Sequence[dict[str, Any]]:
        rows = self._session.scalars(
            select(Record.provider_doc)
            .where(self._where(kind), Record.provider_doc.is_not(None))
            .order_by(Record.position)
        ).all()
        return [r for r in rows if r is not None]

    def provider_ids(self, kind: str) -> Sequence[str]:
        return self._session.scalars(
            select(Record.record_id)
            .where(self._where(kind), Record.provider_doc.is_not(None))
            .order_by(Record.position)
        ).all()

    def latest_provider_doc(self, kind: str) -> dict[str, Any] | None:
        return self._session.scalar(
            select(Record.provider_doc)
            .where(self._where(kind), Record.provider_doc.is_not(None))
            .order_by(Record.position.desc())
            .limit(1)
        )

    def max_position(self, kind: str) -> int:
        value = self._session.scalar(select(func.max(Record.position)).where(self._where(kind)))
        return -1 if value is None else int(value)

    # --- synced side ------------------------------------------------------------------------

    def synced_doc(self, kind: str, record_id: str) -> dict[str, Any] | None:
        return self._session.scalar(
            select(Record.synced_doc).where(self._where(kind), Record.record_id == record_id)
        )

    def only_synced(self, kind: str) -> dict[str, Any] | None:
        """The one synced document of a kind there is one of in scope (the company)."""
        return self._session.scalar(
            select(Record.synced_doc)
            .where(self._where(kind), Record.synced_doc.is_not(None))
            .order_by(Record.position)
            .limit(1)
        )

    def synced_docs_by_id(self, kind: str, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(record_ids))
        # Chunked so a 10,000-id batch stays under SQLite's bound-parameter limit.
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            rows = self._session.execute(
                select(Record.record_id, Record.synced_doc).where(
                    self._where(kind),
                    Record.record_id.in_(chunk),
                    Record.synced_doc.is_not(None),
                )
            ).all()
            found.update({rid: doc for rid, doc in rows if doc is not None})
        return found

    def count_synced(self, kind: str, *, parent_id: str | None = None) -> int:
        stmt = select(func.count()).where(
            self._where(kind), Record.synced_doc.is_not(None), _parent_is(parent_id)
        )
        return int(self._session.scalar(stmt) or 0)

    def page_synced(
        self, kind: str, *, limit: int, offset: int, parent_id: str | None = None
    ) -> Sequence[dict[str, Any]]:
        stmt = select(Record.synced_doc).where(
            self._where(kind), Record.synced_doc.is_not(None), _parent_is(parent_id)
        )
        # Ordered by the index's own columns, which the WHERE fixes, so the order is position
        # order: PostgreSQL does not count `parent_id IS NULL` as fixing parent_id, and given
        # `ORDER BY position` alone it sorts every row of the kind instead of reading the
        # index in order.
        ordered = stmt.order_by(
            Record.connection_id, Record.kind, Record.parent_id, Record.position
        )
        rows = self._session.scalars(ordered.limit(limit).offset(offset))
        return [r for r in rows.all() if r is not None]

    def synced_docs(self, kind: str) -> Sequence[dict[str, Any]]:
        """Every synced document of a kind, in position order (small kinds: pay groups, rules)."""
        rows = self._session.scalars(
            select(Record.synced_doc)
            .where(self._where(kind), Record.synced_doc.is_not(None))
            .order_by(Record.position)
        ).all()
        return [r for r in rows if r is not None]

    def synced_statements_with_pay_dates(self) -> Sequence[tuple[str, dict[str, Any]]]:
        """Every synced pay statement with its payment's pay date, oldest payment first."""
        payment = aliased(Record)
        rows = self._session.execute(
            select(payment.sort_date, Record.synced_doc)
            .join(
                payment,
                and_(
                    payment.connection_id == Record.connection_id,
                    payment.kind == "payment",
                    payment.record_id == Record.parent_id,
                ),
            )
            .where(
                self._where("pay_statement"),
                Record.synced_doc.is_not(None),
                payment.synced_doc.is_not(None),
            )
            .order_by(payment.sort_date, payment.position, Record.position)
        ).all()
        return [(str(day), doc) for day, doc in rows if doc is not None and day is not None]

    def synced_between(self, kind: str, start: str, end: str) -> Sequence[dict[str, Any]]:
        rows = self._session.scalars(
            select(Record.synced_doc)
            .where(
                self._where(kind),
                Record.synced_doc.is_not(None),
                Record.sort_date >= start,
                Record.sort_date <= end,
            )
            .order_by(Record.sort_date, Record.position)
        ).all()
        return [r for r in rows if r is not None]


def _parent_is(parent_id: str | None) -> Any:
    # Always constrain parent_id (IS NULL included) so listings walk the index in order.
    return Record.parent_id.is_(None) if parent_id is None else Record.parent_id == parent_id
