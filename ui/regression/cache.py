"""Caches for the regression page, keyed on values and bounded by bytes per process.

A deployed app is one process shared by a whole class, so everything large lives in ONE
process-wide least-recently-used store, ``ui.regression.byte_store.STORE``, whose values together hold at
most ``CACHE_BUDGET_BYTES`` (256 MB) of arrays (entries also expire after ``TTL_SECONDS``): a
:class:`LoadedData` (``ui.regression.data``) and a Problem (``ui.regression.problem``). The
small values, a LossReference, Run, race grid or ChartBases (``ui.regression.build``, which
builds them) and each problem's :class:`~ui.regression.problem.LightProblem` (everything but
its rows, or the whole of a problem under WHOLE_PROBLEM_BYTES), live in ``LIGHT_STORE``, a
second store with a budget of its own (64 MB), so making room in STORE for another student's
new table does not drop them. Each entry is computed once per key and shared by every session
that asks for it (each wrapper here adds only the key, the size estimate, the store and the
concurrency policy).

Sessions never hold these objects between runs: a session keeps small keys (a
:class:`RunRef`, an :class:`UploadRef`) and looks the objects up again with :func:`resolve`,
which recomputes whatever was evicted (an evicted upload is parsed again by ``ui.regression.data_source``
from the file the uploader still holds), or, for a step of the stepper, :func:`resolve_step`,
which serves a light problem from LIGHT_STORE where a step reads no rows (an MSE run carries
the article's formula at every iterate, ``Run.formula_gradient``), so a step never rebuilds a
large table. So memory does not grow with the number of sessions, open or disconnected. Work
on more than ``HEAVY_CELLS`` values runs one at a time per process (:func:`heavy_work`), so
the transient memory of at most one large computation adds to the budget.

Keys are tuples of values, an argument entering by :data:`HASH_FUNCS` (a LoadedData by its
digest, a Problem or Run by its ``key``), so two different inputs never share a key and no
DataFrame is ever hashed or sampled. The cached objects are read-only (gradcore marks
trajectory arrays read-only; nothing writes to the others). ``check_step``'s small results
stay in ``st.cache_resource`` (``max_entries``, ``ttl``), keyed by the same HASH_FUNCS.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from gradcore import RunSettings
from gradcore.regression.engine import EVALUATION_ROWS
from ui.regression.build import (
    DEFAULT_SETTINGS,
    DIRECT_CHECK_BYTES,
    ChartBases,
    LightProblem,
    LossReference,
    Problem,
    ProblemKey,
    Run,
    StepCheck,
    build_chart_bases,
    build_loss_grid,
    build_loss_reference,
    build_problem,
    build_run,
    build_step_check,
    reference_skipped,
    steps_read_rows,
    takes_formula_path,
)
from ui.regression.byte_store import (
    LIGHT_STORE,
    STORE,
    TTL_SECONDS,
    ByteBudgetCache,
    heavy_work,
    nbytes,
)
from ui.regression.data import (
    LoadedData,
    build_bundled,
    build_generated,
    build_uploaded,
)
from ui.regression.figures import CONTOUR_GRID
from ui.regression.generalisation import NO_SHAPING, Shaping
from ui.shell.lessons import trace_run

__all__ = [
    "HASH_FUNCS", "RunRef", "UploadRef", "bundled_data", "chart_bases", "check_step", "descend",
    "generated_data", "load", "loss_reference", "memoized", "prepare", "race_grid", "race_run",
    "resolve", "resolve_step", "uploaded_data",
]

# A problem of at most this many bytes (rows and all) is kept whole in LIGHT_STORE, so that its
# steps, which read the rows for a direct check (up to build.DIRECT_CHECK_BYTES of rows) or a
# loss other than the MSE, find them even after STORE made room for a large table: twice the
# direct check's rows, for the drawn sample and statistics besides them. A class's uploads of
# 20,000 rows take 0.5 MB each.
WHOLE_PROBLEM_BYTES = 2 * DIRECT_CHECK_BYTES
_LIGHT = "light problem"  # LIGHT_STORE's key of a problem's light part: (_LIGHT, problem key)


def _data_key(digest: str) -> tuple[str, str]:
    """A table's part of a key: tagged, so that it never equals a plain string argument."""
    return ("data", digest)


