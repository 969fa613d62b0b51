"""Sufficient statistics of a least-squares problem, built in one pass over the data.

With A = [X 1] (N x (d+1)) and theta = (w, b), the MSE loss is
L(theta) = theta^T S theta - 2 theta^T t + c with S = A^T A / N, t = A^T y / N, c = y^T y / N.
Everything gradient descent needs afterwards is in :class:`RegressionStatistics`; no step reads
the data again.

Near the optimum, theta^T S theta - 2 theta^T t + c subtracts numbers of size c to get a loss
that may be a millionth of c. So the statistics are also kept centred (covariances of X and y)
and the least-squares optimum (w*, b*) with its loss L* is solved here once; losses along a
trajectory are then L* + (theta - theta*)^T S (theta - theta*), a sum of non-negative terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.errors import DataError

# Relative size below which a correlation-matrix eigenvalue counts as zero: a column that is
# a linear combination of others leaves an eigenvalue of about 1e-16 there.
RANK_TOLERANCE = 1e-10
# Largest |value| whose squares, summed over MAX_ROWS (2 million) rows, stay below the largest
# float64 (1.8e308); and the smallest non-zero |value| of a column whose squares are still
# normal numbers (above 2.2e-308) with all their digits. ``diagnostics.check_magnitudes``
# rejects columns outside [MIN_MAGNITUDE, MAX_MAGNITUDE] with the column's name.
MAX_MAGNITUDE = 1e150
MIN_MAGNITUDE = 1e-150
# The one-pass formula X^T X / N - mean mean^T loses about log10(mean^2 / variance) digits;
# beyond this ratio the covariances are recomputed from data shifted by the mean.
_MAX_MEAN_TO_SPREAD = 1e4
# Below this fraction of the centred target variance the optimum's loss is recomputed
# directly from the residuals (a nearly perfect fit would otherwise be rounding noise).
_DIRECT_LOSS_FRACTION = 1e-4
_BLOCK_ROWS = 8192
_EPS = np.finfo(float).eps


def as_xy(X, y, check_finite: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert regression inputs.

    X: (N, d) array-like (a 1-D X is one feature), y: (N,). Returns float64 arrays.
    Raises DataError for fewer than 2 rows, no feature column, mismatched lengths,
    or (unless ``check_finite`` is False) values that are not finite numbers.
    """
    try:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"The data must be numbers: {exc}") from None
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or y.ndim != 1:
        raise DataError("X must be a table (rows x features) and y a single column.")
    if X.shape[0] != y.shape[0]:
        raise DataError(f"X has {X.shape[0]} rows but y has {y.shape[0]}: they must match.")
    if X.shape[0] < 2:
        raise DataError(f"Regression needs at least 2 rows of data; this has {X.shape[0]}.")
    if X.shape[1] == 0:
        raise DataError("There is no feature column: choose at least one feature besides the target.")
    if check_finite and not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise DataError("The data contain missing or infinite values: drop or fill those rows first.")
    return X, y


