"""Regression losses as rows of a table: per-row loss, its derivative, and the true optimum.

Model y_hat_i = w . x_i + b, residual r_i = w . x_i + b - y_i. Each loss is a mean over rows

    L(w, b) = 1/N sum_i rho(r_i),   grad_w L = 1/N sum_i rho'(r_i) x_i,   dL/db = 1/N sum_i rho'(r_i)

with rho(r) = r^2 ("mse", the article's), |r| ("mae") or Huber's
rho(r) = r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond ("huber").

The MAE is not differentiable where a residual is exactly 0: there rho has a kink and its
subdifferential is the interval [-1, 1] (the article's |x| at 0). ``loss_gradient`` returns
the subgradient that takes sign(0) = 0, the midpoint of that interval, as gradcore does at
every kink (``gradcore.expressions.kinks``): it is the minimum-norm choice per row, and it is what
``numpy.sign`` gives, so the engine and the exported script agree. Any other choice in
[-1, 1] for those rows is a subgradient too; the supporting-plane test in the tests checks it.

The functions ``*_derivative`` and ``*_total`` use numpy only: ``export_script`` copies their
source into the script it writes, so the script and the engine run the same formulas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize
from sklearn.linear_model import QuantileRegressor

from gradcore.errors import DataError
from gradcore.regression.penalties import penalty_settings
from gradcore.regression.reference import penalised_reference, sklearn_reference
from gradcore.regression.rows import HyperParameter, check_names, row_settings
from gradcore.regression.standardize import Standardizer
from gradcore.regression.statistics import as_xy

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


def mse_derivative(r, settings, out=None):
    """rho'(r) = 2 r for rho(r) = r^2 (no settings)."""
    return np.multiply(r, 2.0, out=out)


def mse_total(r, p, settings):
    """sum_i r_i^2 from the residuals r and p = rho'(r) = 2 r (per row of a 2-D r: one point each)."""
    return 0.5 * np.einsum("...i,...i->...", r, p)


def mae_derivative(r, settings, out=None):
    """sign(r) with sign(0) = 0: the midpoint of the subdifferential [-1, 1] at a zero residual."""
    return np.sign(r, out=out)


def mae_total(r, p, settings):
    """sum_i |r_i| = sum_i r_i sign(r_i) (per row of a 2-D r: one point each)."""
    return np.einsum("...i,...i->...", r, p)


def huber_derivative(r, settings, out=None):
    """rho'(r) = clip(r, -delta, delta): r inside the quadratic zone, +-delta outside."""
    delta = settings["huber_delta"]
    return np.clip(r, -delta, delta, out=out)


def huber_total(r, p, settings):
    """sum_i rho(r_i) = sum_i (p_i r_i - p_i^2 / 2) with p = clip(r, -delta, delta), per row.

    Inside the zone p = r gives r^2 / 2; outside p = +-delta gives delta |r| - delta^2 / 2.
    """
    return np.einsum("...i,...i->...", p, r) - 0.5 * np.einsum("...i,...i->...", p, p)


def mse_scale(lambda_max, mean_square_y, settings):
    """The largest gradient norm at theta = 0: 2 sqrt(lambda_max c), c = mean(y^2)."""
    return 2.0 * np.sqrt(max(lambda_max, 0.0) * mean_square_y)


def mae_scale(lambda_max, mean_square_y, settings):
    """The largest gradient norm at theta = 0: sqrt(lambda_max) (every |rho'| <= 1)."""
    return np.sqrt(max(lambda_max, 0.0))


def huber_scale(lambda_max, mean_square_y, settings):
    """The largest gradient norm at theta = 0: sqrt(lambda_max) min(delta, sqrt(c))."""
    return np.sqrt(max(lambda_max, 0.0)) * min(settings["huber_delta"], np.sqrt(mean_square_y))


def mse_rounding(loss_value, settings):
    """sqrt(mean rho'(r)^2) = 2 sqrt(L) exactly (rho' = 2 r)."""
    return 2.0 * np.sqrt(max(float(loss_value), 0.0))


def mae_rounding(loss_value, settings):
    """An upper bound of sqrt(mean rho'(r)^2): 1 (|sign| <= 1)."""
    return 1.0


def huber_rounding(loss_value, settings):
    """An upper bound of sqrt(mean rho'(r)^2): delta (|clip(r)| <= delta)."""
    return float(settings["huber_delta"])


