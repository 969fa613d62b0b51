"""gradcore.convergence: factors per eigen-direction against the iteration matrices and against
running the project's own optimizer steps; the best (eta, mu); the error split of a real run."""

import numpy as np
import pytest

from gradcore import (
    DataError,
    best_gd,
    best_momentum,
    convergence_factors,
    eigen_errors,
    factor_grid,
    fit,
    flat_directions,
    iteration_matrices,
    predicted_errors,
    regression_statistics,
    slowest_direction,
    steps_per_tenfold,
)
from gradcore.regression.optimizers import OPTIMIZER_TABLE

RTOL = 1e-12
# Over K steps the measured ratio (|s_K| / |s_0|)^(1/K) carries the constant of the map's
# eigenvector basis to the power 1/K: within this of rho for K = 3000 and the spectra below.
RATE_RTOL = 5e-3
SPECTRA = [np.array([0.2, 1.0, 3.0]), np.array([1e-3, 0.5, 1.0]), np.array([1.0, 1.0])]


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov"])
@pytest.mark.parametrize("spectrum", SPECTRA, ids=["moderate", "ill", "identity"])
@pytest.mark.parametrize("eta, mu", [(0.05, 0.9), (0.3, 0.5), (0.9, 0.0), (0.6, 0.99),
                                     (1.2, 0.3)])
def test_factors_are_the_spectral_radius_of_the_iteration_matrices(optimizer, spectrum, eta, mu):
    """The closed form equals max |eigvals| of each 2 x 2 map, computed by numpy."""
    matrices = iteration_matrices(spectrum, eta, optimizer, mu)
    expected = np.abs(np.linalg.eigvals(matrices)).max(axis=1)
    np.testing.assert_allclose(convergence_factors(spectrum, eta, optimizer, mu), expected,
                               rtol=1e-7, atol=1e-12)


def test_heavy_ball_matrix_is_the_one_in_design_md():
    """[[1 - 2 eta lambda + mu, -mu], [1, 0]] entry by entry."""
    (matrix,) = iteration_matrices([0.7], 0.2, "momentum", 0.9)
    np.testing.assert_allclose(matrix, [[1 - 2 * 0.2 * 0.7 + 0.9, -0.9], [1, 0]], rtol=RTOL)


def test_gd_factor_is_abs_one_minus_two_eta_lambda():
    """|1 - 2 eta lambda| per direction, a growing factor above 1/lambda."""
    lam = np.array([0.1, 1.0, 4.0])
    np.testing.assert_allclose(convergence_factors(lam, 0.3), np.abs(1 - 0.6 * lam), rtol=RTOL)
    assert convergence_factors([2.0], 0.6)[0] == pytest.approx(1.4, rel=RTOL)


def run_quadratic(name: str, lam: float, eta: float, mu: float, steps: int) -> np.ndarray:
    """Iterates of the project's step function on L = lam theta^2 (gradient 2 lam theta),
    from theta = 1 with zero state; the optimum is 0, so theta_k is the error."""
    row = OPTIMIZER_TABLE[name]
    theta, state = np.array([1.0]), {key: np.zeros(1) for key in row.state}
    settings = {"momentum": mu}
    path = [theta[0]]
    for k in range(1, steps + 1):
        if not 1e-280 < abs(theta[0]) < 1e280:
            break
        row.step(theta, 2 * lam * theta, state, eta, k, settings)
        path.append(theta[0])
    return np.array(path)


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov"])
@pytest.mark.parametrize("lam, eta, mu", [(0.5, 0.1, 0.9), (0.5, 0.1, 0.3), (2.0, 0.4, 0.6),
                                          (0.05, 1.0, 0.2), (3.0, 0.3, 0.95), (1.0, 0.2, 0.0)])
def test_factor_matches_the_project_step_iterated_on_a_quadratic(name, lam, eta, mu):
    """Running optimizers.<name>_step: the error's per-step ratio over many steps is rho."""
    steps = 3000
    path = run_quadratic(name, lam, eta, mu, steps)
    state_size = np.hypot(path[1:], path[:-1])  # (e_k, e_{k-1}): no zero crossings
    rho = convergence_factors([lam], eta, name, mu)[0]
    outside = ~((state_size > 1e-250) & (state_size < 1e250))
    stop = int(np.argmax(outside)) or steps  # before underflow or overflow
    measured = (state_size[stop - 1] / state_size[0]) ** (1 / (stop - 1))
    assert measured == pytest.approx(rho, rel=RATE_RTOL), (measured, rho)


def test_gd_error_split_of_a_real_run_is_exactly_the_predicted_decay(rng):
    """fit(gd) on raw data: |z_k,i| = |z_0,i| |1 - 2 eta lambda_i|^k along every direction."""
    X = rng.normal(2.0, 3.0, size=(300, 2))
    y = X @ [1.5, -2.0] + 4.0 + rng.normal(size=300)
    stats = regression_statistics(X, y)
    eta = 0.5 * stats.max_stable_learning_rate
    run = fit(X, y, learning_rate=eta, steps=60, tol=0.0)
    z = eigen_errors(stats.eigenvectors, stats.w_opt, stats.b_opt, run.w, run.b)
    predicted = predicted_errors(z[0], convergence_factors(stats.eigenvalues, eta), 60)
    np.testing.assert_allclose(np.abs(z), predicted, rtol=1e-6, atol=1e-9 * np.abs(z[0]).max())


