"""The in-memory parts of the request guard: bounded rate buckets and the token cache."""

from __future__ import annotations

from ceasefire.access.identity import Principal, Role
from ceasefire.api.auth import TokenCache
from ceasefire.api.limits import TokenBuckets

TOKEN = "cf_" + "a" * 43


def test_buckets_stay_bounded() -> None:
    buckets = TokenBuckets(rate_per_s=1.0, burst=2, max_buckets=100)
    for i in range(10_000):
        assert buckets.take(f"a:10.0.{i // 256}.{i % 256}", now=0.0) == 0.0
    assert len(buckets) == 100
    # a key used recently is kept (least recently used ones go first)
    buckets.take("u:kept", now=1.0)
    buckets.take("u:kept", now=1.0)
    for i in range(99):
        buckets.take(f"a:other-{i}", now=1.0)
    assert buckets.take("u:kept", now=1.0) > 0  # still the same, now empty, bucket


def test_token_cache_remembers_live_tokens_for_its_ttl() -> None:
    alice = Principal("u-1", "alice", Role.ANALYST)
    live = {TOKEN: alice}
    calls: list[str] = []

    def lookup(token: str) -> Principal | None:
        calls.append(token)
        return live.get(token)

    cache = TokenCache(lookup, ttl_s=1.0)
    assert cache.principal(TOKEN, now=0.0) == alice
    assert cache.principal(TOKEN, now=0.9) == alice
    assert len(calls) == 1  # remembered
    del live[TOKEN]  # revoked
    assert cache.principal(TOKEN, now=0.99) == alice  # within the bound
    assert cache.principal(TOKEN, now=1.0) is None  # refused once the bound has passed
    assert cache.principal(TOKEN, now=1.1) is None
    assert len(calls) == 3  # a refused token is not remembered: looked up each time
    assert len(cache) == 0
    # malformed tokens never reach the store
    assert cache.principal("cf_short", now=2.0) is None and len(calls) == 3


def test_token_cache_off_and_bounded() -> None:
    calls: list[str] = []

    def lookup(token: str) -> Principal | None:
        calls.append(token)
        return Principal("u-" + token[-6:], "x", Role.MONITOR)

    off = TokenCache(lookup, ttl_s=0)
    off.principal(TOKEN, now=0.0)
    off.principal(TOKEN, now=0.0)
    assert len(calls) == 2

    bounded = TokenCache(lookup, ttl_s=10.0, max_entries=50)
    for i in range(1_000):
        bounded.principal(f"cf_{i:043d}", now=float(i) / 1000)
    assert len(bounded) <= 50
