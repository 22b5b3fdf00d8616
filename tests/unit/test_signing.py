"""Finch's webhook signature and retry schedule, as pure rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from finch_sandbox.services.signing import check_secret, sign, signature_header
from finch_sandbox.services.webhooks import MAX_ATTEMPTS, next_attempt_delay

# The official SDK's test vector (tests/api_resources/test_webhooks.py; behavior.md §5.2).
SECRET = "5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
EVENT_ID = "msg_2Lh9KRb0pzN4LePd3XiA4v12Axj"
TIMESTAMP = 1676312382
BODY = b'{"company_id":"720be419-0293-4d32-a707-32179b0827ab"}'


def test_the_sdk_test_vector() -> None:
    assert (
        sign(SECRET, EVENT_ID, TIMESTAMP, BODY) == "v1,m7y0TV2C+hlHxU42wCieApTSTaA8/047OAplBqxIV/s="
    )


def test_several_secrets_give_one_entry_each_newest_first() -> None:
    other = "c29tZSBvdGhlciBzZWNyZXQ="
    header = signature_header([other, SECRET], EVENT_ID, TIMESTAMP, BODY)
    entries = header.split(" ")
    assert entries == [
        sign(other, EVENT_ID, TIMESTAMP, BODY),
        sign(SECRET, EVENT_ID, TIMESTAMP, BODY),
    ]
    assert entries[0] != entries[1]


@pytest.mark.parametrize("bad", ["not base64!", ""])
def test_a_secret_must_be_base64(bad: str) -> None:
    with pytest.raises(ValueError):
        check_secret(bad)


@pytest.mark.parametrize("loose", ["mysecretkey=", "QR=="])
def test_a_secret_must_be_canonical_base64(loose: str) -> None:
    # The TypeScript SDK refuses these ("Given secret is not valid"); the Python SDK does not.
    with pytest.raises(ValueError, match="canonical base64"):
        check_secret(loose)


def test_a_secret_stored_before_the_canonical_rule_still_signs() -> None:
    # "QR==" and "QQ==" decode to the same key: signing decodes as the SDKs do.
    assert sign("QR==", EVENT_ID, TIMESTAMP, BODY) == sign("QQ==", EVENT_ID, TIMESTAMP, BODY)


def test_retry_schedule_is_finchs() -> None:
    waits = [next_attempt_delay(n) for n in range(1, MAX_ATTEMPTS + 1)]
    assert waits == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        None,
    ]
