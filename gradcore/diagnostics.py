"""Plain-language warnings about regression data that GD and scikit-learn still handle.

``data_warnings`` raises DataError for data that cannot be used at all (fewer than 2 rows, no
feature column, missing or infinite values) and returns a list of messages for data whose
optimum is not unique: constant features, perfectly collinear features, more features than rows.
"""

from __future__ import annotations

import numpy as np

from gradcore.statistics import RANK_TOLERANCE, as_xy

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
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _collinear(Xc: np.ndarray, columns: list[int], names: list[str]) -> list[str]:
    """Columns (in order) that are exact linear combinations of earlier ones, named."""
    sd = np.sqrt((Xc[:, columns] ** 2).mean(axis=0))
    corr = (Xc[:, columns].T @ Xc[:, columns]) / len(Xc) / np.outer(sd, sd)
    messages, basis = [], []
    for i, j in enumerate(columns):
        if basis:
            coef = np.linalg.solve(corr[np.ix_(basis, basis)], corr[basis, i])
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


def data_warnings(X, y=None, feature_names=None, target_name: str = "y") -> list[str]:
    """Warnings (list of str) about X (N, d) and optionally y (N,), for a page to show.

    Raises DataError when there are fewer than 2 rows, no feature column, or non-finite values.
    """
    X = np.asarray(X, dtype=float)
    X, y_checked = as_xy(X, np.zeros(len(X)) if y is None else y)
    n, d = X.shape
    names = _names(feature_names, d)
    warnings = []
    constant = np.ptp(X, axis=0) == 0
    for j in np.flatnonzero(constant):
        warnings.append(
            f"Feature '{names[j]}' is constant (every value is {X[0, j]:.6g}): it cannot explain "
            "anything, and it trades off with the intercept, so " + NOT_UNIQUE
        )
    if d >= n:
        warnings.append(f"There are {d} features but only {n} rows: " + NOT_UNIQUE)
    else:
        varying = [int(j) for j in np.flatnonzero(~constant)]
        if varying:
            warnings.extend(_collinear(X - X.mean(axis=0), varying, names))
    if y is not None and np.ptp(y_checked) == 0:
        warnings.append(
            f"The target '{target_name}' is constant: the best fit is w = 0, b = {y_checked[0]:.6g}."
        )
    return warnings
