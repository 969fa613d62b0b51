"""Generalisation on the regression page, without Streamlit: the split and polynomial columns
a Problem is built from (:class:`Shaping`), the held-out rows (:class:`HeldOut`), the fitted
curve over the data (:class:`Curve`) and its chart and text alternative.

The run fits on the training rows only; the held-out rows give the test loss of every iterate
(``gradcore.held_out_loss``), drawn beside the training loss. With a degree above 1 the one
chosen column x becomes the columns z, z², …, z^degree (``gradcore.PolynomialBasis``, z = x
rescaled by the training rows' mean and sd), ordinary features for everything downstream
(standardisation, penalties, the reference fit), and the fitted line becomes a curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from gradcore import DataError, PolynomialBasis, RegressionStatistics, regression_statistics
from gradcore.data.features import check_degree, train_test_split_rows
from gradcore.number_text import fmt
from ui.charts import palette
from ui.charts.spec import Base, Figure
from ui.regression import alt_text
from ui.regression.figures import (
    POINT_OPACITY,
    frame_steps,
    replay_at,
    replay_layout,
    sample_indices,
)
from ui.shell.text import inert, plotly_inert

CURVE_POINTS = 200


def _scatter(x, y, name: str, mode: str, **props) -> dict:
    return {"type": "scatter", "x": x, "y": y, "mode": mode, "name": name, **props}


class Shaping(NamedTuple):
    """How the chosen columns and rows become the problem: polynomial `degree` (1: the columns
    as they are), the `test` fraction of rows held out (0: none) and the split's `seed`."""

    degree: int = 1
    test: float = 0.0
    seed: int = 0


NO_SHAPING = Shaping()


@dataclass(frozen=True, eq=False)
class HeldOut:
    """The test rows: X (M, d) in original units, X_fit as GD sees them (the training rows'
    standardisation), y (M,), and the statistics of (X_fit, y) for the MSE of any iterate."""

    X: np.ndarray
    X_fit: np.ndarray
    y: np.ndarray
    stats: RegressionStatistics

    @property
    def rows(self) -> int:
        """M, also after ``without_rows``."""
        return self.stats.n_rows

    def without_rows(self) -> HeldOut:
        """The statistics alone (X, X_fit, y of 0 rows): what a step reads of the test rows
        (a 20 % split of 1,000,000 x 10 holds 32 MB of them)."""
        return replace(self, X=self.X[:0].copy(), X_fit=self.X_fit[:0].copy(), y=self.y[:0].copy())


