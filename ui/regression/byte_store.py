"""One process-wide store of computed values, bounded by the bytes of their arrays.

A deployed app is one process shared by a whole class. :data:`STORE` is a least-recently-used
map whose values together hold at most ``CACHE_BUDGET_BYTES`` of arrays (``nbytes``), each
entry also expiring after ``TTL_SECONDS`` and a large one after ``IDLE_SECONDS`` unused
(:meth:`ByteBudgetCache.expire_idle`, called by the server's collector thread); a value is
computed once per key even when many sessions ask at once. :func:`heavy_work` (from
``ui.regression.heavy_line``) lets only one computation on more than ``HEAVY_CELLS`` values run
at a time, so the transient memory of at most one adds to the budget.
``ui.regression.cache`` keys the regression page's values in it, and its small values in
:data:`LIGHT_STORE`, a second store with a budget of its own.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass

import numpy as np
import pandas as pd

from ui.regression.heavy_line import HEAVY_CELLS, heavy_work

__all__ = ["HEAVY_CELLS", "LIGHT_STORE", "STORE", "ByteBudgetCache", "heavy_work", "nbytes"]

TTL_SECONDS = 3600
# The total size of the arrays in STORE, per process. A 1,000,000 x 10 generated table with its
# problem takes 256 MB (the table 88 MB; X, standardised X and y 168 MB), so the largest table the
# page generates fits alone; a Streamlit Community Cloud app has about 1 GB in all.
CACHE_BUDGET_BYTES = 256 * 2**20
# The small values (light problems, runs, references, chart bases) live apart, in LIGHT_STORE
# under a budget of their own, so that making room for a new large table (STORE.reserve) does
# not drop them: a step after another student's new table finds its problem's statistics,
# sample and run there (ui.regression.cache.resolve_step). Per student of a 1e6 x 10 table
# about 1 MB (its light problem 0.4 MB, its run and chart bases), so 64 MB holds a class of 60.
LIGHT_BUDGET_BYTES = int(float(os.environ.get("GRADLAB_LIGHT_STORE_MB", "64")) * 2**20)
# An entry of at least IDLE_BYTES that nobody has used for IDLE_SECONDS is dropped (by
# ``expire_idle``, which the server's collector thread calls every second): the last tables of a
# class that has left would otherwise stay in memory for TTL_SECONDS (bench_memory: 576 MB
# against 327 MB idle a minute after 20 students closed their 1e6 x 10 tables). An active
# student's steps use the entries and keep them; one back after a longer pause waits for a
# rebuild (about a second of CPU for a 1e6 x 10 table, an upload read again from its file).
IDLE_BYTES = int(float(os.environ.get("GRADLAB_STORE_IDLE_MB", "16")) * 2**20)
IDLE_SECONDS = float(os.environ.get("GRADLAB_STORE_IDLE_SECONDS", "40"))


def nbytes(value, _seen: set[int] | None = None) -> int:
    """Bytes of the numpy arrays and DataFrames reachable from `value` through dataclass
    fields, tuples, lists and dicts; an array's memory (its base, for a view) counts once."""
    seen = set() if _seen is None else _seen
    if isinstance(value, np.ndarray):
        base = value if value.base is None or not isinstance(value.base, np.ndarray) else value.base
        if id(base) in seen:
            return 0
        seen.add(id(base))
        return int(base.nbytes)
    if isinstance(value, pd.DataFrame):
        return sum(nbytes(value[name].to_numpy(), seen) for name in value.columns)
    if is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name), seen) for f in fields(value))
    if isinstance(value, tuple | list):
        return sum(nbytes(item, seen) for item in value)
    if isinstance(value, dict):
        return sum(nbytes(item, seen) for item in value.values())
    return 0


