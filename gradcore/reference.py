"""The scikit-learn fit as an independent reference, and the gap between it and a GD result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LinearRegression

from gradcore.diagnostics import NOT_UNIQUE
from gradcore.regression import Trajectory, mse_loss
from gradcore.standardize import Standardizer
from gradcore.statistics import RegressionStatistics, as_xy, regression_statistics


def sklearn_reference(X, y) -> tuple[np.ndarray, float]:
    """``LinearRegression().fit(X, y)``'s ``coef_`` (d,) and ``intercept_`` (least squares via lstsq)."""
    X, y = as_xy(X, y)
    model = LinearRegression().fit(X, y)
    return np.asarray(model.coef_, dtype=float), float(model.intercept_)


@dataclass(frozen=True)
class Comparison:
    """A GD result beside scikit-learn's fit, both in the original units of X and y.

    ``w``, ``b``: the GD result; ``sklearn_w``, ``sklearn_b``: the reference.
    ``coef_gap`` = max_j |w_j - sklearn_w_j|, ``intercept_gap`` = |b - sklearn_b|,
    ``relative_coef_gap`` = ||(w, b) - (sklearn_w, sklearn_b)|| / ||(sklearn_w, sklearn_b)||.
    ``loss``, ``sklearn_loss``: ``mse_loss`` of each; ``loss_gap`` = loss - sklearn_loss and
    ``relative_loss_gap`` = loss_gap / sklearn_loss (the denominator floored at 1e-12 var(y)).
    ``unique_optimum``: False when many (w, b) reach the minimum (then only the losses are
    comparable). ``agrees``: the gap is within ``rtol`` (coefficients when unique, loss
    otherwise). ``message``: one or two sentences saying so.
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
    floor = max(1e-12 * stats.var_y, np.finfo(float).tiny)
    reference_norm = np.linalg.norm(np.append(sk_w, sk_b))
    relative_coef = float(np.linalg.norm(np.append(w - sk_w, b - sk_b)) / max(reference_norm, floor))
    relative_loss = float((loss - sk_loss) / max(sk_loss, floor))
    unique = stats.unique_optimum
    if unique:
        agrees = relative_coef <= rtol
        verdict = "agree" if agrees else "differ"
        message = (
            f"Gradient descent and scikit-learn {verdict}: relative coefficient gap "
            f"{relative_coef:.2e} (tolerance {rtol:.0e}), loss gap {loss - sk_loss:.3g}."
        )
    else:
        agrees = abs(relative_loss) <= rtol
        verdict = "reach the same loss" if agrees else "reach different losses"
        message = (
            f"Here {NOT_UNIQUE} Gradient descent and scikit-learn {verdict}: relative loss gap "
            f"{relative_loss:.2e} (tolerance {rtol:.0e}); coefficient gap {relative_coef:.2e}."
        )
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
        loss_gap=loss - sk_loss,
        relative_loss_gap=relative_loss,
        unique_optimum=unique,
        agrees=bool(agrees),
        rtol=rtol,
        message=message,
    )