def test_momentum_run_decays_at_its_factor_along_the_slowest_direction(rng):
    """fit(momentum): along the slowest direction the error shrinks at rho per step."""
    X = rng.normal(0.0, 1.0, size=(200, 1)) * [5.0]
    y = 3 * X[:, 0] + 1 + rng.normal(size=200)
    stats = regression_statistics(X, y)
    eta, mu = 0.2 * stats.max_stable_learning_rate, 0.5
    run = fit(X, y, optimizer="momentum", momentum=mu, learning_rate=eta, steps=400, tol=0.0)
    z = np.abs(eigen_errors(stats.eigenvectors, stats.w_opt, stats.b_opt, run.w, run.b))
    i = slowest_direction(stats.eigenvalues, eta, "momentum", mu)
    rho = convergence_factors(stats.eigenvalues, eta, "momentum", mu)[i]
    measured = (z[300, i] / z[100, i]) ** (1 / 200)
    assert measured == pytest.approx(rho, rel=RATE_RTOL)


@pytest.mark.parametrize("spectrum", SPECTRA, ids=["moderate", "ill", "identity"])
def test_best_momentum_is_polyaks_and_no_grid_point_beats_it(spectrum):
    """eta = 2/(sqrt(lmin) + sqrt(lmax))^2, mu = ((sqrt k - 1)/(sqrt k + 1))^2: every
    direction then has factor sqrt(mu), and a fine (eta, mu) grid finds nothing faster."""
    best = best_momentum(spectrum)
    kappa = spectrum.max() / spectrum.min()
    rate = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    assert best.factor == pytest.approx(rate, rel=RTOL, abs=1e-15)
    assert best.momentum == pytest.approx(rate**2, rel=RTOL, abs=1e-15)
    assert best.learning_rate == pytest.approx(
        2 / (np.sqrt(spectrum.min()) + np.sqrt(spectrum.max())) ** 2, rel=RTOL)
    at_best = convergence_factors(spectrum, best.learning_rate, "momentum", best.momentum)
    assert at_best.max() == pytest.approx(best.factor, rel=1e-6, abs=1e-7)
    etas = best.learning_rate * np.linspace(0.5, 1.5, 201)
    momenta = np.linspace(0.0, 0.999, 400)
    assert factor_grid(spectrum, etas, momenta).min() >= best.factor - 1e-3


@pytest.mark.parametrize("spectrum", SPECTRA, ids=["moderate", "ill", "identity"])
def test_best_gd_step_balances_the_extreme_directions(spectrum):
    """eta = 1/(lmin + lmax): factor (k - 1)/(k + 1), and no other step does better."""
    best = best_gd(spectrum)
    kappa = spectrum.max() / spectrum.min()
    assert best.factor == pytest.approx((kappa - 1) / (kappa + 1), rel=RTOL, abs=1e-15)
    assert convergence_factors(spectrum, best.learning_rate).max() == pytest.approx(
        best.factor, rel=1e-9, abs=1e-15)
    etas = best.learning_rate * np.linspace(0.5, 1.5, 1001)
    assert factor_grid(spectrum, etas, [0.0], "gd").min() >= best.factor - 1e-9


def test_momentum_converges_beyond_gds_limit_up_to_one_plus_mu_over_lambda_max():
    """Heavy ball converges iff eta < (1 + mu)/lambda_max; GD stops at 1/lambda_max."""
    lam, mu = np.array([0.5, 2.0]), 0.9
    assert convergence_factors(lam, 0.6).max() > 1
    assert convergence_factors(lam, 0.6, "momentum", mu).max() < 1
    limit = (1 + mu) / lam.max()
    assert convergence_factors(lam, limit * 0.999, "momentum", mu).max() < 1
    assert convergence_factors(lam, limit * 1.001, "momentum", mu).max() > 1


def test_grid_shape_and_flat_directions_are_left_out():
    """factor_grid is (momenta, rates); a zero eigenvalue (a flat direction) is ignored."""
    grid = factor_grid([0.0, 1.0, 2.0], [0.1, 0.2, 0.3], [0.0, 0.5])
    assert grid.shape == (2, 3)
    np.testing.assert_allclose(grid[0], [0.8, 0.6, 0.4], rtol=RTOL)  # GD's max |1 - 2 eta l|
    assert flat_directions([1e-20, 1.0]).tolist() == [True, False]
    assert slowest_direction([0.0, 0.1, 1.0], 0.1) == 1


def test_steps_per_tenfold():
    """ln 10 / -ln rho; infinite from rho = 1 on, 0 at rho = 0."""
    np.testing.assert_allclose(steps_per_tenfold([0.1, 0.5]), [1.0, np.log(10) / np.log(2)],
                               rtol=RTOL)
    assert steps_per_tenfold(1.0) == np.inf and steps_per_tenfold(0.0) == 0


@pytest.mark.parametrize("args, words", [
    (([1.0], 0.1, "adam"), "not one fixed linear step"),
    (([1.0], -0.1), "positive"),
    (([1.0], 0.1, "momentum", 1.0), "below 1"),
    (([-1.0], 0.1), "at least 0"),
    (([np.nan], 0.1), "finite"),
])
def test_bad_input_is_one_sentence(args, words):
    """Another optimizer or a bad value: a DataError naming the problem."""
    with pytest.raises(DataError, match=words):
        convergence_factors(*args)
