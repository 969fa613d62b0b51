"""Plain-language warnings about regression data that GD and scikit-learn still handle.

``data_warnings`` raises DataError for data that cannot be used at all (fewer than 2 rows, no
feature column, missing or infinite values, a column whose values are too large or too small
to square in floating point) and returns a list of messages for data whose optimum is not
unique: constant features, perfectly collinear features, more features than rows.

Everything after the magnitude check is computed from the d x d covariance matrix of
:func:`gradcore.regression.statistics.regression_statistics` (pass ``stats`` to reuse it), so the warnings
cost no copy of the data and O(d^4) work at most (d <= MAX_FEATURES on the page).
"""

from __future__ import annotations

import numpy as np

from gradcore.errors import DataError
from gradcore.regression.statistics import (
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    RANK_TOLERANCE,
    RegressionStatistics,
    as_xy,
    regression_statistics,
)

NOT_UNIQUE = (
    "the least-squares optimum is not unique: many (w, b) give the same smallest loss, so "
    "gradient descent and scikit-learn can end at different coefficients with the same loss "
    "(compare the losses)."
)


def _names(feature_names, d: int) -> list[str]:
    if feature_names is None:
        return [f"x{j + 1}" for j in range(d)]
    names = [str(name) for name in feature_names]
    if len(names) != d:
        raise ValueError(f"{len(names)} feature names for {d} columns")
    return names


def _quoted(names: list[str]) -> str:
    """'a', 'a' and 'b', 'a', 'b' and 'c'; "no other column" for an empty list."""
    quoted = [f"'{name}'" for name in names]
    if not quoted:
        return "no other column"
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _magnitudes(values: np.ndarray) -> np.ndarray:
    """max_i |values_ij| per column of a (N, k) array, without a temporary copy of it."""
    return np.maximum(np.abs(values.min(axis=0)), np.abs(values.max(axis=0)))


def check_magnitudes(X: np.ndarray, y: np.ndarray, names: list[str], target_name: str) -> None:
    """DataError naming the first column whose largest |value| is above MAX_MAGNITUDE (its
    squares, summed over the rows, overflow float64) or non-zero but below MIN_MAGNITUDE (its
    squares underflow to 0 or lose their digits), with what to do about it."""
    sizes = np.concatenate([_magnitudes(X), _magnitudes(y[:, None])])
    for name, size in zip([*names, target_name], sizes, strict=True):
        if size > MAX_MAGNITUDE:
            raise DataError(
                f"Column '{name}' has values as large as {size:.3g}: too large to square in "
                f"floating point (the limit is {MAX_MAGNITUDE:.0e}). Rescale it (divide by a "
                "power of 10) and upload it again.")
        if 0 < size < MIN_MAGNITUDE:
            raise DataError(
                f"Column '{name}' has no value larger than {size:.3g}: too small to square in "
                f"floating point (the limit is {MIN_MAGNITUDE:.0e}). Rescale it (multiply by a "
                "power of 10) and upload it again.")


def _collinear(cov: np.ndarray, columns: list[int], names: list[str]) -> list[str]:
    """Columns (in order) that are exact linear combinations of earlier ones, named.

    Works on the correlation matrix R of the non-constant `columns` (from the covariance C):
    column i is collinear when its residual variance after regressing it on the independent
    columns before it, R_ii - R_bi^T R_bb^-1 R_bi, is below RANK_TOLERANCE.
    """
    sd = np.sqrt(np.diag(cov)[columns])
    corr = cov[np.ix_(columns, columns)] / np.outer(sd, sd)
    messages, basis = [], []
    for i, j in enumerate(columns):
        if basis:
            coef = np.linalg.lstsq(corr[np.ix_(basis, basis)], corr[basis, i], rcond=None)[0]
            residual = corr[i, i] - corr[basis, i] @ coef
        else:
            coef, residual = np.zeros(0), corr[i, i]
        if residual > RANK_TOLERANCE:
            basis.append(i)
            continue
        used = [names[columns[basis[m]]] for m in np.flatnonzero(np.abs(coef) > 1e-8)]
        messages.append(
            f"'{names[j]}' is a linear combination of {_quoted(used)} (perfectly collinear): "
            + NOT_UNIQUE
        )
    return messages


def _constant_message(column: np.ndarray, name: str) -> str:
    if np.ptp(column) == 0:
        what = f"is constant (every value is {column[0]:.6g})"
    else:
        what = (f"is constant to floating-point precision (from {column.min():.17g} to "
                f"{column.max():.17g})")
    return (f"Feature '{name}' {what}: it cannot explain anything, and it trades off with the "
            "intercept, so " + NOT_UNIQUE)


def data_warnings(X, y=None, feature_names=None, target_name: str = "y", *,
                  stats: RegressionStatistics | None = None) -> list[str]:
    """Warnings (list of str) about X (N, d) and optionally y (N,), for a page to show.

    ``stats``: ``regression_statistics(X, y)`` if already computed (it is not recomputed).
    A feature is constant when ``stats.constant_columns`` says so (its variance is rounding
    noise next to its mean). Raises DataError when there are fewer than 2 rows, no feature
    column, non-finite values, or values beyond MAX_MAGNITUDE / below MIN_MAGNITUDE.
    """
    X = np.asarray(X, dtype=float)
    X, y_checked = as_xy(X, np.zeros(len(X)) if y is None else y)
    n, d = X.shape
    names = _names(feature_names, d)
    check_magnitudes(X, y_checked, names, target_name)
    if stats is None:
        stats = regression_statistics(X, y_checked)
    constant = set(stats.constant_columns)
    warnings = [_constant_message(X[:, j], names[j]) for j in sorted(constant)]
    if d >= n:
        warnings.append(f"There are {d} features but only {n} rows: " + NOT_UNIQUE)
    else:
        varying = [j for j in range(d) if j not in constant]
        if varying:
            warnings.extend(_collinear(stats.cov, varying, names))
    if y is not None and np.ptp(y_checked) == 0:
        warnings.append(
            f"The target '{target_name}' is constant: the best fit is w = 0, b = {y_checked[0]:.6g}."
        )
    return warnings
