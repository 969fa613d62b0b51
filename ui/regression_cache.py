"""Caches for the regression page, keyed on values and bounded by bytes per process.

A deployed app is one process shared by a whole class, so everything large lives in ONE
process-wide least-recently-used store, :data:`STORE`, whose values together hold at most
``CACHE_BUDGET_BYTES`` (256 MB) of arrays (entries also expire after ``TTL_SECONDS``). Three
kinds of entries, each computed once per key and shared by every session that asks for it:

- :class:`LoadedData`: a table and the blake2b hash of its contents, computed once when the table
  is loaded (never on a rerun), so a million-row table is not rehashed when a student steps;
  ``source`` says how to load it again (a bundled name, the generator's settings, or the
  upload's digest);
- :class:`Problem`: X, y for the chosen target/features (rows with a missing value in those
  columns left out), the optional standardisation, the sufficient statistics, the scikit-learn
  fit and the data warnings, keyed on (hash, target, features, standardise);
- :class:`Run`: a gradient-descent trajectory with its values in original units, the final
  comparison with scikit-learn and the loss contour, keyed on the problem key + GD settings;
- :class:`ChartBases`: the parts of the stepper's charts that are the same at every step of a
  run (``ui.regression_figures``' ``*_base``), keyed on the run's key, so a step only adds
  its few marks.

Sessions never hold these objects between runs: a session keeps small keys (a
:class:`RunRef`, an :class:`UploadRef`) and looks the objects up again with :func:`resolve`,
which recomputes whatever was evicted (an evicted upload is parsed again by ``ui.data_source``
from the file the uploader still holds). So memory does not grow with the number of sessions,
open or disconnected. Work on more than ``HEAVY_CELLS`` values runs one at a time per process
(:func:`heavy_work`), so the transient memory of at most one large computation adds to the
budget.

Keys are tuples of values (a LoadedData counts by its digest, a Problem or Run by its ``key``),
so two different inputs never share a key and no DataFrame is ever hashed or sampled. The
cached objects are read-only (gradcore marks trajectory arrays read-only; nothing writes to the
others). ``check_step``'s small results stay in ``st.cache_resource`` (``max_entries``, ``ttl``).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import inspect
import platform
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from gradcore import (
    DATASETS,
    MAX_DEFAULT_FEATURES,
    MAX_FEATURES,
    Comparison,
    FitTrajectory,
    GradientCheck,
    ReferenceGap,
    RegressionStatistics,
    Standardizer,
    compare_with_sklearn,
    data_warnings,
    fit,
    gradient_check,
    load_bundled,
    load_csv,
    loss_gradient,
    loss_surface,
    loss_value,
    make_regression_data,
    mse_gradient,
    mse_loss,
    reference_fit,
    reference_gap,
    regression_statistics,
    select_xy,
    sklearn_reference,
)
from ui import regression_figures as figures
from ui.lessons import trace_run
from ui.regression_figures import CONTOUR_GRID, contour_window, sample_indices

TTL_SECONDS = 3600
# The total size of the arrays in STORE, per process. A 1,000,000 x 10 generated table with its
# problem takes 256 MB (the table 88 MB; X, standardised X and y 168 MB), so the largest table the
# page generates fits alone; a Streamlit Community Cloud app has about 1 GB in all.
CACHE_BUDGET_BYTES = 256 * 2**20
# Work on more than this many values (rows x columns) waits for any other such work in the
# process to finish (heavy_work), so at most one large computation's temporaries exist at once.
HEAVY_CELLS = 1_000_000
# The finite-difference check differentiates mse_loss on the data itself (2(d+1) passes over
# N x d values) while N (d+1)^2 is at most this; above it, the same loss from the sufficient
# statistics (otherwise one step of a million rows by 10 features would take a second).
DIRECT_CHECK_WORK = 30_000_000
COMPARISON_RTOL = 1e-6
# Central differences of a quadratic are exact up to rounding, about eps * L / h ~ 1e-10 * L.
GRADIENT_RTOL = 1e-5
# The MAE is piecewise linear: central differences are exact unless a residual changes sign
# within h of the iterate, where they average the two slopes (a subgradient, not sign(0) = 0).
MAE_GRADIENT_RTOL = 1e-3
# MAE and Huber runs are checked on the loss against reference_fit's optimum (the MAE's
# optimum need not be unique; a subgradient method only approaches it with a decaying step).
LOSS_GAP_RTOL = 1e-6
# scikit-learn's QuantileRegressor (HiGHS) grows faster than linearly: measured with d = 10 on
# the shared 2-core machine, 0.2 s at 2,000 rows, 0.8 s at 5,000, 3.2 s at 10,000, ~7 s at
# 20,000. One click must not hold the class's server for seconds, so the MAE's reference is
# made only up to this many rows.
MAE_REFERENCE_ROWS = 5_000


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


def _value_key(value) -> Hashable:
    """How an argument enters a cache key: LoadedData by its digest, Problem and Run by their
    key, anything else (str, int, float, bool, tuple of those) as itself."""
    if isinstance(value, LoadedData):
        return ("data", value.digest)
    if isinstance(value, Problem | Run):
        return value.key
    if isinstance(value, list):
        return tuple(value)
    return value


def memoized(size_estimate: Callable[..., int]):
    """Cache a function in STORE on the values of its positional arguments (``_value_key``);
    before computing, make room for ``size_estimate(*args)`` bytes (``STORE.reserve``).

    ``function.clear()`` drops its entries; ``function.lookup(*keys)`` is the cached value for
    arguments whose ``_value_key`` are `keys` (or None), without computing anything."""
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
        key = (name, *(_value_key(arg) for arg in args))
        return STORE.get_or_compute(key, lambda: compute(args))

    wrapper.clear = lambda: STORE.discard(lambda key: key[0] == name)
    wrapper.lookup = lambda *key: STORE.get((name, *key))
    return wrapper


@dataclass(frozen=True, eq=False)
class LoadedData:
    """A numeric table, its content hash, where it came from, and the loader's notes.

    ``source``: how to load it again, ("bundled", name), ("generated", n, d, noise, seed,
    true_w, true_b) or ("upload", digest) (see ``load``).
    """

    frame: pd.DataFrame
    digest: str
    label: str
    notes: tuple[str, ...]
    default_target: str
    default_features: tuple[str, ...]
    truth: str | None = None
    source: tuple = ()


def content_digest(frame: pd.DataFrame) -> str:
    """blake2b (128 bit) of the column names and the float64 bytes of every column."""
    digest = hashlib.blake2b(digest_size=16)
    for name in frame.columns:
        digest.update(str(name).encode() + b"\0")
        digest.update(np.ascontiguousarray(frame[name].to_numpy(dtype=float)).tobytes())
    return digest.hexdigest()


def dataset_names() -> list[str]:
    """Names of the bundled datasets, in DATASETS order."""
    return list(DATASETS)


def default_dataset() -> str:
    """The dataset a fresh page opens with: tips (one feature) when it is bundled."""
    return "tips" if "tips" in DATASETS else next(iter(DATASETS))


def dataset_description(name: str) -> str:
    """The one-line description of a bundled dataset ("" for an unknown name)."""
    entry = DATASETS.get(name)
    return "" if entry is None else entry.description


def _complete_rows(frame: pd.DataFrame, columns) -> int:
    """How many rows have a value (not NaN) in every one of `columns`."""
    return int(frame[list(columns)].notna().all(axis=1).sum())


def default_features(frame: pd.DataFrame, target: str, candidates) -> tuple[str, ...]:
    """`candidates` when at least 2 rows have all of them and the target, else the first single
    candidate that has (so a table with scattered missing values still opens on a working
    choice), else `candidates` unchanged (the page then says why no row is left)."""
    candidates = tuple(candidates)
    if _complete_rows(frame, (*candidates, target)) >= 2:
        return candidates
    usable = [c for c in candidates if _complete_rows(frame, (c, target)) >= 2]
    return (usable[0],) if usable else candidates


def _loaded(frame: pd.DataFrame, label: str, target: str | None = None,
            features=None, truth: str | None = None, source: tuple = ()) -> LoadedData:
    """The table with its digest and defaults: the target (else the last column) and at most
    MAX_DEFAULT_FEATURES features (else the first columns besides the target, with a note)."""
    columns = [str(c) for c in frame.columns]
    target = target if target in columns else columns[-1]
    features = tuple(f for f in (features or columns) if f in columns and f != target)
    features = features or tuple(c for c in columns if c != target)
    notes = tuple(frame.attrs.get("notes", ()))
    if len(features) > MAX_DEFAULT_FEATURES:
        notes += (f"The table has {len(features):,} columns besides the target '{target}'; the "
                  f"first {MAX_DEFAULT_FEATURES} are chosen as features. Choose others under "
                  "'Features x'.",)
        features = features[:MAX_DEFAULT_FEATURES]
    digest = content_digest(frame)
    return LoadedData(frame=frame, digest=digest, label=label, notes=notes,
                      default_target=target,
                      default_features=default_features(frame, target, features), truth=truth,
                      source=source or ("upload", digest))


@memoized(lambda name, encode_text=False: 0)
def bundled_data(name: str, encode_text: bool = False) -> LoadedData:
    """A bundled dataset with its default target and features (raises DataError); with
    `encode_text` its text columns as 0/1 columns (``gradcore.encoding``) too."""
    frame = load_bundled(name, encode_text)
    label = f"bundled dataset '{name}'" + (" (text columns as 0/1 columns)" if encode_text else "")
    return _loaded(frame, label, frame.attrs.get("target"), frame.attrs.get("features"),
                   source=("bundled", name, True) if encode_text else ("bundled", name))


@memoized(lambda n, d, *_: 8 * n * (d + 1))
def generated_data(n: int, d: int, noise: float, seed: int, true_w: float,
                   true_b: float) -> LoadedData:
    """Synthetic data; with one feature the true w, b are the given ones, else drawn from seed."""
    with heavy_work(n * (d + 1)):
        frame = make_regression_data(n, d, noise=noise, seed=seed,
                                     true_w=[true_w] if d == 1 else None, true_b=true_b)
        weights = ", ".join(f"{w:g}" for w in frame.attrs["true_w"])
        truth = f"true w = ({weights}), true b = {frame.attrs['true_b']:g}, noise sd {noise:g}"
        return _loaded(frame, f"generated data (n={n:,}, d={d}, seed={seed})", "y",
                       frame.attrs["features"], truth,
                       source=("generated", n, d, noise, seed, true_w, true_b))


def uploaded_data(payload: bytes, name: str, encode_text: bool = False) -> LoadedData:
    """An uploaded CSV read by gradcore's loader (raises DataError; `encode_text`: text columns
    as 0/1 columns), put in STORE under ("upload", digest); sessions keep only an
    :class:`UploadRef` to it."""
    with heavy_work(len(payload) // 2):
        STORE.reserve(4 * len(payload))  # about 8 bytes per value, a value per 2 bytes
        frame = load_csv(payload, encode_text=encode_text, max_encoded=MAX_FEATURES)
        data = _loaded(frame, f"uploaded file '{name}'")
        if encode_text:
            data = replace(data, source=(*data.source, True))
    return STORE.put(data.source, data)


def text_encoded(source: tuple) -> bool:
    """Whether the table a ``LoadedData.source`` names has its text columns as 0/1 columns
    (("bundled", name, True) or ("upload", digest, True))."""
    return bool(source) and source[0] in ("bundled", "upload") and source[-1] is True


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


@dataclass(frozen=True, eq=False)
class Problem:
    """X (N, d), y (N,) in original units; X_fit is what GD runs on (standardised or X).

    ``key`` = (data digest, target, features, standardise): what the problem was built from;
    ``source``: the data's ``LoadedData.source``.
    ``warnings``: first the note on rows left out for missing values (if any), then
    ``data_warnings`` (constant or collinear features, ...).
    """

    key: tuple[str, str, tuple[str, ...], bool]
    target: str
    features: tuple[str, ...]
    X: np.ndarray
    y: np.ndarray
    X_fit: np.ndarray
    scaler: Standardizer | None
    stats: RegressionStatistics
    warnings: tuple[str, ...]
    reference: tuple[np.ndarray, float]
    reference_fit: tuple[np.ndarray, float]
    reference_loss: float
    sample: np.ndarray
    sample_X: np.ndarray
    sample_X_fit: np.ndarray
    sample_y: np.ndarray
    source: tuple = ()


def _problem_key(problem: Problem) -> tuple:
    return problem.key


@memoized(lambda data, target, features, standardise:
          8 * len(data.frame) * ((2 if standardise else 1) * len(features) + 1))
def prepare(data: LoadedData, target: str, features: tuple[str, ...],
            standardise: bool) -> Problem:
    """Columns -> arrays, warnings, statistics and the scikit-learn fit (raises DataError).

    Rows with a missing value in the target or a chosen feature are left out (and counted in
    the first warning); missing values in other columns do not matter.
    """
    features = tuple(features)
    with heavy_work(len(data.frame) * (len(features) + 1)):
        X, y, notes = select_xy(data.frame, target, features)
        warnings = [*notes, *data_warnings(X, y, features, target)]
        scaler = Standardizer.fit(X) if standardise else None
        X_fit = scaler.transform(X) if scaler else X
        stats = regression_statistics(X_fit, y)
        trace_run(f"scikit-learn fit of {target} on {len(features)} feature(s)")
        coef, intercept = sklearn_reference(X, y)
    sample = sample_indices(len(y))
    fit_coef, fit_intercept = scaler.from_original(coef, intercept) if scaler else (coef, intercept)
    return Problem(
        key=(data.digest, target, features, bool(standardise)),
        target=target, features=features, X=X, y=y, X_fit=X_fit, scaler=scaler,
        stats=stats, warnings=tuple(warnings), reference=(coef, intercept),
        reference_fit=(np.asarray(fit_coef), float(fit_intercept)),
        reference_loss=mse_loss(X, y, coef, intercept), sample=sample, sample_X=X[sample],
        sample_X_fit=X_fit[sample], sample_y=y[sample], source=data.source,
    )


@dataclass(frozen=True)
class Engine:
    """The loss and optimizer of a run with their settings: ``fit``'s keyword arguments.

    Settings an optimizer or loss does not read keep their defaults (``ui.regression_engine``
    sees to it), so two runs that differ only in an unused setting share one cache entry.
    The default is the MSE with constant-step gradient descent: ``fit``'s fast path.
    """

    loss: str = "mse"
    optimizer: str = "gd"
    schedule: str = "constant"
    momentum: float = 0.9
    beta2: float = 0.999
    batch_size: int | None = None
    seed: int = 0
    huber_delta: float = 1.0

    def fit_kwargs(self) -> dict:
        """The settings as keyword arguments of ``gradcore.fit`` and ``export_script``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_ENGINE = Engine()


