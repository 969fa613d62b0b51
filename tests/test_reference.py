"""Tests of gradcore.regression.reference: the scikit-learn reference is the least-squares optimum, and the
comparison says which of gradient descent and the reference has the lower loss."""

import re
from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LinearRegression

from gradcore import (
    Standardizer,
    compare_with_sklearn,
    gradient_descent,
    max_stable_learning_rate,
    mse_gradient,
    mse_loss,
    regression_statistics,
    sklearn_reference,
)
from gradcore.regression.reference import loss_difference

# Against the exact optimum: the standardised fit is within a few ulps (measured 3e-16); the
# raw LinearRegression fit on year/population data is 24% above it in loss.
COEF_RTOL = 1e-10
LOSS_RTOL = 1e-12
# numpy's lstsq on the standardised design is a second, independent float method.
LSTSQ_RTOL = 1e-12


def gapminder_like(seed: int = 0, countries: int = 142):
    """lifeExp ~ year + pop like gapminder: years 1952..2007 every 5, pop 1e5..1e9 (whole)."""
    rng = np.random.default_rng(seed)
    year = np.tile(np.arange(1952.0, 2008.0, 5.0), countries)
    pop = np.round(10 ** rng.uniform(5, 9, year.size))
    life = 50 + 0.33 * (year - 1952) + 3e-9 * pop + rng.normal(0, 11, year.size)
    return np.column_stack([year, pop]), np.round(life, 3)


def exact_least_squares(X, y) -> tuple[np.ndarray, float, float]:
    """(w, b, loss) of the least-squares optimum, solved exactly in rational arithmetic.

    Every float is a fraction, so the normal equations A^T A theta = A^T y (A = [X 1]) are
    formed and solved by Gauss-Jordan elimination with no rounding; L* = (y^T y - theta^T A^T y) / N.
    Needs a unique optimum (A of full column rank).
    """
    rows = [[Fraction(float(v)) for v in row] + [Fraction(1)] for row in np.asarray(X)]
    targets = [Fraction(float(v)) for v in y]
    m = len(rows[0])
    gram = [[sum(r[i] * r[j] for r in rows) for j in range(m)] for i in range(m)]
    rhs = [sum(r[i] * t for r, t in zip(rows, targets, strict=True)) for i in range(m)]
    system = [gram[i] + [rhs[i]] for i in range(m)]
    for col in range(m):
        pivot = next(r for r in range(col, m) if system[r][col] != 0)
        system[col], system[pivot] = system[pivot], system[col]
        for r in range(m):
            if r != col and system[r][col] != 0:
                factor = system[r][col] / system[col][col]
                system[r] = [a - factor * c for a, c in zip(system[r], system[col], strict=True)]
    theta = [system[i][m] / system[i][i] for i in range(m)]
    loss = (sum(t * t for t in targets) - sum(a * c for a, c in zip(theta, rhs, strict=True))) / len(targets)
    return np.array([float(v) for v in theta[:-1]]), float(theta[-1]), float(loss)


def standardised_lstsq(X, y) -> tuple[np.ndarray, float]:
    """numpy.linalg.lstsq on [Z 1], Z the standardised X, mapped back to original units."""
    scaler = Standardizer.fit(X)
    design = np.column_stack([scaler.transform(X), np.ones(len(X))])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    return scaler.to_original(theta[:-1], theta[-1])


