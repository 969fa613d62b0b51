"""Bounded caches for the regression page, keyed on an explicit content hash of the data.

Three levels, each computed once per key and shared by every rerun (and every student who opens
the same link):

- :class:`LoadedData`: a table and the blake2b hash of its contents, computed once when the table
  is loaded (never on a rerun), so a million-row table is not rehashed when a student steps;
- :class:`Problem`: X, y for the chosen target/features (rows with a missing value in those
  columns left out), the optional standardisation, the sufficient statistics, the scikit-learn
  fit and the data warnings, keyed on (hash, target, features, standardise);
- :class:`Run`: a gradient-descent trajectory with its values in original units, the final
  comparison with scikit-learn and the loss contour, keyed on the problem key + GD settings.

``st.cache_resource`` (bounded by ``max_entries`` and ``ttl``) rather than ``st.cache_data``:
the cached objects hold arrays of up to 80 MB that ``cache_data`` would copy on every hit; here
they are read-only (gradcore marks trajectory arrays read-only; nothing writes to the others).
Each object's key is a tuple of values (``Problem.key``, ``Run.key``); ``hash_funcs`` tells
Streamlit to hash a LoadedData, Problem or Run argument by that digest or tuple, so it never
hashes (or samples) a DataFrame, and two different inputs never share a key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from gradcore import (
    DATASETS,
    Comparison,
    GradientCheck,
    RegressionStatistics,
    Standardizer,
    Trajectory,
    compare_with_sklearn,
    data_warnings,
    gradient_check,
    gradient_descent,
    load_bundled,
    load_csv,
    make_regression_data,
    mse_gradient,
    mse_loss,
    regression_statistics,
    select_xy,
    sklearn_reference,
)
from ui.regression_figures import CONTOUR_GRID, contour_window, sample_indices

TTL_SECONDS = 3600
# Below this many rows the finite-difference check differentiates mse_loss on the data itself;
# above it, the same loss from the sufficient statistics (2(d+1) passes over a million rows would
# make every step take a second).
DIRECT_CHECK_ROWS = 200_000
COMPARISON_RTOL = 1e-6
# Central differences of a quadratic are exact up to rounding, about eps * L / h ~ 1e-10 * L.
GRADIENT_RTOL = 1e-5


@dataclass(frozen=True, eq=False)
class LoadedData:
    """A numeric table, its content hash, where it came from, and the loader's notes."""

    frame: pd.DataFrame
    digest: str
    label: str
    notes: tuple[str, ...]
    default_target: str
    default_features: tuple[str, ...]
    truth: str | None = None


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
            features=None, truth: str | None = None) -> LoadedData:
    columns = [str(c) for c in frame.columns]
    target = target if target in columns else columns[-1]
    features = tuple(f for f in (features or columns) if f in columns and f != target)
    features = features or tuple(c for c in columns if c != target)
    return LoadedData(frame=frame, digest=content_digest(frame), label=label,
                      notes=tuple(frame.attrs.get("notes", ())), default_target=target,
                      default_features=default_features(frame, target, features), truth=truth)


@st.cache_resource(max_entries=4, ttl=TTL_SECONDS, show_spinner=False)
def bundled_data(name: str) -> LoadedData:
    """A bundled dataset with its default target and features (raises DataError)."""
    frame = load_bundled(name)
    return _loaded(frame, f"bundled dataset '{name}'", frame.attrs.get("target"),
                   frame.attrs.get("features"))


@st.cache_resource(max_entries=4, ttl=TTL_SECONDS, show_spinner=False)
def generated_data(n: int, d: int, noise: float, seed: int, true_w: float,
                   true_b: float) -> LoadedData:
    """Synthetic data; with one feature the true w, b are the given ones, else drawn from seed."""
    frame = make_regression_data(n, d, noise=noise, seed=seed,
                                 true_w=[true_w] if d == 1 else None, true_b=true_b)
    weights = ", ".join(f"{w:g}" for w in frame.attrs["true_w"])
    truth = f"true w = ({weights}), true b = {frame.attrs['true_b']:g}, noise sd {noise:g}"
    return _loaded(frame, f"generated data (n={n:,}, d={d}, seed={seed})", "y",
                   frame.attrs["features"], truth)


def uploaded_data(payload: bytes, name: str) -> LoadedData:
    """An uploaded CSV read by gradcore's loader (raises DataError); kept per session."""
    return _loaded(load_csv(payload), f"uploaded file '{name}'")


