"""Linear regression: the article's MSE loss and gradient, and gradient descent on it.

Model: y_hat_i = w . x_i + b for rows x_i of X (N, d). Loss (article, section 5.3):

    L(w, b) = 1/N sum_i (w . x_i + b - y_i)^2
    grad_w L = 2/N sum_i (w . x_i + b - y_i) x_i,   dL/db = 2/N sum_i (w . x_i + b - y_i)

``mse_loss`` and ``mse_gradient`` compute these directly from the data and are the reference
that everything else is tested against. ``gradient_descent`` runs the same iteration
theta_{k+1} = theta_k - learning_rate * grad L(theta_k) from the sufficient statistics
(gradcore.regression.statistics), without reading the data again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.errors import DataError
from gradcore.number_text import distinguishable
from gradcore.regression.statistics import RegressionStatistics, as_xy, regression_statistics
from gradcore.regression.stopping import decide_stop, divergence_bound, stop_message

MAX_STEPS = 1_000_000
# (steps + 1) * (d + 1) values per trajectory array: bounds the memory of one run (the page
# keeps about 4 such arrays, under 40 MB, and its CSV download about 100 MB of text). 100,000
# steps are allowed with up to 10 features (the generator's most), 10,000 with up to 118.
MAX_TRAJECTORY_VALUES = 1_200_000
MAX_START_LOSS = 1e280

StopReason = str  # "converged" | "diverged" | "max_steps"
# A learning rate within this relative distance of 1/lambda_max is "on the edge": rounding in
# lambda_max alone moves the bound by more than eps, so closer than this is not "below" or "above".
EDGE_RTOL = 1e-9
# The learning rates a student picks from (1, 2, 5 per decade, 1e-6 to 50): the regression
# page's select slider and the exercises that ask about a rate.
LEARNING_RATES = tuple(float(f"{m}e{e}") for e in range(-6, 2) for m in (1, 2, 5))


def mse_loss(X, y, w, b) -> float:
    """L(w, b) = 1/N sum_i (w . x_i + b - y_i)^2 for X (N, d), y (N,), w (d,), scalar b."""
    X, y = as_xy(X, y)
    residual = X @ np.asarray(w, dtype=float) + float(b) - y
    return float(residual @ residual / len(y))


def mse_gradient(X, y, w, b) -> tuple[np.ndarray, float]:
    """The article's gradient of the MSE: (grad_w (d,), dL/db).

    grad_w = 2/N sum_i r_i x_i and dL/db = 2/N sum_i r_i with residuals r_i = w . x_i + b - y_i.
    """
    X, y = as_xy(X, y)
    residual = X @ np.asarray(w, dtype=float) + float(b) - y
    n = len(y)
    return 2.0 / n * (X.T @ residual), float(2.0 / n * residual.sum())


# mse_gradient_path reads the rows in blocks whose residuals at every iterate (rows x
# iterates) take about this many bytes, and at least PATH_MIN_BLOCK_ROWS rows. Each block costs
# about five numpy calls that let go of the GIL, and in a server whose other threads run Python
# each call waits up to the switch interval (5 ms) to get it back. Timed directly, 1,000,000 x
# 10 rows at 51 iterates: alone 0.39-0.41 s at 4,096 to 32,768 rows a block; beside 3 threads
# running Python 22.7 s at 4,096 rows (245 blocks), 10.5 s at 8,192, 5.1 s at 16,384, 3.1 s at
# 32,768. At 201 iterates, blocks of 32 and 64 MB took 1.9-2.3 s of CPU alone against 1.25 s at
# 16 MB (out of cache), hence 16 MB (41,120 rows at 51 iterates, 10,433 at 201). The page's own
# path, benchmarks/bench_table_build.py --gil-busy 3: 20-21 s at 4,096 rows, 5.3-5.6 s now.
PATH_BLOCK_BYTES = 16 * 2**20
PATH_MIN_BLOCK_ROWS = 4096


def path_block_rows(iterates: int) -> int:
    """Rows per block of ``mse_gradient_path`` at `iterates` points (PATH_BLOCK_BYTES)."""
    return max(PATH_MIN_BLOCK_ROWS, PATH_BLOCK_BYTES // (8 * max(int(iterates), 1)))


def mse_gradient_path(X, y, W, B, block_rows: int | None = None,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``mse_gradient`` at many points at once: (grad_w (K, d), dL/db (K,)) at the rows of
    W (K, d) and B (K,), from the residuals r_ik = w_k . x_i + b_k - y_i of every row, summed
    2/N sum_i r_ik x_i in one pass over the data (block by block, so its memory is
    block_rows x K values, not N x K; ``path_block_rows(K)`` unless given). Equal to K calls
    of ``mse_gradient`` up to rounding."""
    X, y = as_xy(X, y)
    W = np.asarray(W, dtype=float).reshape(-1, X.shape[1])
    B = np.asarray(B, dtype=float).reshape(-1)
    if len(B) != len(W):
        raise DataError("W and B must hold the same number of points.")
    if block_rows is None:
        block_rows = path_block_rows(len(W))
    grad_w, grad_b = np.zeros((len(W), X.shape[1])), np.zeros(len(W))
    W_columns = np.ascontiguousarray(W.T)
    # One buffer for every block's residuals: a new array per block would be a new memory
    # mapping each time where large blocks are mapped (ui.regression.byte_store), 3x slower.
    buffer = np.empty((min(block_rows, len(y)), len(W)))
    for start in range(0, len(y), block_rows):
        block = X[start:start + block_rows]
        residual = np.matmul(block, W_columns, out=buffer[:len(block)])  # (rows, K)
        residual += B
        residual -= y[start:start + block_rows, None]
        grad_w += residual.T @ block
        grad_b += residual.sum(axis=0)
    n = len(y)
    return 2.0 / n * grad_w, 2.0 / n * grad_b


