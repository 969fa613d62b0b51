"""Caches for the regression page, keyed on values and bounded by bytes per process.

A deployed app is one process shared by a whole class, so everything large lives in ONE
process-wide least-recently-used store, :data:`STORE`, whose values together hold at most
``CACHE_BUDGET_BYTES`` (256 MB) of arrays (entries also expire after ``TTL_SECONDS``). Each
entry is computed once per key and shared by every session that asks for it: a
:class:`LoadedData` (``ui.regression_data``), and a Problem, LossReference, Run, race grid or
ChartBases (``ui.regression_build``, which builds them; each wrapper here adds only the key,
the size estimate and the concurrency policy).

Sessions never hold these objects between runs: a session keeps small keys (a
:class:`RunRef`, an :class:`UploadRef`) and looks the objects up again with :func:`resolve`,
which recomputes whatever was evicted (an evicted upload is parsed again by ``ui.data_source``
from the file the uploader still holds). So memory does not grow with the number of sessions,
open or disconnected. Work on more than ``HEAVY_CELLS`` values runs one at a time per process
(:func:`heavy_work`), so the transient memory of at most one large computation adds to the
budget.

Keys are tuples of values, an argument entering by :data:`HASH_FUNCS` (a LoadedData by its
digest, a Problem or Run by its ``key``), so two different inputs never share a key and no
DataFrame is ever hashed or sampled. The cached objects are read-only (gradcore marks
trajectory arrays read-only; nothing writes to the others). ``check_step``'s small results
stay in ``st.cache_resource`` (``max_entries``, ``ttl``), keyed by the same HASH_FUNCS.
"""

from __future__ import annotations

import ctypes
import functools
import inspect
import platform
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass

import numpy as np
import pandas as pd
import streamlit as st

from gradcore.engine import EVALUATION_ROWS
from ui.lessons import trace_run
from ui.regression_build import (
    COMPARISON_RTOL,
    DEFAULT_ENGINE,
    MAE_REFERENCE_VALUES,
    ChartBases,
    Engine,
    LossReference,
    Problem,
    Run,
    StepCheck,
    build_chart_bases,
    build_loss_grid,
    build_loss_reference,
    build_problem,
    build_run,
    build_step_check,
    race_window,
    reference_predictions,
    reference_skipped,
    reference_source,
)
from ui.regression_data import (
    LoadedData,
    build_bundled,
    build_generated,
    build_uploaded,
    content_digest,
    dataset_description,
    dataset_names,
    default_dataset,
    text_encoded,
)
from ui.regression_figures import CONTOUR_GRID

# Besides its own names, the types, constants and helpers the page's modules use as cache.X.
__all__ = [
    "CACHE_BUDGET_BYTES", "COMPARISON_RTOL", "DEFAULT_ENGINE", "HASH_FUNCS", "HEAVY_CELLS",
    "MAE_REFERENCE_VALUES", "MMAP_THRESHOLD_BYTES", "STORE", "TTL_SECONDS", "ByteBudgetCache",
    "ChartBases", "Engine", "LoadedData", "LossReference", "Problem", "Run", "RunRef",
    "StepCheck", "UploadRef", "bundled_data", "chart_bases", "check_step", "content_digest",
    "dataset_description", "dataset_names", "default_dataset", "descend", "generated_data",
    "heavy_work", "load", "loss_reference", "memoized", "nbytes", "prepare", "race_grid",
    "race_window", "reference_predictions", "reference_source", "resolve",
    "return_large_blocks_to_the_system", "text_encoded", "uploaded_data",
]

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
_HEAVY = threading.Lock()
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


@contextmanager
def heavy_work(cells: int):
    """Run the block alone among the process's heavy work when it touches > HEAVY_CELLS values."""
    if cells <= HEAVY_CELLS:
        yield
        return
    with _HEAVY:
        yield


def _data_key(digest: str) -> tuple[str, str]:
    """A table's part of a key: tagged, so that it never equals a plain string argument."""
    return ("data", digest)


