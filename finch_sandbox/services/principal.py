"""Who is calling: the account and connection an access token stands for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: str
    token_id: str
    connection_id: str
    company_id: str
    # The first entity; the one sandbox responses name.
    entity_id: str
    provider_id: str
    authentication_type: str
    products: tuple[str, ...]
    status: str
    created_at: datetime
    last_synced_at: datetime | None
    sync_version: int
    change_version: int
    # Entities the token may read (not disconnected), and whether the employer has several:
    # a multi-entity connection's data is kept per entity, so its reads name one.
    entity_ids: tuple[str, ...] = ()
    multi_entity: bool = False

    @property
    def is_assisted(self) -> bool:
        return self.authentication_type == "assisted"
