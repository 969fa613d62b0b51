"""Tests of gradcore.regression.descent, statistics, reference, standardize and diagnostics."""

import time

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gradcore import (
    EDGE_RTOL,
    DataError,
    Standardizer,
    compare_with_sklearn,
    condition_number,
    data_warnings,
    gradient_descent,
    learning_rate_verdict,
    load_bundled,
    max_stable_learning_rate,
    mse_gradient,
    mse_loss,
    regression_statistics,
    sklearn_reference,
)
from gradcore.regression.descent import MAX_TRAJECTORY_VALUES
from gradcore.regression.stopping import DIVERGENCE_FACTOR
from tests.timing import timing

# Agreement of GD's gradient with the article's formula: relative, plus an absolute floor at
# rounding level of the problem's gradient scale (both are sums of O(1) terms near the optimum).
GRAD_RTOL, GRAD_ATOL_SCALE = 1e-9, 1e-12


def random_problem(rng, n=200, d=4, noise=0.5):
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d) + rng.uniform(-2, 2, d)
    y = X @ rng.uniform(-3, 3, d) + 1.5 + noise * rng.standard_normal(n)
    return X, y


def reference_gradients(X, y, trajectory):
    return np.array(
        [np.append(*mse_gradient(X, y, w, b)) for w, b in zip(trajectory.w, trajectory.b, strict=True)]
    )


def test_mse_loss_and_gradient_by_hand():
    """The article's formulas on a 3-point example worked out by hand."""
    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 7.0])
    assert mse_loss(X, y, [2.0], 0.0) == pytest.approx(1 / 3, rel=1e-15)
    grad_w, grad_b = mse_gradient(X, y, [2.0], 0.0)
    assert_allclose(grad_w, [-2.0], rtol=1e-15)
    assert grad_b == pytest.approx(-2 / 3, rel=1e-15)


def test_gradient_is_zero_at_the_sklearn_fit(rng):
    """At scikit-learn's least-squares fit the article's gradient vanishes (to rounding)."""
    X, y = random_problem(rng)
    grad_w, grad_b = mse_gradient(X, y, *sklearn_reference(X, y))
    assert np.abs(np.append(grad_w, grad_b)).max() < 1e-11


def test_gd_gradient_equals_mse_gradient_at_every_iterate(rng):
    """Each stored gradient equals mse_gradient at that iterate (rtol 1e-9 + rounding floor)."""
    X, y = random_problem(rng)
    rate = 0.5 * max_stable_learning_rate(X)
    trajectory = gradient_descent(X, y, rate, 400, tol=0.0)
    reference = reference_gradients(X, y, trajectory)
    stored = np.column_stack([trajectory.grad_w, trajectory.grad_b])
    assert trajectory.steps_taken == 400
    assert_allclose(stored, reference, rtol=GRAD_RTOL, atol=GRAD_ATOL_SCALE * trajectory.gradient_scale)


def test_gd_matches_the_literal_loop(rng):
    """The iterates equal theta_{k+1} = theta_k - rate * mse_gradient(theta_k), step by step."""
    X, y = random_problem(rng, d=3)
    rate = 0.8 * max_stable_learning_rate(X)
    trajectory = gradient_descent(X, y, rate, 150, w0=[1.0, -1.0, 0.5], b0=2.0, tol=0.0)
    w, b = np.array([1.0, -1.0, 0.5]), 2.0
    for k in range(151):
        assert_allclose(trajectory.w[k], w, rtol=1e-9, atol=1e-12)
        assert trajectory.b[k] == pytest.approx(b, rel=1e-9, abs=1e-12)
        grad_w, grad_b = mse_gradient(X, y, w, b)
        w, b = w - rate * grad_w, b - rate * grad_b