def readonly(array: np.ndarray) -> np.ndarray:
    """`array`, marked read-only (every trajectory array is: caches share them)."""
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Trajectory:
    """The iterates of one gradient-descent run, the start included (row 0).

    ``w`` (k+1, d), ``b`` (k+1,), ``loss`` (k+1,), ``grad_w`` (k+1, d), ``grad_b`` (k+1,)
    with k = ``steps_taken``; every value is finite. ``stop_reason``: "converged" (gradient
    norm < ``tol`` * ``gradient_scale``), "diverged" (the loss passed
    DIVERGENCE_FACTOR * (start loss + mean y^2); the run stops at the last iterate before)
    or "max_steps". ``message`` explains the stop in a sentence a page can show.
    ``learning_rate``, ``steps_requested``, ``tol``, ``gradient_scale`` and
    ``max_stable_learning_rate`` (1/lambda_max(S)) record the set-up.
    """

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    grad_w: np.ndarray
    grad_b: np.ndarray
    stop_reason: StopReason
    message: str
    learning_rate: float
    steps_requested: int
    tol: float
    gradient_scale: float
    max_stable_learning_rate: float

    @property
    def steps_taken(self) -> int:
        """Number of updates made: ``len(b) - 1``."""
        return len(self.b) - 1

    @property
    def grad_norm(self) -> np.ndarray:
        """||(grad_w, grad_b)|| at every iterate, shape (k+1,)."""
        return np.sqrt((self.grad_w**2).sum(axis=1) + self.grad_b**2)

    @property
    def final(self) -> tuple[np.ndarray, float]:
        """The last iterate (w, b)."""
        return self.w[-1].copy(), float(self.b[-1])

    @property
    def verdict(self) -> LearningRateVerdict:
        """``learning_rate_verdict`` of this run's learning rate and stable limit."""
        return learning_rate_verdict(self.learning_rate, self.max_stable_learning_rate)


@dataclass(frozen=True)
class LearningRateVerdict:
    """What a constant learning rate eta does to gradient descent on the MSE.

    ``kind``: "stable" (eta < 1/lambda_max: converges), "edge" (eta = 1/lambda_max within a
    relative ``EDGE_RTOL``: oscillates along the top eigenvector of S, neither converging nor
    diverging) or "diverges" (eta > 1/lambda_max). ``factor`` = |1 - 2 eta lambda_max|, the
    factor by which one step multiplies the error along the top eigenvector. ``message``: a
    sentence for the page.
    """

    kind: str
    message: str
    learning_rate: float
    max_stable_rate: float
    factor: float


