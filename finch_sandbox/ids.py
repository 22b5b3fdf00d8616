"""Identifiers: seeded ones for generated data, unguessable ones for secrets."""

from __future__ import annotations

import hashlib
import random
import secrets
import uuid


def new_token() -> str:
    """An access token: UUID-shaped like Finch's, drawn from the OS CSPRNG (122 random bits)."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))


def new_uuid() -> str:
    """A random v4 UUID for rows whose ids need not be reproducible (jobs, tokens' ids)."""
    return str(uuid.uuid4())


def hash_token(token: str) -> str:
    """Tokens are stored hashed, so a copy of the database does not hand out live credentials."""
    return hashlib.sha256(token.encode()).hexdigest()


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts, independent of PYTHONHASHSEED."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def seeded_rng(*parts: object) -> random.Random:
    return random.Random(derive_seed(*parts))


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_event_id() -> str:
    """A webhook event id in Finch's `msg_` form (27 base62 characters, as Finch's are)."""
    return "msg_" + "".join(secrets.choice(_BASE62) for _ in range(27))


def new_webhook_secret() -> str:
    """A webhook signing secret: 24 random bytes, base64 (32 characters, like Finch's)."""
    import base64

    return base64.b64encode(secrets.token_bytes(24)).decode()