def test_losses_accurate_and_non_negative_near_the_optimum(rng):
    """Near convergence the stored loss equals mse_loss to 1e-10 relative and is never negative."""
    X, y = random_problem(rng, noise=1e-3)
    trajectory = gradient_descent(X, y, 0.9 * max_stable_learning_rate(X), 20_000, tol=1e-13)
    direct = np.array([mse_loss(X, y, w, b) for w, b in zip(trajectory.w[-20:], trajectory.b[-20:], strict=True)])
    assert trajectory.loss.min() >= 0
    assert direct.max() < 1e-5
    assert_allclose(trajectory.loss[-20:], direct, rtol=1e-10)


def test_noise_free_data_loss_stays_at_rounding_level(rng):
    """With an exact linear y, losses near the optimum are >= 0 and at rounding level, not 1e-16*var(y)."""
    X = rng.standard_normal((100, 2))
    y = X @ [3.0, -2.0] + 4.0
    trajectory = gradient_descent(X, y, 0.9 * max_stable_learning_rate(X), 5000, tol=1e-14)
    assert trajectory.stop_reason == "converged"
    assert trajectory.loss.min() >= 0
    assert trajectory.loss[-1] < 1e-26 * np.var(y)
    assert mse_loss(X, y, *trajectory.final) < 1e-24


def test_zero_steps_returns_only_the_start(rng):
    """steps=0 returns one iterate: the start point, its loss and gradient."""
    X, y = random_problem(rng)
    trajectory = gradient_descent(X, y, 0.01, 0, w0=[1, 2, 3, 4], b0=-1.0)
    assert trajectory.steps_taken == 0 and trajectory.stop_reason == "max_steps"
    assert_allclose(trajectory.w[0], [1, 2, 3, 4], rtol=0)
    assert trajectory.loss[0] == pytest.approx(mse_loss(X, y, [1, 2, 3, 4], -1.0), rel=1e-12)
    assert_allclose(trajectory.grad_w[0], mse_gradient(X, y, [1, 2, 3, 4], -1.0)[0], rtol=1e-10)


EXTREME_RATES = [1e-12, 1e-6, 0.5, 0.95, 1.05, 10.0, 1e6]
EXTREME_STEPS = [0, 1, 1000, 100_000]
PROMPT_S = 2.0  # generous: a slider move must not wait for a hopeless run


@pytest.mark.parametrize("rate", EXTREME_RATES)
@pytest.mark.parametrize("steps", EXTREME_STEPS)
def test_extreme_settings_return_finite(rng, rate, steps):
    """Rates 1e-12..1e6 (here as multiples of the stable limit for 0.5..10) and 0..100,000 steps."""
    X, y = random_problem(rng, d=10)
    stats = regression_statistics(X, y)
    learning_rate = rate * stats.max_stable_learning_rate if 0.1 < rate < 100 else rate
    trajectory = gradient_descent(X, y, learning_rate, steps, stats=stats)
    arrays = [trajectory.w, trajectory.b, trajectory.loss, trajectory.grad_w, trajectory.grad_b]
    assert all(np.isfinite(a).all() and len(a) == trajectory.steps_taken + 1 for a in arrays)
    assert trajectory.steps_taken <= steps
    diverging = learning_rate > stats.max_stable_learning_rate
    if diverging and steps >= 1000:
        assert trajectory.stop_reason == "diverged"
        assert trajectory.loss[-1] <= DIVERGENCE_FACTOR * (trajectory.loss[0] + stats.c)
    elif rate < 1e-3:
        assert trajectory.stop_reason == "max_steps" and trajectory.steps_taken == steps
    if rate == 0.5 and steps == 100_000:
        assert trajectory.stop_reason == "converged"


@timing
@pytest.mark.parametrize("rate", EXTREME_RATES)
@pytest.mark.parametrize("steps", EXTREME_STEPS)
def test_extreme_settings_return_promptly(rng, rate, steps):
    """Each of those runs returns within PROMPT_S."""
    X, y = random_problem(rng, d=10)
    stats = regression_statistics(X, y)
    learning_rate = rate * stats.max_stable_learning_rate if 0.1 < rate < 100 else rate
    start = time.perf_counter()
    gradient_descent(X, y, learning_rate, steps, stats=stats)
    assert time.perf_counter() - start < PROMPT_S


