"""How fast gradient descent and heavy-ball momentum converge on the MSE, per eigen-direction.

The MSE of linear regression is a quadratic (``gradcore.regression.statistics``):
L(theta) = L* + e^T S e with e = theta - theta*, gradient 2 S e and Hessian 2S. Write
S = Q diag(lambda) Q^T (``RegressionStatistics.eigenvalues``, ``.eigenvectors``) and
z = Q^T e: the error's coordinates along the eigen-directions. The steps of the project's
optimizers (``gradcore.regression.optimizers``) act on each coordinate z_i on its own, as a fixed linear
map with the curvature h_i = 2 lambda_i:

- gd:        z_k = (1 - 2 eta lambda) z_{k-1}
- momentum:  v_k = mu v_{k-1} + g_{k-1}, theta_k = theta_{k-1} - eta v_k (heavy ball). Since
             eta v_{k-1} = theta_{k-2} - theta_{k-1}, the error obeys
             z_k = (1 - 2 eta lambda + mu) z_{k-1} - mu z_{k-2}, i.e.
             (z_k, z_{k-1}) = [[1 - 2 eta lambda + mu, -mu], [1, 0]] (z_{k-1}, z_{k-2})
             (with z_{-1} = z_0, since v_0 = 0).
- nesterov:  v_k = mu v_{k-1} + g_{k-1}, theta_k = theta_{k-1} - eta (g_{k-1} + mu v_k) (the
             look-ahead form of ``optimizers.nesterov_step``), likewise
             [[(1 + mu)(1 - 2 eta lambda), -mu (1 - 2 eta lambda)], [1, 0]].

The factor by which the error shrinks per step, in the long run, is the spectral radius of that
map (:func:`convergence_factors`): below 1 the direction converges, above 1 it diverges.
Adam (a step rescaled by running gradient sizes) and mini-batch SGD (a random gradient) are not
one fixed linear map, so they get no factor here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.errors import DataError
from gradcore.regression.optimizers import OPTIMIZER_TABLE

LINEAR_OPTIMIZERS = ("gd", "momentum", "nesterov")
_EPS = np.finfo(float).eps


def _check(eigenvalues, learning_rate, optimizer: str, momentum) -> tuple:
    """Validated (eigenvalues as a float array, eta, mu); DataError with a sentence otherwise."""
    if optimizer not in LINEAR_OPTIMIZERS:
        label = OPTIMIZER_TABLE[optimizer].label if optimizer in OPTIMIZER_TABLE else optimizer
        raise DataError(f"{label} is not one fixed linear step on the MSE, so it has no "
                        f"convergence factor per direction: choose one of "
                        f"{', '.join(LINEAR_OPTIMIZERS)}.")
    lam = np.asarray(eigenvalues, dtype=float)
    eta, mu = np.asarray(learning_rate, dtype=float), np.asarray(momentum, dtype=float)
    if not (np.isfinite(lam).all() and np.all(lam >= 0)):
        raise DataError("The eigenvalues of S must be finite and at least 0.")
    if not (np.isfinite(eta).all() and np.all(eta > 0)):
        raise DataError(f"The learning rate must be a positive number; got {learning_rate!r}.")
    if not (np.isfinite(mu).all() and np.all((mu >= 0) & (mu < 1))):
        raise DataError(f"The momentum must be at least 0 and below 1; got {momentum!r}.")
    return lam, eta, mu


def _trace_and_determinant(lam, eta, mu, optimizer: str):
    """(a, c) of the 2 x 2 map [[a, -c], [1, 0]] per direction; its eigenvalues solve
    r^2 - a r + c = 0. Plain GD is the 1 x 1 map a = 1 - 2 eta lambda (c = 0)."""
    shrink = 1.0 - 2.0 * eta * lam
    if optimizer == "gd":
        return shrink, np.zeros_like(shrink)
    if optimizer == "momentum":
        return shrink + mu, mu + np.zeros_like(shrink)
    return (1.0 + mu) * shrink, mu * shrink


def iteration_matrices(eigenvalues, learning_rate, optimizer: str = "momentum",
                       momentum: float = 0.9) -> np.ndarray:
    """The 2 x 2 map of (z_k, z_{k-1}) per eigen-direction, shape (n, 2, 2) (module doc).

    For ``"gd"`` it is [[1 - 2 eta lambda, 0], [1, 0]], whose spectral radius is GD's factor."""
    lam, eta, mu = _check(eigenvalues, learning_rate, optimizer, momentum)
    a, c = _trace_and_determinant(np.atleast_1d(lam), eta, mu, optimizer)
    matrices = np.zeros((a.size, 2, 2))
    matrices[:, 0, 0], matrices[:, 0, 1], matrices[:, 1, 0] = a, -c, 1.0
    return matrices


