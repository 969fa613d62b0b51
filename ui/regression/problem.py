"""A regression :class:`Problem` (a table's columns as arrays, with their statistics,
warnings, scikit-learn's fit and the drawn sample) and its :class:`LightProblem`: everything
but the rows, which is all a step of the stepper reads.

A 1,000,000 x 10 Problem holds 168 MB of rows (X, X_fit, y) and about 0.4 MB besides, so the
cache keeps the light part of each problem apart from the rows (``ui.regression.cache``): a
step finds its problem's statistics, sample and first rows even after the rows were dropped.
No Streamlit; ``ui.regression.build`` re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np

from gradcore import (
    RegressionStatistics,
    Standardizer,
    data_warnings,
    mse_loss,
    regression_statistics,
    select_xy,
    sklearn_reference,
)
from ui.regression.data import LoadedData
from ui.regression.figures import sample_indices
from ui.regression.generalisation import (
    NO_SHAPING,
    Curve,
    HeldOut,
    Shaping,
    curve_of,
    held_out,
    shape,
)

# The first rows a LightProblem keeps (the formula panels write out the first
# ``ui.regression.engine.FORMULA_TERMS`` of them).
HEAD_ROWS = 8


class ProblemKey(NamedTuple):
    """What a Problem is built from; a tuple of values, so it can key a cache."""

    digest: str
    target: str
    features: tuple[str, ...]
    standardise: bool
    shaping: Shaping = NO_SHAPING


@dataclass(frozen=True, eq=False)
class Sample:
    """The rows the charts draw (``sample_indices``: all of a small table, a fixed draw of a
    large one), so a step redraws a few hundred points, not N."""

    indices: np.ndarray
    X: np.ndarray
    X_fit: np.ndarray
    y: np.ndarray


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


def optimum_of(scaler: Standardizer | None, coef, intercept: float,
               loss: float) -> LossReference:
    """The optimum (coef, intercept) in original units, with the same point in GD units."""
    fit_coef, fit_intercept = scaler.from_original(coef, intercept) if scaler else (coef, intercept)
    return LossReference((coef, intercept), (np.asarray(fit_coef), float(fit_intercept)), loss)


@dataclass(frozen=True, eq=False)
class LightProblem:
    """A Problem without its rows: ``n`` (how many rows), ``head`` (the first HEAD_ROWS rows,
    copied, as a Sample), and the other fields of :class:`Problem` (see there)."""

    key: ProblemKey
    n: int
    head: Sample
    scaler: Standardizer | None
    stats: RegressionStatistics
    warnings: tuple[str, ...]
    least_squares: LossReference
    sample: Sample
    source: tuple = ()
    columns: tuple[str, ...] = ()
    held_out: HeldOut | None = None
    curve: Curve | None = None

    @property
    def target(self) -> str:
        return self.key.target

    @property
    def features(self) -> tuple[str, ...]:
        """The columns GD fits: the chosen features, or their polynomial columns."""
        return self.columns or self.key.features


@dataclass(frozen=True, eq=False)
class Problem(LightProblem):
    """X (N, d), y (N,) in original units; X_fit is what GD runs on (standardised or X).

    ``source``: the data's ``LoadedData.source``. ``warnings``: first the note on rows left
    out for missing values (if any), then ``data_warnings`` (constant or collinear features,
    ...). ``least_squares``: scikit-learn's fit, the MSE's reference.

    With a ``key.shaping`` (``ui.regression.generalisation``): X and y are the training rows
    only, ``held_out`` the test rows; ``columns`` the polynomial columns' names (then
    ``features``) and ``curve`` what the fitted-curve chart draws.
    """

    X: np.ndarray = field(kw_only=True)
    y: np.ndarray = field(kw_only=True)
    X_fit: np.ndarray = field(kw_only=True)

    def light(self) -> LightProblem:
        """The same problem without X, y and X_fit (``n`` and ``head`` stand for them) and
        without the held-out rows (``HeldOut.without_rows``: their statistics and count stay)."""
        values = {f.name: getattr(self, f.name) for f in fields(LightProblem)}
        if self.held_out is not None:
            values["held_out"] = self.held_out.without_rows()
        return LightProblem(**values)


def first_rows(X: np.ndarray, X_fit: np.ndarray, y: np.ndarray) -> Sample:
    """The first HEAD_ROWS rows, copied (a view would keep all the rows alive)."""
    rows = min(HEAD_ROWS, len(y))
    return Sample(np.arange(rows), X[:rows].copy(), X_fit[:rows].copy(), y[:rows].copy())


def build_problem(data: LoadedData, target: str, features, standardise: bool,
                  shaping: Shaping = NO_SHAPING) -> Problem:
    """Columns -> arrays, warnings, statistics and the scikit-learn fit (raises DataError).

    Rows with a missing value in the target or a chosen feature are left out (and counted in
    the first warning); missing values in other columns do not matter. `shaping` splits off
    the test rows and makes polynomial columns (``ui.regression.generalisation.shape``); the
    standardisation, statistics and fit are then the training rows'.
    """
    features, shaping = tuple(features), Shaping(*shaping)
    X, y, notes = select_xy(data.frame, target, features)
    shaped = shape(X, y, features, shaping)
    X, y, columns = shaped.X, shaped.y, shaped.columns
    warnings = (*notes, *data_warnings(X, y, columns, target))
    scaler = Standardizer.fit(X) if standardise else None
    # scikit-learn's fit first: it standardises its own copy of X, centres it in place and
    # lstsq copies it once more, so X_fit made after it is one X-sized array fewer at the peak
    # (for a 1,000,000 x 10 table, 240 MB above the start instead of 328 MB).
    coef, intercept = sklearn_reference(X, y, scaler)
    X_fit = scaler.transform(X) if scaler else X
    stats = regression_statistics(X_fit, y)
    rows = sample_indices(len(y))
    train_x = None if shaped.basis is None else X[:, 0] * shaped.basis.scale + shaped.basis.centre
    return Problem(
        key=ProblemKey(data.digest, target, features, bool(standardise), shaping), n=len(y),
        head=first_rows(X, X_fit, y), X=X, y=y, X_fit=X_fit, scaler=scaler, stats=stats,
        warnings=warnings,
        least_squares=optimum_of(scaler, coef, intercept, mse_loss(X, y, coef, intercept)),
        sample=Sample(rows, X[rows], X_fit[rows], y[rows]), source=data.source,
        columns=columns if shaped.basis else (), held_out=held_out(shaped.test, scaler),
        curve=curve_of(shaped.basis, shaped.x_all, rows, train_x, shaped.test),
    )
