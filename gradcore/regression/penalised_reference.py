"""References for penalised objectives: the optimum of loss + P(w) by methods independent of
``fit`` (``penalised_reference``), the regularisation path (``regularization_path``) and the
alpha from which the L1 optimum is all zeros (``largest_alpha``).

The objective is ``fit``'s: 1/N sum_i rho(A_i w + b - y_i) + P(w), P = alpha ||w||^2 ("l2") or
alpha ||w||_1 ("l1"), the bias b never penalised, on the columns A as given (``reference_fit``
chooses them: standardised or not).
"""

from __future__ import annotations

import numpy as np

from gradcore.regression.standardize import Standardizer
from gradcore.regression.statistics import as_xy

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


# L-BFGS-B may stop short of the optimum (its line search fails on an ill-conditioned objective,
# e.g. Huber + L1 on raw columns of scales 0.02 and 50 warm-started from the last alpha's
# optimum: 1.5e-7 above it on one machine's BLAS and not another's). It is started again from
# where it stopped, with a fresh curvature memory, while that lowers the objective.
LBFGS_RESTARTS = 3


def _lbfgs(objective, x0, bounds=None):
    """``scipy.optimize.minimize(method="L-BFGS-B")`` of `objective` (value, gradient) from
    `x0`, restarted from its result up to LBFGS_RESTARTS times while that lowers the value."""
    from scipy.optimize import minimize

    result = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                      options=LBFGS_OPTIONS)
    for _ in range(LBFGS_RESTARTS):
        again = minimize(objective, result.x, jac=True, method="L-BFGS-B", bounds=bounds,
                         options=LBFGS_OPTIONS)
        if not again.fun < result.fun:
            break
        result = again
    return result.x


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

    d = A.shape[1]
    s = _column_scale(A)
    data = _objective(A / s, y, loss_row, loss_settings)

    def objective(theta):
        value, grad = data(theta)
        w = theta[:d] / s
        grad[:d] += penalty_row.gradient(w, alpha, penalty_settings) / s
        return value + float(penalty_row.value(w, alpha, penalty_settings)), grad

    start = np.zeros(d + 1) if start is None else np.append(start[:d] * s, start[d])
    x = _lbfgs(objective, start)
    return x[:d] / s, float(x[d])


def split_l1_penalised(A, y, loss_row, loss_settings, alpha, start=None):
    """loss + alpha ||w||_1 for a differentiable loss (Huber + L1) with w = p - q, p, q >= 0:
    the objective loss(p - q, b) + alpha sum(p + q) is smooth with bounds, solved by L-BFGS-B;
    a weight whose p and q both stay at their bound 0 is exactly 0. Solved in u = s w
    (``_column_scale``): the penalty alpha sum |u_j| / s_j."""

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
    x = _lbfgs(objective, x0, bounds)
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