@pytest.mark.parametrize(("d", "steps", "allowed"), [(10, 100_000, True), (11, 100_000, False),
                                                    (100, 11_000, True), (100, 12_000, False)])
def test_trajectory_size_is_bounded_with_the_limit_in_the_message(rng, d, steps, allowed):
    """(steps + 1)(d + 1) above MAX_TRAJECTORY_VALUES is a DataError naming the step limit."""
    X, y = random_problem(rng, n=300, d=d)
    if allowed:
        assert gradient_descent(X, y, 1e-9, steps).w.size <= MAX_TRAJECTORY_VALUES
    else:
        limit = MAX_TRAJECTORY_VALUES // (d + 1) - 1
        with pytest.raises(DataError, match=f"At most {limit:,} steps with {d} features"):
            gradient_descent(X, y, 1e-9, steps)


def test_stable_learning_rate_bound_separates_convergence_from_divergence(rng):
    """GD converges at 0.95 / lambda_max, diverges at 1.05 / lambda_max, oscillates at exactly 1."""
    X, y = random_problem(rng, d=2)
    limit = max_stable_learning_rate(X)
    assert gradient_descent(X, y, 0.95 * limit, 100_000, tol=1e-9).stop_reason == "converged"
    above = gradient_descent(X, y, 1.05 * limit, 100_000)
    assert above.stop_reason == "diverged" and "stable limit" in above.message
    at = gradient_descent(X, y, limit, 5000, tol=1e-9)
    assert at.stop_reason == "max_steps" and "oscillate" in at.message
    assert at.loss[-1] < 10 * at.loss[0]


@pytest.mark.parametrize(
    ("ratio", "kind"),
    [(1e-6, "stable"), (0.5, "stable"), (1 - 1e-7, "stable"), (1 - 0.5 * EDGE_RTOL, "edge"),
     (1.0, "edge"), (1 + 0.5 * EDGE_RTOL, "edge"), (1 + 1e-7, "diverges"), (2.0, "diverges")],
)
def test_learning_rate_verdict_kinds(ratio, kind):
    """Below 1/lambda_max stable, within a relative EDGE_RTOL of it the edge, above it diverges."""
    verdict = learning_rate_verdict(ratio * 0.37, 0.37)
    assert verdict.kind == kind
    assert verdict.factor == pytest.approx(abs(1 - 2 * ratio), rel=1e-12, abs=1e-15)
    words = {"stable": "converges", "edge": "neither converges nor diverges", "diverges": "diverges"}
    assert words[kind] in verdict.message and "1/λmax" in verdict.message


def test_learning_rate_verdict_prints_rates_that_differ_differently():
    """Just above the edge band, eta and 1/lambda_max are printed with enough digits to differ."""
    verdict = learning_rate_verdict(0.37 * (1 + 1e-7), 0.37)
    assert verdict.kind == "diverges"
    assert "η = 0.370000037 is above the largest stable learning rate 1/λmax = 0.37:" in verdict.message
    assert "|1 − 2ηλmax| = 1.0000002 > 1" in verdict.message


@pytest.mark.parametrize(("rate", "bound"), [(0.0, 1.0), (-1.0, 1.0), (float("nan"), 1.0),
                                              (0.1, 0.0), (0.1, float("inf")), ("fast", 1.0)])
def test_learning_rate_verdict_rejects_bad_numbers(rate, bound):
    """A rate or bound that is not a positive finite number raises DataError."""
    with pytest.raises(DataError):
        learning_rate_verdict(rate, bound)