@dataclass(frozen=True, eq=False)
class Curve:
    """A polynomial of one column: the `basis`, the drawn sample's x (original units),
    CURVE_POINTS x values over the data's range with their polynomial columns, and the drawn
    held-out rows (x, y; empty without a split)."""

    basis: PolynomialBasis
    x: np.ndarray
    grid: np.ndarray
    columns: np.ndarray
    test_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    test_y: np.ndarray = field(default_factory=lambda: np.empty(0))

    def values(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        """The fitted curve at `grid` for coefficients in original units (of the columns)."""
        return self.columns @ np.asarray(coef, dtype=float) + float(intercept)


class Shaped(NamedTuple):
    """The training rows' X, y and column names, the test rows (or None) and the curve's
    basis with the training rows' x (or None)."""

    X: np.ndarray
    y: np.ndarray
    columns: tuple[str, ...]
    test: tuple[np.ndarray, np.ndarray] | None
    basis: PolynomialBasis | None
    x_all: np.ndarray | None


def shape(X: np.ndarray, y: np.ndarray, features: tuple[str, ...], shaping: Shaping) -> Shaped:
    """Split the rows of X (N, d), y (N,) by `shaping` and, for a degree above 1 and one
    feature, replace the column by its polynomial columns (basis fitted on the training rows).
    Raises DataError for a degree with several features or a split that leaves too few rows."""
    train, test = train_test_split_rows(len(y), shaping.test, shaping.seed)
    columns, basis, x_all = tuple(features), None, None
    if shaping.degree > 1:
        check_degree(shaping.degree, len(features))
        if len(features) != 1:
            raise DataError(f"Polynomial features are made of exactly one feature; "
                            f"{len(features)} are chosen.")
        x_all = X[:, 0]
        basis = PolynomialBasis.fit(x_all[train], features[0], shaping.degree)
        X, columns = basis.columns(x_all), basis.names
    if not test.size:  # no split: the rows as they are, not an (N, d) copy of them
        return Shaped(X, y, columns, None, basis, x_all)
    held = (X[test], y[test])
    return Shaped(X[train], y[train], columns, held, basis, x_all)


def held_out(test: tuple[np.ndarray, np.ndarray] | None, scaler) -> HeldOut | None:
    """The test rows as GD sees them (the training rows' `scaler`, if any)."""
    if test is None:
        return None
    X, y = test
    X_fit = scaler.transform(X) if scaler else X
    return HeldOut(X, X_fit, y, regression_statistics(X_fit, y))


def curve_of(basis: PolynomialBasis | None, x_all: np.ndarray | None,
             sample_rows: np.ndarray, train_rows_x: np.ndarray,
             test: tuple[np.ndarray, np.ndarray] | None = None) -> Curve | None:
    """The curve's drawing data: `train_rows_x` is the training rows' x (the sample's rows
    index it); the grid spans every row's x; `test` the held-out (polynomial columns, y),
    of which at most MAX_POINTS are drawn."""
    if basis is None:
        return None
    grid = np.linspace(float(np.min(x_all)), float(np.max(x_all)), CURVE_POINTS)
    test_x = test_y = np.empty(0)
    if test is not None:
        drawn = sample_indices(len(test[1]))
        test_x = test[0][drawn, 0] * basis.scale + basis.centre
        test_y = test[1][drawn]
    return Curve(basis, train_rows_x[sample_rows], grid, basis.columns(grid), test_x, test_y)


# --- The chart: the data and the fitted curve ----------------------------------------------

def _curve_frame(curve: Curve, coef: np.ndarray, intercept: np.ndarray, s: int) -> dict:
    # GD's curve is the first trace after the base's (two, or three with held-out points).
    return dict(name=f"k{s}", traces=[3 if curve.test_x.size else 2],
                data=[dict(type="scatter", x=curve.grid.tolist(), name=f"GD curve at step {s}",
                           y=curve.values(coef[s], intercept[s]).tolist())])


def curve_base(curve: Curve, y: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
               reference: tuple[np.ndarray, float], labels: tuple[str, str],
               source: str = "scikit-learn") -> Base:
    """The drawn training rows, `source`'s fitted curve and the replay frames of GD's curve;
    `coef` (K, degree), `intercept` (K,) are the iterates in original units."""
    data = _scatter(np.asarray(curve.x, dtype=float), np.asarray(y, dtype=float),
                    "training data", "markers",
                    marker=dict(color=palette.FUNCTION, size=5, opacity=POINT_OPACITY,
                                line=dict(width=0.5, color="rgba(255,255,255,0.5)")))
    fit = _scatter(curve.grid, curve.values(*reference), f"{source} fit", "lines",
                   line=dict(color=palette.REFERENCE, dash="dash"))
    # Held-out points: open diamonds, so they differ from the training points by shape too.
    test = _scatter(curve.test_x, curve.test_y, "test data (held out)", "markers",
                    marker=dict(color=palette.NEUTRAL, size=7, symbol="diamond-open",
                                line=dict(width=1.5, color=palette.NEUTRAL)))
    frames = {int(s): _curve_frame(curve, coef, intercept, int(s))
              for s in frame_steps(len(intercept))}
    layout = replay_layout(*(plotly_inert(label) for label in labels))
    traces = (data, fit, test) if curve.test_x.size else (data, fit)
    return Base(traces, layout, frames, len(intercept))


def curve_at(base: Base, curve: Curve, coef: np.ndarray, intercept: np.ndarray,
             k: int) -> Figure:
    """`base` with GD's curve at step k, the replay slider on k."""
    line = _scatter(curve.grid.tolist(), curve.values(coef[k], intercept[k]).tolist(),
                    f"GD curve at step {k}", "lines",
                    line=dict(color=palette.DERIVATIVE, width=3))
    frames, layout = replay_at(base, k, lambda s: _curve_frame(curve, coef, intercept, s))
    return Figure([line], layout, frames, base=base)


def curve_text(curve: Curve, y: np.ndarray, coef: np.ndarray, intercept: float,
               reference: tuple[np.ndarray, float], target: str, k: int,
               with_table: bool = True, source: str = "scikit-learn") -> alt_text.ChartText:
    """The text alternative of ``curve_at``: the curve's degree and how far it is from the
    drawn points, GD's at step k and `source`'s."""
    ours = curve.basis.columns(curve.x) @ coef + intercept
    theirs = curve.basis.columns(curve.x) @ reference[0] + reference[1]
    y = np.asarray(y, dtype=float)

    def rms(values):
        return float(np.sqrt(np.mean(np.square(values))))

    text = (f"{y.size:,} training points of {inert(target)} against {inert(curve.basis.name)} "
            f"with a polynomial of degree {curve.basis.degree}: at step {k} gradient descent's "
            f"curve is off by {fmt(rms(ours - y))} (root mean square), {source}'s by "
            f"{fmt(rms(theirs - y))}.")
    table = alt_text.NO_TABLE
    if with_table:
        table, _ = alt_text.numbers_table({curve.basis.name: curve.x, target: y,
                                           f"GD at step {k}": ours}, keep=[])
    return alt_text.ChartText("Plot of the data and the fitted curve", text, table)
