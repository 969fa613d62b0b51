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
    ``scaler``: ``Standardizer.fit(X)`` when the caller has it already (one pass saved).
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


# Penalised references (``reference_fit(..., penalty, alpha)``). Scikit-learn's solvers are
# stopped by a duality gap this small relative to ||y||^2 / N (the default 1e-4 leaves visible
# digits wrong), after at most this many passes.
PENALISED_TOL = 1e-12
PENALISED_MAX_ITER = 100_000
LBFGS_OPTIONS = {"gtol": 1e-12, "ftol": 0.0, "maxiter": 20_000, "maxcor": 20}


def mse_penalised(A, y, penalty: str, alpha: float) -> tuple[np.ndarray, float]:
    """argmin 1/N ||y - A w - b||^2 + P(w) by scikit-learn, for P = alpha ||w||^2 or
    alpha ||w||_1, with scikit-learn's alpha rescaled to this objective:

    - ``Ridge`` minimises ||y - A w - b||^2 + a ||w||^2 (a sum, not a mean): dividing by N
      gives this objective with a = N alpha;
    - ``Lasso`` minimises 1/(2N) ||y - A w - b||^2 + a ||w||_1: twice it is this objective
      with a = alpha / 2.

    A (N, d) are the columns the run penalises (standardised or not: the caller's choice).
    """
    from sklearn.linear_model import Lasso, Ridge

    n = len(y)
    if penalty == "l2":
        model = Ridge(alpha=n * alpha, solver="svd")
    else:
        model = Lasso(alpha=alpha / 2.0, tol=PENALISED_TOL, max_iter=PENALISED_MAX_ITER,
                      precompute=True)
    model.fit(A, y)
    return np.asarray(model.coef_, dtype=float), float(model.intercept_)


def _objective(A, y, loss_row, loss_settings):
    """The data loss 1/N sum rho(r_i) and its gradient (d+1,) at theta = (w, b)."""
    n = len(y)

    def value_and_gradient(theta):
        residual = A @ theta[:-1] + theta[-1] - y
        p = loss_row.derivative(residual, loss_settings)
        return float(loss_row.total(residual, p, loss_settings)) / n, np.append(p @ A, p.sum()) / n

    return value_and_gradient


def _column_scale(A):
    """The columns' standard deviations (1 where 0): the L-BFGS solvers work on A / s, where
    the objective is well conditioned whatever the columns' units, and map back w = u / s."""
    scale = A.std(axis=0)
    return np.where(scale > 0, scale, 1.0)


def smooth_penalised(A, y, loss_row, loss_settings, penalty_row, alpha, penalty_settings,
                     start=None):
    """L-BFGS on the exact objective loss + P, for a differentiable loss and penalty
    (Huber + L2): gradient of the loss plus ``penalty_row.gradient``, in the variables
    u = s w (``_column_scale``) with P still of w."""
    from scipy.optimize import minimize

    d = A.shape[1]
    s = _column_scale(A)
    data = _objective(A / s, y, loss_row, loss_settings)

    def objective(theta):
        value, grad = data(theta)
        w = theta[:d] / s
        grad[:d] += penalty_row.gradient(w, alpha, penalty_settings) / s
        return value + float(penalty_row.value(w, alpha, penalty_settings)), grad

    start = np.zeros(d + 1) if start is None else np.append(start[:d] * s, start[d])
    result = minimize(objective, start, jac=True, method="L-BFGS-B", options=LBFGS_OPTIONS)
    return result.x[:d] / s, float(result.x[d])


def split_l1_penalised(A, y, loss_row, loss_settings, alpha, start=None):
    """loss + alpha ||w||_1 for a differentiable loss (Huber + L1) with w = p - q, p, q >= 0:
    the objective loss(p - q, b) + alpha sum(p + q) is smooth with bounds, solved by L-BFGS-B;
    a weight whose p and q both stay at their bound 0 is exactly 0. Solved in u = s w
    (``_column_scale``): the penalty alpha sum |u_j| / s_j."""
    from scipy.optimize import minimize

    d = A.shape[1]
    s = _column_scale(A)
    data = _objective(A / s, y, loss_row, loss_settings)
    weight = alpha / s

    def objective(x):
        p, q, b = x[:d], x[d : 2 * d], x[2 * d]
        value, grad = data(np.append(p - q, b))
        gw = grad[:d]
        return (value + float(weight @ (p + q)),
                np.concatenate([gw + weight, weight - gw, grad[d:]]))

    w0, b0 = (np.zeros(d), 0.0) if start is None else (start[:d] * s, start[d])
    x0 = np.concatenate([np.maximum(w0, 0.0), np.maximum(-w0, 0.0), [b0]])
    bounds = [(0.0, None)] * (2 * d) + [(None, None)]
    result = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                      options=LBFGS_OPTIONS)
    x = result.x
    return (x[:d] - x[d : 2 * d]) / s, float(x[2 * d])


