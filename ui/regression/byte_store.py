"""One process-wide store of computed values, bounded by the bytes of their arrays.

A deployed app is one process shared by a whole class. :data:`STORE` is a least-recently-used
map whose values together hold at most ``CACHE_BUDGET_BYTES`` of arrays (``nbytes``), each
entry also expiring after ``TTL_SECONDS``; a value is computed once per key even when many
sessions ask at once. :func:`heavy_work` lets only one computation on more than
``HEAVY_CELLS`` values run at a time, so the transient memory of at most one adds to the budget.
``ui.regression.cache`` keys the regression page's values in it.
"""

from __future__ import annotations

import ctypes
import platform
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from dataclasses import fields, is_dataclass

import numpy as np
import pandas as pd

TTL_SECONDS = 3600
# The total size of the arrays in STORE, per process. A 1,000,000 x 10 generated table with its
# problem takes 256 MB (the table 88 MB; X, standardised X and y 168 MB), so the largest table the
# page generates fits alone; a Streamlit Community Cloud app has about 1 GB in all.
CACHE_BUDGET_BYTES = 256 * 2**20
# Work on more than this many values (rows x columns) waits for any other such work in the
# process to finish (heavy_work), so at most one large computation's temporaries exist at once.
HEAVY_CELLS = 1_000_000


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
    kept until the next insertion. Entries older than `ttl_seconds` count as absent.
    """

    def __init__(self, budget_bytes: int, ttl_seconds: float) -> None:
        self.budget_bytes = budget_bytes
        self.ttl_seconds = ttl_seconds
        self._entries: OrderedDict[Hashable, tuple[object, int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    @property
    def total_bytes(self) -> int:
        """The sum of ``nbytes`` over the entries held now."""
        with self._lock:
            return sum(size for _, size, _ in self._entries.values())

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
            if time.monotonic() - entry[2] > self.ttl_seconds:
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value):
        """Insert `value` under `key`, drop the least recently used entries beyond the budget,
        and return `value`."""
        size = nbytes(value)
        with self._lock:
            self._entries[key] = (value, size, time.monotonic())
            self._entries.move_to_end(key)
            total = sum(entry[1] for entry in self._entries.values())
            while total > self.budget_bytes and len(self._entries) > 1:
                _, (_, dropped, _) = self._entries.popitem(last=False)
                total -= dropped
        return value

    def reserve(self, size: int) -> None:
        """Drop least recently used entries until `size` more bytes fit in the budget: called
        before computing a value of about that size, so the old entries are gone while the
        new value's temporaries exist."""
        with self._lock:
            total = sum(entry[1] for entry in self._entries.values())
            while self._entries and total + size > self.budget_bytes:
                _, (_, dropped, _) = self._entries.popitem(last=False)
                total -= dropped

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

    def discard(self, predicate: Callable[[Hashable], bool]) -> None:
        """Drop every entry whose key satisfies `predicate`."""
        with self._lock:
            for key in [key for key in self._entries if predicate(key)]:
                del self._entries[key]


STORE = ByteBudgetCache(CACHE_BUDGET_BYTES, TTL_SECONDS)
# glibc serves a freed block below its mmap threshold from the heap next time, and raises that
# threshold (up to 32 MB) whenever a large block is freed; arrays of a few MB then stay in
# per-thread heaps (Streamlit runs each session in its own thread) after STORE drops them: in
# bench_memory.py, 20 uploads of 18 MB left 690 MB resident instead of 530 MB. A fixed threshold
# gives every array of 1 MB or more its own mapping, returned to the system when freed.
MMAP_THRESHOLD_BYTES = 2**20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h


def return_large_blocks_to_the_system() -> bool:
    """Fix glibc's mmap threshold at MMAP_THRESHOLD_BYTES (a process-wide setting, idempotent).
    Returns False where there is no glibc (macOS, Windows, musl), where nothing changes."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False


return_large_blocks_to_the_system()


class HeavyLine:
    """One heavy computation at a time, and work on a table already made before a new table.

    A session that has made a large table (a generated 1e6 x 10 is 88 MB) holds it until its
    statistics and fit are done. With a plain lock, a class that each asks for a new table
    made every table first and then waited with it for the fits: 30 sessions held 30 tables
    (2.5 GB per replica in the heavy-mix benchmark). Here a turn that finishes work on an
    existing table (``new_table=False``) always goes before one that makes a new table, so
    about one table waits at a time.
    """

    def __init__(self, new_table_patience_s: float = 10.0) -> None:
        self._changed = threading.Condition()
        self._busy = False
        self._finishing = 0  # turns waiting that work on a table already made
        # A new table waits for the others at most this long, then takes the next free turn:
        # a class that keeps stepping through its big runs cannot starve a newcomer.
        self.new_table_patience_s = new_table_patience_s

    @contextmanager
    def turn(self, new_table: bool = False):
        with self._changed:
            if not new_table:
                self._finishing += 1
            since = time.monotonic()

            def ready() -> bool:
                patient = time.monotonic() - since < self.new_table_patience_s
                return not self._busy and not (new_table and patient and self._finishing)

            try:
                while not ready():
                    self._changed.wait(0.5 if new_table else None)
            finally:
                if not new_table:
                    self._finishing -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()


_HEAVY = HeavyLine()


@contextmanager
def heavy_work(cells: int, new_table: bool = False):
    """Run the block alone among the process's heavy work when it touches > HEAVY_CELLS values;
    `new_table`: it makes a new table, so it waits for work on tables already made
    (:class:`HeavyLine`)."""
    if cells <= HEAVY_CELLS:
        yield
        return
    with _HEAVY.turn(new_table):
        yield
