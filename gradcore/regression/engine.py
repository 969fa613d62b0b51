"""One step-by-step engine for every loss x optimizer pair (``LOSSES`` x ``OPTIMIZERS``).

``fit`` runs theta_{k} = update(theta_{k-1}, g, state) with theta = (w, b) and records, at every
iterate, the full-data loss and its gradient (``loss_gradient``: what a page shows), whatever
gradient the step itself used (a mini-batch's for SGD). Where those numbers come from:

- MSE: from the sufficient statistics (``regression_statistics``), O(d^2) per iterate whatever
  N is; MSE + gd + constant step is ``gradient_descent``'s closed form, all steps at once.
- MAE and Huber, full batch: one pass over the data per step, in row blocks that stay in
  cache, with preallocated buffers: residuals r = X w + b - y, rho'(r), X^T rho'(r). (Nesterov
  is written at its look-ahead point, ``optimizers.nesterov_step``, so its step gradient is the
  gradient at the iterate and needs no second pass.)
- MAE and Huber, mini-batch SGD: the steps touch ``batch_size`` rows only; the full-data
  loss and gradient at the iterates are computed after the run, 64 iterates per pass. That
  record costs about what a full-batch step costs, so on a large table SGD would gain nothing:
  ``record_rows`` = R makes the record (and the stop decision that reads it) use R evenly
  spaced rows instead (``evenly_spaced_rows``), and a step's whole cost independent of N. The
  page passes ``EVALUATION_ROWS``; ``FitTrajectory.evaluation_rows`` says how many rows the
  record used. By default (None) every row, the full-data loss.

Why a run stops, and the sentence saying so, come from ``gradcore.regression.stopping``.

Penalties (``gradcore.regression.penalties``): the run minimises the objective L(w, b) + P(w)
(``penalty``, ``alpha``; b is never penalised). The data loss L and its gradient are computed
as above; P, its (sub)gradient and the stop test's minimum-norm subgradient are added per
iterate (O(d), whatever N). A proximal optimizer (``Optimizer.proximal``) steps with grad L
alone and then applies the penalty's ``prox`` to w; every other optimizer steps with grad L +
grad P (for L1 the subgradient alpha sign(w), sign(0) = 0: the subgradient method). The
closed form is kept for the unpenalised MSE + gd + constant step only; a penalised MSE run
steps through the statistics, O(d^2) per step (an L2 closed form with S + alpha I would save
nothing a page can feel: 1,000 steps at d = 10 take milliseconds, bench_penalties.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gradcore.errors import DataError
from gradcore.regression.descent import (
    MAX_START_LOSS,
    Trajectory,
    check_run_settings,
    gradient_descent,
    readonly,
    start_point,
)
from gradcore.regression.losses import LOSS_TABLE, Loss, get_loss, loss_settings
from gradcore.regression.optimizers import OPTIMIZER_TABLE, check_schedule, get_optimizer, step_size
from gradcore.regression.penalties import PENALTY_TABLE, PenaltyTerm, penalty_settings
from gradcore.regression.rows import check_names, row_settings
from gradcore.regression.statistics import RegressionStatistics, as_xy, regression_statistics
from gradcore.regression.stopping import (
    decide_stop,
    divergence_bound,
    measured_scale,
    stop_message,
    without_rounding_noise,
)

# Rows per block of the full-data evaluation: a block of a 10-feature X (2.6 MB) stays in the
# L3 cache between the product X w and the product X^T rho'(r), so a step reads X from memory
# about once; smaller blocks cost more in per-call overhead than they gain (bench_engine.py).
# With K points at once the block has about BLOCK_VALUES / K rows (at least MIN_BLOCK_ROWS), so
# the (K, rows) residuals stay in cache too.
BLOCK_ROWS = 32_768
BLOCK_VALUES = 65_536
MIN_BLOCK_ROWS = 512
# Iterates evaluated together (columns of one product) after a mini-batch run.
EVALUATION_POINTS = 64
# The ``record_rows`` the page gives a mini-batch MAE / Huber run on a larger table: the
# recorded loss is then an estimate of the full-data loss with a standard error of about
# sd(rho(r)) / 100, and a step costs the same at 1e5 and 1e6 rows (bench_engine.py).
EVALUATION_ROWS = 10_000


@dataclass(frozen=True)
class FitTrajectory(Trajectory):
    """A ``Trajectory`` of ``fit``, with what the page needs to write each update out.

    Beyond ``Trajectory``'s fields: ``loss_name`` (in LOSSES), ``optimizer`` (in OPTIMIZERS),
    ``schedule`` and ``settings``: every hyper-parameter of the loss's and the optimizer's rows
    by name (the values the run used, defaults filled in; a mini-batch size at most N), plus
    ``record_rows``;
    ``step_size`` (k,) = eta_1..eta_k; ``step_grad_w`` (k, d), ``step_grad_b`` (k,): the
    gradient each step used (``grad_w``, ``grad_b`` of the iterate before it for the full-batch
    optimizers; a mini-batch's for sgd); ``state``:
    each state vector of the optimizer (``Optimizer.state``) after every step, (k+1, d+1),
    row 0 the zeros it starts from. ``max_stable_learning_rate`` is 1/lambda_max(S) of the
    data, the limit of constant-step GD on the MSE (``verdict`` means that case only).
    ``evaluation_rows``: how many rows ``loss``, ``grad_w`` and ``grad_b`` were computed on:
    N, or fewer for a mini-batch MAE / Huber run given ``record_rows`` (module doc); the stop
    decision reads the same numbers.

    Penalties: ``penalty`` (in PENALTIES) and ``alpha`` of the run. ``loss`` is the OBJECTIVE
    at every iterate, the data loss plus P(w) (the data loss alone without a penalty);
    ``data_loss`` (k+1,) the data loss alone; ``grad_w`` the gradient of the objective
    (for L1 with the subgradient alpha sign(w), sign(0) = 0), ``loss_grad_w`` (k+1, d) the data
    loss's gradient alone (what the optimality condition |dL/dw_j| <= alpha at w_j = 0 reads);
    ``subgradient_norm`` (k+1,): the norm of the minimum-norm subgradient of the objective,
    which the stop test compares with tol x scale (``grad_norm`` for a smooth objective).
    ``step_grad_w`` of a proximal optimizer is the data loss's gradient (what its step used).
    """

    loss_name: str
    optimizer: str
    schedule: str
    settings: Mapping
    step_size: np.ndarray
    step_grad_w: np.ndarray
    step_grad_b: np.ndarray
    state: Mapping
    evaluation_rows: int
    penalty: str
    alpha: float
    data_loss: np.ndarray
    loss_grad_w: np.ndarray
    subgradient_norm: np.ndarray

    @property
    def huber_delta(self) -> float | None:
        """Huber's delta of the run (None for a loss without one)."""
        return self.settings.get("huber_delta")

    @property
    def fit_settings(self) -> dict:
        """The run's hyper-parameters as ``fit`` keywords (record_rows left out)."""
        return {k: v for k, v in self.settings.items() if k != "record_rows"}

    @property
    def zero_weights(self) -> np.ndarray:
        """(k+1, d) booleans: which weights are exactly 0 at each iterate."""
        return self.w == 0


def evenly_spaced_rows(n, count):
    """`count` evenly spaced row indices of n, round(i (n-1) / (count-1)), from the first row
    to the last (a file sorted by a column is sampled across all its values); None (every
    row) when count is None or n <= count."""
    if count is None or n <= count:
        return None
    return np.round(np.linspace(0, n - 1, count)).astype(np.intp)


def check_record_rows(record_rows) -> int | None:
    """``record_rows`` as an int >= 2, or None; DataError otherwise."""
    if record_rows is None:
        return None
    try:
        value = int(record_rows)
    except (TypeError, ValueError, OverflowError):
        value = 0
    if value != record_rows or value < 2:
        raise DataError("record_rows must be a whole number of at least 2, or None (every row).")
    return value


class _StatisticsLoss:
    """MSE value and gradient at K points (K, d+1) from the statistics, O(d^2) per point.

    L = L* + sum_i lam_i z_i^2 and grad = 2 Q (lam z), z = Q^T (theta - theta*): never
    negative and accurate near the optimum (as in ``gradient_descent``).
    """

    def __init__(self, stats: RegressionStatistics):
        self.theta_opt = np.append(stats.w_opt, stats.b_opt)
        self.lam, self.Q, self.loss_opt = stats.eigenvalues, stats.eigenvectors, stats.loss_opt

    def __call__(self, points):
        z = (points - self.theta_opt) @ self.Q
        return self.loss_opt + (z * z) @ self.lam, 2.0 * (self.lam * z) @ self.Q.T


class _DataLoss:
    """Loss value and gradient at K points (K, d+1) from the data: one pass over X per call.

    The rows go in blocks; residuals and rho' of a block are (K, rows) buffers reused from call
    to call, so a step allocates nothing of size N.
    """

    def __init__(self, X, y, row: Loss, settings: Mapping):
        self.X, self.y, self.row, self.settings = X, y, row, settings
        self._buffers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _buffers_for(self, count: int, rows: int):
        if (count, rows) not in self._buffers:
            self._buffers[count, rows] = (np.empty((count, rows)), np.empty((count, rows)),
                                          np.empty((count, self.X.shape[1])))
        return self._buffers[count, rows]

    def __call__(self, points):
        n, d = self.X.shape
        count = len(points)
        weights = np.ascontiguousarray(points[:, :d])
        intercepts = points[:, d:]
        rows = min(n, BLOCK_ROWS, max(MIN_BLOCK_ROWS, BLOCK_VALUES // count))
        total = np.zeros(count)
        grad = np.zeros((count, d + 1))
        for start in range(0, n, rows):
            block = self.X[start : start + rows]
            residual, derivative, product = self._buffers_for(count, len(block))
            if count == 1:  # numpy's dot into a vector is faster than matmul into a (1, m) row
                np.dot(block, weights[0], out=residual[0])
            else:
                np.matmul(weights, block.T, out=residual)
            np.subtract(residual, self.y[start : start + len(block)], out=residual)
            residual += intercepts
            self.row.derivative(residual, self.settings, out=derivative)
            total += self.row.total(residual, derivative, self.settings)
            if count == 1:
                np.dot(derivative[0], block, out=product[0])
            else:
                np.matmul(derivative, block, out=product)
            grad[:, :d] += product
            grad[:, d] += derivative.sum(axis=1)
        return total / n, grad / n


class _MiniBatch:
    """Loss and gradient of ``batch_size`` rows drawn with replacement: rng.integers(0, N)."""

    def __init__(self, X, y, row: Loss, settings: Mapping, batch_size: int, seed: int):
        self.X, self.y, self.row, self.settings = X, y, row, settings
        self.rng = np.random.default_rng(seed)
        self.rows = np.empty((batch_size, X.shape[1]))
        self.targets = np.empty(batch_size)

    def __call__(self, theta):
        index = self.rng.integers(0, len(self.y), size=len(self.targets))
        np.take(self.X, index, axis=0, out=self.rows)
        np.take(self.y, index, out=self.targets)
        residual = self.rows @ theta[:-1] + theta[-1] - self.targets
        derivative = self.row.derivative(residual, self.settings)
        size = len(self.targets)
        return (float(self.row.total(residual, derivative, self.settings)) / size,
                np.append(derivative @ self.rows, derivative.sum()) / size)


def _start_from(w0, b0, d: int) -> np.ndarray:
    try:
        if w0 is not None and np.ndim(w0) == 0:
            w0 = np.full(d, float(w0))
        return start_point(w0, float(b0), d)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError("The start point (w0, b0) must be numbers.") from None


def is_article_run(loss: str, optimizer: str, schedule: str, penalty: str = "none") -> bool:
    """The article's set-up, MSE with constant-step gradient descent and no penalty: ``fit``
    runs it in closed form (``gradient_descent``) and the page shows its own panels for it."""
    return loss == "mse" and optimizer == "gd" and schedule == "constant" and penalty == "none"


def run_settings(loss: str, optimizer: str, settings: Mapping, rows: int | None = None
                 ) -> tuple[Loss, object, dict, dict]:
    """(loss row, optimizer row, the loss's settings, the optimizer's settings) for ``fit``'s
    keyword ``settings``: each hyper-parameter of the two rows from `settings` (checked against
    its range) or its default; None stands for the default. A mini-batch size is at most
    `rows`. DataError for an unknown loss or optimizer, a name no row declares, or a value
    out of range; settings of rows not chosen are ignored."""
    row, method = get_loss(loss), get_optimizer(optimizer)
    given = {name: value for name, value in settings.items() if value is not None}
    check_names(given, [LOSS_TABLE, OPTIMIZER_TABLE, PENALTY_TABLE])
    loss_values, method_values = row_settings(row, given), row_settings(method, given)
    if rows is not None and "batch_size" in method_values:
        method_values["batch_size"] = min(int(method_values["batch_size"]), rows)
    return row, method, loss_values, method_values


def fit(X, y, *, loss="mse", optimizer="gd", learning_rate=0.1, steps=200, w0=0.0, b0=0.0,
        schedule="constant", penalty="none", alpha=0.0, tol=1e-10, record_rows=None,
        stats: RegressionStatistics | None = None, **settings) -> FitTrajectory:
    """Minimise ``loss`` over (w, b) with ``optimizer`` from (w0, b0); see the module doc.

    X (N, d), y (N,); w0 a number (every weight), (d,) or None (zeros). ``learning_rate`` eta
    is scaled by ``schedule`` ("constant", "1/sqrt(k)", "1/k") at step k. ``settings``: the
    hyper-parameters of the chosen loss's and optimizer's rows by name (``LOSS_TABLE``,
    ``OPTIMIZER_TABLE``), e.g. ``momentum`` (mu; beta1 for Adam), ``beta2``, ``epsilon``,
    ``batch_size`` (at most N is used) and ``seed`` (mini-batch SGD), ``huber_delta``; each
    left out takes its row's default. ``penalty`` ("none", "l2", "l1": ``PENALTY_TABLE``) adds
    alpha ||w||^2 or alpha ||w||_1 to the loss (never on b; see the module doc and
    ``FitTrajectory``: ``loss`` is then the objective); it applies to the weights of X's
    columns as given, so a run on standardised columns penalises theirs (its optimum is
    ``reference_fit(..., standardize=True)``). The run stops at ``steps``, when the
    (minimum-norm sub)gradient norm of the objective is below ``tol`` x the loss's gradient
    scale, or before the objective diverges
    (``gradcore.regression.stopping``). ``record_rows``: see the module doc (mini-batch MAE / Huber
    only). Pass ``stats`` = ``regression_statistics(X, y)`` to reuse them. Raises DataError for
    unusable data or settings (a name no row declares, a value outside its row's range, an
    unknown penalty, alpha outside [0, 1e12)).
    """
    X, y = as_xy(X, y)
    row, method, loss_values, method_values = run_settings(loss, optimizer, settings, len(y))
    penalty_row, alpha, penalty_values = penalty_settings(penalty, alpha, settings)
    schedule = check_schedule(schedule)
    stats = regression_statistics(X, y) if stats is None else stats
    d = X.shape[1]
    rate, steps, tol = check_run_settings(learning_rate, steps, tol, d)
    theta0 = _start_from(w0, b0, d)
    common = {"loss_name": row.name, "optimizer": method.name, "schedule": schedule,
              "settings": {**loss_values, **method_values, **penalty_values,
                           "record_rows": check_record_rows(record_rows)},
              "penalty": penalty_row.name, "alpha": alpha}
    if is_article_run(row.name, method.name, schedule, penalty_row.name):
        run = gradient_descent(X, y, rate, steps, theta0[:d], theta0[d], tol, stats=stats)
        fields = {name: getattr(run, name) for name in Trajectory.__dataclass_fields__}
        return FitTrajectory(**fields, **common, step_size=readonly(np.full(run.steps_taken, rate)),
                             step_grad_w=run.grad_w[:-1], step_grad_b=run.grad_b[:-1], state={},
                             evaluation_rows=len(y), data_loss=run.loss, loss_grad_w=run.grad_w,
                             subgradient_norm=readonly(run.grad_norm))
    term = PenaltyTerm(penalty_row, alpha, penalty_values, d)
    return _run(X, y, row, method, loss_values, rate, steps, tol, schedule, method_values,
                theta0, stats, common, term)


class _Record:
    """Preallocated arrays for up to ``steps`` steps: iterates, losses, gradients, step data."""

    def __init__(self, steps: int, d: int, state_names):
        self.theta, self.loss = np.empty((steps + 1, d + 1)), np.empty(steps + 1)
        self.grad, self.step_grad = np.empty((steps + 1, d + 1)), np.empty((steps, d + 1))
        self.state = {name: np.zeros((steps + 1, d + 1)) for name in state_names}


class _NoiseFloor:
    """``stopping.without_rounding_noise`` for one run: its loss row, settings and the columns'
    rms (a row without ``rounding`` takes nothing as rounding)."""

    def __init__(self, row: Loss, settings: Mapping, stats: RegressionStatistics):
        self.row, self.settings, self.rows = row, settings, stats.n_rows
        self.column_rms = np.sqrt(np.clip(np.diag(stats.S), 0.0, None))

    def __call__(self, g, loss_value, rows):
        bound = (None if self.row.rounding is None
                 else self.row.rounding(loss_value, self.settings))
        return without_rounding_noise(g, rows, bound, self.column_rms)


def _iterate(full, batch, method, theta0, rates, settings, bound, threshold, record,
             noise, penalty: PenaltyTerm) -> int:
    """Run the steps into ``record``; returns the last iterate stored (see the module doc).

    Full-batch (and MSE) runs evaluate each iterate as they go and stop at the first one over
    ``bound`` or under ``threshold``; mini-batch MAE / Huber runs stop only when an iterate is
    no longer finite or a batch's loss shows the full loss is over ``bound``, and are
    evaluated afterwards.
    """
    deferred = batch is not None and not isinstance(full, _StatisticsLoss)
    state = {name: np.zeros(len(theta0)) for name in method.state}
    theta, steps = theta0.copy(), len(rates)
    for k in range(steps + 1):
        record.theta[k] = theta
        for name in method.state:
            record.state[name][k] = state[name]
        if not deferred:
            values, gradients = full(theta[None])
            record.loss[k], record.grad[k] = values[0], gradients[0]
            objective = values[0] + penalty.value(theta)
            stationarity = penalty.stationarity(gradients[0], theta)
            if not objective <= bound or np.sqrt(stationarity @ stationarity) < threshold:
                return k
        if k == steps:
            return k
        if batch is None:
            g = noise(gradients[0], values[0], noise.rows)
        else:
            batch_loss, g = batch(theta)
            if deferred and not batch_loss <= bound * len(batch.y) / len(batch.targets):
                return k
            g = noise(g, batch_loss, len(batch.targets))
        if not method.proximal:
            g = g + penalty.gradient(theta)
        record.step_grad[k] = g
        method.step(theta, g, state, rates[k], k + 1, settings)
        if method.proximal:
            penalty.prox(theta, rates[k])
        if not np.isfinite(theta).all():
            return k
    return steps


def _run(X, y, row, method, loss_values, rate, steps, tol, schedule, settings, theta0, stats,
         common, penalty: PenaltyTerm):
    d = X.shape[1]
    full = _StatisticsLoss(stats) if row.name == "mse" else _DataLoss(X, y, row, loss_values)
    with np.errstate(over="ignore", invalid="ignore"):
        start_points = np.stack([theta0, np.zeros(d + 1)])
        start_losses, start_grads = full(start_points)
        start_losses = start_losses + penalty.value(start_points)
    if not start_losses[0] < MAX_START_LOSS:
        raise DataError("The loss at the start point is too large for floating point: start nearer 0.")
    bound = divergence_bound(float(start_losses[0]), float(start_losses[1]))
    scale = (measured_scale(float(np.linalg.norm(start_grads[1]))) if row.scale is None else
             _positive(row.scale(float(stats.eigenvalues[-1]), stats.c, loss_values)))
    threshold = tol * scale
    rates = step_size(rate, schedule, np.arange(1, steps + 1, dtype=float)) * np.ones(steps)
    batch = (_MiniBatch(X, y, row, loss_values, settings["batch_size"], settings["seed"])
             if method.minibatch else None)
    record = _Record(steps, d, method.state)
    rows = len(y)
    with np.errstate(over="ignore", invalid="ignore"):
        last = _iterate(full, batch, method, theta0, rates, settings, bound, threshold, record,
                        _NoiseFloor(row, loss_values, stats), penalty)
        if batch is not None and row.name != "mse":
            sample = evenly_spaced_rows(len(y), common["settings"]["record_rows"])
            if sample is not None:
                rows = len(sample)
                full = _DataLoss(X[sample], y[sample], row, loss_values)
            for start in range(0, last + 1, EVALUATION_POINTS):
                stop = min(start + EVALUATION_POINTS, last + 1)
                record.loss[start:stop], record.grad[start:stop] = full(record.theta[start:stop])
        points = record.theta[: last + 1]
        data_loss, loss_grad = record.loss[: last + 1], record.grad[: last + 1]
        objective = data_loss + penalty.value(points)
        grad = loss_grad + penalty.gradient(points)
        grad_norm = np.sqrt((penalty.stationarity(loss_grad, points) ** 2).sum(axis=1))
    end, reason = decide_stop(objective, grad_norm, bound, threshold, steps)
    message = stop_message(
        reason, end=end, steps=steps, grad_norm=float(grad_norm[end]), threshold=threshold,
        rate=rate, loss_row=row, optimizer_row=method, schedule=schedule,
        max_stable_rate=stats.max_stable_learning_rate,
        measure=("gradient norm" if penalty.row.minimum_norm is None else
                 "norm of the smallest subgradient (loss + penalty)"),
        detail=("" if penalty.row.minimum_norm is None or method.proximal else
                f" The {penalty.row.label} penalty's subgradient step keeps jumping across "
                "w_j = 0; the proximal optimizer lands on exact zeros."))

    def kept(values, rows):
        return readonly(values[:rows].copy())

    return FitTrajectory(
        w=kept(record.theta[:, :d], end + 1),
        b=kept(record.theta[:, d], end + 1),
        loss=kept(objective, end + 1),
        grad_w=kept(grad[:, :d], end + 1),
        grad_b=kept(grad[:, d], end + 1),
        stop_reason=reason,
        message=message,
        learning_rate=rate,
        steps_requested=steps,
        tol=tol,
        gradient_scale=scale,
        max_stable_learning_rate=stats.max_stable_learning_rate,
        **common,
        step_size=kept(rates, end),
        step_grad_w=kept(record.step_grad[:, :d], end),
        step_grad_b=kept(record.step_grad[:, d], end),
        state={name: kept(values, end + 1) for name, values in record.state.items()},
        evaluation_rows=rows,
        data_loss=kept(data_loss, end + 1),
        loss_grad_w=kept(loss_grad[:, :d], end + 1),
        subgradient_norm=kept(grad_norm, end + 1),
    )


def _positive(scale) -> float:
    return float(scale) if scale > 0 else 1.0


def loss_surface(X, y, w, b, loss="mse", huber_delta=1.0,
                 stats: RegressionStatistics | None = None, **settings) -> np.ndarray:
    """The full-data loss at many points: w (..., d) and b (...) -> L (...), for contour plots.

    MSE from the statistics (no pass over the data); MAE and Huber 64 points per pass.
    """
    row, values = loss_settings(loss, {"huber_delta": huber_delta, **settings})
    X, y = as_xy(X, y)
    w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    points = np.concatenate([w.reshape(-1, X.shape[1]), b.reshape(-1, 1)], axis=1)
    if row.name == "mse":
        full = _StatisticsLoss(regression_statistics(X, y) if stats is None else stats)
    else:
        full = _DataLoss(X, y, row, values)
    values = np.concatenate([full(points[start : start + EVALUATION_POINTS])[0]
                             for start in range(0, len(points), EVALUATION_POINTS)])
    return values.reshape(b.shape)