@dataclass(frozen=True)
class RegressionStatistics:
    """Everything gradient descent and the checks need, computed once from (X, y).

    Attributes: ``n_rows`` N, ``n_features`` d; ``x_mean`` (d,), ``y_mean``; centred
    ``cov`` C = Xc^T Xc / N (d, d), ``cov_xy`` r = Xc^T yc / N (d,), ``var_y`` v = yc^T yc / N;
    uncentred ``S`` = A^T A / N ((d+1, d+1), last row/column for the intercept), ``t`` = A^T y / N,
    ``c`` = y^T y / N; ``eigenvalues`` (ascending, clipped at 0) and ``eigenvectors`` of S;
    the least-squares optimum ``w_opt``, ``b_opt`` (minimum-norm when not unique) and its loss
    ``loss_opt``; ``rank`` of the centred features and ``constant_columns`` (indices).
    """

    n_rows: int
    n_features: int
    x_mean: np.ndarray
    y_mean: float
    cov: np.ndarray
    cov_xy: np.ndarray
    var_y: float
    S: np.ndarray
    t: np.ndarray
    c: float
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    w_opt: np.ndarray
    b_opt: float
    loss_opt: float
    rank: int
    constant_columns: tuple[int, ...]

    @property
    def unique_optimum(self) -> bool:
        """True when exactly one (w, b) minimises the loss (full column rank, N > d)."""
        return self.rank == self.n_features and self.n_rows > self.n_features

    def loss_at(self, w, b) -> np.ndarray:
        """L(w, b) for many points at once, without reading the data: w (..., d), b (...).

        L = L* + z^T diag(lambda) z with z = Q^T (theta - theta*): never negative, accurate near
        the optimum. Use it for loss contours over a grid of (w, b).
        """
        theta = np.concatenate([np.asarray(w, dtype=float), np.asarray(b, dtype=float)[..., None]], axis=-1)
        z = (theta - np.append(self.w_opt, self.b_opt)) @ self.eigenvectors
        return self.loss_opt + (z**2) @ self.eigenvalues

    @property
    def max_stable_learning_rate(self) -> float:
        """1 / lambda_max(S): GD with the gradient 2(S theta - t) converges for smaller rates."""
        return float(1.0 / self.eigenvalues[-1])

    @property
    def condition_number(self) -> float:
        """lambda_max(S) / lambda_min(S); inf when S is singular (the optimum is not unique)."""
        lam_min, lam_max = self.eigenvalues[0], self.eigenvalues[-1]
        if lam_min <= lam_max * len(self.eigenvalues) * _EPS:
            return float("inf")
        return float(lam_max / lam_min)

    @property
    def gradient_scale(self) -> float:
        """2 sqrt(lambda_max(S) c): the largest gradient norm possible at theta = 0 (1 if y = 0).

        ``gradient_descent`` calls a run converged when ||grad|| < tol * gradient_scale.
        """
        scale = 2.0 * np.sqrt(self.eigenvalues[-1] * self.c)
        return float(scale) if scale > 0 else 1.0


def _centred_moments(X: np.ndarray, y: np.ndarray, shift_x, shift_y):
    """Means, covariances of X and y from one pass over row blocks of X - s_x and y - s_y.

    Each block of ``_BLOCK_ROWS`` rows is copied, shifted, into a small buffer that stays in
    the processor's cache, and its sums are added up there: the shifted sums, squares and
    cross products of [X y] (the Gram matrix of [X - s_x, y - s_y, 1]). The buffer is laid out
    as X is (rows or columns contiguous), so that the shifted copy runs along contiguous
    memory; a C-ordered X is shifted by a block-sized tile of s_x for the same reason.
    """
    n, d = X.shape
    rows = min(_BLOCK_ROWS, n)
    by_columns = X.strides[0] < X.strides[1]
    if by_columns:
        buffer, shift = np.empty((d, rows)), np.asarray(shift_x, dtype=float)[:, None]
    else:
        buffer, shift = np.empty((rows, d)), np.tile(shift_x, (rows, 1))
    # Row 0: the block of y - s_y; row 1: ones. [y 1]^T @ [X y] gives y.X, sum X, y.y, sum y.
    y_one = np.ones((2, rows))
    xx, by_y = np.zeros((d, d)), np.zeros((2, d + 1))
    for start in range(0, n, _BLOCK_ROWS):
        m = min(_BLOCK_ROWS, n - start)
        if by_columns:
            block = np.subtract(X[start : start + m].T, shift, out=buffer[:, :m]).T
        else:
            block = np.subtract(X[start : start + m], shift[:m], out=buffer[:m])
        np.subtract(y[start : start + m], shift_y, out=y_one[0, :m])
        xx += block.T @ block
        by_y[:, :d] += y_one[:, :m] @ block
        by_y[:, d] += y_one[:, :m] @ y_one[0, :m]
    (xy, syy), (sx, sy) = (by_y[0, :d], by_y[0, d]), (by_y[1, :d], by_y[1, d])
    mx, my = sx / n, sy / n
    cov = xx / n - np.outer(mx, mx)
    return shift_x + mx, shift_y + my, cov, xy / n - mx * my, syy / n - my * my


