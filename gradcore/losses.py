"""Regression losses as rows of a table: per-row loss, its derivative, and the true optimum.

Model y_hat_i = w . x_i + b, residual r_i = w . x_i + b - y_i. Each loss is a mean over rows

    L(w, b) = 1/N sum_i rho(r_i),   grad_w L = 1/N sum_i rho'(r_i) x_i,   dL/db = 1/N sum_i rho'(r_i)

with rho(r) = r^2 ("mse", the article's), |r| ("mae") or Huber's
rho(r) = r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond ("huber").

The MAE is not differentiable where a residual is exactly 0: there rho has a kink and its
subdifferential is the interval [-1, 1] (the article's |x| at 0). ``loss_gradient`` returns
the subgradient that takes sign(0) = 0, the midpoint of that interval, as gradcore does at
every kink (``gradcore.kinks``): it is the minimum-norm choice per row, and it is what
``numpy.sign`` gives, so the engine and the exported script agree. Any other choice in
[-1, 1] for those rows is a subgradient too; the supporting-plane test in the tests checks it.

The functions ``*_derivative`` and ``*_total`` use numpy only: ``export_script`` copies their
source into the script it writes, so the script and the engine run the same formulas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize
from sklearn.linear_model import QuantileRegressor

from gradcore.errors import DataError
from gradcore.reference import sklearn_reference
from gradcore.standardize import Standardizer
from gradcore.statistics import as_xy

# L-BFGS stops when the largest gradient component is below this (standardised data, so the
# gradient at the start is of order 1), or after this many iterations.
HUBER_GTOL = 1e-12
HUBER_MAX_ITERATIONS = 10_000
# Up to this many rows the MAE's optimum is scikit-learn's QuantileRegressor; above, the same
# linear programme in its dual form (``_median_regression_dual``). QuantileRegressor's primal
# has 2N + 2(d+1) variables and N equalities and grows faster than linearly (d = 10: 0.2 s at
# 2,000 rows, 0.8 s at 5,000, 167 s at 100,000); the dual has N bounded variables and d + 1
# equalities (0.05 s at 5,000, 1.0 s at 100,000), both solved by HiGHS to the same optimum.
QUANTILE_REGRESSOR_ROWS = 2_000


def mse_derivative(r, delta, out=None):
    """rho'(r) = 2 r for rho(r) = r^2 (``delta`` unused)."""
    return np.multiply(r, 2.0, out=out)


def mse_total(r, p, delta):
    """sum_i r_i^2 from the residuals r and p = rho'(r) = 2 r (per row of a 2-D r: one point each)."""
    return 0.5 * np.einsum("...i,...i->...", r, p)


def mae_derivative(r, delta, out=None):
    """sign(r) with sign(0) = 0: the midpoint of the subdifferential [-1, 1] at a zero residual."""
    return np.sign(r, out=out)


def mae_total(r, p, delta):
    """sum_i |r_i| = sum_i r_i sign(r_i) (per row of a 2-D r: one point each)."""
    return np.einsum("...i,...i->...", r, p)


def huber_derivative(r, delta, out=None):
    """rho'(r) = clip(r, -delta, delta): r inside the quadratic zone, +-delta outside."""
    return np.clip(r, -delta, delta, out=out)


def huber_total(r, p, delta):
    """sum_i rho(r_i) = sum_i (p_i r_i - p_i^2 / 2) with p = clip(r, -delta, delta), per row.

    Inside the zone p = r gives r^2 / 2; outside p = +-delta gives delta |r| - delta^2 / 2.
    """
    return np.einsum("...i,...i->...", p, r) - 0.5 * np.einsum("...i,...i->...", p, p)


@dataclass(frozen=True)
class Loss:
    """One loss: ``derivative(r, delta, out)`` = rho'(r) elementwise, ``total(r, p, delta)`` =
    sum_i rho(r_i) given p = rho'(r); ``reference(Z, y, delta)`` the optimum on standardised Z;
    ``method`` names that reference's method; ``hyper_parameters`` the ``fit`` settings it reads;
    ``formula`` is L and ``slope`` rho'(r_i) in LaTeX, for the page."""

    name: str
    label: str
    derivative: Callable
    total: Callable
    reference: Callable
    formula: str
    method: str = ""
    hyper_parameters: tuple[str, ...] = ()
    slope: str = r"\rho'(r_i)"


def _mse_reference(X, y, delta):
    return sklearn_reference(X, y)


def _mae_reference(Z, y, delta):
    if len(y) > QUANTILE_REGRESSOR_ROWS:
        return _median_regression_dual(Z, y)
    model = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(Z, y)
    return np.asarray(model.coef_, dtype=float), float(model.intercept_)