def mae_l1_linear_programme(A, y, alpha):
    """min 1/N sum |y_i - A_i w - b| + alpha ||w||_1 as a linear programme (HiGHS):
    variables w = w+ - w-, b free, residual parts u, v >= 0 with A (w+ - w-) + b + u - v = y,
    minimising alpha sum(w+ + w-) + 1/N sum(u + v). A vertex optimum: exact zeros."""
    from scipy import sparse
    from scipy.optimize import linprog

    n, d = A.shape
    eye = sparse.identity(n, format="csr")
    equality = sparse.hstack([sparse.csr_matrix(A), sparse.csr_matrix(-A),
                              sparse.csr_matrix(np.ones((n, 1))), eye, -eye], format="csr")
    cost = np.concatenate([np.full(2 * d, alpha), [0.0], np.full(2 * n, 1.0 / n)])
    bounds = [(0.0, None)] * (2 * d) + [(None, None)] + [(0.0, None)] * (2 * n)
    result = linprog(cost, A_eq=equality, b_eq=y, bounds=bounds, method="highs")
    if result.status != 0:
        from gradcore.errors import DataError

        raise DataError(f"The MAE + L1 reference (a linear programme) did not solve: "
                        f"{result.message}")
    x = result.x
    return x[:d] - x[d : 2 * d], float(x[2 * d])


def _kkt_point(M, y, alpha, exact, signs):
    """Minimise 1/N sum_{i not in E} -s_i M_i theta + alpha ||w||^2 subject to M_E theta = y_E
    (E = ``exact``): (theta, multipliers l_E) of its linear optimality system (lstsq: the
    minimum-norm solution when it is singular)."""
    n, m = M.shape
    rows = np.flatnonzero(exact)
    k = len(rows)
    matrix = np.zeros((m + k, m + k))
    matrix[:m, :m] = np.diag(np.append(np.full(m - 1, 2 * alpha), 0.0))
    matrix[:m, m:] = -M[rows].T
    matrix[m:, :m] = M[rows]
    rhs = np.concatenate([signs[~exact] @ M[~exact] / n, y[rows]])
    solution = np.linalg.lstsq(matrix, rhs, rcond=None)[0]
    consistent = np.allclose(matrix @ solution, rhs, rtol=1e-9, atol=1e-12 * (
        1.0 + np.abs(rhs).max()))
    return solution[:m], solution[m:], rows, consistent


def _line_search(r, q, w, dw, alpha, n):
    """argmin over t in [0, 1] of 1/N sum |r_i - t q_i| + alpha ||w + t dw||^2, exactly: its
    derivative is nondecreasing and piecewise linear, jumping by 2 |q_i| / N at t_i = r_i / q_i."""
    slope = 2 * alpha * float(dw @ dw)
    side = np.where(r != 0, np.sign(r), -np.sign(q))
    derivative = 2 * alpha * float(dw @ w) - float(q @ side) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        breaks = np.where((q != 0) & (r != 0), r / q, np.inf)
    inside = np.flatnonzero((breaks > 0) & (breaks <= 1))
    order = inside[np.argsort(breaks[inside], kind="stable")]
    if derivative >= 0:  # no descent along this direction
        return 0.0
    t = 0.0
    for i in order:
        before = derivative + slope * (breaks[i] - t)
        if before >= 0:
            return t - derivative / slope
        derivative, t = before + 2 * abs(q[i]) / n, breaks[i]
        if derivative >= 0:
            return t
    end = derivative + slope * (1.0 - t)
    return 1.0 if end <= 0 else t - derivative / slope


