"""Generalisation: a train/test split of the rows and polynomial features of one column.

``train_test_split_rows`` holds out a fraction of the rows (scikit-learn's
``train_test_split``, reproducible by its seed); ``polynomial_features`` turns one column x
into the columns z, z², …, z^degree of z = (x − centre) / scale (scikit-learn's
``PolynomialFeatures``). The powers are of the rescaled z, not of x itself: x^12 of a bill of
50 dollars is 2.4e20, and the columns x^10, x^11, x^12 are so nearly parallel that no solver
separates them; powers of z (about −3 … 3) keep the problem readable, the fitted curve is the
same polynomial in x. ``held_out_loss`` is the loss of every iterate of a run on the held-out
rows; ``degree_losses`` the training and test MSE of the least-squares fit of each degree.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import PolynomialFeatures

from gradcore.data.generate import MAX_FEATURES
from gradcore.errors import DataError
from gradcore.regression.engine import EVALUATION_ROWS, evenly_spaced_rows, loss_surface
from gradcore.regression.reference import sklearn_reference
from gradcore.regression.statistics import regression_statistics

__all__ = [
    "MAX_DEGREE", "MAX_HELD_OUT_POINTS", "MAX_TEST_FRACTION", "PolynomialBasis",
    "degree_losses", "held_out_loss", "held_out_rows", "polynomial_features", "polynomial_names",
    "train_test_split_rows",
]

MAX_DEGREE = 12
MAX_TEST_FRACTION = 0.5
# A loss other than the MSE reads every held-out row per iterate; so it is evaluated at no
# more than this many evenly spaced iterates (the MSE at every one, from the statistics).
MAX_HELD_OUT_POINTS = 400
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def train_test_split_rows(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, test rows): sorted indices into range(n), disjoint, covering it.

    `fraction` in [0, MAX_TEST_FRACTION] of the rows is held out (rounded up, as
    scikit-learn's ``train_test_split`` does), drawn by `seed`; 0 holds out nothing. Raises
    DataError when either part would be left with fewer than 2 rows.
    """
    if not 0.0 <= fraction <= MAX_TEST_FRACTION:
        raise DataError(f"The fraction held out for testing must be from 0 to "
                        f"{MAX_TEST_FRACTION}; it is {fraction:g}.")
    rows = np.arange(int(n))
    if fraction == 0.0:
        return rows, rows[:0]
    tested = int(np.ceil(fraction * n))
    if tested < 2 or n - tested < 2:
        raise DataError(f"Holding out {fraction:g} of {n:,} rows leaves too few rows for "
                        "training or testing (at least 2 each): use more rows or another "
                        "fraction.")
    train, test = train_test_split(rows, test_size=tested, random_state=int(seed), shuffle=True)
    return np.sort(train), np.sort(test)


def polynomial_names(name: str, degree: int) -> tuple[str, ...]:
    """The column names z, z², …, z^degree (z stands for the rescaled `name`; see the module)."""
    return tuple("z" if k == 1 else f"z{str(k).translate(_SUPERSCRIPTS)}"
                 for k in range(1, degree + 1))


class PolynomialBasis(NamedTuple):
    """How one column x becomes the polynomial columns: z = (x − centre) / scale, then z^k
    for k = 1 … degree. ``name`` is x's column name."""

    name: str
    degree: int
    centre: float
    scale: float

    @classmethod
    def fit(cls, x, name: str, degree: int) -> PolynomialBasis:
        """The basis of degree `degree` with the mean and standard deviation of `x` (N,)."""
        check_degree(degree, 1)
        x = np.asarray(x, dtype=float)
        if x.size < 2:
            raise DataError("Polynomial features need at least 2 rows.")
        sd = float(np.std(x))
        return cls(name, int(degree), float(np.mean(x)), sd if sd > 0 else 1.0)

    def columns(self, x) -> np.ndarray:
        """(N, degree): the columns z, z², …, z^degree of `x` (N,)."""
        return polynomial_features(x, self.degree, self.centre, self.scale)

    @property
    def names(self) -> tuple[str, ...]:
        return polynomial_names(self.name, self.degree)