def _spectral_radius(a, c) -> np.ndarray:
    """max |r| over the roots of r^2 - a r + c = 0, elementwise: sqrt(c) for complex roots
    (a^2 < 4c), else (|a| + sqrt(a^2 - 4c)) / 2."""
    disc = a * a - 4.0 * c
    real = (np.abs(a) + np.sqrt(np.maximum(disc, 0.0))) / 2.0
    return np.where(disc < 0, np.sqrt(np.maximum(c, 0.0)), real)


def convergence_factors(eigenvalues, learning_rate, optimizer: str = "gd",
                        momentum: float = 0.9) -> np.ndarray:
    """Per eigen-direction of S, the factor by which the error shrinks per step.

    eigenvalues: lambda_i of S (n,), >= 0. Returns rho_i (n,): |1 - 2 eta lambda_i| for
    ``"gd"``; for ``"momentum"`` (heavy ball, z <- mu z + g; theta <- theta - eta z) the spectral
    radius of [[1 - 2 eta lambda_i + mu, -mu], [1, 0]], which is exactly that update on the MSE
    with Hessian 2S (module doc); for ``"nesterov"`` that of its own map. rho_i < 1: the error
    along q_i shrinks like rho_i^k; rho_i > 1: it grows. A flat direction (lambda = 0) has
    rho = 1: the loss does not change along it. DataError for another optimizer or a bad value.
    """
    lam, eta, mu = _check(eigenvalues, learning_rate, optimizer, momentum)
    return _spectral_radius(*_trace_and_determinant(lam, eta, mu, optimizer))


def flat_directions(eigenvalues) -> np.ndarray:
    """True where lambda_i is zero up to rounding (at most n eps lambda_max, as
    ``RegressionStatistics.condition_number`` counts it): the loss is flat along q_i, so every
    value of z_i is optimal and no step moves it."""
    lam = np.asarray(eigenvalues, dtype=float)
    return lam <= lam.max(initial=0.0) * lam.size * _EPS


def slowest_direction(eigenvalues, learning_rate, optimizer: str = "gd",
                      momentum: float = 0.9) -> int:
    """Index of the curved direction with the largest factor (the last one to converge, or the
    first to blow up): lambda_min for a small eta, lambda_max once eta passes
    1/(lambda_min + lambda_max) for GD."""
    factors = convergence_factors(eigenvalues, learning_rate, optimizer, momentum)
    return int(np.argmax(np.where(flat_directions(eigenvalues), -np.inf, factors)))


