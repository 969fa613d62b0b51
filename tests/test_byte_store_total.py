"""ui.regression.byte_store: the store's running total of bytes is the sum of its entries' at
every moment, through any sequence of insertions, replacements, reads past the TTL, reservations,
idle expiry and discards; the budget is enforced from it."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ui.regression import byte_store

KB = 1024


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _true_total(store: byte_store.ByteBudgetCache) -> int:
    """The entries' bytes counted afresh from their values (reads nothing: get would mark them
    used or drop the expired ones)."""
    return sum(byte_store.nbytes(value) for value, *_ in store._entries.values())


operations = st.lists(st.one_of(
    st.tuples(st.just("put"), st.integers(0, 7), st.integers(0, 40)),
    st.tuples(st.just("get"), st.integers(0, 7), st.just(0)),
    st.tuples(st.just("wait"), st.just(0), st.integers(1, 30)),
    st.tuples(st.just("reserve"), st.just(0), st.integers(0, 120)),
    st.tuples(st.just("idle"), st.just(0), st.just(0)),
    st.tuples(st.just("discard"), st.integers(0, 7), st.just(0)),
), max_size=60)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_the_running_total_is_the_sum_of_the_entries(ops):
    clock = Clock()
    store = byte_store.ByteBudgetCache(100 * KB, ttl_seconds=50, idle_bytes=20 * KB,
                                       idle_seconds=20, clock=clock)
    for op, key, amount in ops:
        if op == "put":
            store.put(key, np.zeros(amount * KB // 8))
        elif op == "get":
            store.get(key)  # past the TTL: dropped
        elif op == "wait":
            clock.now += amount
        elif op == "reserve":
            store.reserve(amount * KB)
        elif op == "idle":
            store.expire_idle()
        else:
            store.discard(lambda k, key=key: k == key)
        held = store.total_bytes
        assert held == _true_total(store)
        assert len(store) <= 1 or held <= 100 * KB


def test_replacing_an_entry_counts_its_bytes_once():
    store = byte_store.ByteBudgetCache(100 * KB, ttl_seconds=50)
    store.put("a", np.zeros(30 * KB // 8))
    store.put("a", np.zeros(10 * KB // 8))
    assert store.total_bytes == 10 * KB and store.keys() == ["a"]
    store.put("b", np.zeros(95 * KB // 8))  # over the budget: "a", least recently used, goes
    assert store.keys() == ["b"] and store.total_bytes == 95 * KB


def test_every_way_out_takes_its_bytes_with_it():
    """Past the TTL (read), idle (collector), reserved away, discarded: the total follows."""
    clock = Clock()
    store = byte_store.ByteBudgetCache(100 * KB, ttl_seconds=50, idle_bytes=20 * KB,
                                       idle_seconds=20, clock=clock)
    store.put("old", np.zeros(8 * KB // 8))
    clock.now += 60
    assert store.get("old") is None and store.total_bytes == 0
    store.put("big", np.zeros(30 * KB // 8))
    store.put("small", np.zeros(5 * KB // 8))
    clock.now += 21
    assert store.expire_idle() == 30 * KB and store.total_bytes == 5 * KB
    store.put("c", np.zeros(40 * KB // 8))
    store.reserve(90 * KB)  # drops "small" then "c"
    assert store.keys() == [] and store.total_bytes == 0
    store.put("d", np.zeros(4 * KB // 8))
    store.discard(lambda key: key == "d")
    assert store.total_bytes == 0