@pytest.mark.parametrize("relative", [0.0, 0.5 * EDGE_RTOL, -0.5 * EDGE_RTOL])
def test_gd_at_the_edge_oscillates_and_says_so(rng, relative):
    """At eta = 1/lambda_max the error along the top eigenvector flips sign at constant size:
    no convergence, no divergence, and the run's message is the edge verdict."""
    X, y = random_problem(rng, d=2)
    stats = regression_statistics(X, y)
    rate = stats.max_stable_learning_rate * (1 + relative)
    trajectory = gradient_descent(X, y, rate, 2000, stats=stats)
    top = stats.eigenvectors[:, -1]
    along = (np.column_stack([trajectory.w, trajectory.b]) - np.append(stats.w_opt, stats.b_opt)) @ top
    assert np.all(np.sign(along[1:]) == -np.sign(along[:-1]))
    assert_allclose(np.abs(along), abs(along[0]), rtol=1e-5)
    assert trajectory.stop_reason == "max_steps" and trajectory.verdict.kind == "edge"
    assert trajectory.verdict.message in trajectory.message
    assert "growing" not in trajectory.message
    assert trajectory.loss[-1] - stats.loss_opt > 0.5 * stats.eigenvalues[-1] * along[0] ** 2


def test_gd_at_the_edge_matches_the_literal_loop(rng):
    """The engine's iterates at eta = 1/lambda_max equal the literal update loop (200 steps)."""
    X, y = random_problem(rng, d=2)
    rate = max_stable_learning_rate(X)
    trajectory = gradient_descent(X, y, rate, 200, tol=0.0)
    w, b = np.zeros(2), 0.0
    for k in range(201):
        assert_allclose(np.append(trajectory.w[k], trajectory.b[k]), np.append(w, b), rtol=1e-7, atol=1e-9)
        grad_w, grad_b = mse_gradient(X, y, w, b)
        w, b = w - rate * grad_w, b - rate * grad_b


def test_tiny_learning_rate_is_not_called_oscillating(rng):
    """eta = 1e-12 / lambda_max: the message says the rate is tiny, never that GD oscillates."""
    X, y = random_problem(rng, d=2)
    trajectory = gradient_descent(X, y, 1e-12 * max_stable_learning_rate(X), 100)
    assert trajectory.verdict.kind == "stable"
    assert "tiny" in trajectory.message and "oscillat" not in trajectory.message


def test_max_stable_learning_rate_and_condition_number_match_numpy(rng):
    """1/lambda_max(S) and cond(S) agree with numpy on S = A^T A / N, A = [X 1]."""
    X, _ = random_problem(rng)
    A = np.column_stack([X, np.ones(len(X))])
    eigenvalues = np.linalg.eigvalsh(A.T @ A / len(X))
    assert max_stable_learning_rate(X) == pytest.approx(1 / eigenvalues.max(), rel=1e-12)
    assert condition_number(X) == pytest.approx(np.linalg.cond(A.T @ A / len(X)), rel=1e-8)


@pytest.mark.parametrize("name", ["tips", "diabetes", "synthetic"])
def test_standardised_gd_equals_sklearn_in_original_units(name):
    """GD on standardised features, mapped back, equals sklearn's raw fit to 1e-8 relative."""
    table = load_bundled(name)
    X, y = table[table.attrs["features"]].to_numpy(), table[table.attrs["target"]].to_numpy()
    scaler = Standardizer.fit(X)
    Z = scaler.transform(X)
    trajectory = gradient_descent(Z, y, 0.9 * max_stable_learning_rate(Z), 100_000, tol=1e-13)
    assert trajectory.stop_reason == "converged"
    comparison = compare_with_sklearn(X, y, trajectory, standardizer=scaler, rtol=1e-8)
    assert comparison.unique_optimum and comparison.agrees, comparison.message
    assert comparison.relative_coef_gap < 1e-8
    assert abs(comparison.relative_loss_gap) < 1e-12