def _median_regression_dual(Z, y):
    """min over theta = (w, b) of sum_i |y_i - A_i theta|, A = [Z 1], through its LP dual

        max y . a   subject to   A^T a = 0,  -1 <= a_i <= 1,

    whose equality constraints' multipliers are theta (linear-programming duality; HiGHS'
    interior point with crossover returns a vertex, so theta is an exact optimum, and the two
    objectives agree to rounding at the solution).
    """
    n, d = Z.shape
    A = np.empty((d + 1, n))
    A[:d], A[d] = Z.T, 1.0
    result = linprog(-y, A_eq=A, b_eq=np.zeros(d + 1), bounds=(-1.0, 1.0), method="highs-ipm")
    if result.status != 0:
        raise DataError(f"The MAE's reference (a linear programme) did not solve: {result.message}")
    theta = -np.asarray(result.eqlin.marginals, dtype=float)
    return theta[:d], float(theta[d])


def _huber_reference(Z, y, delta):
    """Minimise the exact Huber objective with L-BFGS from the least-squares fit."""
    n, d = Z.shape

    def objective(theta):
        return value_and_gradient(Z, y, theta[:d], theta[d], LOSS_TABLE["huber"], delta)

    w_ls, b_ls = sklearn_reference(Z, y)
    result = minimize(objective, np.append(w_ls, b_ls), jac=True, method="L-BFGS-B",
                      options={"gtol": HUBER_GTOL, "ftol": 0.0, "maxiter": HUBER_MAX_ITERATIONS,
                               "maxcor": 20})
    return result.x[:d], float(result.x[d])


LOSS_TABLE: dict[str, Loss] = {
    "mse": Loss("mse", "mean squared error", mse_derivative, mse_total, _mse_reference,
                r"L = \frac{1}{N}\sum_i r_i^2",
                "scikit-learn's LinearRegression (least squares on standardised columns)",
                slope="2r_i"),
    "mae": Loss("mae", "mean absolute error", mae_derivative, mae_total, _mae_reference,
                r"L = \frac{1}{N}\sum_i |r_i|",
                "median regression as a linear programme solved by HiGHS (scikit-learn's "
                f"QuantileRegressor(quantile=0.5, alpha=0) up to {QUANTILE_REGRESSOR_ROWS:,} "
                "rows, the same programme's dual above)", slope=r"\operatorname{sign}(r_i)"),
    "huber": Loss("huber", "Huber loss", huber_derivative, huber_total, _huber_reference,
                  r"L = \frac{1}{N}\sum_i \begin{cases} \tfrac12 r_i^2 & |r_i| \le \delta \\ "
                  r"\delta(|r_i| - \tfrac12\delta) & |r_i| > \delta \end{cases}",
                  "SciPy's L-BFGS on the exact Huber objective, started from least squares",
                  ("huber_delta",), r"\operatorname{clip}(r_i, -\delta, \delta)"),
}
LOSSES = tuple(LOSS_TABLE)


def get_loss(loss: str) -> Loss:
    """The table row of ``loss``; DataError naming the choices for an unknown name."""
    try:
        return LOSS_TABLE[loss]
    except (KeyError, TypeError):
        raise DataError(f"Unknown loss {loss!r}: choose one of {', '.join(LOSSES)}.") from None


def check_delta(huber_delta) -> float:
    """Huber's delta as a positive finite float, or DataError."""
    try:
        delta = float(huber_delta)
    except (TypeError, ValueError):
        raise DataError(f"Huber's delta must be a number; got {huber_delta!r}.") from None
    if not (np.isfinite(delta) and delta > 0):
        raise DataError(f"Huber's delta must be a positive number; got {huber_delta!r}.")
    return delta


def value_and_gradient(X, y, w, b, row: Loss, delta: float) -> tuple[float, np.ndarray]:
    """(L, grad) with grad = (grad_w, dL/db) of shape (d+1,), straight from the data."""
    residual = X @ np.asarray(w, dtype=float) + float(b) - y
    p = row.derivative(residual, delta)
    n = len(y)
    return float(row.total(residual, p, delta)) / n, np.append(p @ X, p.sum()) / n


def loss_value(X, y, w, b, loss="mse", huber_delta=1.0) -> float:
    """L(w, b) = 1/N sum_i rho(r_i) for X (N, d), y (N,), w (d,), scalar b (see module doc)."""
    X, y = as_xy(X, y)
    return value_and_gradient(X, y, w, b, get_loss(loss), check_delta(huber_delta))[0]


def loss_gradient(X, y, w, b, loss="mse", huber_delta=1.0) -> tuple[np.ndarray, float]:
    """(grad_w (d,), dL/db) = 1/N sum_i rho'(r_i) (x_i, 1).

    For "mse" this is the article's 2/N sum_i r_i x_i; for "huber" rho' = clip(r, -delta,
    delta); for "mae" it is a subgradient with rho'(r) = sign(r) and sign(0) = 0 (module doc).
    """
    X, y = as_xy(X, y)
    grad = value_and_gradient(X, y, w, b, get_loss(loss), check_delta(huber_delta))[1]
    return grad[:-1], float(grad[-1])