@dataclass(frozen=True, eq=False)
class LossReference:
    """The optimum of one loss by ``reference_fit``: ``reference`` in original units,
    ``reference_fit`` in the units GD runs in, and its loss. ``skipped``: why there is no
    reference for this loss here (then the fields hold the least-squares fit, a stand-in for
    the charts only, and no check is made), else None."""

    reference: tuple[np.ndarray, float]
    reference_fit: tuple[np.ndarray, float]
    loss: float
    skipped: str | None = None


@memoized(lambda problem, loss, delta: 0)
def loss_reference(problem: Problem, loss: str, delta: float) -> LossReference:
    """``reference_fit`` of `loss` on the problem (the problem's scikit-learn fit for the MSE;
    none for the MAE above MAE_REFERENCE_ROWS rows, see there)."""
    if loss == "mse":
        return LossReference(problem.reference, problem.reference_fit, problem.reference_loss)
    if loss == "mae" and len(problem.y) > MAE_REFERENCE_ROWS:
        return LossReference(
            problem.reference, problem.reference_fit,
            loss_value(problem.X, problem.y, *problem.reference, loss, delta),
            skipped=(f"The MAE's reference (median regression as a linear programme) is "
                     f"computed for up to {MAE_REFERENCE_ROWS:,} rows; this table has "
                     f"{len(problem.y):,}, so there is no check against it here. The charts "
                     "show the least-squares fit instead."))
    with heavy_work(len(problem.y) * (len(problem.features) + 1)):
        trace_run(f"reference fit of the {loss} loss")
        coef, intercept = reference_fit(problem.X, problem.y, loss, delta)
    fit_coef, fit_intercept = (problem.scaler.from_original(coef, intercept) if problem.scaler
                               else (coef, intercept))
    return LossReference((coef, intercept), (np.asarray(fit_coef), float(fit_intercept)),
                         loss_value(problem.X, problem.y, coef, intercept, loss, delta))