def steps_per_tenfold(factor) -> np.ndarray:
    """Steps for the error to shrink 10 times at `factor` per step: ln 10 / -ln(factor);
    inf for a factor of 1 or more, 0 for 0."""
    factor = np.asarray(factor, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(factor < 1, np.log(10.0) / -np.log(np.where(factor < 1, factor, 0.5)),
                        np.inf) * (factor > 0)


@dataclass(frozen=True)
class Tuning:
    """The fastest constant setting for a spectrum: ``learning_rate`` eta, ``momentum`` mu (0
    for GD) and the ``factor`` it reaches along every slowest direction."""

    learning_rate: float
    momentum: float
    factor: float


def _extremes(eigenvalues) -> tuple[float, float]:
    lam = np.asarray(eigenvalues, dtype=float)
    curved = lam[~flat_directions(lam)]
    if curved.size == 0:
        raise DataError("S has no positive eigenvalue: the loss is flat in every direction.")
    return float(curved.min()), float(curved.max())


def best_gd(eigenvalues) -> Tuning:
    """The GD step that converges fastest: eta = 1 / (lambda_min + lambda_max) makes
    1 - 2 eta lambda_min = -(1 - 2 eta lambda_max) = (kappa - 1) / (kappa + 1) (kappa =
    lambda_max / lambda_min over the curved directions; flat ones never move)."""
    low, high = _extremes(eigenvalues)
    return Tuning(1.0 / (low + high), 0.0, (high - low) / (high + low))


def best_momentum(eigenvalues) -> Tuning:
    """Polyak's heavy-ball tuning for this loss: with the Hessian's extreme curvatures
    2 lambda_min, 2 lambda_max, eta = (2 / (sqrt(2 lambda_min) + sqrt(2 lambda_max)))^2
    = 2 / (sqrt(lambda_min) + sqrt(lambda_max))^2 and mu = ((sqrt(kappa) - 1) /
    (sqrt(kappa) + 1))^2. Then every direction has complex (or double) roots of modulus
    sqrt(mu), so the factor is (sqrt(kappa) - 1) / (sqrt(kappa) + 1) everywhere: sqrt(kappa)
    where GD has kappa. For kappa = 1 that is one step of GD with eta = 1 / (2 lambda)."""
    low, high = _extremes(eigenvalues)
    root_low, root_high = np.sqrt(low), np.sqrt(high)
    rate = float((root_high - root_low) / (root_high + root_low))
    return Tuning(float(2.0 / (root_low + root_high) ** 2), rate**2, rate)


def factor_grid(eigenvalues, learning_rates, momenta, optimizer: str = "momentum") -> np.ndarray:
    """The slowest factor max_i rho_i over the curved directions, for every (mu, eta) pair:
    shape (len(momenta), len(learning_rates)). Distill's map of where momentum converges."""
    lam = np.asarray(eigenvalues, dtype=float)
    lam = lam[~flat_directions(lam)]
    eta = np.asarray(learning_rates, dtype=float)[None, :, None]
    mu = np.asarray(momenta, dtype=float)[:, None, None]
    _check(lam, eta, optimizer, mu)
    return _spectral_radius(*_trace_and_determinant(lam, eta, mu, optimizer)).max(axis=2)


def eigen_errors(eigenvectors, w_opt, b_opt, w, b) -> np.ndarray:
    """The error theta_k - theta* of each iterate along the eigen-directions: z_k = Q^T
    (theta_k - theta*), shape (k+1, d+1), signed. eigenvectors Q (d+1, d+1) (columns q_i, the
    intercept last, as ``RegressionStatistics``), w (k+1, d), b (k+1,) (a ``Trajectory``'s)."""
    theta = np.column_stack([np.asarray(w, dtype=float), np.asarray(b, dtype=float)])
    return (theta - np.append(w_opt, b_opt)) @ np.asarray(eigenvectors, dtype=float)


def predicted_errors(start, factors, steps: int) -> np.ndarray:
    """|z_0,i| rho_i^k for k = 0..steps, shape (steps+1, n): the envelope the error follows
    (exactly, in size, for GD; up to oscillation and a constant for momentum)."""
    k = np.arange(int(steps) + 1)[:, None]
    with np.errstate(under="ignore", over="ignore"):
        return np.abs(np.asarray(start, dtype=float)) * np.asarray(factors, dtype=float) ** k