def test_raw_tips_gd_is_slow_and_standardising_lowers_the_condition_number():
    """On raw total_bill the condition number is in the thousands; standardised it is below 3."""
    table = load_bundled("tips")
    X = table[["total_bill"]].to_numpy()
    assert condition_number(X) > 1000
    assert condition_number(Standardizer.fit(X).transform(X)) < 3


def test_standardizer_round_trip_and_constant_column(rng):
    """to_original inverts from_original; a constant column gets scale 1 and becomes zeros."""
    X = np.column_stack([rng.normal(5, 2, 50), np.full(50, 7.0)])
    scaler = Standardizer.fit(X)
    assert_allclose(scaler.scale[1], 1.0, rtol=0)
    Z = scaler.transform(X)
    assert np.isfinite(Z).all() and np.abs(Z[:, 1]).max() == 0
    assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-14)
    w, b = scaler.to_original(*scaler.from_original([1.5, -2.0], 0.25))
    assert_allclose(w, [1.5, -2.0], rtol=1e-14)
    assert b == pytest.approx(0.25, abs=1e-13)
    assert_allclose(X @ w + b, Z @ scaler.from_original(w, b)[0] + scaler.from_original(w, b)[1], rtol=1e-13)


def test_data_warnings_name_constant_collinear_and_wide_data(rng):
    """Constant and collinear columns are named; more features than rows is reported."""
    x1, x2 = rng.standard_normal(30), rng.standard_normal(30)
    X = np.column_stack([x1, x2, np.full(30, 3.0), x1 + 2 * x2])
    warnings = data_warnings(X, feature_names=["age", "height", "one", "combo"])
    assert any("'one' is constant" in w for w in warnings)
    assert any("'combo' is a linear combination of 'age' and 'height'" in w for w in warnings)
    assert len(warnings) == 2
    wide = data_warnings(rng.standard_normal((3, 5)))
    assert any("5 features but only 3 rows" in w for w in wide)
    assert data_warnings(rng.standard_normal((30, 2)), rng.standard_normal(30)) == []


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.ones((1, 2)), np.ones(1), "at least 2 rows"),
        (np.ones((5, 0)), np.ones(5), "no feature column"),
        (np.array([[1.0], [np.nan], [2.0]]), np.ones(3), "missing or infinite"),
        (np.ones((4, 1)), np.ones(3), "4 rows but y has 3"),
    ],
)
def test_unusable_data_raises_data_error(X, y, message):
    """Fewer than 2 rows, no features, NaN, mismatched lengths: DataError naming the problem."""
    with pytest.raises(DataError, match=message):
        data_warnings(X, y)
    with pytest.raises(DataError, match=message):
        gradient_descent(X, y, 0.1, 10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"learning_rate": 0.0}, "positive"),
        ({"learning_rate": float("nan")}, "positive"),
        ({"steps": -1}, "whole number"),
        ({"steps": 2.5}, "whole number"),
        ({"steps": 10**7}, "At most"),
        ({"w0": [1.0]}, "needs 2 values"),
        ({"w0": [1e200, 1e200]}, "too large"),
        ({"tol": -1.0}, "non-negative"),
    ],
)
def test_bad_settings_raise_data_error(rng, kwargs, message):
    """Invalid learning rates, step counts, tolerances and start points are rejected clearly."""
    X, y = rng.standard_normal((20, 2)), rng.standard_normal(20)
    settings = {"learning_rate": 0.1, "steps": 10} | kwargs
    with pytest.raises(DataError, match=message):
        gradient_descent(X, y, **settings)


