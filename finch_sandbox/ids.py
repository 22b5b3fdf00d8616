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