@dataclass(frozen=True)
class Loss:
    """One loss: ``derivative(r, settings, out)`` = rho'(r) elementwise, ``total(r, p,
    settings)`` = sum_i rho(r_i) given p = rho'(r); ``reference(Z, y, settings)`` the optimum
    on standardised Z by an independent method, ``method`` naming it; ``hyper_parameters``
    its settings (``HyperParameter``s; ``settings`` maps each name to its value); ``formula``
    is L and ``slope`` rho'(r_i) in LaTeX, for the page. The rest is optional:

    - ``scale(lambda_max, mean_square_y, settings)``: the gradient norm at theta = 0 that the
      convergence test is relative to (default: the gradient norm at 0, measured);
    - ``rounding(loss_value, settings)``: a bound of sqrt(mean rho'(r)^2), for
      ``stopping.without_rounding_noise`` (default: none, no component is taken as rounding);
    - ``curvature``: the largest rho''(r) (MSE 2, Huber 1), so constant-step gradient descent
      is stable below 2 / (curvature lambda_max); None where rho has kinks (MAE);
    - ``rescale(settings, s)``: the settings for the target divided by s (the reference is
      solved on a standardised target); default None: the reference is solved on y as it is;
    - ``stop_note``: a sentence added when a run stops at its step limit (e.g. why the MAE's
      subgradient norm need not shrink); ``kinked``: rho has kinks, so a constant step keeps
      jumping across them;
    - ``intro``: the page's sentence introducing the loss before its formula (markdown;
      default: from ``label``);
    - ``check_note``: what the exported script's ``--check`` prints when scikit-learn has no
      fit of this loss (default: a sentence naming ``method``).

    Every function is numpy-only: ``export_script`` copies their source into its script.
    """

    name: str
    label: str
    derivative: Callable
    total: Callable
    reference: Callable
    formula: str
    method: str = ""
    hyper_parameters: tuple[HyperParameter, ...] = ()
    slope: str = r"\rho'(r_i)"
    scale: Callable | None = None
    rounding: Callable | None = None
    curvature: float | None = None
    rescale: Callable | None = None
    stop_note: str = ""
    kinked: bool = False
    intro: str = ""
    check_note: str = ""


HUBER_DELTA = HyperParameter("huber_delta", "Huber's δ", 1.0, 1e-6, 1e6, key="delta", step=0.1,
                             help="Residuals up to δ count squared (½r²), larger ones linearly.")


def _mse_reference(X, y, settings):
    return sklearn_reference(X, y)


def _mae_reference(Z, y, settings):
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


def _huber_reference(Z, y, settings):
    """Minimise the exact Huber objective with L-BFGS from the least-squares fit."""
    n, d = Z.shape

    def objective(theta):
        return value_and_gradient(Z, y, theta[:d], theta[d], LOSS_TABLE["huber"], settings)

    w_ls, b_ls = sklearn_reference(Z, y)
    result = minimize(objective, np.append(w_ls, b_ls), jac=True, method="L-BFGS-B",
                      options={"gtol": HUBER_GTOL, "ftol": 0.0, "maxiter": HUBER_MAX_ITERATIONS,
                               "maxcor": 20})
    return result.x[:d], float(result.x[d])


def _huber_rescale(settings, s):
    return {**settings, "huber_delta": settings["huber_delta"] / s}


def _same_settings(settings, s):
    return settings


_MAE_STOP_NOTE = ("The MAE's subgradient is a sum of ±1 terms, so its norm need not shrink near "
                  "the optimum; compare the loss with the reference instead.")