def _moments(X: np.ndarray, y: np.ndarray):
    """Means and centred (co)variances in one pass over the data, shifted by the first block's
    means; a second pass, around the means, only if those were too far from them.

    E[(x - s)^2] - (m - s)^2 loses about log10((m - s)^2 / variance) digits. With s the mean of
    the first B = ``_BLOCK_ROWS`` rows, those rows alone make the variance at least about
    (B / N) (m - s)^2, so at most log10(N / B) digits are lost whatever the order of the rows
    (2.1 at a million rows; less than one for rows sorted by a feature), where the sums without a
    shift lose log10(m^2 / variance). Beyond ``_MAX_MEAN_TO_SPREAD`` the pass is redone with s
    = m (more than 80 million rows).
    """
    head = min(_BLOCK_ROWS, X.shape[0])
    shift_x, shift_y = X[:head].mean(axis=0), float(y[:head].mean())
    x_mean, y_mean, cov, cov_xy, var_y = _centred_moments(X, y, shift_x, shift_y)
    spread = np.concatenate([np.diag(cov), [var_y]])
    offset = np.concatenate([x_mean - shift_x, [y_mean - shift_y]]) ** 2
    if np.any(offset > _MAX_MEAN_TO_SPREAD * np.maximum(spread, 0.0)):
        x_mean, y_mean, cov, cov_xy, var_y = _centred_moments(X, y, x_mean, y_mean)
    cov = (cov + cov.T) / 2
    return x_mean, float(y_mean), cov, cov_xy, max(float(var_y), 0.0)


def _least_squares(cov, cov_xy, x_mean):
    """Minimum-norm w with C w = r, solved on the correlation scale; also rank and constants."""
    variance = np.clip(np.diag(cov), 0.0, None)
    constant = variance <= 64 * _EPS * (x_mean**2 + variance)
    inv_sd = np.where(constant, 0.0, 1.0 / np.sqrt(np.where(constant, 1.0, variance)))
    corr = cov * np.outer(inv_sd, inv_sd)
    mu, V = np.linalg.eigh(corr)
    keep = mu > RANK_TOLERANCE * max(mu.max(initial=0.0), 1.0)

    def solve(rhs):
        coeffs = V[:, keep].T @ (inv_sd * rhs) / mu[keep]
        return inv_sd * (V[:, keep] @ coeffs)

    w = solve(cov_xy)
    w = w + solve(cov_xy - cov @ w)
    return w, int(keep.sum()), tuple(int(j) for j in np.flatnonzero(constant))


def regression_statistics(X, y) -> RegressionStatistics:
    """Build :class:`RegressionStatistics` from X (N, d) and y (N,) in one pass over the data.

    A second pass happens only when it buys accuracy: data whose first rows' means are far
    from the means of all rows, compared with their spread (covariances recomputed around the
    means), and nearly perfect fits (L* recomputed from the
    residuals y - X w* - b*, since v - r^T w* would be rounding noise there).
    """
    X, y = as_xy(X, y, check_finite=False)
    n, d = X.shape
    with np.errstate(over="ignore", invalid="ignore"):
        x_mean, y_mean, cov, cov_xy, var_y = _moments(X, y)
    # NaN or inf anywhere in X or y reaches these sums, so the full check runs only then.
    if not (np.isfinite(cov).all() and np.isfinite(cov_xy).all() and np.isfinite(var_y)):
        as_xy(X, y)
        raise DataError(
            f"The values are too large to square in floating point (above about {MAX_MAGNITUDE:.0e}).")
    w_opt, rank, constant = _least_squares(cov, cov_xy, x_mean)
    b_opt = float(y_mean - w_opt @ x_mean)
    loss_opt = max(float(var_y - 2 * w_opt @ cov_xy + w_opt @ cov @ w_opt), 0.0)
    if loss_opt < _DIRECT_LOSS_FRACTION * var_y:
        residual = X @ w_opt + b_opt - y
        loss_opt = float(residual @ residual / n)
    S = np.empty((d + 1, d + 1))
    S[:d, :d] = cov + np.outer(x_mean, x_mean)
    S[:d, d] = S[d, :d] = x_mean
    S[d, d] = 1.0
    t = np.append(cov_xy + x_mean * y_mean, y_mean)
    eigenvalues, eigenvectors = np.linalg.eigh(S)
    return RegressionStatistics(
        n_rows=n,
        n_features=d,
        x_mean=x_mean,
        y_mean=y_mean,
        cov=cov,
        cov_xy=cov_xy,
        var_y=var_y,
        S=S,
        t=t,
        c=var_y + y_mean**2,
        eigenvalues=np.clip(eigenvalues, 0.0, None),
        eigenvectors=eigenvectors,
        w_opt=w_opt,
        b_opt=b_opt,
        loss_opt=loss_opt,
        rank=rank,
        constant_columns=constant,
    )