def learning_rate_verdict(learning_rate, max_stable_rate) -> LearningRateVerdict:
    """Classify a learning rate against the stable limit 1/lambda_max (``max_stable_learning_rate``).

    Each step multiplies the error along the top eigenvector of S by 1 - 2 eta lambda_max =
    1 - 2 eta / max_stable_rate: |.| < 1 (stable), = -1 (edge: the error flips sign and keeps
    its size) or > 1 (diverges). Raises DataError unless both are positive finite numbers.
    """
    try:
        rate, bound = float(learning_rate), float(max_stable_rate)
    except (TypeError, ValueError):
        raise DataError("The learning rate and the stable limit must be numbers.") from None
    if not (np.isfinite(rate) and rate > 0 and np.isfinite(bound) and bound > 0):
        raise DataError(f"The learning rate must be a positive number; got {learning_rate!r}.")
    factor = abs(1.0 - 2.0 * rate / bound)
    eta, limit = distinguishable(rate, bound)
    shown_factor = distinguishable(factor, 1.0)[0]
    if abs(rate - bound) <= EDGE_RTOL * bound:
        kind = "edge"
        message = (
            f"η = {rate:.4g} equals the largest stable learning rate 1/λmax = {bound:.4g} (within "
            f"a relative {EDGE_RTOL:.0e}): the edge. Each step multiplies the error along the "
            "steepest direction (the top eigenvector of S) by 1 − 2ηλmax ≈ −1, so it flips sign "
            "without shrinking: gradient descent oscillates there and neither converges nor "
            "diverges; the loss levels off above the minimum. Choose a slightly smaller η."
        )
    elif rate < bound:
        kind = "stable"
        message = (
            f"η = {eta} is below the largest stable learning rate 1/λmax = {limit}: stable, "
            "gradient descent converges (each step multiplies the error along the steepest "
            f"direction by |1 − 2ηλmax| = {shown_factor} < 1)."
        )
    else:
        kind = "diverges"
        message = (
            f"η = {eta} is above the largest stable learning rate 1/λmax = {limit}: gradient "
            f"descent diverges. Each step multiplies the error along the steepest direction by "
            f"|1 − 2ηλmax| = {shown_factor} > 1. Choose η below {limit}."
        )
    return LearningRateVerdict(kind=kind, message=message, learning_rate=rate,
                               max_stable_rate=bound, factor=factor)