def test_collinear_data_gd_and_sklearn_agree_on_the_loss(rng):
    """With a duplicated column the optimum is not unique: the comparison compares losses."""
    x = rng.standard_normal(60)
    X = np.column_stack([x, 2 * x, rng.standard_normal(60)])
    y = 3 * x + X[:, 2] + 0.1 * rng.standard_normal(60)
    trajectory = gradient_descent(X, y, 0.9 * max_stable_learning_rate(X), 50_000, w0=[1, 1, 0], tol=1e-12)
    assert trajectory.stop_reason == "converged"
    comparison = compare_with_sklearn(X, y, trajectory, rtol=1e-9)
    assert not comparison.unique_optimum and comparison.agrees
    assert comparison.coef_gap > 0.1 and "not unique" in comparison.message


def test_constant_feature_gd_converges_and_matches_sklearn_loss(rng):
    """A constant feature does not break standardisation, GD or the comparison."""
    X = np.column_stack([rng.standard_normal(40), np.full(40, 2.0)])
    y = 2 * X[:, 0] + 1 + 0.1 * rng.standard_normal(40)
    scaler = Standardizer.fit(X)
    Z = scaler.transform(X)
    trajectory = gradient_descent(Z, y, 0.9 * max_stable_learning_rate(Z), 10_000, tol=1e-12)
    comparison = compare_with_sklearn(X, y, trajectory, standardizer=scaler, rtol=1e-9)
    assert trajectory.stop_reason == "converged" and comparison.agrees
    assert_allclose(comparison.w, comparison.sklearn_w, atol=1e-9)


def test_large_offsets_keep_the_optimum_accurate(rng):
    """Features with mean 1e6 and sd 1 (one-pass formula would cancel): optimum matches sklearn."""
    X = rng.standard_normal((500, 2)) + 1e6
    y = X @ [2.0, -1.0] + 5 + rng.standard_normal(500)
    stats = regression_statistics(X, y)
    sk_w, sk_b = sklearn_reference(X, y)
    assert_allclose(stats.w_opt, sk_w, rtol=1e-7)
    assert stats.loss_opt == pytest.approx(mse_loss(X, y, sk_w, sk_b), rel=1e-7)


def test_inputs_are_not_mutated(rng):
    """gradient_descent, mse_gradient and the comparison leave X, y and w0 untouched."""
    X, y = random_problem(rng)
    w0 = np.ones(4)
    copies = X.copy(), y.copy(), w0.copy()
    trajectory = gradient_descent(X, y, 0.01, 50, w0=w0)
    mse_gradient(X, y, w0, 0.0)
    compare_with_sklearn(X, y, trajectory)
    for original, copy in zip((X, y, w0), copies, strict=True):
        assert_allclose(original, copy, rtol=0)
    assert not trajectory.w.flags.writeable


def test_loss_at_matches_mse_loss_on_a_grid(rng):
    """stats.loss_at evaluates L on a (w, b) grid without the data, equal to mse_loss to 1e-12."""
    X, y = random_problem(rng, d=1)
    stats = regression_statistics(X, y)
    w_grid, b_grid = np.meshgrid(np.linspace(-3, 3, 7), np.linspace(-2, 2, 5))
    grid = stats.loss_at(w_grid[..., None], b_grid)
    direct = np.array([[mse_loss(X, y, [w], b) for w, b in zip(ws, bs, strict=True)]
                       for ws, bs in zip(w_grid, b_grid, strict=True)])
    assert grid.shape == (5, 7)
    assert_allclose(grid, direct, rtol=1e-12)


def test_comparison_reuses_a_given_reference_and_statistics(rng):
    """Passing the sklearn fit and statistics gives the same comparison as computing them."""
    X, y = random_problem(rng)
    trajectory = gradient_descent(X, y, 0.5 * max_stable_learning_rate(X), 2000)
    fresh = compare_with_sklearn(X, y, trajectory)
    reused = compare_with_sklearn(
        X, y, trajectory, reference=sklearn_reference(X, y), stats=regression_statistics(X, y)
    )
    assert reused.relative_coef_gap == pytest.approx(fresh.relative_coef_gap, rel=1e-12)
    assert reused.agrees == fresh.agrees
