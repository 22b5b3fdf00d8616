"""Entities: which entity's data a read is about, and the rules of `POST /disconnect-entity`.

A connection has one entity per legal entity (EIN) of the employer; Finch Connect's
`multi_entity` sandbox login makes employers with several. No SQL here.
"""

from __future__ import annotations

from collections.abc import Sequence

from finch_sandbox.errors import InvalidRequest
from finch_sandbox.services.principal import Principal


def entity_scope(principal: Principal, entity_ids: Sequence[str] | None) -> str | None:
    """The entity an `/employer/*` read is about (`entity_ids[]` query parameter).

    Finch takes at most one entity id per request, and requires one when the connection has
    several entities (behavior.md §3.2: 400 `invalid_request_error`). Returns None for a
    single-entity connection, whose documents all belong to its one entity.

    Raises:
        InvalidRequest: more than one id, an id the token cannot read, or none given where
            the connection has several entities.
    """
    given = list(dict.fromkeys(entity_ids or ()))
    if len(given) > 1:
        raise InvalidRequest("[query:entity_ids]: at most one entity id per request")
    if given and given[0] not in principal.entity_ids:
        raise InvalidRequest(
            f"[query:entity_ids]: entity '{given[0]}' is not an entity this access token can "
            f"read; expected one of {', '.join(principal.entity_ids)}"
        )
    if not principal.multi_entity:
        return None
    if given:
        return given[0]
    if len(principal.entity_ids) == 1:
        return principal.entity_ids[0]
    raise InvalidRequest(
        "[query:entity_ids]: this connection has several entities; name one with entity_ids[] "
        f"(one of {', '.join(principal.entity_ids)})"
    )


def sandbox_scope(principal: Principal) -> str | None:
    """The entity the `/sandbox/*` edits change: on a multi-entity connection, its first
    entity (the one sandbox responses name); otherwise the connection's only one (None)."""
    return principal.entity_id if principal.multi_entity else None


def check_disconnect(known: Sequence[str], requested: Sequence[str]) -> None:
    """`POST /disconnect-entity` names at least one entity, and only entities of the connection.

    Raises:
        InvalidRequest: an empty list, or an id that is not one of the connection's entities.
    """
    if not requested:
        raise InvalidRequest("[body:entity_ids]: at least one entity id is required")
    unknown = [e for e in requested if e not in known]
    if unknown:
        raise InvalidRequest(
            f"[body:entity_ids]: not an entity of this connection: {', '.join(unknown)}"
        )