def check_run_settings(learning_rate, steps, tol, d: int) -> tuple[float, int, float]:
    """(learning rate, steps, tol) checked for a run with `d` features (the engine's and the
    exported script's common settings); DataError saying what is wrong."""
    try:
        rate, tol = float(learning_rate), float(tol)
    except (TypeError, ValueError):
        raise DataError("The learning rate and tolerance must be numbers.") from None
    if not (np.isfinite(rate) and rate > 0):
        raise DataError(f"The learning rate must be a positive number; got {learning_rate!r}.")
    if not (np.isfinite(tol) and tol >= 0):
        raise DataError(f"The tolerance must be a non-negative number; got {tol!r}.")
    if isinstance(steps, bool) or not float(steps).is_integer() or steps < 0:
        raise DataError(f"The number of steps must be a whole number >= 0; got {steps!r}.")
    steps = int(steps)
    limit = min(MAX_STEPS, MAX_TRAJECTORY_VALUES // (d + 1) - 1)
    if steps > limit:
        raise DataError(f"At most {limit:,} steps with {d} features; got {steps:,}.")
    return rate, steps, tol


def start_point(w0, b0, d: int) -> np.ndarray:
    """theta_0 = (w0, b0) as one (d + 1,) vector (w0 None: zeros); DataError if unusable."""
    w0 = np.zeros(d) if w0 is None else np.asarray(w0, dtype=float).reshape(-1)
    if w0.shape != (d,):
        raise DataError(f"The start w0 needs {d} values (one per feature); got {w0.size}.")
    theta0 = np.append(w0, float(b0))
    if not np.isfinite(theta0).all():
        raise DataError("The start point (w0, b0) must be finite numbers.")
    return theta0


def _divergence_step(z0, ratio, lam, bound) -> int | None:
    """First k at which some single term lam_i (ratio_i^k z0_i)^2 exceeds ``bound`` (or None)."""
    growing = (np.abs(ratio) > 1) & (z0 != 0) & (lam > 0)
    if not growing.any():
        return None
    with np.errstate(divide="ignore"):
        k = (np.log(bound) - np.log(lam[growing]) - 2 * np.log(np.abs(z0[growing]))) / (
            2 * np.log(np.abs(ratio[growing]))
        )
    return max(int(np.floor(k.min())) + 1, 1)


def gradient_descent(
    X, y, learning_rate, steps, w0=None, b0=0.0, tol=1e-10, *, stats: RegressionStatistics | None = None
) -> Trajectory:
    """Full-batch gradient descent on the MSE with a constant learning rate.

    Iterates theta_{k+1} = theta_k - learning_rate * grad L(theta_k), theta = (w, b), from
    (w0, b0) (w0 = 0 by default) for at most ``steps`` updates. The gradient
    grad L = 2 (S theta - t) equals the article's formula (``mse_gradient``). Pass ``stats``
    (from ``regression_statistics(X, y)``) to reuse them; X and y are then not read.

    The loss is quadratic, so the iteration is linear: in the eigenbasis of S (S = Q diag(lam) Q^T)
    each coordinate of z = Q^T (theta - theta*) is multiplied by (1 - 2 learning_rate lam_i) per
    step. The iterates are evaluated that way, all steps at once, so 100,000 steps cost
    milliseconds; the loss is L* + sum_i lam_i z_i^2, accurate near the optimum and never
    negative. Divergence is found from the growth rates before any value can overflow. At
    learning_rate = 1/lambda_max (``learning_rate_verdict`` kind "edge") the error along the top
    eigenvector keeps its size and flips sign every step: the run ends at the step limit and its
    message says it oscillates. Raises DataError for unusable data or settings.
    """
    if stats is None:
        stats = regression_statistics(X, y)
    d = stats.n_features
    rate, steps, tol = check_run_settings(learning_rate, steps, tol, d)
    theta0 = start_point(w0, b0, d)
    theta_opt = np.append(stats.w_opt, stats.b_opt)
    lam, Q = stats.eigenvalues, stats.eigenvectors
    z0 = Q.T @ (theta0 - theta_opt)
    with np.errstate(over="ignore", invalid="ignore"):
        loss0 = stats.loss_opt + float(lam @ z0**2)
    if not loss0 < MAX_START_LOSS:
        raise DataError("The loss at the start point is too large for floating point: start nearer 0.")
    bound = divergence_bound(loss0, stats.c)
    ratio = np.where(z0 == 0, 1.0, 1.0 - 2.0 * rate * lam)
    k_over = _divergence_step(z0, ratio, lam, bound)
    last = steps if k_over is None else min(steps, k_over - 1)
    z = z0 * ratio ** np.arange(last + 1)[:, None]
    loss = stats.loss_opt + (z**2) @ lam
    grad_norm = 2.0 * np.sqrt(((lam * z) ** 2).sum(axis=1))
    threshold = tol * stats.gradient_scale
    end, reason = decide_stop(loss, grad_norm, bound, threshold, steps)
    z = z[: end + 1]
    theta = theta_opt + z @ Q.T
    theta[0] = theta0
    grad = 2.0 * (lam * z) @ Q.T
    message = _stop_message(reason, end, steps, rate, stats, grad_norm[end], threshold, ratio, z0)
    return Trajectory(
        w=readonly(theta[:, :d]),
        b=readonly(theta[:, d].copy()),
        loss=readonly(loss[: end + 1].copy()),
        grad_w=readonly(grad[:, :d]),
        grad_b=readonly(grad[:, d].copy()),
        stop_reason=reason,
        message=message,
        learning_rate=rate,
        steps_requested=steps,
        tol=tol,
        gradient_scale=stats.gradient_scale,
        max_stable_learning_rate=stats.max_stable_learning_rate,
    )


def _stop_message(reason, end, steps, rate, stats, grad_norm, threshold, ratio, z0) -> str:
    from gradcore.regression.losses import LOSS_TABLE
    from gradcore.regression.optimizers import OPTIMIZER_TABLE

    limit = stats.max_stable_learning_rate
    detail = ""
    if reason == "max_steps":
        detail = _step_limit_detail(rate, stats, ratio, z0)
    return stop_message(reason, end=end, steps=steps, grad_norm=grad_norm, threshold=threshold,
                        rate=rate, loss_row=LOSS_TABLE["mse"], optimizer_row=OPTIMIZER_TABLE["gd"],
                        schedule="constant", max_stable_rate=limit, detail=detail)


def _step_limit_detail(rate, stats, ratio, z0) -> str:
    """What the closed form knows at the step limit: growing, on the edge, or a tiny rate."""
    limit = stats.max_stable_learning_rate
    text = ""
    verdict = learning_rate_verdict(rate, limit)
    active = (z0 != 0) & (stats.eigenvalues > 0)
    if verdict.kind == "diverges" and np.any(np.abs(ratio[active]) > 1):
        text += f" The loss is growing, so more steps diverge: {verdict.message}"
    elif verdict.kind == "edge" and np.any(np.abs(ratio[active] + 1) <= 4 * EDGE_RTOL):
        text += f" {verdict.message}"
    elif rate < 1e-3 * limit:
        text += f" The learning rate is tiny next to the stable limit {limit:.3g}: try a larger one."
    return text


def max_stable_learning_rate(X) -> float:
    """1 / lambda_max(S) with S = A^T A / N, A = [X 1]: the largest rate for which GD converges.

    The Hessian of L is 2S, so each step multiplies the error along an eigenvector by
    1 - 2 eta lambda_i; |1 - 2 eta lambda_max| < 1 exactly when eta < 1/lambda_max.
    """
    X = np.asarray(X, dtype=float)
    return regression_statistics(X, np.zeros(len(X))).max_stable_learning_rate


def condition_number(X) -> float:
    """lambda_max(S) / lambda_min(S) for S = A^T A / N, A = [X 1] (inf when S is singular).

    GD needs about condition_number steps per factor e of progress; standardising X lowers it.
    """
    X = np.asarray(X, dtype=float)
    return regression_statistics(X, np.zeros(len(X))).condition_number