@dataclass(frozen=True, eq=False)
class Run:
    """A trajectory, its coefficients in original units, the final comparison and the contour.

    ``key`` = (problem key, learning rate, steps, w0, b0, engine). ``comparison`` is the MSE's
    check against scikit-learn (None for another loss); ``gap`` the check against the chosen
    loss's ``reference_fit`` (None for the MSE); ``optimum`` that loss's reference.
    """

    key: tuple
    trajectory: FitTrajectory
    coef: np.ndarray
    intercept: np.ndarray
    comparison: Comparison | None
    contour: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    engine: Engine = DEFAULT_ENGINE
    gap: ReferenceGap | None = None
    optimum: LossReference | None = None


@memoized(lambda problem, learning_rate, steps, *_: 32 * (steps + 1) * (len(problem.features) + 1))
def descend(problem: Problem, learning_rate: float, steps: int, w0: float, b0: float,
            engine: Engine = DEFAULT_ENGINE) -> Run:
    """``fit`` from (w0 in every coordinate, b0), in the units GD runs in; the default engine
    is ``gradient_descent``'s closed-form fast path."""
    d = len(problem.features)
    with heavy_work(len(problem.y) * (d + 1) if engine.loss != "mse" else 0):
        trajectory = fit(problem.X_fit, problem.y, learning_rate=learning_rate, steps=steps,
                         w0=np.full(d, w0), b0=b0, stats=problem.stats, **engine.fit_kwargs())
    if problem.scaler:
        coef, intercept = problem.scaler.to_original(trajectory.w, trajectory.b)
    else:
        coef, intercept = np.asarray(trajectory.w), np.asarray(trajectory.b)
    optimum = loss_reference(problem, engine.loss, engine.huber_delta)
    comparison = gap = None
    if engine.loss == "mse":
        comparison = compare_with_sklearn(problem.X, problem.y, trajectory, problem.scaler,
                                          rtol=COMPARISON_RTOL, reference=problem.reference,
                                          stats=problem.stats)
    elif optimum.skipped is None:
        gap = reference_gap(problem.X, problem.y, coef[-1], float(intercept[-1]),
                            optimum.reference, engine.loss, engine.huber_delta,
                            rtol=LOSS_GAP_RTOL)
    contour = _contour(problem, trajectory, engine, optimum) if d == 1 else None
    return Run(key=(problem.key, float(learning_rate), int(steps), float(w0), float(b0), engine),
               trajectory=trajectory, coef=coef, intercept=intercept,
               comparison=comparison, contour=contour, engine=engine, gap=gap, optimum=optimum)


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
    problem = prepare.lookup(("data", ref.digest), ref.target, ref.features, ref.standardise)
    if problem is None:
        data = loader(ref.source)
        if data is None:
            return None
        problem = prepare(data, ref.target, ref.features, ref.standardise)
    return problem, descend(problem, ref.learning_rate, ref.steps, ref.w0, ref.b0, ref.engine)