# How an argument enters a cache key (STORE's, and check_step's in st.cache_resource); any
# other argument (str, int, float, bool, tuple of those, a RunSettings) enters as itself.
HASH_FUNCS: dict[type, Callable[[object], Hashable]] = {
    LoadedData: lambda data: _data_key(data.digest),
    Problem: lambda problem: problem.key,
    LightProblem: lambda problem: problem.key,
    Run: lambda run: run.key,
    list: tuple,
}


def _hashed(value) -> Hashable:
    hash_func = HASH_FUNCS.get(type(value))
    return value if hash_func is None else hash_func(value)


def memoized(size_estimate: Callable[..., int], store: ByteBudgetCache = STORE):
    """Cache a function in `store` (STORE, or LIGHT_STORE for small values) on the values of
    its positional arguments (``HASH_FUNCS``); before computing, make room for
    ``size_estimate(*args)`` bytes (``store.reserve``).

    ``function.clear()`` drops its entries; ``function.lookup(*keys)`` is the cached value for
    arguments whose HASH_FUNCS values are `keys` (or None), without computing anything;
    ``function.cached(*args)`` says whether a call with `args` would find its value."""
    return functools.partial(_memoize, size_estimate=size_estimate, store=store)


def _memoize(function, size_estimate, store):
    name = function.__qualname__
    signature = inspect.signature(function)

    def compute(args):
        store.reserve(size_estimate(*args))
        return function(*args)

    def bound(args) -> tuple:
        arguments = signature.bind(*args)
        arguments.apply_defaults()  # a default left out and passed share one key
        return arguments.args

    @functools.wraps(function)
    def wrapper(*args):
        args = bound(args)
        key = (name, *(_hashed(arg) for arg in args))
        return store.get_or_compute(key, lambda: compute(args))

    def cached(*args) -> bool:
        return store.get((name, *(_hashed(arg) for arg in bound(args))), None) is not None

    wrapper.cached = cached
    wrapper.clear = lambda: store.discard(lambda key: key[0] == name)
    defaults = [p.default for p in signature.parameters.values()]

    def lookup(*key):
        # Arguments left out take their defaults, as in a call (so both share one key).
        return store.get((name, *key, *(_hashed(d) for d in defaults[len(key):])))

    wrapper.lookup = lookup
    return wrapper


def spun(function, *args, text: str):
    """``function(*args)`` for a memoized `function`, under ``st.spinner(text)`` only when its
    value is not cached: Streamlit's spinner sends the browser a delta (its clearing) and
    starts a timer thread even when the work takes no time, three times per run of the
    regression page when it is warm."""
    if function.cached(*args):
        return function(*args)
    with st.spinner(text):
        return function(*args)


@memoized(lambda name, encode_text=False: 0)
def bundled_data(name: str, encode_text: bool = False) -> LoadedData:
    """``build_bundled``, once per process."""
    return build_bundled(name, encode_text)


@memoized(lambda *_: 0)
def generated_data(n: int, d: int, noise: float, seed: int, true_w: float,
                   true_b: float) -> LoadedData:
    """``build_generated``, once per process. Room for the table is made when its turn comes,
    not before: a table waiting in line (or refused) does not push other students' out."""
    with heavy_work(n * (d + 1), new_table=True):
        STORE.reserve(8 * n * (d + 1))
        return build_generated(n, d, noise, seed, true_w, true_b)