def assert_is_optimum(X, y, w, b) -> None:
    """(w, b) is the exact least-squares optimum: loss to LOSS_RTOL, coefficients to COEF_RTOL."""
    exact_w, exact_b, exact_loss = exact_least_squares(X, y)
    loss = mse_loss(X, y, w, b)
    assert abs(loss - exact_loss) <= LOSS_RTOL * exact_loss, (loss, exact_loss)
    assert_allclose(np.append(w, b), np.append(exact_w, exact_b), rtol=COEF_RTOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_is_the_exact_optimum_on_year_and_population(seed):
    """On year-like (1952..2007) and population-like (1e5..1e9) columns: the exact optimum."""
    X, y = gapminder_like(seed)
    assert_is_optimum(X, y, *sklearn_reference(X, y))


def test_plain_linear_regression_on_raw_columns_fails_that_test():
    """The old reference, LinearRegression on raw X, drops the year and fails assert_is_optimum."""
    X, y = gapminder_like(0)
    model = LinearRegression().fit(X, y)
    assert abs(model.coef_[0]) < 1e-10
    with pytest.raises(AssertionError):
        assert_is_optimum(X, y, model.coef_, model.intercept_)


def test_reference_agrees_with_lstsq_on_the_standardised_design():
    """A second independent method, lstsq on [Z 1] mapped back, gives the same fit to 1e-12."""
    X, y = gapminder_like(3)
    w, b = sklearn_reference(X, y)
    lstsq_w, lstsq_b = standardised_lstsq(X, y)
    assert_allclose(np.append(w, b), np.append(lstsq_w, lstsq_b), rtol=LSTSQ_RTOL)


def test_exact_solver_catches_a_wrong_optimum():
    """The exact checker rejects an optimum whose year weight is off by one part in 1e8."""
    X, y = gapminder_like(0)
    w, b = sklearn_reference(X, y)
    with pytest.raises(AssertionError):
        assert_is_optimum(X, y, w * [1 + 1e-8, 1.0], b)


def test_reference_matches_gradcore_statistics_optimum():
    """sklearn_reference and regression_statistics' own solver agree (both scale-aware)."""
    X, y = gapminder_like(4)
    stats = regression_statistics(X, y)
    w, b = sklearn_reference(X, y)
    assert_allclose(np.append(w, b), np.append(stats.w_opt, stats.b_opt), rtol=1e-9)


def test_collinear_columns_reach_the_smallest_loss(rng):
    """With a duplicated direction the fit is one of many optima: zero gradient, the least loss."""
    x, z = rng.standard_normal(80), rng.standard_normal(80)
    X = np.column_stack([x, 2 * x, z])
    y = 3 * x - z + 0.1 * rng.standard_normal(80)
    w, b = sklearn_reference(X, y)
    grad_w, grad_b = mse_gradient(X, y, w, b)
    assert np.abs(np.append(grad_w, grad_b)).max() < 1e-12
    smallest = exact_least_squares(np.column_stack([x, z]), y)[2]
    assert mse_loss(X, y, w, b) == pytest.approx(smallest, rel=LOSS_RTOL)
    assert w[0] * 1 + w[1] * 2 == pytest.approx(3.0, abs=0.05)


def test_constant_column_gets_weight_zero(rng):
    """A constant column (here 1e6) gets weight exactly 0 and the others are the exact optimum."""
    x = rng.standard_normal(50)
    X = np.column_stack([x, np.full(50, 1e6)])
    y = 2 * x + 1 + 0.1 * rng.standard_normal(50)
    w, b = sklearn_reference(X, y)
    assert w[1] == 0.0
    exact_w, exact_b, _ = exact_least_squares(x[:, None], y)
    assert_allclose([w[0], b], [exact_w[0], exact_b], rtol=COEF_RTOL)


def test_more_features_than_rows_interpolates(rng):
    """d >= N: many exact fits; the reference is one of them (loss at rounding level)."""
    X, y = rng.standard_normal((4, 6)), rng.standard_normal(4)
    w, b = sklearn_reference(X, y)
    assert mse_loss(X, y, w, b) < 1e-26 * np.var(y)


def test_reference_does_not_mutate_its_inputs():
    """X and y are the same after sklearn_reference."""
    X, y = gapminder_like(0, countries=10)
    copies = X.copy(), y.copy()
    sklearn_reference(X, y)
    assert_allclose(X, copies[0], rtol=0)
    assert_allclose(y, copies[1], rtol=0)


def test_loss_difference_keeps_digits_that_two_losses_cancel(rng):
    """L1 - L2 near the optimum on data offset by 1e6: exact to 1e-9; mse_loss - mse_loss is off by 1e-5+."""
    X = rng.standard_normal((200, 1)) + 1e6
    y = 2 * X[:, 0] - 2e6 + rng.standard_normal(200)
    w, b = sklearn_reference(X, y)
    nudged = (w + 1e-4, b - 1e-4 * 1e6)
    gap, rounding = loss_difference(X, y, nudged, (w, b))
    rows = [(Fraction(float(x)), Fraction(float(t))) for x, t in zip(X[:, 0], y, strict=True)]

    def exact_loss(w_, b_):
        w_, b_ = Fraction(float(w_[0])), Fraction(float(b_))
        return sum((w_ * x + b_ - t) ** 2 for x, t in rows) / len(rows)

    exact = float(exact_loss(*nudged) - exact_loss(w, b))
    assert exact > 0
    assert gap == pytest.approx(exact, rel=1e-9)
    assert rounding < 1e-3 * exact
    naive = mse_loss(X, y, *nudged) - mse_loss(X, y, w, b)
    assert abs(naive - exact) > 1e-5 * exact


def test_gd_short_of_the_optimum_is_named_as_the_higher_loss(rng):
    """Few GD steps: gradient descent has the higher loss, and the message says by how much."""
    X, y = gapminder_like(0)
    scaler = Standardizer.fit(X)
    Z = scaler.transform(X)
    trajectory = gradient_descent(Z, y, 0.1 * max_stable_learning_rate(Z), 5)
    comparison = compare_with_sklearn(X, y, trajectory, standardizer=scaler)
    assert not comparison.agrees and comparison.higher_loss == "gradient descent"
    assert "Gradient descent has not reached the optimum yet: its loss is" in comparison.message
    assert "% above the reference's" in comparison.message
    assert "reference has the higher loss" not in comparison.message


def test_a_worse_reference_is_named_as_the_higher_loss():
    """Against the raw LinearRegression fit, converged GD is the better one and the message says so."""
    X, y = gapminder_like(0)
    bad = LinearRegression().fit(X, y)
    scaler = Standardizer.fit(X)
    Z = scaler.transform(X)
    trajectory = gradient_descent(Z, y, 0.9 * max_stable_learning_rate(Z), 10_000, tol=1e-12)
    comparison = compare_with_sklearn(X, y, trajectory, standardizer=scaler,
                                      reference=(bad.coef_, bad.intercept_))
    assert not comparison.agrees and comparison.higher_loss == "reference"
    assert comparison.loss_gap < 0
    assert "The reference has the higher loss: scikit-learn's loss is 24% above" in comparison.message
    assert "not reached" not in comparison.message


@pytest.mark.parametrize("which", ["gradient descent", "reference"])
def test_non_unique_optimum_names_the_higher_loss(rng, which):
    """Collinear data: when the losses differ, the message says which side is higher."""
    x = rng.standard_normal(60)
    X = np.column_stack([x, 2 * x])
    y = 3 * x + 0.1 * rng.standard_normal(60)
    best = sklearn_reference(X, y)
    worse = (best[0] + 0.1, best[1])
    result, reference = (worse, best) if which == "gradient descent" else (best, worse)
    comparison = compare_with_sklearn(X, y, result, reference=reference)
    assert not comparison.unique_optimum and not comparison.agrees
    assert comparison.higher_loss == which
    expected = "has not reached the optimum" if which == "gradient descent" else "reference has the higher loss"
    assert expected in comparison.message


def test_losses_equal_to_rounding_blame_neither(rng):
    """Coefficients one ulp apart with rtol 0 differ, but neither loss is called the higher."""
    X, y = gapminder_like(0, countries=20)
    w, b = sklearn_reference(X, y)
    comparison = compare_with_sklearn(X, y, (np.nextafter(w, np.inf), b), rtol=0.0,
                                      reference=(w, b))
    assert not comparison.agrees and comparison.higher_loss == "neither"
    assert "equal to rounding" in comparison.message


def test_agreeing_comparison_has_no_blame_sentence(rng):
    """When GD matches, the message says they agree and names no higher loss."""
    X = rng.standard_normal((100, 2))
    y = X @ [1.0, -2.0] + 0.5 + 0.1 * rng.standard_normal(100)
    comparison = compare_with_sklearn(X, y, sklearn_reference(X, y))
    assert comparison.agrees and comparison.message.startswith("Gradient descent and scikit-learn agree")
    assert "higher loss" not in comparison.message and "not reached" not in comparison.message


@pytest.mark.parametrize(("scale", "phrase"), [(1.001, "% above the reference's"),
                                               (1e4, "times the reference's")])
def test_the_gap_is_written_as_percent_or_as_a_multiple(rng, scale, phrase):
    """A small excess loss reads as a percentage, a huge one (a diverged run) as 'N times'."""
    X = rng.standard_normal((50, 1))
    y = 3 * X[:, 0] + 1 + 0.5 * rng.standard_normal(50)
    w, b = sklearn_reference(X, y)
    comparison = compare_with_sklearn(X, y, (w * scale, b))
    assert comparison.higher_loss == "gradient descent" and phrase in comparison.message
    assert not re.search(r"[0-9,]{8,}", comparison.message)
