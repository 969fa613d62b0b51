"""The scikit-learn fit as an independent reference, and the gap between it and a GD result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LinearRegression

from gradcore.regression.descent import Trajectory, mse_loss
from gradcore.regression.diagnostics import NOT_UNIQUE
from gradcore.regression.standardize import Standardizer
from gradcore.regression.statistics import RegressionStatistics, as_xy, regression_statistics


def sklearn_reference(X, y, scaler: Standardizer | None = None) -> tuple[np.ndarray, float]:
    """The least-squares optimum by scikit-learn: ``coef`` (d,) and ``intercept``, original units.

    ``LinearRegression`` solves with lstsq, which treats singular values below
    max(N, d) * eps times the largest as zero. On raw columns whose scales differ by ~1e8 (a
    year and a population) that drops a real direction and returns a worse fit. So the fit is
    made on standardised columns z_j = (x_j - mean_j) / sd_j, where only truly collinear
    directions are that small, and mapped back (``Standardizer.to_original``):

        w_j = w_z_j / sd_j,   b = b_z - sum_j w_j mean_j.

    A constant column is centred, not scaled (all zeros) and gets weight 0. When the optimum is
    not unique (collinear or constant columns, d >= N) this is the minimum-norm solution on the
    standardised scale: another optimum than gradient descent may reach, with the same loss.
    ``scaler``: ``Standardizer.fit(X)`` when the caller has it already (two passes saved).
    Memory: this function's standardised copy of X, and lstsq's copy of it (about 2 X-sized
    arrays at the peak, nothing kept).
    """
    X, y = as_xy(X, y)
    scaler = Standardizer.fit(X) if scaler is None else scaler
    Z = scaler.transform(X)
    Z[:, scaler.constant] = 0.0
    # Z is this function's own copy, so scikit-learn may centre it in place (copy_X=False).
    model = LinearRegression(copy_X=False).fit(Z, y)
    coef, intercept = scaler.to_original(np.asarray(model.coef_, dtype=float), float(model.intercept_))
    return coef, float(intercept)


@dataclass(frozen=True)
class Comparison:
    """A GD result beside scikit-learn's fit, both in the original units of X and y.

    ``w``, ``b``: the GD result; ``sklearn_w``, ``sklearn_b``: the reference.
    ``coef_gap`` = max_j |w_j - sklearn_w_j|, ``intercept_gap`` = |b - sklearn_b|,
    ``relative_coef_gap`` = ||(w, b) - (sklearn_w, sklearn_b)|| / ||(sklearn_w, sklearn_b)||.
    ``loss``, ``sklearn_loss``: ``mse_loss`` of each; ``loss_gap`` = loss - sklearn_loss
    (computed without cancellation by ``loss_difference``) and
    ``relative_loss_gap`` = loss_gap / sklearn_loss (the denominator floored at 1e-12 var(y)).
    ``higher_loss``: "gradient descent", "reference" or "neither" (the losses are equal to
    rounding), from ``loss_gap`` against its rounding error. ``unique_optimum``: False when
    many (w, b) reach the minimum (then only the losses are comparable). ``agrees``: the gap
    is within ``rtol`` (coefficients when unique, loss otherwise). ``message``: one or two
    sentences saying so and, when they differ, which of the two has the lower loss.
    """

    w: np.ndarray
    b: float
    sklearn_w: np.ndarray
    sklearn_b: float
    coef_gap: float
    intercept_gap: float
    relative_coef_gap: float
    loss: float
    sklearn_loss: float
    loss_gap: float
    relative_loss_gap: float
    higher_loss: str
    unique_optimum: bool
    agrees: bool
    rtol: float
    message: str


def compare_with_sklearn(
    X, y, result, standardizer: Standardizer | None = None, rtol: float = 1e-6, *,
    reference: tuple[np.ndarray, float] | None = None, stats: RegressionStatistics | None = None,
) -> Comparison:
    """Compare a GD result with scikit-learn's fit on the raw data X (N, d), y (N,).

    ``result`` is a Trajectory (its last iterate) or a pair (w, b). If GD ran on
    ``standardizer.transform(X)``, pass that ``standardizer``: the result is first converted
    to original units with ``standardizer.to_original``. To avoid refitting, pass
    ``reference`` = ``sklearn_reference(X, y)`` and ``stats`` = ``regression_statistics`` of
    X or of the standardised X (only its ``unique_optimum`` and ``var_y`` are used).
    """
    X, y = as_xy(X, y)
    w, b = result.final if isinstance(result, Trajectory) else result
    if standardizer is not None:
        w, b = standardizer.to_original(w, b)
    w, b = np.asarray(w, dtype=float).reshape(-1), float(b)
    sk_w, sk_b = sklearn_reference(X, y) if reference is None else reference
    sk_w, sk_b = np.asarray(sk_w, dtype=float).reshape(-1), float(sk_b)
    stats = regression_statistics(X, y) if stats is None else stats
    loss, sk_loss = mse_loss(X, y, w, b), mse_loss(X, y, sk_w, sk_b)
    loss_gap, rounding = loss_difference(X, y, (w, b), (sk_w, sk_b))
    higher = "neither" if abs(loss_gap) <= rounding else ("gradient descent" if loss_gap > 0 else "reference")
    floor = max(1e-12 * stats.var_y, np.finfo(float).tiny)
    reference_norm = np.linalg.norm(np.append(sk_w, sk_b))
    relative_coef = float(np.linalg.norm(np.append(w - sk_w, b - sk_b)) / max(reference_norm, floor))
    relative_loss = float(loss_gap / max(sk_loss, floor))
    unique = stats.unique_optimum
    if unique:
        agrees = relative_coef <= rtol
        verdict = "agree" if agrees else "differ"
        message = (
            f"Gradient descent and scikit-learn {verdict}: relative coefficient gap "
            f"{relative_coef:.2e} (tolerance {rtol:.0e}), loss gap {loss_gap:.3g}."
        )
    else:
        agrees = abs(relative_loss) <= rtol
        verdict = "reach the same loss" if agrees else "reach different losses"
        message = (
            f"Here {NOT_UNIQUE} Gradient descent and scikit-learn {verdict}: relative loss gap "
            f"{relative_loss:.2e} (tolerance {rtol:.0e}); coefficient gap {relative_coef:.2e}."
        )
    if not agrees:
        message += " " + _lower_loss_sentence(higher, loss_gap, loss, sk_loss, floor)
    return Comparison(
        w=w,
        b=b,
        sklearn_w=sk_w,
        sklearn_b=sk_b,
        coef_gap=float(np.max(np.abs(w - sk_w))),
        intercept_gap=abs(b - sk_b),
        relative_coef_gap=relative_coef,
        loss=loss,
        sklearn_loss=sk_loss,
        loss_gap=loss_gap,
        relative_loss_gap=relative_loss,
        higher_loss=higher,
        unique_optimum=unique,
        agrees=bool(agrees),
        rtol=rtol,
        message=message,
    )


def loss_difference(X, y, first, second) -> tuple[float, float]:
    """L(first) - L(second) for two (w, b) pairs, and a bound on its rounding error.

    Computed as 1/N sum_i (r1_i - r2_i)(r1_i + r2_i), where r1 - r2 = X (w1 - w2) + b1 - b2
    never subtracts y: the difference of two nearly equal losses keeps its digits (L1 - L2
    from two ``mse_loss`` values would be rounding noise there). The bound is
    4 (d + 2) eps mean_i |r1_i - r2_i| (m . (|w1| + |w2|) + |b1| + |b2| + 2 max_i |y_i|) with m_j
    = max_i |x_ij| (no N x d temporary); a difference below it has no reliable sign.
    """
    (w1, b1), (w2, b2) = first, second
    w1, w2 = np.asarray(w1, dtype=float), np.asarray(w2, dtype=float)
    delta = X @ (w1 - w2) + (float(b1) - float(b2))
    both = X @ (w1 + w2) + (float(b1) + float(b2)) - 2.0 * y
    largest_x = np.maximum(X.max(axis=0), -X.min(axis=0))
    size = largest_x @ (np.abs(w1) + np.abs(w2)) + abs(float(b1)) + abs(float(b2)) + 2.0 * np.abs(y).max()
    n, d = X.shape
    rounding = 4.0 * (d + 2) * np.finfo(float).eps * float(size) * float(np.abs(delta).mean())
    return float(delta @ both / n), rounding


def _how_much_above(fraction: float, whose: str) -> str:
    """'0.3% above the reference's'; from 10 times on, '7.4e+12 times the reference's'."""
    if fraction >= 9:
        return f"{1 + fraction:.3g} times {whose}"
    value = 100.0 * fraction
    if value >= 100:
        shown = f"{value:.0f}%"
    else:
        shown = f"{value:.2g}%" if value >= 1e-3 else f"{value:.1e}%"
    return f"{shown} above {whose}"


def _lower_loss_sentence(higher: str, loss_gap: float, loss: float, sk_loss: float, floor: float) -> str:
    """Which fit has the lower loss, and by how much (``loss_gap`` = loss - sk_loss), in words."""
    if higher == "gradient descent":
        above = _how_much_above(loss_gap / max(sk_loss, floor), "the reference's")
        return f"Gradient descent has not reached the optimum yet: its loss is {above}."
    if higher == "reference":
        above = _how_much_above(-loss_gap / max(loss, floor), "gradient descent's")
        return (
            f"The reference has the higher loss: scikit-learn's loss is {above}, so here the "
            "reference is not the optimum and gradient descent is nearer to it."
        )
    return (
        "Both losses are equal to rounding: the loss is nearly flat between the two points (an "
        "ill-conditioned problem), so they fit the data equally well."
    )
