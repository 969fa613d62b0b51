"""Data for the regression page: uploaded CSVs, synthetic data, and the bundled datasets.

``load_csv`` (from gradcore.csv_loader) reads uploads. ``make_regression_data`` draws a
reproducible synthetic table with known coefficients. ``DATASETS`` lists the CSV files shipped
in ``data/`` (sources and licences in data/README.md); nothing is downloaded at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from gradcore.csv_loader import MAX_ROWS, MAX_UPLOAD_BYTES, load_csv
from gradcore.errors import DataError

__all__ = [
    "DATASETS", "DATA_DIR", "MAX_FEATURES", "MAX_ROWS", "MAX_UPLOAD_BYTES", "BundledDataset",
    "bundled_datasets", "load_bundled", "load_csv", "make_regression_data",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MAX_FEATURES = 100


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


def load_bundled(name: str) -> pd.DataFrame:
    """The numeric columns of a bundled dataset (via ``load_csv``), with ``attrs["dataset"]``,
    ``attrs["target"]`` and ``attrs["features"]`` set from ``DATASETS``."""
    if name not in DATASETS:
        raise DataError(f"Unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}.")
    entry = DATASETS[name]
    table = load_csv(DATA_DIR / entry.file)
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
