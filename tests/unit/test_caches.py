"""The caches are bounded by the bytes their values take, not by how many there are."""

from __future__ import annotations

from finch_sandbox.api.caches import StampedCache
from finch_sandbox.storage.tracking import ProcessTracker


def test_the_response_cache_is_bounded_by_bytes() -> None:
    cache = StampedCache[bytes](ProcessTracker(), max_bytes=10_000)
    for index in range(20):
        cache.put(("k", index), "connection", 0, b"x" * 1_000, 1_000)
    assert cache.bytes <= 10_000
    assert 5 <= len(cache) < 10
    assert cache.get(("k", 19)) is not None and cache.get(("k", 0)) is None, "oldest go first"
    cache.put("huge", "connection", 0, b"", 20_000)
    assert cache.get("huge") is None, "an answer larger than the budget is not kept"


def test_a_changed_connection_hides_its_entries() -> None:
    tracker = ProcessTracker()
    cache = StampedCache[str](tracker, max_bytes=10_000)
    cache.put("answer", "a", tracker.stamp("a"), "old", 10)
    cache.put("other", "b", tracker.stamp("b"), "kept", 10)
    tracker.committed({"a": 1})
    assert cache.get("answer") is None and cache.get("other") == "kept"