def uploaded_data(payload: bytes, name: str, encode_text: bool = False) -> LoadedData:
    """``build_uploaded``, put in STORE under its source ("upload", digest[, True]); sessions
    keep only an :class:`UploadRef` to it."""
    with heavy_work(len(payload) // 2, new_table=True):
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


def _columns(features: tuple[str, ...], shaping: Shaping) -> int:
    """How many columns GD fits: the polynomial's degree, else the features."""
    return max(len(features), Shaping(*shaping).degree)


@memoized(lambda data, target, features, standardise, shaping=NO_SHAPING:
          8 * len(data.frame) * ((2 if standardise else 1) * _columns(features, shaping) + 1))
def prepare(data: LoadedData, target: str, features: tuple[str, ...],
            standardise: bool, shaping: Shaping = NO_SHAPING) -> Problem:
    """``build_problem``, once per (data, target, features, standardise, shaping) (raises
    DataError); `shaping` (``ui.regression.generalisation.Shaping``) is the split and degree."""
    with heavy_work(len(data.frame) * (_columns(features, shaping) + 1)):
        trace_run(f"scikit-learn fit of {target} on {len(features)} feature(s)")
        problem = build_problem(data, target, features, standardise, Shaping(*shaping))
    _keep_light(problem)
    return problem


_clear_problems = prepare.clear
prepare.clear = lambda: (_clear_problems(), LIGHT_STORE.discard(lambda key: key[0] == _LIGHT))


def _keep_light(problem: Problem) -> None:
    """Put what a step reads of `problem` in LIGHT_STORE: the problem itself if it is small
    (WHOLE_PROBLEM_BYTES), else its ``light()`` part (no rows)."""
    small = nbytes(problem) <= WHOLE_PROBLEM_BYTES
    LIGHT_STORE.put((_LIGHT, problem.key), problem if small else problem.light())


@memoized(lambda problem, loss, loss_key, penalty="none", alpha=0.0: 0, LIGHT_STORE)
def loss_reference(problem: Problem, loss: str, loss_key: tuple, penalty: str = "none",
                   alpha: float = 0.0) -> LossReference:
    """``build_loss_reference``; only a fit (not the MSE's, nor a skipped one) is heavy work."""
    penalised = penalty != "none" and alpha > 0
    fits = (penalised or loss != "mse") and reference_skipped(
        loss, len(problem.y), len(problem.features)) is None
    with heavy_work(len(problem.y) * (len(problem.features) + 1) if fits else 0):
        if fits:
            trace_run(f"reference fit of the {loss} loss" + (f" + {penalty}" if penalised else ""))
        return build_loss_reference(problem, loss, loss_key, penalty, alpha)


@memoized(lambda problem, settings: 32 * (settings.steps + 1) * (len(problem.features) + 1),
          LIGHT_STORE)
def descend(problem: Problem, settings: RunSettings = DEFAULT_SETTINGS) -> Run:
    """``build_run`` against the shared ``loss_reference``; the MSE's steps do not read the
    rows, so only another loss's run is heavy work (the MSE's formula path reads them once, a
    few MB at a time)."""
    return _run(problem, settings, stepped=True)


@memoized(lambda problem, settings: 32 * (settings.steps + 1) * (len(problem.features) + 1),
          LIGHT_STORE)
def race_run(problem: Problem, settings: RunSettings = DEFAULT_SETTINGS) -> Run:
    """``descend`` for a race's rival, which nobody steps through: the same run without the
    formula path (``build.formula_path``, 0.3 s of a 1,000,000 x 10 table). A rival the
    student then chooses is ``descend``ed (its trajectory again, and its path)."""
    return _run(problem, settings, stepped=False)


def _run(problem: Problem, settings: RunSettings, stepped: bool) -> Run:
    optimum = loss_reference(problem, settings.loss, settings.loss_key, settings.penalty,
                             settings.alpha)
    with heavy_work(_rows_read(problem, settings, stepped) * (len(problem.features) + 1)):
        return build_run(problem, settings, optimum, stepped)


def _rows_read(problem: Problem, settings: RunSettings, stepped: bool) -> int:
    """The rows a run reads: every row for a loss other than the MSE, and for a stepped MSE
    run that may carry the formula path (``build.takes_formula_path``: one pass, 0.3 s of a
    1,000,000 x 10 table). So that pass is a turn in the heavy line, which finishes work on
    tables already made before it makes a new one: outside the line, the next tables were made
    while this one's rows, already dropped from STORE, were still being read (beyond the
    budget, one problem per run in progress)."""
    if settings.loss != "mse" or (stepped and takes_formula_path(problem.n,
                                                                  len(problem.features))):
        return problem.n
    return 0


@dataclass(frozen=True)
class RunRef:
    """A few values that name a Problem and a Run: what a session may keep between runs
    (a fragment's arguments, a download's callable) instead of the arrays themselves."""

    source: tuple
    digest: str
    target: str
    features: tuple[str, ...]
    standardise: bool
    settings: RunSettings = DEFAULT_SETTINGS
    shaping: Shaping = NO_SHAPING

    @classmethod
    def of(cls, problem: Problem, run: Run) -> RunRef:
        """The reference to `problem` and `run` (which ``resolve`` finds or rebuilds)."""
        digest, target, features, standardise, shaping = problem.key
        return cls(problem.source, digest, target, features, standardise, run.settings,
                   shaping)


def resolve(ref: RunRef, loader: Callable[[tuple], LoadedData | None] = load,
            ) -> tuple[Problem, Run] | None:
    """The Problem and Run `ref` names: from STORE, or computed again (the data from
    ``loader(ref.source)``, only when the Problem is not cached). None when the loader has no
    data (an upload STORE no longer holds). Raises DataError only if the data changed."""
    problem = prepare.lookup(_data_key(ref.digest), ref.target, ref.features, ref.standardise,
                             ref.shaping)
    if problem is None:
        data = loader(ref.source)
        if data is None:
            return None
        problem = prepare(data, ref.target, ref.features, ref.standardise, ref.shaping)
    return problem, descend(problem, ref.settings)


def resolve_step(ref: RunRef, loader: Callable[[tuple], LoadedData | None] = load,
                 reads_rows: bool = True) -> tuple[LightProblem, Run] | None:
    """What a step of the stepper reads: the Problem and Run `ref` names if STORE still holds
    the problem; else, if LIGHT_STORE holds the problem's light part (or the whole of a small
    problem) and the run, and a step of that run reads no rows (``steps_read_rows``) or the
    caller reads none (`reads_rows` False: the stepper's fit and path tabs draw the sample),
    those, without rebuilding anything; else ``resolve(ref, loader)``. A LightProblem has
    ``n`` and ``head`` where a Problem also has the rows (y, X_fit)."""
    key = ProblemKey(ref.digest, ref.target, ref.features, ref.standardise, ref.shaping)
    if prepare.lookup(_data_key(ref.digest), ref.target, ref.features, ref.standardise,
                      ref.shaping) is None:
        light = LIGHT_STORE.get((_LIGHT, key))
        if light is not None:
            run = descend.lookup(key, ref.settings)
            if run is None and isinstance(light, Problem):
                run = descend(light, ref.settings)
            if run is not None and not (reads_rows and steps_read_rows(light, run)):
                return light, run
    return resolve(ref, loader)


@memoized(lambda problem, loss, loss_key, window, penalty="none", alpha=0.0:
          8 * CONTOUR_GRID ** 2, LIGHT_STORE)
def race_grid(problem: Problem, loss: str, loss_key: tuple,
              window: tuple[float, float, float, float], penalty: str = "none",
              alpha: float = 0.0):
    """``build_loss_grid`` over a ``race_window``; the MSE's grid does not read the rows."""
    with heavy_work(min(len(problem.y), EVALUATION_ROWS) * CONTOUR_GRID if loss != "mse" else 0):
        return build_loss_grid(problem, loss, loss_key, window, penalty, alpha)


@memoized(lambda problem, run: 24 * (run.trajectory.steps_taken + 1)
          * (len(problem.features) + 2) + 16 * problem.sample.indices.size
          + 8 * CONTOUR_GRID ** 2, LIGHT_STORE)
def chart_bases(problem: Problem, run: Run) -> ChartBases:
    """``build_chart_bases``, once per run (shared by sessions)."""
    return build_chart_bases(problem, run)


@st.cache_resource(max_entries=256, ttl=TTL_SECONDS, show_spinner=False, hash_funcs=HASH_FUNCS)
def check_step(problem: LightProblem, run: Run, k: int) -> StepCheck:
    """``build_step_check``: small, so kept by Streamlit, per step a student looks at. A
    LightProblem (``resolve_step``) gives the same check as its Problem (Streamlit keys the
    two apart, its key includes the argument's type)."""
    return build_step_check(problem, run, k)