def _run_key(run: Run) -> tuple:
    return run.key


def _contour(problem: Problem, trajectory, engine: Engine, optimum: LossReference):
    """(w grid, b grid, loss[b, w]) of the run's loss around the path and its optimum, in GD
    units: the MSE from the statistics, another loss by ``loss_surface`` (passes over the data)."""
    (w_lo, w_hi), (b_lo, b_hi) = contour_window(trajectory.w[:, 0], trajectory.b,
                                                float(optimum.reference_fit[0][0]),
                                                optimum.reference_fit[1])
    w_grid = np.linspace(w_lo, w_hi, CONTOUR_GRID)
    b_grid = np.linspace(b_lo, b_hi, CONTOUR_GRID)
    W, B = np.meshgrid(w_grid, b_grid)
    if engine.loss == "mse":
        return w_grid, b_grid, problem.stats.loss_at(W[..., None], B)
    return w_grid, b_grid, loss_surface(problem.X_fit, problem.y, W[..., None], B, engine.loss,
                                        engine.huber_delta)


def race_window(paths, optimum: tuple[float, float]) -> tuple[float, float, float, float]:
    """(w_lo, w_hi, b_lo, b_hi) framing every raced path (``contour_window`` of each) and the
    optimum, rounded to 12 significant digits so that it can key ``race_grid``."""
    windows = [contour_window(w_path, b_path, optimum[0], optimum[1]) for w_path, b_path in paths]
    w_lo, w_hi = min(w[0][0] for w in windows), max(w[0][1] for w in windows)
    b_lo, b_hi = min(w[1][0] for w in windows), max(w[1][1] for w in windows)
    return tuple(float(f"{value:.12g}") for value in (w_lo, w_hi, b_lo, b_hi))