def _multipliers_exist(M, alpha, theta, rows, exact, signs) -> bool:
    """Whether some l_E with |l_i| <= 1/N satisfies the stationarity conditions at theta (a
    linear feasibility problem, HiGHS): with more than d + 1 rows fitted exactly (ties) the
    multipliers are not unique, and lstsq's choice may lie outside where another does not."""
    from scipy.optimize import linprog

    n, m = M.shape
    gradient = np.append(2 * alpha * theta[:-1], 0.0) - signs[~exact] @ M[~exact] / n
    result = linprog(np.zeros(len(rows)), A_eq=M[rows].T, b_eq=gradient,
                     bounds=(-1.0 / n, 1.0 / n), method="highs")
    return result.status == 0


def mae_l2_active_set(A, y, alpha, max_rounds=None):
    """min 1/N sum |y_i - A_i w - b| + alpha ||w||^2 (a quadratic programme), exactly.

    Its optimality conditions, with E the rows fitted exactly (zero residual) and s_i the sign
    of every other residual: A_E w + b = y_E, 2 alpha w = 1/N sum_{i not in E} s_i A_i +
    sum_{i in E} l_i A_i, 0 = 1/N sum_{i not in E} s_i + sum_{i in E} l_i, each multiplier
    |l_i| <= 1/N (the subdifferential of |r| / N at 0). A primal active-set method: from
    (0, median y), solve that linear system for E and s (with no row pinning b, move b towards
    the side where more residuals lie), move towards its solution as far as
    the exact objective decreases (``_line_search``: a row whose residual reaches 0 joins E),
    and where the system's solution is the point itself release the row of E whose multiplier
    is furthest outside +-1/N. It stops when every condition holds (checked, so the result
    is the optimum; with ties, multipliers within +-1/N are looked for by
    ``_multipliers_exist``). It returns None when no step leads downhill (at a degenerate
    point: many tied residuals) or after ``max_rounds`` (default 20 (d + 1) + 100); then
    ``mae_l2_dual`` takes the slow route (in about 1 case in 6 on data with many ties in y).
    """
    n, d = A.shape
    M = np.column_stack([A, np.ones(n)])
    theta = np.append(np.zeros(d), np.median(y))
    spread = float(np.abs(y - np.median(y)).mean()) or 1.0
    zero = 1e-11 * spread
    released = {}
    for _ in range(max_rounds or 20 * (d + 1) + 100):
        r = y - M @ theta
        exact = np.abs(r) <= zero
        signs = np.sign(r)
        for i, sign in released.items():
            exact[i], signs[i] = False, sign
        target, multipliers, rows, consistent = _kkt_point(M, y, alpha, exact, signs)
        step = target - theta
        if not consistent:  # no row pins b: the model falls without bound along b
            step[d] = float(np.sign(signs.sum())) * (np.abs(r).max() + spread)
        elif np.abs(step).max() <= 1e-12 * (1.0 + np.abs(theta).max()):
            excess = np.abs(multipliers) * n - 1.0
            if not len(rows) or excess.max() <= 1e-9 or _multipliers_exist(
                    M, alpha, theta, rows, exact, signs):
                return theta[:d], float(theta[d])
            worst = int(np.argmax(excess))
            released[int(rows[worst])] = float(np.sign(multipliers[worst]))
            continue
        t = _line_search(r, M @ step, theta[:d], step[:d], alpha, n)
        if t <= 0:
            return None
        theta = theta + t * step
        released = {}
    return None


def mae_l2_dual(A, y, alpha):
    """min 1/N sum |y_i - A_i w - b| + alpha ||w||^2: ``mae_l2_active_set``, else (rounds run
    out) a slower route: for a fixed b the minimum over w has the dual max over |a_i| <= 1/N
    of a . (y - b) - ||A^T a||^2 / (4 alpha), bound-constrained (L-BFGS-B), w = A^T a /
    (2 alpha); the primal value at that w is convex in b, minimised by Brent's search."""
    found = mae_l2_active_set(A, y, alpha)
    return found if found is not None else mae_l2_brent(A, y, alpha)