# How an argument enters a cache key (STORE's, and check_step's in st.cache_resource); any
# other argument (str, int, float, bool, tuple of those, an Engine) enters as itself.
HASH_FUNCS: dict[type, Callable[[object], Hashable]] = {
    LoadedData: lambda data: _data_key(data.digest),
    Problem: lambda problem: problem.key,
    Run: lambda run: run.key,
    list: tuple,
}


def _hashed(value) -> Hashable:
    hash_func = HASH_FUNCS.get(type(value))
    return value if hash_func is None else hash_func(value)


def memoized(size_estimate: Callable[..., int]):
    """Cache a function in STORE on the values of its positional arguments (``HASH_FUNCS``);
    before computing, make room for ``size_estimate(*args)`` bytes (``STORE.reserve``).

    ``function.clear()`` drops its entries; ``function.lookup(*keys)`` is the cached value for
    arguments whose HASH_FUNCS values are `keys` (or None), without computing anything."""
    return functools.partial(_memoize, size_estimate=size_estimate)


def _memoize(function, size_estimate):
    name = function.__qualname__
    signature = inspect.signature(function)

    def compute(args):
        STORE.reserve(size_estimate(*args))
        return function(*args)

    @functools.wraps(function)
    def wrapper(*args):
        bound = signature.bind(*args)
        bound.apply_defaults()  # a default left out and passed share one key
        args = bound.args
        key = (name, *(_hashed(arg) for arg in args))
        return STORE.get_or_compute(key, lambda: compute(args))

    wrapper.clear = lambda: STORE.discard(lambda key: key[0] == name)
    wrapper.lookup = lambda *key: STORE.get((name, *key))
    return wrapper


@memoized(lambda name, encode_text=False: 0)
def bundled_data(name: str, encode_text: bool = False) -> LoadedData:
    """``build_bundled``, once per process."""
    return build_bundled(name, encode_text)


@memoized(lambda n, d, *_: 8 * n * (d + 1))
def generated_data(n: int, d: int, noise: float, seed: int, true_w: float,
                   true_b: float) -> LoadedData:
    """``build_generated``, once per process."""
    with heavy_work(n * (d + 1)):
        return build_generated(n, d, noise, seed, true_w, true_b)