@memoized(lambda problem, loss, delta, window: 8 * CONTOUR_GRID ** 2)
def race_grid(problem: Problem, loss: str, delta: float,
              window: tuple[float, float, float, float]):
    """(w grid, b grid, loss[b, w]) of `loss` over `window` (one feature), in GD units."""
    w_grid = np.linspace(window[0], window[1], CONTOUR_GRID)
    b_grid = np.linspace(window[2], window[3], CONTOUR_GRID)
    W, B = np.meshgrid(w_grid, b_grid)
    if loss == "mse":
        return w_grid, b_grid, problem.stats.loss_at(W[..., None], B)
    with heavy_work(len(problem.y) * CONTOUR_GRID):
        return w_grid, b_grid, loss_surface(problem.X_fit, problem.y, W[..., None], B, loss,
                                            delta)


@dataclass(frozen=True, eq=False)
class ChartBases:
    """The step-independent parts of the stepper's three replayable charts.

    One feature: ``main`` is the data with the fitted lines, ``side`` the loss contours.
    Several: ``main`` is predicted against actual, ``side`` the coefficient paths.
    """

    main: figures.Base
    side: figures.Base
    loss: figures.Base


def reference_source(run: Run) -> str:
    """Whose optimum the charts show: scikit-learn's least squares for the MSE (and as the
    MAE's stand-in on a large table), else the chosen loss's reference."""
    return "scikit-learn" if run.engine.loss == "mse" or run.optimum.skipped else "reference"