class ByteBudgetCache:
    """A thread-safe least-recently-used map whose values hold at most `budget_bytes` in all.

    ``get_or_compute(key, compute)`` returns the value for `key`, computing it once even when
    several sessions ask at the same moment (the others wait for it). After an insertion the
    least recently used entries are dropped until the total of ``nbytes(value)`` is within the
    budget; the entry just inserted is never dropped, so a value larger than the whole budget is
    kept until the next insertion. Entries older than `ttl_seconds` count as absent, and
    ``expire_idle`` drops the entries of at least `idle_bytes` unused for `idle_seconds`.
    `clock`: seconds, monotonic (injected by tests).
    """

    def __init__(self, budget_bytes: int, ttl_seconds: float, idle_bytes: int = IDLE_BYTES,
                 idle_seconds: float = IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.budget_bytes = budget_bytes
        self.ttl_seconds = ttl_seconds
        self.idle_bytes, self.idle_seconds, self.clock = idle_bytes, idle_seconds, clock
        # key -> (value, bytes, made at, last used at)
        self._entries: OrderedDict[Hashable, tuple[object, int, float, float]] = OrderedDict()
        # The sum of the entries' bytes, kept as they come and go: summing the entries at every
        # insertion cost O(entries), and a class's light store holds thousands (6 % of the CPU
        # of an upload, growing with the class).
        self._total = 0
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    @property
    def total_bytes(self) -> int:
        """The sum of ``nbytes`` over the entries held now."""
        with self._lock:
            return self._total

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def keys(self) -> list[Hashable]:
        """The keys held now, least recently used first."""
        with self._lock:
            return list(self._entries)

    def get(self, key: Hashable, default=None):
        """The value for `key` (and mark it used), or `default` if absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            now = self.clock()
            if now - entry[2] > self.ttl_seconds:
                del self._entries[key]
                self._total -= entry[1]
                return default
            self._entries[key] = (*entry[:3], now)
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value):
        """Insert `value` under `key`, drop the least recently used entries beyond the budget,
        and return `value`."""
        size = nbytes(value)
        with self._lock:
            now = self.clock()
            old = self._entries.get(key)
            self._total += size - (old[1] if old is not None else 0)
            self._entries[key] = (value, size, now, now)
            self._entries.move_to_end(key)
            while self._total > self.budget_bytes and len(self._entries) > 1:
                _, (_, dropped, *_) = self._entries.popitem(last=False)
                self._total -= dropped
        return value

    def reserve(self, size: int) -> None:
        """Drop least recently used entries until `size` more bytes fit in the budget: called
        before computing a value of about that size, so the old entries are gone while the
        new value's temporaries exist."""
        with self._lock:
            while self._entries and self._total + size > self.budget_bytes:
                _, (_, dropped, *_) = self._entries.popitem(last=False)
                self._total -= dropped

    def get_or_compute(self, key: Hashable, compute: Callable[[], object]):
        """The cached value for `key`, else ``compute()`` (once, however many callers wait)."""
        missing = object()
        value = self.get(key, missing)
        if value is not missing:
            return value
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        try:
            with key_lock:
                value = self.get(key, missing)
                if value is missing:
                    value = self.put(key, compute())
        finally:
            with self._lock:
                self._computing.pop(key, None)
        return value

    def expire_idle(self) -> int:
        """Drop every entry of at least idle_bytes not used (``get``, ``put``) for more than
        idle_seconds; returns the bytes dropped."""
        now, dropped = self.clock(), 0
        with self._lock:
            for key, (_, size, _, used) in list(self._entries.items()):
                if size >= self.idle_bytes and now - used > self.idle_seconds:
                    del self._entries[key]
                    dropped += size
            self._total -= dropped
        return dropped

    def discard(self, predicate: Callable[[Hashable], bool]) -> None:
        """Drop every entry whose key satisfies `predicate`."""
        with self._lock:
            for key in [key for key in self._entries if predicate(key)]:
                self._total -= self._entries.pop(key)[1]


STORE = ByteBudgetCache(CACHE_BUDGET_BYTES, TTL_SECONDS)
LIGHT_STORE = ByteBudgetCache(LIGHT_BUDGET_BYTES, TTL_SECONDS)
