"""Data for the regression page: uploaded CSVs, synthetic data, and the bundled datasets.

``load_csv`` (from gradcore.data.csv_loader) reads uploads. ``make_regression_data`` draws a
reproducible synthetic table with known coefficients. ``DATASETS`` lists the CSV files shipped
in ``data/`` (sources and licences in data/README.md); nothing is downloaded at run time.
``select_xy`` turns the chosen target and feature columns into arrays, leaving out only the rows
with a missing value in those columns.

Limits on the number of features (one app process serves a whole class): a regression uses at
most MAX_FEATURES (100) features, also the most columns ``make_regression_data`` generates; a
new table opens with at most MAX_DEFAULT_FEATURES (10) of its columns chosen as features.
The upload limits (MAX_COLUMNS, MAX_ROWS, MAX_CELLS, MAX_UPLOAD_BYTES) are in
gradcore.data.csv_loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from gradcore.data.csv_loader import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    load_csv,
)
from gradcore.errors import DataError

__all__ = [
    "DATASETS", "DATA_DIR", "MAX_CELLS", "MAX_COLUMNS", "MAX_DEFAULT_FEATURES", "MAX_FEATURES",
    "MAX_ROWS", "MAX_UPLOAD_BYTES", "BundledDataset", "bundled_datasets", "load_bundled",
    "load_csv", "make_regression_data", "select_xy",
]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
MAX_FEATURES = 100
MAX_DEFAULT_FEATURES = 10


class BundledDataset(NamedTuple):
    """A CSV in data/: ``file`` name, default ``target`` and ``features``, one-line ``description``."""

    file: str
    target: str
    features: tuple[str, ...]
    description: str


DATASETS: dict[str, BundledDataset] = {
    "tips": BundledDataset(
        "tips.csv", "tip", ("total_bill",),
        "Restaurant tips (244 bills): the tip against the total bill, in US dollars.",
    ),
    "diabetes": BundledDataset(
        "diabetes.csv", "target",
        ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"),
        "Diabetes progression after one year (442 patients) from ten standardised baseline "
        "measurements (scikit-learn's diabetes data).",
    ),
    "synthetic": BundledDataset(
        "synthetic.csv", "y", ("x1",),
        "200 points on the line y = 2.5 x1 - 1 plus Gaussian noise (sd 1), made by "
        "make_regression_data(200, 1, noise=1.0, seed=7, true_w=[2.5], true_b=-1.0).",
    ),
}


def bundled_datasets() -> dict[str, Path]:
    """Name -> path of each bundled CSV file."""
    return {name: DATA_DIR / entry.file for name, entry in DATASETS.items()}


def load_bundled(name: str, encode_text: bool = False) -> pd.DataFrame:
    """The numeric columns of a bundled dataset (via ``load_csv``; with ``encode_text`` its
    text columns as 0/1 columns too), with ``attrs["dataset"]``, ``attrs["target"]`` and
    ``attrs["features"]`` set from ``DATASETS``."""
    if name not in DATASETS:
        raise DataError(f"Unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}.")
    entry = DATASETS[name]
    table = load_csv(DATA_DIR / entry.file, encode_text=encode_text, max_encoded=MAX_FEATURES)
    table.attrs.update(dataset=name, target=entry.target, features=list(entry.features))
    return table


def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise DataError(f"{name} must be a whole number from {low:,} to {high:,}; got {value!r}.")
    return int(value)


def make_regression_data(
    n: int, d: int = 1, noise: float = 1.0, seed: int = 0, true_w=None, true_b: float = 1.0,
    x_mean: float = 0.0, x_scale: float = 1.0,
) -> pd.DataFrame:
    """Synthetic linear data: columns x1..xd (always numbered, also for d = 1) and y.

    x_ij ~ Normal(x_mean, x_scale^2), y_i = true_w . x_i + true_b + noise * e_i, e_i ~ Normal(0, 1).
    ``true_w`` defaults to d values drawn uniformly from [-3, 3] and rounded to 2 decimals.
    The features, the default weights and the noise come from three independent streams
    spawned from ``seed``, so the same arguments always give the same table.
    ``attrs``: ``true_w`` (list), ``true_b``, ``noise``, ``seed``, ``features``, ``target`` ("y").
    """
    n = _whole(n, "The number of rows", 2, MAX_ROWS)
    d = _whole(d, "The number of features", 1, MAX_FEATURES)
    seed = _whole(seed, "The seed", 0, 2**63 - 1)
    numbers = np.array([noise, true_b, x_mean, x_scale], dtype=float)
    if not np.isfinite(numbers).all() or noise < 0 or x_scale < 0 or np.abs(numbers).max() > 1e100:
        raise DataError("noise and x_scale must be >= 0, and all settings finite numbers below 1e100.")
    x_stream, w_stream, noise_stream = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    if true_w is None:
        w = np.round(w_stream.uniform(-3.0, 3.0, d), 2)
    else:
        w = np.asarray(true_w, dtype=float).reshape(-1)
        if w.shape != (d,) or not np.isfinite(w).all() or np.abs(w).max() > 1e100:
            raise DataError(f"true_w needs {d} finite numbers below 1e100 in size.")
    X = x_stream.standard_normal((d, n)).T
    if x_scale != 1.0:
        X *= x_scale
    if x_mean != 0.0:
        X += x_mean
    y = X @ w + float(true_b)
    if noise > 0:
        y += noise * noise_stream.standard_normal(n)
    features = [f"x{j + 1}" for j in range(d)]
    table = pd.DataFrame({name: X[:, j] for j, name in enumerate(features)} | {"y": y}, copy=False)
    table.attrs.update(
        true_w=[float(v) for v in w], true_b=float(true_b), noise=float(noise), seed=seed,
        features=features, target="y",
    )
    return table


def _column(frame: pd.DataFrame, name) -> np.ndarray:
    """One column as float64; DataError if it is absent, not numeric or has infinite values."""
    if name not in frame.columns:
        raise DataError(f"There is no column '{name}'; the table has: {', '.join(map(str, frame.columns))}.")
    try:
        values = frame[name].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"Column '{name}' is not numeric: choose a numeric column.") from None
    if np.isinf(values).any():
        raise DataError(f"Column '{name}' has infinite values: fix or remove those rows first.")
    return values


def _owner(values: np.ndarray) -> np.ndarray:
    """The array that owns `values`' memory (the end of its chain of bases)."""
    while isinstance(values.base, np.ndarray):
        values = values.base
    return values