@memoized(lambda problem, run: 24 * (run.trajectory.steps_taken + 1)
          * (len(problem.features) + 2) + 16 * problem.sample.size + 8 * CONTOUR_GRID ** 2)
def chart_bases(problem: Problem, run: Run) -> ChartBases:
    """The charts' step-independent parts for `run` (built once per run, shared by sessions)."""
    t = run.trajectory
    if len(problem.features) == 1:
        main = figures.fitted_line_base(
            problem.sample_X[:, 0], problem.sample_y, run.coef[:, 0], run.intercept,
            (float(run.optimum.reference[0][0]), run.optimum.reference[1]),
            (problem.features[0], problem.target), reference_source(run))
        w_grid, b_grid, loss_grid = run.contour
        side = figures.contour_base(w_grid, b_grid, loss_grid, t.w[:, 0], t.b,
                                    (float(run.optimum.reference_fit[0][0]),
                                     run.optimum.reference_fit[1]), reference_source(run))
    else:
        main = figures.predicted_actual_base(problem.sample_y,
                                             reference_predictions(problem, run),
                                             reference_source(run))
        side = figures.coefficient_paths_base(t.w, t.b, problem.features,
                                              run.optimum.reference_fit)
    return ChartBases(main=main, side=side, loss=figures.loss_base(t.loss))


def reference_predictions(problem: Problem, run: Run | None = None) -> np.ndarray:
    """The reference's predictions ŷ of the drawn sample of rows: scikit-learn's fit, or the
    optimum of `run`'s loss."""
    coef, intercept = problem.reference if run is None else run.optimum.reference
    return problem.sample_X @ coef + intercept


@dataclass(frozen=True)
class StepCheck:
    """The article's gradient at step k from the data, and its finite-difference check."""

    grad_w: np.ndarray
    grad_b: float
    check: GradientCheck
    direct: bool


@st.cache_resource(max_entries=256, ttl=TTL_SECONDS, show_spinner=False,
                   hash_funcs={Problem: _problem_key, Run: _run_key})
def check_step(problem: Problem, run: Run, k: int) -> StepCheck:
    """The run's loss gradient at iterate k from the data (the article's ``mse_gradient`` for
    the MSE, ``loss_gradient`` otherwise) vs central differences of the loss (see
    DIRECT_CHECK_WORK; the MSE's statistics above it)."""
    w, b = np.asarray(run.trajectory.w[k]), float(run.trajectory.b[k])
    engine = run.engine
    d = w.size
    if engine.loss == "mse":
        grad_w, grad_b = mse_gradient(problem.X_fit, problem.y, w, b)
        direct = len(problem.y) * (d + 1) ** 2 <= DIRECT_CHECK_WORK
    else:
        grad_w, grad_b = loss_gradient(problem.X_fit, problem.y, w, b, engine.loss,
                                       engine.huber_delta)
        direct = True
    if direct and engine.loss == "mse":
        def loss(theta):
            return mse_loss(problem.X_fit, problem.y, theta[:d], theta[d])
    elif direct:
        def loss(theta):
            return loss_value(problem.X_fit, problem.y, theta[:d], theta[d], engine.loss,
                              engine.huber_delta)
    else:
        def loss(theta):
            return float(problem.stats.loss_at(theta[:d], theta[d]))
    analytic = np.append(grad_w, grad_b)
    rtol = GRADIENT_RTOL if engine.loss != "mae" else MAE_GRADIENT_RTOL
    check = gradient_check(loss, lambda _theta: analytic, np.append(w, b), rtol=rtol)
    return StepCheck(grad_w=np.asarray(grad_w), grad_b=float(grad_b), check=check, direct=direct)