def mae_l2_brent(A, y, alpha):
    """MAE + L2 by the dual route of ``mae_l2_dual`` (slow: an L-BFGS-B over N variables per
    value of b)."""
    from scipy.optimize import minimize, minimize_scalar

    n, d = A.shape
    bounds = [(-1.0 / n, 1.0 / n)] * n
    start = {"a": np.zeros(n)}

    def weights(b):
        c = y - b

        def negative_dual(a):
            u = A.T @ a
            return float(u @ u) / (4 * alpha) - float(a @ c), A @ u / (2 * alpha) - c

        result = minimize(negative_dual, start["a"], jac=True, method="L-BFGS-B", bounds=bounds,
                          options=LBFGS_OPTIONS)
        start["a"] = result.x
        return A.T @ result.x / (2 * alpha)

    def primal(b):
        w = weights(b)
        return float(np.abs(y - A @ w - b).mean()) + alpha * float(w @ w)

    # ||w||^2 <= (loss at w = 0, b = median) / alpha bounds every |A_i w| the optimum can have.
    reach = float(np.linalg.norm(A, axis=1).max()) * np.sqrt(
        float(np.abs(y - np.median(y)).mean()) / alpha)
    low, high = float(y.min()) - reach, float(y.max()) + reach
    result = minimize_scalar(primal, bounds=(low, high), method="bounded",
                             options={"xatol": 1e-12 * max(1.0, high - low), "maxiter": 500})
    b = float(result.x)
    return weights(b), b


def penalised_reference(A, y, loss_row, loss_settings, penalty_row, alpha, penalty_settings,
                        start=None) -> tuple[np.ndarray, float]:
    """argmin over (w, b) of 1/N sum rho(A_i w + b - y_i) + P(w) on the columns A as given, by
    a method independent of ``fit`` (``penalised_method`` names it): MSE + L2 / L1
    ``mse_penalised``; MAE + L1 ``mae_l1_linear_programme``; MAE + L2 ``mae_l2_dual``; any
    other loss with L1 ``split_l1_penalised``, else ``smooth_penalised`` (exact for a
    differentiable loss and penalty, e.g. Huber + L2). ``start`` (d+1,) warm-starts the
    L-BFGS methods."""
    loss, penalty = loss_row.name, penalty_row.name
    if loss == "mse" and penalty in ("l1", "l2"):
        return mse_penalised(A, y, penalty, alpha)
    if loss == "mae" and penalty == "l1":
        return mae_l1_linear_programme(A, y, alpha)
    if loss == "mae" and penalty == "l2":
        return mae_l2_dual(A, y, alpha)
    if penalty == "l1":
        return split_l1_penalised(A, y, loss_row, loss_settings, alpha, start)
    return smooth_penalised(A, y, loss_row, loss_settings, penalty_row, alpha, penalty_settings,
                            start)


def penalised_method(loss: str, penalty: str) -> str:
    """The reference method of ``penalised_reference`` for a loss and penalty, in words (with
    scikit-learn's alpha rescaled to this objective), for a page to show."""
    if loss == "mse" and penalty == "l2":
        return ("scikit-learn's Ridge with its alpha = N α (it minimises ‖y − Xw‖² + alpha‖w‖², "
                "a sum, not a mean)")
    if loss == "mse" and penalty == "l1":
        return ("scikit-learn's Lasso with its alpha = α/2 (it minimises "
                "‖y − Xw‖²/(2N) + alpha‖w‖₁)")
    if loss == "mae" and penalty == "l1":
        return "a linear programme solved by HiGHS (scipy's linprog)"
    if loss == "mae" and penalty == "l2":
        return "the quadratic programme's dual, solved by L-BFGS-B, with Brent's search for b"
    if penalty == "l1":
        return "L-BFGS-B on the exact objective with w = p − q, p, q ≥ 0"
    return "L-BFGS on the exact objective"


def _mse_path(A, y, alphas, penalty):
    """MSE coefficients (len(alphas), d) on centred columns A and centred y; alphas descending.

    L1: scikit-learn's ``lasso_path`` with its alpha = alpha / 2, on the Gram matrix A^T A
    (d x d: each coordinate-descent pass costs O(d^2), not O(N d)), warm-started from one
    alpha to the next. L2: exact from one eigen-decomposition of A^T A, w = V (lambda + N alpha)^-1
    V^T A^T y for every alpha (the minimum-norm solution where lambda + N alpha is 0).
    """
    from sklearn.linear_model import lasso_path

    n, d = A.shape
    gram, cross = A.T @ A, A.T @ y
    if penalty == "l2":
        lam, V = np.linalg.eigh(gram)
        denominators = lam[None, :] + n * alphas[:, None]
        tiny = 1e-12 * max(float(lam[-1]), np.finfo(float).tiny)
        inverse = np.where(denominators > tiny, 1.0 / np.where(denominators > tiny,
                                                                 denominators, 1.0), 0.0)
        return (inverse * (V.T @ cross)) @ V.T
    coef = np.zeros((len(alphas), d))
    positive = alphas > 0
    if positive.any():
        _, path, _ = lasso_path(A, y, alphas=alphas[positive] / 2.0, precompute=gram, Xy=cross,
                                tol=PENALISED_TOL, max_iter=PENALISED_MAX_ITER)
        coef[positive] = path.T
    if not positive.all():  # alpha = 0: least squares (minimum norm)
        coef[~positive] = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef


def regularization_path(X, y, alphas, loss="mse", penalty="l1", huber_delta=1.0, *,
                        standardize=True, **settings) -> np.ndarray:
    """The optimum's weights w (len(alphas), d), in original units, for each alpha of
    ``alphas`` (any order; each in [0, 1e12)): the coefficient paths against alpha.

    The objective and the columns penalised are ``reference_fit``'s (standardised with
    ``standardize``). The MSE's paths are computed together with warm starts (``_mse_path``:
    lasso_path on the Gram matrix, or one eigen-decomposition for L2): one pass over the data,
    then O(d^2) per alpha, so 100,000 rows x 10 features take well under a second
    (bench_penalties.py). Other losses solve ``penalised_reference`` per alpha from the largest
    down, each L-BFGS run warm-started from the previous optimum (an LP for MAE + L1 is solved
    afresh): their cost grows with N, so a page should keep to moderate tables for them.
    """
    from gradcore.errors import DataError
    from gradcore.regression.losses import loss_settings, reference_fit
    from gradcore.regression.penalties import check_alpha, get_penalty, row_settings

    X, y = as_xy(X, y)
    row, values = loss_settings(loss, {"huber_delta": huber_delta, **settings})
    penalty_row = get_penalty(penalty)
    penalty_values = row_settings(penalty_row, settings)
    alphas = np.asarray([check_alpha(a) for a in np.atleast_1d(alphas)], dtype=float)
    if alphas.ndim != 1 or len(alphas) == 0:
        raise DataError("A regularisation path needs at least one alpha.")
    scaler = Standardizer.fit(X) if standardize else None
    A = X - X.mean(axis=0) if scaler is None else scaler.transform(X)
    if scaler is not None:
        A[:, scaler.constant] = 0.0
    y_mean = float(y.mean())
    yc = y - y_mean
    order = np.argsort(-alphas, kind="stable")
    coef = np.zeros((len(alphas), X.shape[1]))
    if row.name == "mse" and penalty_row.name in ("l1", "l2"):
        coef[order] = _mse_path(A, yc, alphas[order], penalty_row.name)
        return coef if scaler is None else coef / scaler.scale
    unpenalised = None
    start = None
    for index in order:
        if penalty_row.name == "none" or alphas[index] == 0:
            if unpenalised is None:  # the same optimum for every such alpha
                unpenalised = reference_fit(X, y, row.name, huber_delta, **settings)[0]
            coef[index] = unpenalised
            continue
        w, b = penalised_reference(A, yc, row, values, penalty_row, alphas[index],
                                   penalty_values, start)
        coef[index], start = (w if scaler is None else w / scaler.scale), np.append(w, b)
    return coef


def largest_alpha(X, y, loss="mse", huber_delta=1.0, *, standardize=True, **settings) -> float:
    """max_j |dL/dw_j| at w = 0 with b the loss's best constant: with the L1 penalty every
    weight of the optimum is 0 from this alpha on (exact for MSE and Huber; for the MAE, whose
    derivative at w = 0 is a subgradient with sign(0) = 0, a guide), on the columns the run
    penalises (standardised with ``standardize``). A regularisation path's natural top: e.g.
    ``np.geomspace(largest_alpha(X, y) * 1e-4, largest_alpha(X, y), 50)``. 0 when y is
    constant."""
    from gradcore.regression.losses import loss_gradient, reference_fit

    X, y = as_xy(X, y)
    scaler = Standardizer.fit(X)
    A = scaler.transform(X) if standardize else X - scaler.mean
    A[:, scaler.constant] = 0.0
    b = reference_fit(np.zeros((len(y), 1)), y, loss, huber_delta, **settings)[1]
    grad_w, _ = loss_gradient(A, y, np.zeros(X.shape[1]), b, loss, huber_delta, **settings)
    return float(np.abs(grad_w).max())
