"""ui.regression.byte_store: large entries nobody uses expire (idle_bytes, idle_seconds), and
the server's collector thread drops them and collects at once."""

import numpy as np
import pytest

from ui.regression import byte_store
from ui.shell import server

MB = 2**20


class Clock:
    """A settable monotonic clock."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def array_of(megabytes: int) -> np.ndarray:
    return np.zeros(megabytes * MB // 8)


@pytest.fixture
def store_and_clock():
    clock = Clock()
    store = byte_store.ByteBudgetCache(256 * MB, ttl_seconds=3600, idle_bytes=16 * MB,
                                       idle_seconds=40, clock=clock)
    return store, clock


def test_a_large_entry_unused_past_idle_seconds_is_dropped(store_and_clock):
    """A 16 MB entry is kept at 40 s unused and dropped at 40.5 s; the bytes dropped are told."""
    store, clock = store_and_clock
    store.put("table", array_of(16))
    clock.now += 40.0
    assert store.expire_idle() == 0 and store.keys() == ["table"]
    clock.now += 0.5
    assert store.expire_idle() == 16 * MB
    assert store.keys() == [] and store.total_bytes == 0


def test_using_an_entry_keeps_it(store_and_clock):
    """A get at 30 s restarts its idle time: at 60 s (30 s after the use) it is still there."""
    store, clock = store_and_clock
    store.put("table", array_of(32))
    clock.now += 30.0
    assert store.get("table") is not None
    clock.now += 30.0
    assert store.expire_idle() == 0 and store.keys() == ["table"]
    clock.now += 10.5
    assert store.expire_idle() == 32 * MB


def test_small_entries_do_not_idle_out(store_and_clock):
    """An entry below idle_bytes (a 1 MB result) stays however long it is unused (to its ttl)."""
    store, clock = store_and_clock
    store.put("small", array_of(1))
    store.put("large", array_of(20))
    clock.now += 600.0
    assert store.expire_idle() == 20 * MB
    assert store.keys() == ["small"]


def test_the_ttl_still_counts_from_insertion(store_and_clock):
    """Use does not extend the ttl: an entry used every minute is gone after ttl_seconds."""
    store, clock = store_and_clock
    store.put("small", array_of(1))
    for _ in range(60):
        clock.now += 59.0
        assert store.get("small") is not None
    clock.now += 61.0
    assert store.get("small") is None


def test_the_process_store_expires_large_idle_entries():
    """STORE drops entries of at least 16 MB after 40 s unused (the defaults)."""
    assert byte_store.STORE.idle_bytes == 16 * MB
    assert byte_store.STORE.idle_seconds == pytest.approx(40.0, abs=1e-9)


def test_the_collector_collects_when_expiry_freed_memory():
    """A check that expired something collects at once (not waiting for growth or the timer);
    one that expired nothing, with nothing due, does not."""
    expired = [0]
    collector = server.Collector(2**40, max_seconds=3600, check_seconds=1,
                                 read_rss=lambda: 100 * MB, expire=lambda: expired[0])
    assert collector.check() is False and collector.stats.collections == 0
    expired[0] = 256 * MB
    assert collector.check() is True and collector.stats.collections == 1


def test_the_collector_drops_the_idle_table_of_a_store():
    """Wired to a store's expire_idle, one check after the idle time empties the store."""
    clock = Clock()
    store = byte_store.ByteBudgetCache(256 * MB, 3600, idle_bytes=16 * MB, idle_seconds=40,
                                       clock=clock)
    store.put("table", array_of(88))
    collector = server.Collector(2**40, max_seconds=3600, check_seconds=1,
                                 read_rss=lambda: 100 * MB, expire=store.expire_idle)
    assert collector.check() is False and len(store) == 1
    clock.now += 41.0
    assert collector.check() is True and len(store) == 0