def residual_signs(X, y, w, b) -> tuple[int, int, int]:
    """How many residuals r_i = w . x_i + b - y_i are > 0, < 0 and exactly 0 (the MAE's kinks).

    At the rows counted last the MAE's subgradient takes sign(0) = 0 (module doc).
    """
    X, y = as_xy(X, y)
    residual = X @ np.asarray(w, dtype=float) + float(b) - y
    return int((residual > 0).sum()), int((residual < 0).sum()), int((residual == 0).sum())


def reference_fit(X, y, loss="mse", huber_delta=1.0) -> tuple[np.ndarray, float]:
    """The true optimum (w (d,), b) of ``loss`` in original units, by a method independent of GD.

    "mse": ``sklearn_reference`` (least squares on standardised columns, right on badly scaled
    data). "mae": ``QuantileRegressor(quantile=0.5, alpha=0, solver="highs")``, the median
    regression as a linear programme (above QUANTILE_REGRESSOR_ROWS rows the same programme's
    dual, solved by HiGHS directly: seconds instead of minutes at 100,000 rows). "huber": L-BFGS on the exact Huber objective. MAE and
    Huber are solved on standardised columns and a standardised target (delta scaled with it)
    and mapped back; their optimum may not be unique (MAE), in which case this is one of them.
    """
    X, y = as_xy(X, y)
    row, delta = get_loss(loss), check_delta(huber_delta)
    if row.name == "mse":
        return sklearn_reference(X, y)
    scaler = Standardizer.fit(X)
    Z = scaler.transform(X)
    Z[:, scaler.constant] = 0.0
    y_mean, y_scale = float(y.mean()), float(y.std())
    y_scale = y_scale if y_scale > 0 else 1.0
    w_z, b_z = row.reference(Z, (y - y_mean) / y_scale, delta / y_scale)
    w, b = scaler.to_original(np.asarray(w_z) * y_scale, float(b_z) * y_scale + y_mean)
    return np.asarray(w, dtype=float), float(b)


@dataclass(frozen=True)
class ReferenceGap:
    """A run's last iterate (w, b) beside ``reference_fit``'s optimum, in original units.

    ``loss``, ``reference_loss``: ``loss_value`` of each; ``relative_coef_gap`` =
    ||(w, b) - (w*, b*)|| / ||(w*, b*)||; ``relative_loss_gap`` = (loss - reference_loss) /
    reference_loss (denominator floored at 1e-12 var(y)). ``agrees``: the loss gap is within
    ``rtol`` (the MAE's optimum need not be unique, so losses, not coefficients, decide).
    """

    loss: float
    reference_loss: float
    relative_coef_gap: float
    relative_loss_gap: float
    agrees: bool
    message: str


def reference_gap(X, y, w, b, reference, loss="mse", huber_delta=1.0,
                  rtol=1e-6) -> ReferenceGap:
    """Compare (w, b) with ``reference`` = ``reference_fit(X, y, loss, huber_delta)``."""
    X, y = as_xy(X, y)
    row = get_loss(loss)
    w, b = np.asarray(w, dtype=float).reshape(-1), float(b)
    ref_w, ref_b = np.asarray(reference[0], dtype=float).reshape(-1), float(reference[1])
    value = loss_value(X, y, w, b, row.name, huber_delta)
    ref_value = loss_value(X, y, ref_w, ref_b, row.name, huber_delta)
    floor = max(1e-12 * float(np.var(y)), np.finfo(float).tiny)
    coef_gap = float(np.linalg.norm(np.append(w - ref_w, b - ref_b))
                     / max(np.linalg.norm(np.append(ref_w, ref_b)), floor))
    loss_gap = (value - ref_value) / max(abs(ref_value), floor)
    agrees = bool(loss_gap <= rtol)
    verdict = "reaches the reference's loss" if agrees else "has a higher loss than the reference"
    message = (f"The run {verdict} ({row.label}): relative loss gap {loss_gap:.2e} (tolerance "
               f"{rtol:.0e}), relative coefficient gap {coef_gap:.2e}. Reference: {row.method}.")
    return ReferenceGap(loss=value, reference_loss=ref_value, relative_coef_gap=coef_gap,
                        relative_loss_gap=float(loss_gap), agrees=agrees, message=message)


def huber_zones(X, y, w, b, huber_delta=1.0) -> tuple[int, int]:
    """How many residuals lie in Huber's quadratic part (abs r <= delta, rho' = r) and how many
    in its linear part (abs r > delta, rho' = +-delta)."""
    X, y = as_xy(X, y)
    delta = check_delta(huber_delta)
    residual = X @ np.asarray(w, dtype=float) + float(b) - y
    inside = int((np.abs(residual) <= delta).sum())
    return inside, len(y) - inside