def check_degree(degree: int, features: int) -> None:
    """DataError unless `degree` is whole in [1, MAX_DEGREE] and degree × features columns
    stay within MAX_FEATURES."""
    if isinstance(degree, bool) or int(degree) != degree or not 1 <= degree <= MAX_DEGREE:
        raise DataError(f"The polynomial degree must be a whole number from 1 to {MAX_DEGREE}.")
    if degree * features > MAX_FEATURES:
        raise DataError(f"Degree {degree} of {features} features would make "
                        f"{degree * features} columns; at most {MAX_FEATURES} are allowed.")


def polynomial_features(x, degree: int, centre: float | None = None,
                        scale: float | None = None) -> np.ndarray:
    """(N, degree): z, z², …, z^degree with z = (x − centre) / scale for `x` (N,).

    `centre` and `scale` default to the mean and standard deviation of `x` (a constant x keeps
    scale 1). Built by scikit-learn's ``PolynomialFeatures(degree, include_bias=False)``.
    """
    check_degree(degree, 1)
    x = np.asarray(x, dtype=float).reshape(-1)
    centre = float(np.mean(x)) if centre is None else float(centre)
    if scale is None:
        scale = float(np.std(x)) or 1.0
    z = (x - centre) / float(scale)
    return PolynomialFeatures(int(degree), include_bias=False).fit_transform(z[:, None])


def held_out_rows(rows: int, loss: str) -> int:
    """How many of `rows` held-out rows ``held_out_loss`` reads for `loss`."""
    return rows if loss == "mse" else min(rows, EVALUATION_ROWS)


def held_out_loss(X, y, w_path, b_path, loss: str = "mse", stats=None,
                  **settings) -> tuple[np.ndarray, np.ndarray]:
    """(steps, losses): the loss of iterates (w_path[k], b_path[k]) on the rows X (M, d), y (M,).

    The MSE at every iterate from the rows' statistics (`stats`, ``regression_statistics(X,
    y)`` if not given; no pass over the rows per iterate); another loss at no more than
    MAX_HELD_OUT_POINTS evenly spaced iterates, both ends kept, on at most EVALUATION_ROWS
    evenly spaced rows (``held_out_rows``; an estimate on a larger test part, as a mini-batch
    run's recorded loss), so its cost does not grow with the table.
    """
    w_path = np.asarray(w_path, dtype=float)
    b_path = np.asarray(b_path, dtype=float)
    steps = np.arange(len(b_path))
    if loss != "mse" and steps.size > MAX_HELD_OUT_POINTS:
        steps = np.unique(np.linspace(0, steps.size - 1, MAX_HELD_OUT_POINTS).round().astype(int))
    if loss == "mse" and stats is None:
        stats = regression_statistics(X, y)
    rows = None if loss == "mse" else evenly_spaced_rows(len(y), EVALUATION_ROWS)
    if rows is not None:
        X, y = np.asarray(X)[rows], np.asarray(y)[rows]
    values = loss_surface(X, y, w_path[steps], b_path[steps], loss, stats=stats, **settings)
    return steps, np.asarray(values, dtype=float)


def degree_losses(x, y, train, test,
                  degrees=range(1, MAX_DEGREE + 1)) -> dict[int, tuple[float, float]]:
    """{degree: (training MSE, test MSE)} of the least-squares fit on the training rows of the
    polynomial columns of `x` (N,): the basis and ``sklearn_reference`` (scikit-learn's
    least squares on standardised columns) fitted on the training rows, as the page does.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    losses = {}
    for degree in degrees:
        Z = PolynomialBasis.fit(x[train], "x", degree).columns(x)
        coef, intercept = sklearn_reference(Z[train], y[train])
        losses[int(degree)] = tuple(float(np.mean((Z[rows] @ coef + intercept - y[rows]) ** 2))
                                    for rows in (train, test))
    return losses