def _address(values: np.ndarray) -> int:
    return values.__array_interface__["data"][0]


def _as_view(columns: list[np.ndarray], limit: int) -> np.ndarray | None:
    """The columns as one read-only (N, d) array without copying them, when they lie evenly
    spaced in the memory of one array of at most `limit` bytes (a generated table's features
    are the rows of one (d, N) array); else None. The limit keeps a view from holding a much
    larger table alive (an upload's block of twenty columns for two chosen ones)."""
    first = columns[0]
    n, step = len(first), first.itemsize
    owner = _owner(first)
    if owner.nbytes > limit or owner.dtype != np.float64 or owner.nbytes == 0:
        return None
    if any(c.dtype != np.float64 or c.ndim != 1 or c.strides != (step,) or len(c) != n
           or _owner(c) is not owner for c in columns):
        return None
    starts = [_address(c) for c in columns]
    gap = starts[1] - starts[0] if len(starts) > 1 else n * step
    if gap < n * step or gap % step or any(np.diff(starts) != gap):
        return None  # not in order, overlapping or unevenly spaced
    low, high = _address(owner), _address(owner) + owner.nbytes
    if starts[0] < low or starts[-1] + n * step > high:
        return None
    return np.lib.stride_tricks.as_strided(first, shape=(n, len(columns)), strides=(step, gap),
                                           writeable=False)


def _either(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def select_xy(frame: pd.DataFrame, target, features) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The chosen columns as X (M, d) and y (M,), leaving out rows with a missing value in them.

    Only ``target`` and ``features`` count: a missing value in another column keeps its row.
    Returns X, y (float64, M <= N rows, in table order) and notes (list of str): empty, or one
    sentence saying how many rows were left out and which columns had the missing values,
    e.g. "Left out 24 of 1,694 rows with a missing value in 'gdpPercap' (12) or 'lifeExp' (12)."
    Raises DataError for an unknown, non-numeric or infinite column, no feature, more than
    MAX_FEATURES features, a feature chosen twice or equal to the target, and when fewer than
    2 complete rows remain.
    """
    features = list(features)
    if not features:
        raise DataError("There is no feature column: choose at least one feature besides the target.")
    if len(features) > MAX_FEATURES:
        raise DataError(
            f"At most {MAX_FEATURES} features can be used at once; {len(features):,} are chosen. "
            "Choose fewer.")
    if target in features:
        raise DataError(f"'{target}' is the target, so it cannot also be a feature.")
    twice = sorted({str(name) for name in features if features.count(name) > 1})
    if twice:
        raise DataError(f"Each feature can be chosen once; chosen twice: {', '.join(twice)}.")
    columns = [*features, target]
    values = [_column(frame, name) for name in features]
    y = _column(frame, target)
    # The chosen columns' own memory when it holds nothing else (a generated table's): a
    # 1,000,000 x 10 table's X is then 80 MB fewer, held and at the peak of building a problem.
    # (The target may share that memory: a read CSV of only the chosen columns.)
    with_y = _owner(y) is _owner(values[0])
    X = _as_view(values, y.nbytes * (len(features) + with_y))
    shared = None if X is None else _owner(values[0])
    if X is None:
        X = np.empty((len(frame), len(features)))
        for j, column in enumerate(values):
            X[:, j] = column
    del values
    counts = np.append(np.isnan(X).sum(axis=0), np.isnan(y).sum())
    incomplete = np.isnan(y)
    if counts[:-1].any():
        incomplete |= np.isnan(X).any(axis=1)
    n, kept = len(y), int((~incomplete).sum())
    named = [f"'{name}'" for name, count in zip(columns, counts, strict=True) if count]
    if len(named) > 1:
        named = [f"'{name}' ({count:,})" for name, count in zip(columns, counts, strict=True) if count]
    if kept < 2 and not named:
        raise DataError(f"The table has {n} row(s) of data; regression needs at least 2.")
    if kept < 2:
        which = "No row has" if kept == 0 else "Only 1 row has"
        raise DataError(
            f"{which} a value in every chosen column ({n:,} rows, with missing values in "
            f"{_either(named)}); regression needs at least 2. Choose other columns."
        )
    notes = []
    if kept < n:
        X, y = X[~incomplete], y[~incomplete]
        notes.append(f"Left out {n - kept:,} of {n:,} rows with a missing value in {_either(named)}.")
    if _owner(y).nbytes > y.nbytes and _owner(y) is not shared:
        y = y.copy()  # not a view that would hold the rest of the table alive
    y = y.view()
    y.flags.writeable = False
    return X, y, notes