@dataclass(frozen=True, eq=False)
class Problem:
    """X (N, d), y (N,) in original units; X_fit is what GD runs on (standardised or X).

    ``key`` = (data digest, target, features, standardise): what the problem was built from.
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


def _data_key(data: LoadedData) -> str:
    return data.digest


def _problem_key(problem: Problem) -> tuple:
    return problem.key


@st.cache_resource(max_entries=6, ttl=TTL_SECONDS, show_spinner=False,
                   hash_funcs={LoadedData: _data_key})
def prepare(data: LoadedData, target: str, features: tuple[str, ...],
            standardise: bool) -> Problem:
    """Columns -> arrays, warnings, statistics and the scikit-learn fit (raises DataError).

    Rows with a missing value in the target or a chosen feature are left out (and counted in
    the first warning); missing values in other columns do not matter.
    """
    features = tuple(features)
    X, y, notes = select_xy(data.frame, target, features)
    warnings = [*notes, *data_warnings(X, y, features, target)]
    scaler = Standardizer.fit(X) if standardise else None
    X_fit = scaler.transform(X) if scaler else X
    stats = regression_statistics(X_fit, y)
    coef, intercept = sklearn_reference(X, y)
    sample = sample_indices(len(y))
    fit_coef, fit_intercept = scaler.from_original(coef, intercept) if scaler else (coef, intercept)
    return Problem(
        key=(data.digest, target, features, bool(standardise)),
        target=target, features=features, X=X, y=y, X_fit=X_fit, scaler=scaler,
        stats=stats, warnings=tuple(warnings), reference=(coef, intercept),
        reference_fit=(np.asarray(fit_coef), float(fit_intercept)),
        reference_loss=mse_loss(X, y, coef, intercept), sample=sample, sample_X=X[sample],
        sample_X_fit=X_fit[sample], sample_y=y[sample],
    )


@dataclass(frozen=True, eq=False)
class Run:
    """A trajectory, its coefficients in original units, the final comparison and the contour.

    ``key`` = (problem key, learning rate, steps, w0, b0).
    """

    key: tuple
    trajectory: Trajectory
    coef: np.ndarray
    intercept: np.ndarray
    comparison: Comparison
    contour: tuple[np.ndarray, np.ndarray, np.ndarray] | None


@st.cache_resource(max_entries=12, ttl=TTL_SECONDS, show_spinner=False,
                   hash_funcs={Problem: _problem_key})
def descend(problem: Problem, learning_rate: float, steps: int, w0: float, b0: float) -> Run:
    """Gradient descent from (w0 in every coordinate, b0), in the units GD runs in."""
    d = len(problem.features)
    trajectory = gradient_descent(problem.X_fit, problem.y, learning_rate, steps,
                                  w0=np.full(d, w0), b0=b0, stats=problem.stats)
    if problem.scaler:
        coef, intercept = problem.scaler.to_original(trajectory.w, trajectory.b)
    else:
        coef, intercept = np.asarray(trajectory.w), np.asarray(trajectory.b)
    comparison = compare_with_sklearn(problem.X, problem.y, trajectory, problem.scaler,
                                      rtol=COMPARISON_RTOL, reference=problem.reference,
                                      stats=problem.stats)
    contour = _contour(problem, trajectory) if d == 1 else None
    return Run(key=(problem.key, float(learning_rate), int(steps), float(w0), float(b0)),
               trajectory=trajectory, coef=coef, intercept=intercept,
               comparison=comparison, contour=contour)


def _run_key(run: Run) -> tuple:
    return run.key


def _contour(problem: Problem, trajectory: Trajectory):
    """(w grid, b grid, loss[b, w]) around the path and the optimum, in GD units."""
    (w_lo, w_hi), (b_lo, b_hi) = contour_window(trajectory.w[:, 0], trajectory.b,
                                                float(problem.reference_fit[0][0]),
                                                problem.reference_fit[1])
    w_grid = np.linspace(w_lo, w_hi, CONTOUR_GRID)
    b_grid = np.linspace(b_lo, b_hi, CONTOUR_GRID)
    W, B = np.meshgrid(w_grid, b_grid)
    return w_grid, b_grid, problem.stats.loss_at(W[..., None], B)


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
    """mse_gradient at iterate k vs central differences of the loss (see DIRECT_CHECK_ROWS)."""
    w, b = np.asarray(run.trajectory.w[k]), float(run.trajectory.b[k])
    grad_w, grad_b = mse_gradient(problem.X_fit, problem.y, w, b)
    d = w.size
    direct = len(problem.y) <= DIRECT_CHECK_ROWS
    if direct:
        def loss(theta):
            return mse_loss(problem.X_fit, problem.y, theta[:d], theta[d])
    else:
        def loss(theta):
            return float(problem.stats.loss_at(theta[:d], theta[d]))
    analytic = np.append(grad_w, grad_b)
    check = gradient_check(loss, lambda _theta: analytic, np.append(w, b), rtol=GRADIENT_RTOL)
    return StepCheck(grad_w=np.asarray(grad_w), grad_b=float(grad_b), check=check, direct=direct)