LOSS_TABLE: dict[str, Loss] = {
    "mse": Loss("mse", "mean squared error", mse_derivative, mse_total, _mse_reference,
                r"L = \frac{1}{N}\sum_i r_i^2",
                "scikit-learn's LinearRegression (least squares on standardised columns)",
                slope="2r_i", scale=mse_scale, rounding=mse_rounding, curvature=2.0),
    "mae": Loss("mae", "mean absolute error", mae_derivative, mae_total, _mae_reference,
                r"L = \frac{1}{N}\sum_i |r_i|",
                "median regression as a linear programme solved by HiGHS (scikit-learn's "
                f"QuantileRegressor(quantile=0.5, alpha=0) up to {QUANTILE_REGRESSOR_ROWS:,} "
                "rows, the same programme's dual above)", slope=r"\operatorname{sign}(r_i)",
                scale=mae_scale, rounding=mae_rounding, rescale=_same_settings,
                stop_note=_MAE_STOP_NOTE, kinked=True,
                intro=("It lowers the **mean absolute error**. |r| has a kink at r = 0, so where "
                       "a residual is exactly 0 the loss has no gradient, only subgradients (the "
                       "article's section on subgradients); the page takes sign(0) = 0, and a "
                       "decaying step size (schedule 1/sqrt(k)) lets the run settle:")),
    "huber": Loss("huber", "Huber loss", huber_derivative, huber_total, _huber_reference,
                  r"L = \frac{1}{N}\sum_i \begin{cases} \tfrac12 r_i^2 & |r_i| \le \delta \\ "
                  r"\delta(|r_i| - \tfrac12\delta) & |r_i| > \delta \end{cases}",
                  "SciPy's L-BFGS on the exact Huber objective, started from least squares",
                  (HUBER_DELTA,), r"\operatorname{clip}(r_i, -\delta, \delta)",
                  scale=huber_scale, rounding=huber_rounding, curvature=1.0,
                  rescale=_huber_rescale,
                  intro=("It lowers the **Huber loss**: squared error for residuals within δ of "
                         "0, absolute error beyond, so a few outliers pull less than in the "
                         "mean squared error:"),
                  check_note=("scikit-learn has no plain Huber fit with a fixed delta "
                              "(HuberRegressor also estimates a scale); Gradient Lab uses "
                              "L-BFGS on the exact objective.")),
}
LOSSES = tuple(LOSS_TABLE)


def get_loss(loss: str) -> Loss:
    """The table row of ``loss``; DataError naming the choices for an unknown name."""
    try:
        return LOSS_TABLE[loss]
    except (KeyError, TypeError):
        raise DataError(f"Unknown loss {loss!r}: choose one of {', '.join(LOSSES)}.") from None


def loss_settings(loss, given: Mapping) -> tuple[Loss, dict]:
    """The row of ``loss`` and its settings: every hyper-parameter of the row, from `given`
    (checked against its range) or its default. DataError for an unknown loss, a setting no
    loss declares, or a value out of range; settings of other losses are ignored."""
    row = get_loss(loss)
    check_names(given, [LOSS_TABLE])
    return row, row_settings(row, given)


def check_delta(huber_delta) -> float:
    """Huber's delta, checked against its row's range, or DataError."""
    return HUBER_DELTA.check(huber_delta)


def value_and_gradient(X, y, w, b, row: Loss, settings: Mapping) -> tuple[float, np.ndarray]:
    """(L, grad) with grad = (grad_w, dL/db) of shape (d+1,), straight from the data."""
    residual = X @ np.asarray(w, dtype=float) + float(b) - y
    p = row.derivative(residual, settings)
    n = len(y)
    return float(row.total(residual, p, settings)) / n, np.append(p @ X, p.sum()) / n


def loss_value(X, y, w, b, loss="mse", huber_delta=1.0, **settings) -> float:
    """L(w, b) = 1/N sum_i rho(r_i) for X (N, d), y (N,), w (d,), scalar b (see module doc).
    ``huber_delta`` and ``settings``: the loss row's hyper-parameters by name."""
    X, y = as_xy(X, y)
    row, values = loss_settings(loss, {"huber_delta": huber_delta, **settings})
    return value_and_gradient(X, y, w, b, row, values)[0]


def loss_gradient(X, y, w, b, loss="mse", huber_delta=1.0, **settings
                  ) -> tuple[np.ndarray, float]:
    """(grad_w (d,), dL/db) = 1/N sum_i rho'(r_i) (x_i, 1).

    For "mse" this is the article's 2/N sum_i r_i x_i; for "huber" rho' = clip(r, -delta,
    delta); for "mae" it is a subgradient with rho'(r) = sign(r) and sign(0) = 0 (module doc).
    """
    X, y = as_xy(X, y)
    row, values = loss_settings(loss, {"huber_delta": huber_delta, **settings})
    grad = value_and_gradient(X, y, w, b, row, values)[1]
    return grad[:-1], float(grad[-1])


def residual_signs(X, y, w, b) -> tuple[int, int, int]:
    """How many residuals r_i = w . x_i + b - y_i are > 0, < 0 and exactly 0 (the MAE's kinks).

    At the rows counted last the MAE's subgradient takes sign(0) = 0 (module doc).
    """
    X, y = as_xy(X, y)
    residual = X @ np.asarray(w, dtype=float) + float(b) - y
    return int((residual > 0).sum()), int((residual < 0).sum()), int((residual == 0).sum())


