"""Finch's webhook signature (behavior.md §5.2), as the official SDKs verify it.

`v1,<base64 HMAC-SHA256 of "{event id}.{timestamp}.{body}">`, keyed by the base64-decoded
secret; several space-separated entries while a rotated-out secret is still in its grace
period, any one of which verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence


def check_secret(secret: str) -> bytes:
    """The HMAC key of a base64 secret; ValueError if it is not base64, is empty, or is not the
    canonical base64 of its bytes.

    The TypeScript SDK re-encodes the decoded key and refuses a secret that does not come back
    the same ("Given secret is not valid"), where the Python SDK decodes leniently: a secret
    such as `mysecretkey=` (whose last character carries bits the padding drops) would sign
    deliveries that one SDK verifies and the other cannot check at all.
    """
    try:
        key = base64.b64decode(secret, validate=True)
    except binascii.Error as exc:
        raise ValueError("a webhook secret must be base64") from exc
    if not key:
        raise ValueError("a webhook secret must not be empty")
    canonical = base64.b64encode(key).decode()
    if canonical != secret:
        raise ValueError(
            "a webhook secret must be canonical base64 (the encoding of the bytes it decodes "
            f"to is {canonical!r}): the TypeScript SDK refuses any other spelling"
        )
    return key


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,...` signature entry."""
    content = f"{event_id}.{timestamp}.".encode() + body
    # Decoded as the SDKs' verifiers do, not checked again: a secret stored before
    # check_secret asked for canonical base64 still signs.
    digest = hmac.new(base64.b64decode(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Sequence[str], event_id: str, timestamp: int, body: bytes) -> str:
    """The `finch-signature` header: one entry per valid secret, newest first."""
    return " ".join(sign(secret, event_id, timestamp, body) for secret in secrets)