def uploaded_data(payload: bytes, name: str, encode_text: bool = False) -> LoadedData:
    """``build_uploaded``, put in STORE under its source ("upload", digest[, True]); sessions
    keep only an :class:`UploadRef` to it."""
    with heavy_work(len(payload) // 2):
        STORE.reserve(4 * len(payload))  # about 8 bytes per value, a value per 2 bytes
        data = build_uploaded(payload, name, encode_text)
    return STORE.put(data.source, data)


@dataclass(frozen=True)
class UploadRef:
    """What a session keeps of its upload: the STORE key, the label, the uploader's file id
    and whether its text columns were encoded."""

    source: tuple
    label: str
    file_id: str
    encode_text: bool = False

    def loaded(self) -> LoadedData | None:
        """The uploaded table while STORE holds it, else None."""
        return STORE.get(self.source)

    @property
    def frame(self) -> pd.DataFrame:
        """The uploaded table (KeyError once STORE has dropped it)."""
        data = self.loaded()
        if data is None:
            raise KeyError(f"{self.label} is no longer cached")
        return data.frame


def load(source: tuple) -> LoadedData | None:
    """The table a ``LoadedData.source`` names, from STORE or loaded again; None for an upload
    that STORE has dropped (only the session's uploader still has the file)."""
    kind, *args = source
    if kind == "bundled":
        return bundled_data(*args)
    if kind == "generated":
        return generated_data(*args)
    return STORE.get(source)


@memoized(lambda data, target, features, standardise:
          8 * len(data.frame) * ((2 if standardise else 1) * len(features) + 1))
def prepare(data: LoadedData, target: str, features: tuple[str, ...],
            standardise: bool) -> Problem:
    """``build_problem``, once per (data, target, features, standardise) (raises DataError)."""
    with heavy_work(len(data.frame) * (len(features) + 1)):
        trace_run(f"scikit-learn fit of {target} on {len(features)} feature(s)")
        return build_problem(data, target, features, standardise)


@memoized(lambda problem, loss, delta: 0)
def loss_reference(problem: Problem, loss: str, delta: float) -> LossReference:
    """``build_loss_reference``; only a fit (not the MSE's, nor a skipped one) is heavy work."""
    fits = loss != "mse" and reference_skipped(loss, len(problem.y), len(problem.features)) is None
    with heavy_work(len(problem.y) * (len(problem.features) + 1) if fits else 0):
        if fits:
            trace_run(f"reference fit of the {loss} loss")
        return build_loss_reference(problem, loss, delta)


@memoized(lambda problem, learning_rate, steps, *_: 32 * (steps + 1) * (len(problem.features) + 1))
def descend(problem: Problem, learning_rate: float, steps: int, w0: float, b0: float,
            engine: Engine = DEFAULT_ENGINE) -> Run:
    """``build_run`` against the shared ``loss_reference``; the MSE's steps do not read the
    rows, so only another loss's run is heavy work."""
    optimum = loss_reference(problem, engine.loss, engine.huber_delta)
    rows = len(problem.y) if engine.loss != "mse" else 0
    with heavy_work(rows * (len(problem.features) + 1)):
        return build_run(problem, learning_rate, steps, w0, b0, engine, optimum)


@dataclass(frozen=True)
class RunRef:
    """A few values that name a Problem and a Run: what a session may keep between runs
    (a fragment's arguments, a download's callable) instead of the arrays themselves."""

    source: tuple
    digest: str
    target: str
    features: tuple[str, ...]
    standardise: bool
    learning_rate: float
    steps: int
    w0: float
    b0: float
    engine: Engine = DEFAULT_ENGINE

    @classmethod
    def of(cls, problem: Problem, run: Run) -> RunRef:
        """The reference to `problem` and `run` (which ``resolve`` finds or rebuilds)."""
        digest, target, features, standardise = problem.key
        _, rate, steps, w0, b0, engine = run.key
        return cls(problem.source, digest, target, features, standardise, rate, steps, w0, b0,
                   engine)


def resolve(ref: RunRef, loader: Callable[[tuple], LoadedData | None] = load,
            ) -> tuple[Problem, Run] | None:
    """The Problem and Run `ref` names: from STORE, or computed again (the data from
    ``loader(ref.source)``, only when the Problem is not cached). None when the loader has no
    data (an upload STORE no longer holds). Raises DataError only if the data changed."""
    problem = prepare.lookup(_data_key(ref.digest), ref.target, ref.features, ref.standardise)
    if problem is None:
        data = loader(ref.source)
        if data is None:
            return None
        problem = prepare(data, ref.target, ref.features, ref.standardise)
    return problem, descend(problem, ref.learning_rate, ref.steps, ref.w0, ref.b0, ref.engine)


@memoized(lambda problem, loss, delta, window: 8 * CONTOUR_GRID ** 2)
def race_grid(problem: Problem, loss: str, delta: float,
              window: tuple[float, float, float, float]):
    """``build_loss_grid`` over a ``race_window``; the MSE's grid does not read the rows."""
    with heavy_work(min(len(problem.y), EVALUATION_ROWS) * CONTOUR_GRID if loss != "mse" else 0):
        return build_loss_grid(problem, loss, delta, window)


@memoized(lambda problem, run: 24 * (run.trajectory.steps_taken + 1)
          * (len(problem.features) + 2) + 16 * problem.sample.indices.size
          + 8 * CONTOUR_GRID ** 2)
def chart_bases(problem: Problem, run: Run) -> ChartBases:
    """``build_chart_bases``, once per run (shared by sessions)."""
    return build_chart_bases(problem, run)


@st.cache_resource(max_entries=256, ttl=TTL_SECONDS, show_spinner=False, hash_funcs=HASH_FUNCS)
def check_step(problem: Problem, run: Run, k: int) -> StepCheck:
    """``build_step_check``: small, so kept by Streamlit, per step a student looks at."""
    return build_step_check(problem, run, k)