def reference_fit(X, y, loss="mse", huber_delta=1.0, *, penalty="none", alpha=0.0,
                  standardize=True, **settings) -> tuple[np.ndarray, float]:
    """The true optimum (w (d,), b) of ``loss`` in original units, by a method independent of GD.

    "mse": ``sklearn_reference`` (least squares on standardised columns, right on badly scaled
    data). "mae": ``QuantileRegressor(quantile=0.5, alpha=0, solver="highs")``, the median
    regression as a linear programme (above QUANTILE_REGRESSOR_ROWS rows the same programme's
    dual, solved by HiGHS directly: seconds instead of minutes at 100,000 rows). "huber": L-BFGS on the exact Huber objective. MAE and
    Huber are solved on standardised columns and a standardised target (delta scaled with it)
    and mapped back; their optimum may not be unique (MAE), in which case this is one of them.
    Any other row: its ``reference`` on standardised columns (and a standardised target if
    the row says how its settings follow it, ``Loss.rescale``), mapped back.

    With ``penalty`` ("l2", "l1") and ``alpha`` > 0: the optimum of loss + P(w) (b never
    penalised), ``reference.penalised_reference``; for the MSE scikit-learn's ``Ridge`` with
    its alpha = N alpha (it minimises ||y - Zw - b||^2 + a ||w||^2, a sum, not a mean) or
    ``Lasso`` with its alpha = alpha / 2 (it minimises 1/(2N) ||y - Zw - b||^2 + a ||w||_1);
    MAE + L1 a linear programme (HiGHS); MAE + L2 its dual QP; Huber L-BFGS(-B). A penalty is
    not invariant to rescaling a column, so which weights it applies to matters: with
    ``standardize`` (default) those of the standardised columns z_j = (x_j - mean_j) / sd_j, as
    in a run on them (the page's "standardise" on); with ``standardize=False`` those of X's
    columns as given (a run on raw X). The target is only centred (b absorbs the shift), never
    scaled. The result is in original units either way.
    """
    X, y = as_xy(X, y)
    row, values = loss_settings(loss, {"huber_delta": huber_delta, **settings})
    penalty_row, alpha, penalty_values = penalty_settings(penalty, alpha, settings)
    if penalty_row.name != "none" and alpha > 0:
        return _penalised_fit(X, y, row, values, penalty_row, alpha, penalty_values, standardize)
    if row.name == "mse":
        return sklearn_reference(X, y)
    scaler = Standardizer.fit(X)
    Z = scaler.transform(X)
    Z[:, scaler.constant] = 0.0
    y_mean, y_scale = 0.0, 1.0
    if row.rescale is not None:  # the loss says how its settings follow a scaled target
        y_mean, y_scale = float(y.mean()), float(y.std())
        y_scale = y_scale if y_scale > 0 else 1.0
        values = row.rescale(values, y_scale)
    w_z, b_z = row.reference(Z, (y - y_mean) / y_scale, values)
    w, b = scaler.to_original(np.asarray(w_z) * y_scale, float(b_z) * y_scale + y_mean)
    return np.asarray(w, dtype=float), float(b)


def _penalised_fit(X, y, row, values, penalty_row, alpha, penalty_values, standardize):
    """``reference_fit`` with a penalty: solved on centred columns (divided by their sd with
    ``standardize``) and a centred target, so b is of the order of y's spread; mapped back."""
    scaler = Standardizer.fit(X)
    if not standardize:  # centred only: the penalised weights are those of X's own columns
        scaler = Standardizer(scaler.mean, np.ones_like(scaler.scale), scaler.constant)
    A = scaler.transform(X)
    A[:, scaler.constant] = 0.0
    y_mean = float(y.mean())
    w, b = penalised_reference(A, y - y_mean, row, values, penalty_row, alpha, penalty_values)
    w, b = scaler.to_original(w, b)
    return np.asarray(w, dtype=float), float(b) + y_mean


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
                  rtol=1e-6, **settings) -> ReferenceGap:
    """Compare (w, b) with ``reference`` = ``reference_fit(X, y, loss, huber_delta)``."""
    X, y = as_xy(X, y)
    row = get_loss(loss)
    w, b = np.asarray(w, dtype=float).reshape(-1), float(b)
    ref_w, ref_b = np.asarray(reference[0], dtype=float).reshape(-1), float(reference[1])
    value = loss_value(X, y, w, b, row.name, huber_delta, **settings)
    ref_value = loss_value(X, y, ref_w, ref_b, row.name, huber_delta, **settings)
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
